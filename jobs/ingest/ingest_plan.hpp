// The ingest plan: which files make which tables, their headers and merged schemas, and the
// byte-range work units they are split into. Rank 0 builds it (listing files, reading headers)
// and broadcasts it; then every rank scans its share of the ranges for newlines and quotes, and an
// allgather gives each range's quote state and line number at its start, so ranges can be parsed
// anywhere and still cut exactly at record boundaries (quoted newlines included). A compressed
// file is one unit: the ranks sharing it each decompress it and cut the same record-aligned
// blocks (record_blocks.hpp), so it needs no scan; so is a SAS table (its ranks share its rows).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/catalog.hpp"
#include "core/column.hpp"
#include "core/csv/decompress.hpp"
#include "core/csv/table_parser.hpp"
#include "jobs/ingest/ingest_config.hpp"
#include "jobs/ingest/input_discovery.hpp"
#include "runtime/communicator.hpp"

namespace snds {

struct InputFile {
  std::string path;
  TableName table;
  uint64_t size = 0;
  int64_t mtime = 0;
  // .gz / .zst / .bz2: read as a stream of record-aligned blocks (core/csv/record_blocks.hpp)
  // instead of byte ranges.
  InputCompression compression = InputCompression::kNone;
  // Bytes of CSV: the size for a plain file, an estimate from the first megabyte for a
  // compressed one (how the read is spread over ranks).
  uint64_t csv_bytes = 0;
  uint64_t body_offset = 0;  // first byte after the header (of the decompressed data)
  uint64_t body_line = 2;
  uint32_t header_crc = 0;  // CRC32 of bytes [0, body_offset) (plain files)
  HeaderMap header;         // how its records map to columns

  // A SAS table (.sas7bdat, core/sas): read in row ranges through ReadStat, not as CSV.
  bool sas = false;
  uint64_t sas_rows = 0;           // rows the table announces
  std::vector<uint8_t> sas_cells;  // per variable, a SasCell: how its values become text

  bool compressed() const { return compression != InputCompression::kNone; }
  // Read as a stream of blocks (compressed CSV, SAS tables), not as scanned byte ranges.
  bool streamed() const { return compressed() || sas; }
};

struct WorkUnit {
  uint32_t file = 0;
  uint64_t begin = 0;  // raw range [begin, end) of a plain file; whole file when compressed
  uint64_t end = 0;
  // Filled by the scan: quote state and newlines before `begin` (from the file start).
  bool in_quotes = false;
  uint64_t newlines_before = 0;
};

struct IngestPlan {
  std::vector<InputFile> files;  // sorted by path: a file's index is part of `_src`
  std::vector<WorkUnit> units;   // grouped by file, ascending offsets
  // Per table instance: the union of its files' columns (catalog order, then extras by name).
  std::map<std::string, std::vector<HeaderColumn>> schemas;
  uint64_t total_bytes = 0;
  // Rank 0 only (not encoded): every file of the inputs, taken or not (input_discovery.hpp), in
  // walk order; the manifest lists them.
  std::vector<ListedFile> listing;

  Bytes encode() const;
  static IngestPlan decode(const Bytes& b);
  // Inputs identity for resume: paths, sizes, mtimes.
  std::string fingerprint() const;
};

// A file name that looks like an SNDS table's without being one snds-batch takes:
// "ER_PHA_F2020.csv", "er_prs_f.csv", "T_MCO2020B.csv" (a known table name, any case, at its
// start), or capitals, '_', then a year ("ER_UCD_F_2019.csv").
bool looks_like_snds_table(std::string_view file_name);
// A file not taken because its name is no table's, though it looks like one.
bool misnamed_table(const ListedFile& file);

// Rank 0: lists and reads headers. Throws data_error for unreadable files and bad headers,
// usage_error when no input table is found.
IngestPlan build_plan(const IngestConfig& config);
// Collective: scans every plain unit (spread over ranks and threads) and fills in_quotes and
// newlines_before on every rank.
void scan_units(Communicator& comm, IngestPlan& plan, int threads);

}  // namespace snds
