// `job: cohort`: new-user cohorts (reference section 6; docs/cohort.md). Reads and checks the
// config on every rank alike; unless only validating, opens the store and runs the study.
#include "jobs/cohort/cohort_config.hpp"
#include "jobs/cohort/cohort_run.hpp"
#include "jobs/job_entry.hpp"
#include "jobs/shard_job.hpp"

namespace snds {

int cohort_job(ConfigMap& config, CommandContext& ctx, const JobOptions& options) {
  const CohortJobConfig cohort = read_cohort_config(config);
  return run_on_store(cohort, ctx, options, [&](const JobShardSource& source) {
    run_cohort(cohort, ctx.comm, ctx.threads, source);
  });
}

}  // namespace snds
