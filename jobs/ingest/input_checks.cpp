// Per-file checksums of the inputs, duplicated extracts and the resume record (input_checks.hpp).
#include "jobs/ingest/input_checks.hpp"

#include <zlib.h>

#include <algorithm>
#include <map>
#include <sstream>
#include <tuple>
#include <unordered_map>

#include <fmt/format.h>

#include "core/store/store_layout.hpp"

namespace snds {

std::vector<FileSums> sum_files(const IngestPlan& plan, const std::vector<UnitStats>& units) {
  std::vector<FileSums> sums(plan.files.size());
  for (size_t i = 0; i < plan.files.size(); ++i) {
    const InputFile& f = plan.files[i];
    if (f.streamed()) continue;
    // A plain file's header is not in any unit: its checksum was taken when the plan was built.
    sums[i].crc = sums[i].content_crc = f.header_crc;
    sums[i].content_bytes = f.body_offset;
  }
  // Units in file order: CRC32s combine left to right.
  std::vector<const UnitStats*> ordered;
  for (const auto& u : units) ordered.push_back(&u);
  std::sort(ordered.begin(), ordered.end(),
            [](const UnitStats* a, const UnitStats* b) { return a->unit < b->unit; });
  for (const UnitStats* u : ordered) {
    const InputFile& f = plan.files[plan.units[u->unit].file];
    FileSums& s = sums[plan.units[u->unit].file];
    if (f.streamed()) {  // every rank reading a part of it checksummed all of it
      s.crc = u->crc;
      s.content_crc = u->content_crc;
      s.content_bytes = u->content_len;
    } else {
      s.crc = static_cast<uint32_t>(crc32_combine(s.crc, u->crc, static_cast<z_off_t>(u->crc_len)));
      s.content_crc = s.crc;
      s.content_bytes += u->content_len;
    }
    s.rows_read += u->rows_read;
    s.rejected += u->rejected;
    s.invalid_utf8 += u->invalid_utf8;
  }
  return sums;
}

std::vector<std::vector<uint32_t>> duplicate_files(const IngestPlan& plan,
                                                   const std::vector<FileSums>& sums) {
  // Only files with rows: two header-only files of one table are alike and harmless.
  std::map<std::tuple<uint32_t, uint64_t>, std::vector<uint32_t>> by_content;
  for (uint32_t i = 0; i < plan.files.size(); ++i)
    if (sums[i].rows_read > 0)
      by_content[{sums[i].content_crc, sums[i].content_bytes}].push_back(i);
  std::vector<std::vector<uint32_t>> out;
  for (auto& [key, files] : by_content)
    if (files.size() > 1) out.push_back(std::move(files));
  std::sort(out.begin(), out.end());
  return out;
}

std::string inputs_record(const IngestPlan& plan, const std::vector<FileSums>& sums) {
  std::string out;
  for (size_t i = 0; i < plan.files.size(); ++i)
    out += fmt::format("{:08x} {} {}\n", sums[i].crc, plan.files[i].size, plan.files[i].path);
  return out;
}

std::filesystem::path inputs_record_path(const std::filesystem::path& store) {
  return store_state_dir(store) / "inputs";
}

std::string inputs_difference(const std::string& before, const std::string& now) {
  if (before == now) return "";
  // Lines are "crc bytes path", in the same path order (the resume fingerprint checked the list).
  std::istringstream a(before), b(now);
  std::string la, lb;
  while (std::getline(b, lb)) {
    if (!std::getline(a, la)) la.clear();
    if (la == lb) continue;
    const auto path_at = lb.find(' ', lb.find(' ') + 1);
    return fmt::format("{} has other content than when the unfinished ingest read it",
                       lb.substr(path_at + 1));
  }
  return "the list of inputs differs from the unfinished ingest's";
}

namespace {

bool same_value(const Column& c, size_t a, size_t b) {
  switch (c.type) {
    case ColumnType::kInt64:
    case ColumnType::kDecimal:
      return c.ints[a] == c.ints[b];
    case ColumnType::kDate:
      return c.dates[a] == c.dates[b];
    case ColumnType::kString:
      return c.strings.at(a) == c.strings.at(b);
  }
  return false;
}

void append_value(std::string& key, const Column& c, size_t row) {
  if (c.type == ColumnType::kString) {
    const std::string_view v = c.strings.at(row);
    key += std::to_string(v.size());
    key += ':';
    key += v;
  } else {
    key += std::to_string(c.type == ColumnType::kDate ? static_cast<int64_t>(c.dates[row])
                                                      : c.ints[row]);
  }
  key += '|';
}

}  // namespace

RepeatedKeys repeated_keys(const Batch& rows, std::span<const std::string_view> key_columns) {
  RepeatedKeys out;
  std::vector<const Column*> keys;
  for (auto name : key_columns) {
    const int i = rows.find(name);
    if (i < 0) return out;  // a table without its key columns has no keys to repeat
    keys.push_back(&rows.columns[static_cast<size_t>(i)]);
  }
  std::unordered_map<std::string, size_t> first;
  std::string key;
  for (size_t r = 0; r < rows.rows(); ++r) {
    key.clear();
    for (const Column* c : keys) append_value(key, *c, r);
    const auto [it, inserted] = first.try_emplace(key, r);
    if (inserted) continue;
    const bool identical =
        std::all_of(rows.columns.begin(), rows.columns.end(),
                    [&](const Column& c) { return same_value(c, it->second, r); });
    ++(identical ? out.identical : out.conflicting);
  }
  return out;
}

}  // namespace snds
