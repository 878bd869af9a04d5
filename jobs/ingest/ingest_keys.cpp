// Every key of an ingest config: what docs/reference.md section 4 shows and what
// tests/jobs/config_keys_test.cpp holds read_ingest_config to.
#include "jobs/config_keys.hpp"

namespace snds {

std::span<const KeySpec> ingest_keys() {
  static constexpr KeySpec kKeys[] = {
      {"store", "path", "required", "",
       "the store folder to create; an existing complete store is refused unless `--force`"},
      {"shards", "integer", "64", "1-1048576",
       "patient-hash shards, fixed at ingest, independent of the rank count"},
      {"inputs", "path or map", "required", "",
       "a folder (tables found by file name) or a map `TABLE: [files...]`"},
      {"inputs.*", "list of paths", "none", "", "the files of one table, in the map form"},
      {"delimiters", "map", "none", "",
       "forces a CSV delimiter instead of sniffing it from the header: keys are table names "
       "or file paths, values `;` `,` `|` or tab (or semicolon, comma, pipe)"},
      {"delimiters.**", "string", "none", "; , | tab", "the delimiter of that table or file"},
      {"max_reject_ratio", "number", "0.001", "0-1",
       "per table: rejected rows / rows read above this fails the ingest (exit 3)"},
      {"max_duplicate_ratio", "number", "0.01", "0-1",
       "per ER_PRS_F / T_MCOyyC: rows repeating another row's join key / rows stored above "
       "this fails the ingest (exit 3)"},
      {"allow_duplicate_files", "boolean", "false", "",
       "reads input files with identical content each time instead of refusing them (exit 3)"},
      {"memory_budget_mb", "number", "1024 x threads", "0.01-1e+09",
       "per rank (the default: 1024 per thread of the rank, as memory follows cores): what the "
       "rank holds before the read, the read's buffers, shuffled rows and the shard being "
       "written, spilled to `scratch` past it (docs/ingest.md, Bounded memory)"},
      {"scratch", "path", "none", "",
       "spill folder; default `$TMPDIR/snds-batch-spill`, else `STORE/.ingest/spill`"},
      {"compression", "string", "lz4", "lz4, zstd, deflate, none", "the shards' column codec"},
      {"compression_level", "integer", "1", "zstd 1-22, deflate 0-9",
       "codec level; lz4 and none have none"},
      {"read_chunk_kb", "integer", "32768", "1-4194304",
       "plain CSV files are split into byte ranges of this size, compressed ones into blocks "
       "of it, parsed in parallel"},
  };
  return kKeys;
}

}  // namespace snds
