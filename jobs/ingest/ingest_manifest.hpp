// The store's manifest (STORE/manifest.json, reference section 4): what an ingest read, stored,
// rejected and met, assembled on rank 0 from the totals the ranks summed, and the summary the
// ingest logs once the store is complete. Rows add up per table here (read = stored + rejected:
// nothing lost), or the ingest fails before the store is published.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <boost/json.hpp>

#include "core/events/persons.hpp"
#include "jobs/ingest/ingest_config.hpp"
#include "jobs/ingest/ingest_plan.hpp"
#include "jobs/ingest/input_checks.hpp"

namespace snds {

// Everything the manifest says, on rank 0 at the end of the ingest (counts summed over ranks).
struct IngestSummary {
  const IngestConfig* config = nullptr;
  const IngestPlan* plan = nullptr;
  std::string store_id;
  std::string created;  // UTC, ISO 8601
  uint32_t shards = 0;
  bool persons_moved = false;  // some pseudo-NIR routed to its person's shard (the shard hash)
  int ranks = 1;
  int threads = 1;
  std::vector<FileSums> file_sums;                     // per plan file
  std::vector<std::vector<uint32_t>> duplicate_files;  // allowed duplicates (plan file indexes)
  std::map<std::string, uint64_t> read, rejected;      // per table of the plan
  // Rows stored in shards, per stored table (orphan tables included); in the referential file,
  // per referential table.
  std::map<std::string, uint64_t> stored, referential_rows;
  std::vector<std::string> shard_tables;              // the stored tables, in rows_per_shard order
  std::vector<std::vector<uint64_t>> rows_per_shard;  // [shard][table of shard_tables]
  std::map<std::string, uint64_t> duplicate_parent_keys;
  RepeatedKeys ben_repeats, pha_repeats;
  // Persons (docs/data-model.md), when IR_BEN_R has BEN_IDT_ANO.
  bool person_ids = false;
  PersonCounts persons;
  uint64_t linked_ids = 0, nirs_moved = 0;
  uint64_t birth_year_conflicts = 0, sex_conflicts = 0;
  std::map<std::string, uint64_t> placeholder_nir_rows;  // per table, where some
  bool resumed = false;
  uint64_t shards_reused = 0;
  uint64_t peak_shuffle_bytes_per_rank = 0, spilled_bytes = 0;
  boost::json::array phases;
  uint64_t peak_rss_bytes = 0;
};

// The manifest; internal_error when a table's rows do not add up.
boost::json::object ingest_manifest(const IngestSummary& s);

// What each input gave (a screenful of lines; the manifest has them all), logged before the
// manifest is written.
void log_inputs(const IngestSummary& s);

// The summary after the store is published: duplicates, conflicts and files not taken, each
// said once, the warnings last where they are seen.
void log_ingest_summary(const IngestSummary& s);

}  // namespace snds
