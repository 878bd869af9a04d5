// Building, broadcasting and scanning the ingest plan.
#include "jobs/ingest/ingest_plan.hpp"

#include <omp.h>
#include <sys/stat.h>
#include <zlib.h>

#include <algorithm>
#include <filesystem>
#include <set>

#include "core/csv/csv_file.hpp"
#include "core/csv/range_split.hpp"
#include "core/error.hpp"
#include "core/hash.hpp"
#include "core/serialize.hpp"
#include "runtime/log.hpp"

namespace snds {
namespace fs = std::filesystem;

namespace {

// Enough of the start of a file to hold its header; grows for absurdly wide headers.
std::string read_file_start(const InputFile& f, size_t want) {
  if (!f.gzip) return read_file_range(f.path, 0, want);
  gzFile gz = gzopen(f.path.c_str(), "rb");
  if (!gz) throw data_error("cannot open {}", f.path);
  std::string buf(want, '\0');
  const int n = gzread(gz, buf.data(), static_cast<unsigned>(want));
  gzclose(gz);
  if (n < 0) throw data_error("{} is not a readable gzip file", f.path);
  buf.resize(static_cast<size_t>(n));
  return buf;
}

void read_header_of(InputFile& f) {
  for (size_t want = 1 << 16;; want *= 4) {
    const std::string start = read_file_start(f, want);
    const bool whole = start.size() < want;
    // A header is whole once a newline ends it; read_header needs the full header line.
    CsvHeader h;
    try {
      h = read_header(f.table.kind, start.data(), start.size(), f.path);
    } catch (const Error&) {
      if (!whole && want < (size_t(1) << 26)) continue;
      throw;
    }
    if (h.body_offset >= start.size() && !whole && want < (size_t(1) << 26)) continue;
    f.body_offset = h.body_offset;
    f.body_line = h.body_line;
    f.header_crc = static_cast<uint32_t>(
        crc32(0L, reinterpret_cast<const Bytef*>(start.data()), static_cast<uInt>(h.body_offset)));
    f.header = std::move(h.map);
    return;
  }
}

void add_file(IngestPlan& plan, const std::string& path, const TableName& table) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) throw data_error("input file {} cannot be read", path);
  InputFile f;
  f.path = path;
  f.table = table;
  f.size = static_cast<uint64_t>(st.st_size);
  f.mtime = static_cast<int64_t>(st.st_mtime);
  f.gzip = is_gzip_path(path);
  plan.files.push_back(std::move(f));
}

void merge_schema(std::vector<HeaderColumn>& into, const HeaderMap& m, const TableSpec& spec) {
  for (const auto& c : m.columns)
    if (std::none_of(into.begin(), into.end(),
                     [&](const HeaderColumn& x) { return x.name == c.name; }))
      into.push_back(c);
  // Canonical order: catalog columns in catalog order, then extras by name.
  auto rank_of = [&](const HeaderColumn& c) -> size_t {
    for (size_t i = 0; i < spec.columns.size(); ++i)
      if (spec.columns[i].name == c.name) return i;
    return spec.columns.size();
  };
  std::stable_sort(into.begin(), into.end(), [&](const HeaderColumn& a, const HeaderColumn& b) {
    const size_t ra = rank_of(a), rb = rank_of(b);
    if (ra != rb) return ra < rb;
    return ra == spec.columns.size() && a.name < b.name;
  });
}

}  // namespace

IngestPlan build_plan(const IngestConfig& config) {
  IngestPlan plan;
  if (!config.inputs_dir.empty()) {
    if (fs::exists(config.inputs_dir) && !fs::is_directory(config.inputs_dir))
      throw data_error("inputs {} is a file, not a folder: name the folder holding the extract",
                       config.inputs_dir);
    if (!fs::is_directory(config.inputs_dir))
      throw data_error("input folder {} does not exist", config.inputs_dir);
    std::vector<std::string> ignored;
    for (const auto& entry : fs::directory_iterator(config.inputs_dir)) {
      if (!entry.is_regular_file()) continue;
      const std::string name = entry.path().filename().string();
      if (auto t = table_for_file(name))
        add_file(plan, entry.path().string(), *t);
      else
        ignored.push_back(name);
    }
    if (!ignored.empty())
      log::info("ignoring {} file(s) in {} not named as an SNDS table snds-batch knows (e.g. {})",
                ignored.size(), config.inputs_dir, ignored.front());
  } else {
    for (const auto& [table, files] : config.inputs_by_table)
      for (const auto& f : files) add_file(plan, f, *parse_table_name(table));
  }
  if (plan.files.empty())
    throw usage_error("{}: no input table found in inputs", config.config_path);
  std::sort(plan.files.begin(), plan.files.end(),
            [](const InputFile& a, const InputFile& b) { return a.path < b.path; });
  for (size_t i = 1; i < plan.files.size(); ++i)
    if (plan.files[i].path == plan.files[i - 1].path)
      throw usage_error("{}: input file {} is listed twice", config.config_path,
                        plan.files[i].path);

  const uint64_t chunk = config.read_chunk_kb << 10;
  for (uint32_t i = 0; i < plan.files.size(); ++i) {
    InputFile& f = plan.files[i];
    read_header_of(f);
    merge_schema(plan.schemas[f.table.name], f.header, table_spec(f.table.kind));
    plan.total_bytes += f.size;
    if (f.gzip) {
      plan.units.push_back(WorkUnit{i, 0, f.size, false, 0});
      continue;
    }
    for (uint64_t a = f.body_offset; a < f.size; a += chunk)
      plan.units.push_back(WorkUnit{i, a, std::min(f.size, a + chunk), false, 0});
  }
  return plan;
}

