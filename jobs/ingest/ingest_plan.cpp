// Building, broadcasting and scanning the ingest plan.
#include "jobs/ingest/ingest_plan.hpp"

#include <omp.h>
#include <sys/stat.h>
#include <zlib.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <set>

#include "core/csv/csv_file.hpp"
#include "core/csv/decompress.hpp"
#include "core/csv/range_split.hpp"
#include "core/error.hpp"
#include "core/hash.hpp"
#include "core/sas/sas_table.hpp"
#include "core/serialize.hpp"
#include "jobs/ingest/input_discovery.hpp"
#include "runtime/log.hpp"

#include <fmt/ranges.h>

namespace snds {
namespace fs = std::filesystem;

namespace {

// Enough of the start of a file to hold its header; grows for absurdly wide headers.
std::string read_file_start(const InputFile& f, size_t want) {
  if (!f.compressed()) return read_file_range(f.path, 0, want);
  DecompressStream in(f.path, f.compression);
  std::string buf(want, '\0');
  buf.resize(in.read(buf.data(), want));
  return buf;
}

// The CSV bytes of a compressed file, from the ratio of its first megabyte (exact for a file
// that small): what the read's spreading over ranks weighs it by.
uint64_t estimate_csv_bytes(const InputFile& f) {
  DecompressStream in(f.path, f.compression);
  std::string buf(size_t{1} << 16, '\0');
  uint64_t first_piece = 0;  // file bytes read by the stream's first refill
  for (;;) {
    if (in.read(buf.data(), buf.size()) == 0) return in.bytes_out();
    if (first_piece == 0) {
      first_piece = in.file_bytes_read();
    } else if (in.file_bytes_read() > first_piece) {
      const double ratio = static_cast<double>(in.bytes_out()) / static_cast<double>(first_piece);
      return static_cast<uint64_t>(ratio * static_cast<double>(f.size));
    }
  }
}

void read_header_of(InputFile& f, char delimiter, std::vector<std::string>* missing) {
  if (f.sas) {
    // The variables are the header; no bytes precede the rows (header_crc stays 0).
    const SasTableInfo info = read_sas_info(f.path);
    std::vector<std::string> absent;
    f.header = sas_header_map(table_spec(f.table), info, f.path, &absent);
    missing->swap(absent);
    f.sas_rows = info.rows;
    for (SasCell c : sas_cells(info, f.header)) f.sas_cells.push_back(static_cast<uint8_t>(c));
    f.body_offset = 0;
    f.body_line = 1;
    return;
  }
  for (size_t want = 1 << 16;; want *= 4) {
    const std::string start = read_file_start(f, want);
    const bool whole = start.size() < want;
    // A header is whole once a newline ends it; read_header needs the full header line.
    CsvHeader h;
    std::vector<std::string> absent;
    try {
      h = read_header(table_spec(f.table), start.data(), start.size(), f.path, delimiter, &absent);
    } catch (const Error&) {
      if (!whole && want < (size_t(1) << 26)) continue;
      throw;
    }
    if (h.body_offset >= start.size() && !whole && want < (size_t(1) << 26)) continue;
    missing->swap(absent);
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
  f.compression = input_compression_of(path);
  f.sas = input_format(path) == "sas7bdat";
  plan.files.push_back(std::move(f));
}

std::vector<std::string> table_names(const IngestPlan& plan) {
  std::set<std::string> names;
  for (const auto& f : plan.files) names.insert(f.table.name);
  return {names.begin(), names.end()};
}

// The `delimiters:` config key resolved per file: a key names a file (its path relative to the
// inputs folder, or as given in the inputs map), a file name, or a table ("ER_PRS_F",
// "T_MCO19B"); the most specific wins. A key that names nothing is a config error (a typo would
// otherwise leave the file sniffed in silence).
std::map<std::string, char> delimiter_overrides(const IngestConfig& config,
                                                const IngestPlan& plan) {
  std::map<std::string, char> out;
  std::set<std::string> used;
  for (const ListedFile& l : plan.listing) {
    if (!l.taken) continue;
    const std::string name = fs::path(l.path).filename().string();
    for (const std::string& key : {l.relative, l.path, name, l.table->name}) {
      auto it = config.delimiters.find(key);
      if (it == config.delimiters.end()) continue;
      out[l.path] = it->second;
      used.insert(key);
      break;
    }
  }
  for (const auto& [key, d] : config.delimiters)
    if (!used.count(key))
      throw usage_error("{}: delimiters: {} names no input file or table of the inputs",
                        config.config_path, key);
  return out;
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

// Refusals on the set of tables, before anything is read: an extract without its patient table
// would give every job an empty answer, and DCIR detail lines (pharmacy, acts, lab tests) without
// their claims would all be orphans.
void check_tables(const IngestConfig& config, const IngestPlan& plan) {
  const std::string where = config.inputs_dir.empty() ? config.config_path : config.inputs_dir;
  auto has = [&](TableKind k) {
    return std::any_of(plan.files.begin(), plan.files.end(),
                       [&](const InputFile& f) { return f.table.kind == k; });
  };
  if (plan.files.empty())
    throw data_error(
        "no input table found in {} ({} file(s), none named as an SNDS table the ingest reads): "
        "an ingest needs at least IR_BEN_R",
        where, plan.listing.size());
  if (!has(TableKind::kIrBenR))
    throw data_error(
        "no IR_BEN_R file in {} (found {}): without the patient table every job's answer would be "
        "empty, so nothing was ingested",
        where, fmt::join(table_names(plan), ", "));
  std::set<std::string> dcir_details;
  for (const auto& f : plan.files)
    if (table_spec(f.table).link == TableLink::kDcirDetail) dcir_details.insert(f.table.name);
  if (!dcir_details.empty() && !has(TableKind::kErPrsF))
    throw data_error(
        "{} {} in {} but no ER_PRS_F: DCIR detail lines join their claims on ER_PRS_F, so "
        "nothing was ingested",
        fmt::join(dcir_details, ", "), dcir_details.size() == 1 ? "is" : "are", where);
}

}  // namespace

bool looks_like_snds_table(std::string_view file_name) {
  const std::string_view stem = file_name.substr(0, file_name.find('.'));
  std::string upper(stem);
  for (auto& ch : upper) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  for (const auto& spec : all_table_specs()) {
    // A yearly table's name up to its year ("T_MCO" of T_MCOaaB, "CT_DEP_" of CT_DEP_AAAA_GN).
    const std::string_view known =
        spec.pattern.substr(0, std::min(spec.pattern.find("aa"), spec.pattern.find("AAAA")));
    if (upper.starts_with(known)) return true;
  }
  // [A-Z]{2,}_[A-Z0-9_]* with a run of 2 or 4 digits (a year) somewhere after the '_'.
  size_t i = 0;
  while (i < stem.size() && std::isupper(static_cast<unsigned char>(stem[i]))) ++i;
  if (i < 2 || i >= stem.size() || stem[i] != '_') return false;
  size_t digits = 0;
  bool year = false;
  for (++i; i < stem.size(); ++i) {
    const auto c = static_cast<unsigned char>(stem[i]);
    if (!std::isupper(c) && !std::isdigit(c) && c != '_') return false;
    digits = std::isdigit(c) ? digits + 1 : 0;
    if (digits == 2 || digits == 4) year = true;
  }
  return year;
}

bool misnamed_table(const ListedFile& file) {
  if (file.taken || file.table) return false;
  const size_t slash = file.relative.find_last_of('/');
  return looks_like_snds_table(slash == std::string::npos
                                   ? std::string_view(file.relative)
                                   : std::string_view(file.relative).substr(slash + 1));
}

IngestPlan build_plan(const IngestConfig& config) {
  IngestPlan plan;
  if (!config.inputs_dir.empty()) {
    plan.listing = discover_inputs(config.inputs_dir, config.store);
  } else {
    for (const auto& [table, files] : config.inputs_by_table)
      for (const auto& f : files) {
        ListedFile l;
        l.path = l.relative = f;
        l.table = *parse_table_name(table);
        l.taken = true;
        plan.listing.push_back(std::move(l));
      }
  }
  std::sort(plan.listing.begin(), plan.listing.end(),
            [](const ListedFile& a, const ListedFile& b) { return a.path < b.path; });
  // The summary names what is left out (the manifest lists every file): at most a screenful.
  constexpr size_t kNamed = 20;
  size_t not_taken = 0;
  for (const ListedFile& l : plan.listing) {
    if (l.taken) {
      add_file(plan, l.path, *l.table);
    } else if (misnamed_table(l)) {
      // Loud, whatever the count: its table will be missing from the store.
      ++not_taken;
      log::warn(
          "{} is named like an SNDS table but matches no name the ingest takes (TABLE.csv, "
          "TABLE_<anything>.csv, .csv.gz, .sas7bdat; T_MCOyyB with a two-digit year): it is NOT "
          "ingested, "
          "and jobs needing its table will fail; rename it if it belongs to the extract",
          l.path);
    } else if (++not_taken <= kNamed) {
      log::info("not read: {} ({})", l.relative, l.reason);
    }
  }
  if (not_taken > kNamed)
    log::info("not read: {} more file(s), listed with the reason in the store's manifest",
              not_taken - kNamed);
  std::sort(plan.files.begin(), plan.files.end(),
            [](const InputFile& a, const InputFile& b) { return a.path < b.path; });
  for (size_t i = 1; i < plan.files.size(); ++i)
    if (plan.files[i].path == plan.files[i - 1].path)
      throw usage_error("{}: input file {} is listed twice", config.config_path,
                        plan.files[i].path);

  check_tables(config, plan);

  // Every file's header, then one refusal naming every missing column of every file: a delivery
  // is fixed in one go, not one column per run.
  const std::map<std::string, char> delimiters = delimiter_overrides(config, plan);
  std::vector<std::string> lacking;
  for (InputFile& f : plan.files) {
    std::vector<std::string> missing;
    auto forced = delimiters.find(f.path);
    read_header_of(f, forced == delimiters.end() ? 0 : forced->second, &missing);
    if (!missing.empty())
      lacking.push_back(fmt::format("{} lacks {}", f.path, fmt::join(missing, ", ")));
  }
  if (!lacking.empty())
    throw data_error("{} input file(s) lack required columns, nothing was ingested: {}",
                     lacking.size(), fmt::join(lacking, "; "));

  const uint64_t chunk = config.read_chunk_kb << 10;
  for (uint32_t i = 0; i < plan.files.size(); ++i) {
    InputFile& f = plan.files[i];
    merge_schema(plan.schemas[f.table.name], f.header, table_spec(f.table));
    plan.total_bytes += f.size;
    // A SAS table weighs its size: fixed-width rows, about as many bytes as their CSV.
    f.csv_bytes = f.compressed() ? estimate_csv_bytes(f) : f.size;
    if (f.streamed()) {
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
    w.put<uint16_t>(f.table.id);
    w.put<uint64_t>(f.size);
    w.put<int64_t>(f.mtime);
    w.put<uint8_t>(static_cast<uint8_t>(f.compression));
    w.put<uint64_t>(f.csv_bytes);
    w.put<uint64_t>(f.body_offset);
    w.put<uint64_t>(f.body_line);
    w.put<uint32_t>(f.header_crc);
    w.put<uint64_t>(f.header.columns.size());
    for (const auto& c : f.header.columns) {
      w.put_string(c.name);
      w.put<uint8_t>(static_cast<uint8_t>(c.type));
      w.put<uint8_t>(c.known);
      w.put<uint8_t>(static_cast<uint8_t>(c.rule));
    }
    w.put_vector(f.header.field_column);
    w.put<char>(f.header.delimiter);
    w.put<uint8_t>(f.sas);
    w.put<uint64_t>(f.sas_rows);
    w.put_vector(f.sas_cells);
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
    f.table.id = r.get<uint16_t>();
    f.size = r.get<uint64_t>();
    f.mtime = r.get<int64_t>();
    f.compression = static_cast<InputCompression>(r.get<uint8_t>());
    f.csv_bytes = r.get<uint64_t>();
    f.body_offset = r.get<uint64_t>();
    f.body_line = r.get<uint64_t>();
    f.header_crc = r.get<uint32_t>();
    f.header.spec = &table_spec(f.table);
    f.header.file = f.path;
    f.header.columns.resize(r.get<uint64_t>());
    for (auto& c : f.header.columns) {
      c.name = r.get_string();
      c.type = static_cast<ColumnType>(r.get<uint8_t>());
      c.known = r.get<uint8_t>() != 0;
      c.rule = static_cast<ValueRule>(r.get<uint8_t>());
    }
    f.header.field_column = r.get_vector<int>();
    f.header.delimiter = r.get<char>();
    f.sas = r.get<uint8_t>() != 0;
    f.sas_rows = r.get<uint64_t>();
    f.sas_cells = r.get_vector<uint8_t>();
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
    if (!plan.files[plan.units[static_cast<size_t>(i)].file].streamed()) mine.push_back(i);
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
