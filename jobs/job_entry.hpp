// Entry points of the config-driven jobs. Each reads and validates its config strictly (every
// rank reads the same file, so config errors are identical everywhere), then, unless
// `validate_only`, runs. They return the exit code or throw snds::Error.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <boost/json.hpp>

#include "jobs/commands.hpp"
#include "runtime/config.hpp"

namespace snds {

struct JobOptions {
  bool validate_only = false;
  bool force = false;  // ingest: replace an existing complete store
};

// The keys every store-reading job's config starts with.
struct StoreJobConfig {
  std::string config_file;
  std::string store;   // resolved against the config's folder
  std::string output;  // idem
  // `dcir_rules`: the DCIR cleaning rules kept on (DcirRule bits, core/events/dcir_rules.hpp).
  uint8_t dcir_rules = 3;
  // Config codes no nomenclature has (jobs/config_codes.hpp), printed by validate and run.
  std::vector<std::string> warnings;
};

// Reads `job:` (when present it must name `job`: `run` dispatched on it already, tests call the
// readers directly; one message for every job), `store`, `output` and `dcir_rules` (true: both
// rules, false: none, or a list of rule names).
StoreJobConfig read_store_job_keys(ConfigMap& config, const std::string& job);
// `dcir_rules` as the resolved config records it: the names of the rules kept on.
boost::json::array dcir_rules_json(uint8_t rules);

int ingest_job(ConfigMap& config, CommandContext& ctx, const JobOptions& options);
int aggregate_job(ConfigMap& config, CommandContext& ctx, const JobOptions& options);
int cohort_job(ConfigMap& config, CommandContext& ctx, const JobOptions& options);

}  // namespace snds
