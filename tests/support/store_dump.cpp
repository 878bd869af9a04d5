// Store dumps for content comparisons (see store_dump.hpp).
#include "tests/support/store_dump.hpp"

#include <algorithm>
#include <map>
#include <vector>

#include <fmt/format.h>

#include "core/store/shard_reader.hpp"
#include "core/store/store_layout.hpp"

namespace snds::test {
namespace fs = std::filesystem;

namespace {

std::string cell(const Column& c, size_t i) {
  switch (c.type) {
    case ColumnType::kInt64:
      return c.ints[i] == kMissingInt ? "" : std::to_string(c.ints[i]);
    case ColumnType::kDecimal:
      return format_decimal(c.ints[i]);
    case ColumnType::kDate:
      return format_iso_date(c.dates[i]);
    case ColumnType::kString:
      return std::string(c.strings.at(i));
  }
  return {};
}

void dump_file(const fs::path& file, const std::string& prefix, bool with_source,
               std::map<std::string, std::vector<std::string>>& out) {
  ShardReader reader(file);
  for (const auto& table : reader.tables()) {
    Batch b = reader.read_table(table);
    std::vector<size_t> order(b.columns.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    if (!with_source) std::erase_if(order, [&](size_t k) { return b.columns[k].name == "_src"; });
    std::sort(order.begin(), order.end(),
              [&](size_t x, size_t y) { return b.columns[x].name < b.columns[y].name; });
    std::string header;
    for (size_t k : order) header += b.columns[k].name + "|";
    auto& lines = out[table];
    // Every shard names the same columns: one header line per distinct column list.
    if (std::find(lines.begin(), lines.end(), " " + header) == lines.end())
      lines.push_back(" " + header);
    for (size_t r = 0; r < b.rows(); ++r) {
      std::string line = prefix;
      for (size_t k : order) line += cell(b.columns[k], r) + "|";
      lines.push_back(line);
    }
  }
}

}  // namespace

std::string dump_store(const fs::path& store, bool per_shard, bool with_source) {
  std::map<std::string, std::vector<std::string>> tables;
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(store / "shards"))
    if (e.path().extension() == ".h5") files.push_back(e.path());
  std::sort(files.begin(), files.end());
  for (const auto& f : files)
    dump_file(f, per_shard ? f.filename().string() + ":" : "", with_source, tables);
  if (fs::exists(store_referential_path(store)))
    dump_file(store_referential_path(store), "", with_source, tables);
  std::string out;
  for (auto& [table, lines] : tables) {
    std::sort(lines.begin(), lines.end());
    out += "== " + table + "\n";
    for (const auto& l : lines) out += l + "\n";
  }
  return out;
}

}  // namespace snds::test
