// The ingest config (reference section 4, plus the operational settings documented in
// docs/ingest.md): where the extracts are, where the store goes, how many shards, the reject
// limit, the memory budget and the scratch folder for spills.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <boost/json.hpp>

#include "runtime/config.hpp"

namespace snds {

inline constexpr uint64_t kMiB = uint64_t(1) << 20;

struct IngestConfig {
  std::string config_path;
  std::string store;
  uint32_t shards = 64;
  // Either a folder (tables found by file name) or explicit files per table instance name.
  std::string inputs_dir;
  std::map<std::string, std::vector<std::string>> inputs_by_table;
  // `delimiters:` (docs/ingest.md): a file's or a table's CSV delimiter, instead of the one
  // sniffed from its header. Keys: a path relative to the inputs folder, a file name or a table.
  std::map<std::string, char> delimiters;
  double max_reject_ratio = 0.001;
  // Two input files with the same content are a duplicated extract (exit 3) unless allowed.
  bool allow_duplicate_files = false;
  // Per parent table (ER_PRS_F, T_MCOyyC): rows repeating another row's join key / rows read,
  // above which the ingest fails (exit 3). The default is the share real extracts show.
  double max_duplicate_ratio = 0.01;
  // Per rank (fractions allowed); 0 when the config does not set it: resolve_memory_budget then
  // makes it kMemoryBudgetPerThreadMb per thread of the rank.
  double memory_budget_mb = 0;
  std::string scratch;  // spill folder; default $TMPDIR, else STORE/.ingest/spill
  std::string compression = "lz4";
  int compression_level = 0;       // zstd 1-22, deflate 0-9; lz4 and none have none
  uint64_t read_chunk_kb = 32768;  // size of the byte ranges plain files are split into

  boost::json::object to_json() const;
};

// Reads and validates an ingest config (all keys strictly checked).
IngestConfig read_ingest_config(ConfigMap& map);

// The default memory_budget_mb, per thread of a rank: memory follows the cores, as Slurm's
// --mem-per-cpu does, so 1 rank x 2 threads and 2 ranks x 1 thread hold (and spill) alike, and a
// rank of many threads is not left a shuffle share its read buffers have eaten.
inline constexpr double kMemoryBudgetPerThreadMb = 1024;

// Gives memory_budget_mb its default (kMemoryBudgetPerThreadMb x threads) when the config left it
// unset; a value the config sets is kept.
void resolve_memory_budget(IngestConfig& config, int threads);

}  // namespace snds
