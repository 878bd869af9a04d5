// Ingest config parsing and its resolved JSON form for the store manifest.
#include "jobs/ingest/ingest_config.hpp"

#include <algorithm>
#include <cstdlib>
#include <filesystem>

#include "core/catalog.hpp"
#include "core/csv/delimiter.hpp"
#include "core/error.hpp"
#include "core/store/shard_format.hpp"

namespace snds {

IngestConfig read_ingest_config(ConfigMap& map) {
  IngestConfig c;
  c.config_path = map.file();
  c.store = resolve_path(map, map.required_string("store"));
  c.shards = static_cast<uint32_t>(map.optional_int("shards", 64, 1, 1 << 20));
  if (!map.has("inputs")) map.fail("inputs", "is required (a folder, or a map TABLE: [files])");
  const YAML::Node inputs = map.node()["inputs"];
  if (inputs.IsScalar()) {
    c.inputs_dir = resolve_path(map, inputs.Scalar());
  } else if (inputs.IsMap()) {
    ConfigMap m = map.required_map("inputs");
    m.accept_all_keys();
    for (const std::string& table : m.keys()) {
      if (!parse_table_name(table))
        m.fail(table,
               "is not a table snds-batch knows (IR_BEN_R, ER_PRS_F, ER_PHA_F, IR_PHA_R, "
               "T_MCOyyB/C/D)");
      for (const auto& f : m.string_list(table, true))
        c.inputs_by_table[table].push_back(resolve_path(map, f));
    }
  } else {
    map.fail("inputs", "expected a folder or a map TABLE: [files]");
  }
  if (map.has("delimiters")) {
    ConfigMap m = map.required_map("delimiters");
    m.accept_all_keys();
    for (const std::string& key : m.keys()) {
      const auto d = parse_delimiter(m.required_string(key));
      if (!d) m.fail(key, "must be one of ';', ',', '|' or tab (or semicolon, comma, pipe)");
      c.delimiters[key] = *d;
    }
  }
  c.max_reject_ratio = map.optional_double("max_reject_ratio", 0.001, 0.0, 1.0);
  c.allow_duplicate_files = map.optional_bool("allow_duplicate_files", false);
  c.max_duplicate_ratio = map.optional_double("max_duplicate_ratio", 0.01, 0.0, 1.0);
  if (map.has("memory_budget_mb"))
    c.memory_budget_mb =
        map.optional_double("memory_budget_mb", kMemoryBudgetPerThreadMb, 0.01, 1e9);
  if (auto s = map.optional_string("scratch")) {
    c.scratch = resolve_path(map, *s);
  } else if (const char* tmp = std::getenv("TMPDIR"); tmp && *tmp) {
    c.scratch = (std::filesystem::path(tmp) / "snds-batch-spill").string();
  } else {
    c.scratch = (std::filesystem::path(c.store) / ".ingest" / "spill").string();
  }
  // lz4 by default: measured (docs/ingest.md) to make the ingest 10% faster and the jobs' reads
  // cheaper than zstd, for a store 40% larger; zstd for a smaller store, deflate for readers
  // without a filter plugin.
  c.compression = map.optional_string("compression").value_or("lz4");
  if (!parse_compression(c.compression))
    map.fail("compression", "must be " + compression_choices() + ", got '" + c.compression + "'");
  // deflate takes 0-9, zstd 1-22; lz4 and "none" have no level.
  c.compression_level =
      static_cast<int>(map.optional_int("compression_level", 1, c.compression == "zstd" ? 1 : 0,
                                        c.compression == "deflate" ? 9 : 22));
  if (c.compression == "lz4" || c.compression == "none") c.compression_level = 0;
  c.read_chunk_kb = static_cast<uint64_t>(map.optional_int("read_chunk_kb", 32768, 1, 4 << 20));
  map.finish();
  return c;
}

boost::json::object IngestConfig::to_json() const {
  boost::json::object o;
  o["store"] = store;
  o["shards"] = shards;
  if (!inputs_dir.empty()) {
    o["inputs"] = inputs_dir;
  } else {
    boost::json::object m;
    for (const auto& [t, files] : inputs_by_table) {
      boost::json::array a;
      for (const auto& f : files) a.push_back(boost::json::value(f));
      m[t] = std::move(a);
    }
    o["inputs"] = std::move(m);
  }
  // Only when given: a config without the key keeps the identity (resume fingerprint) it had.
  if (!delimiters.empty()) {
    boost::json::object d;
    for (const auto& [key, c] : delimiters) d[key] = delimiter_name(c);
    o["delimiters"] = std::move(d);
  }
  o["max_reject_ratio"] = max_reject_ratio;
  o["allow_duplicate_files"] = allow_duplicate_files;
  o["max_duplicate_ratio"] = max_duplicate_ratio;
  o["memory_budget_mb"] = memory_budget_mb;
  o["scratch"] = scratch;
  o["compression"] = compression;
  o["compression_level"] = compression_level;
  o["read_chunk_kb"] = read_chunk_kb;
  return o;
}

void resolve_memory_budget(IngestConfig& config, int threads) {
  if (config.memory_budget_mb <= 0)
    config.memory_budget_mb = kMemoryBudgetPerThreadMb * std::max(1, threads);
}

}  // namespace snds
