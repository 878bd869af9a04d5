// A procedurally written SNDS extract for ingest tests, independent of the generator: N patients
// with claims, pharmacy lines (some orphans), stays (some without their C row), a drug
// referential, and the input quirks (three date forms, decimal commas, quoted fields with `;`,
// `""` and newlines, NUM_ENQ, shuffled columns, extra columns, rejected rows). It knows how
// many rows of each table it wrote, rejected and orphaned, so tests can reconcile exactly.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>

namespace snds::test {

struct MiniCounts {
  uint64_t written = 0;   // data rows
  uint64_t rejected = 0;  // of which malformed on purpose
  uint64_t orphans = 0;   // detail rows without parent
};

// Writes the extract into `dir`; returns per table instance name its counts.
std::map<std::string, MiniCounts> write_mini_extract(const std::filesystem::path& dir, int patients,
                                                     uint64_t seed, bool gzip_some = false);

// Writes an ingest config at `path`.
void write_ingest_config(const std::filesystem::path& path, const std::filesystem::path& inputs,
                         const std::filesystem::path& store, int shards,
                         const std::string& extra = "");

}  // namespace snds::test