Bytes IngestPlan::encode() const {
  Bytes b;
  ByteWriter w(b);
  w.put<uint64_t>(files.size());
  for (const auto& f : files) {
    w.put_string(f.path);
    w.put<uint8_t>(static_cast<uint8_t>(f.table.kind));
    w.put_string(f.table.name);
    w.put<int32_t>(f.table.year);
    w.put<uint64_t>(f.size);
    w.put<int64_t>(f.mtime);
    w.put<uint8_t>(f.gzip);
    w.put<uint64_t>(f.body_offset);
    w.put<uint64_t>(f.body_line);
    w.put<uint32_t>(f.header_crc);
    w.put<uint64_t>(f.header.columns.size());
    for (const auto& c : f.header.columns) {
      w.put_string(c.name);
      w.put<uint8_t>(static_cast<uint8_t>(c.type));
      w.put<uint8_t>(c.known);
    }
    w.put_vector(f.header.field_column);
  }
  w.put<uint64_t>(units.size());
  for (const auto& u : units) {
    w.put<uint32_t>(u.file);
    w.put<uint64_t>(u.begin);
    w.put<uint64_t>(u.end);
  }
  w.put<uint64_t>(schemas.size());
  for (const auto& [t, cols] : schemas) {
    w.put_string(t);
    w.put<uint64_t>(cols.size());
    for (const auto& c : cols) {
      w.put_string(c.name);
      w.put<uint8_t>(static_cast<uint8_t>(c.type));
      w.put<uint8_t>(c.known);
    }
  }
  w.put<uint64_t>(total_bytes);
  return b;
}

IngestPlan IngestPlan::decode(const Bytes& b) {
  IngestPlan p;
  ByteReader r(b);
  p.files.resize(r.get<uint64_t>());
  for (auto& f : p.files) {
    f.path = r.get_string();
    f.table.kind = static_cast<TableKind>(r.get<uint8_t>());
    f.table.name = r.get_string();
    f.table.year = r.get<int32_t>();
    f.size = r.get<uint64_t>();
    f.mtime = r.get<int64_t>();
    f.gzip = r.get<uint8_t>() != 0;
    f.body_offset = r.get<uint64_t>();
    f.body_line = r.get<uint64_t>();
    f.header_crc = r.get<uint32_t>();
    f.header.kind = f.table.kind;
    f.header.file = f.path;
    f.header.columns.resize(r.get<uint64_t>());
    for (auto& c : f.header.columns) {
      c.name = r.get_string();
      c.type = static_cast<ColumnType>(r.get<uint8_t>());
      c.known = r.get<uint8_t>() != 0;
    }
    f.header.field_column = r.get_vector<int>();
  }
  p.units.resize(r.get<uint64_t>());
  for (auto& u : p.units) {
    u.file = r.get<uint32_t>();
    u.begin = r.get<uint64_t>();
    u.end = r.get<uint64_t>();
  }
  const auto ns = r.get<uint64_t>();
  for (uint64_t i = 0; i < ns; ++i) {
    std::string t = r.get_string();
    auto& cols = p.schemas[t];
    cols.resize(r.get<uint64_t>());
    for (auto& c : cols) {
      c.name = r.get_string();
      c.type = static_cast<ColumnType>(r.get<uint8_t>());
      c.known = r.get<uint8_t>() != 0;
    }
  }
  p.total_bytes = r.get<uint64_t>();
  return p;
}

std::string IngestPlan::fingerprint() const {
  std::string s;
  for (const auto& f : files) s += fmt::format("{}|{}|{}\n", f.path, f.size, f.mtime);
  return fmt::format("{:016x}", hash_bytes(s));
}

void scan_units(Communicator& comm, IngestPlan& plan, int threads) {
  const auto n = static_cast<int64_t>(plan.units.size());
  std::vector<uint64_t> counts(static_cast<size_t>(2 * n), 0);  // newlines, quotes per unit
  std::vector<int64_t> mine;
  for (int64_t i = comm.rank(); i < n; i += comm.size())
    if (!plan.files[plan.units[static_cast<size_t>(i)].file].gzip) mine.push_back(i);
  std::exception_ptr error;
#pragma omp parallel for schedule(dynamic, 1) num_threads(threads)
  for (size_t k = 0; k < mine.size(); ++k) {
    try {
      const WorkUnit& u = plan.units[static_cast<size_t>(mine[k])];
      const std::string buf = read_file_range(plan.files[u.file].path, u.begin, u.end - u.begin);
      if (buf.size() != u.end - u.begin)
        throw data_error("{} changed size while being read", plan.files[u.file].path);
      const RangeScan s = scan_range(buf.data(), buf.size());
      counts[static_cast<size_t>(2 * mine[k])] = s.newlines;
      counts[static_cast<size_t>(2 * mine[k] + 1)] = s.quotes;
    } catch (...) {
#pragma omp critical
      if (!error) error = std::current_exception();
    }
  }
  if (error) std::rethrow_exception(error);
  comm.allreduce_sum(counts);
  // Exclusive prefix per file, from the body start (a record start with an even quote count).
  uint32_t file = UINT32_MAX;
  uint64_t newlines = 0, quotes = 0;
  for (size_t i = 0; i < plan.units.size(); ++i) {
    WorkUnit& u = plan.units[i];
    if (u.file != file) {
      file = u.file;
      newlines = plan.files[file].body_line - 1;
      quotes = 0;
    }
    u.newlines_before = newlines;
    u.in_quotes = quotes % 2 == 1;
    newlines += counts[2 * i];
    quotes += counts[2 * i + 1];
  }
}

}  // namespace snds
