// What the ingest proves about its inputs once it has read them (issue #12). Every byte range
// is checksummed while it is parsed (CRC32, no second pass over the data); summed per file they
// give the CRC32 of each input as stored and of its content (decompressed for .csv.gz/.zst/.bz2).
// With them the ingest
//   - refuses a duplicated extract: two files with the same content (a copy left in the folder,
//     or a .csv beside its own .csv.gz) would count every row twice;
//   - proves, before a resumed ingest keeps the shards an interrupted run wrote, that the inputs
//     are the ones those shards were built from (a file edited in place can keep its size and
//     modification time, which is all the resume fingerprint looks at).
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/column.hpp"
#include "jobs/ingest/ingest_plan.hpp"

namespace snds {

// One work unit's share of the read: checksums of its bytes and rows. Plain files: the unit's
// raw range (content = bytes as stored); compressed files: one entry per rank that read it, each
// with the whole file's checksums (every such rank decompresses all of it) and that rank's rows.
struct UnitStats {
  uint32_t unit = 0;
  uint32_t crc = 0;          // CRC32 of the bytes as stored
  uint32_t content_crc = 0;  // CRC32 of the content (decompressed)
  uint32_t unused = 0;       // keeps the struct free of padding (it is sent as bytes)
  uint64_t crc_len = 0;
  uint64_t content_len = 0;
  uint64_t rows_read = 0;
  uint64_t rejected = 0;
  uint64_t invalid_utf8 = 0;  // string values stored with U+FFFD for bytes that were no UTF-8
};

struct FileSums {
  uint32_t crc = 0;  // of the file as stored, header included
  uint32_t content_crc = 0;
  uint64_t content_bytes = 0;
  uint64_t rows_read = 0;
  uint64_t rejected = 0;
  uint64_t invalid_utf8 = 0;
};

// Per plan file, from every unit's stats (any order).
std::vector<FileSums> sum_files(const IngestPlan& plan, const std::vector<UnitStats>& units);

// Sets of input files (indexes in path order) whose contents are identical (same CRC32 and
// length) and hold at least one row; each set has two or more files.
std::vector<std::vector<uint32_t>> duplicate_files(const IngestPlan& plan,
                                                   const std::vector<FileSums>& sums);

// The record of what a store's shards are built from: one line per input (path, bytes, CRC32).
std::string inputs_record(const IngestPlan& plan, const std::vector<FileSums>& sums);
// Where an unfinished ingest keeps it (STORE/.ingest/inputs), written before any shard.
std::filesystem::path inputs_record_path(const std::filesystem::path& store);
// "" when the records agree, else one sentence on the first input that differs.
std::string inputs_difference(const std::string& before, const std::string& now);

// Rows that repeat the key of an earlier row of a table read by key (IR_BEN_R by BEN_NIR_PSA +
// BEN_RNG_GEM, IR_PHA_R by PHA_CIP_C13), in stored order: identical copies, and conflicting ones
// (another value in some column). Jobs take the first row of a key (stored order: input order
// within it), so a conflict is resolved by input order, and counted in the manifest.
struct RepeatedKeys {
  uint64_t identical = 0;
  uint64_t conflicting = 0;
};
RepeatedKeys repeated_keys(const Batch& rows, std::span<const std::string_view> key_columns);

}  // namespace snds
