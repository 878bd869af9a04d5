// Entry points of the config-driven jobs. Each reads and validates its config strictly (every
// rank reads the same file, so config errors are identical everywhere), then, unless
// `validate_only`, runs. They return the exit code or throw snds::Error.
#pragma once

#include "jobs/commands.hpp"
#include "runtime/config.hpp"

namespace snds {

struct JobOptions {
  bool validate_only = false;
  bool force = false;  // ingest: replace an existing complete store
};

int ingest_job(ConfigMap& config, CommandContext& ctx, const JobOptions& options);
int aggregate_job(ConfigMap& config, CommandContext& ctx, const JobOptions& options);
int cohort_job(ConfigMap& config, CommandContext& ctx, const JobOptions& options);

}  // namespace snds
