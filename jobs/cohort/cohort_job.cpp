// `job: cohort`: new-user cohorts (contract section 6; docs/cohort.md). Reads and checks the
// config on every rank alike; unless only validating, opens the store and runs the study.
#include "core/error.hpp"
#include "jobs/cohort/cohort_config.hpp"
#include "jobs/cohort/cohort_run.hpp"
#include "jobs/job_entry.hpp"
#include "jobs/output_folder.hpp"
#include "runtime/collective.hpp"

namespace snds {

int cohort_job(ConfigMap& config, CommandContext& ctx, const JobOptions& options) {
  const CohortJobConfig cohort = read_cohort_config(config);
  check_output_folder(cohort.output, cohort.store, cohort.config_file);
  if (options.validate_only) return 0;
  CohortShardSource source;
  all_or_none(ctx.comm, [&] { source = store_shard_source(cohort.store, ctx.threads); });
  run_cohort(cohort, ctx.comm, ctx.threads, source);
  return 0;
}

}  // namespace snds
