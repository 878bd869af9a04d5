// `job: cohort`: new-user cohorts (reference section 6; docs/cohort.md). Reads and checks the
// config on every rank alike; unless only validating, opens the store and runs the study.
#include "jobs/cohort/cohort_config.hpp"
#include "jobs/cohort/cohort_run.hpp"
#include "jobs/config_codes.hpp"
#include "jobs/job_entry.hpp"
#include "jobs/shard_job.hpp"
#include "jobs/store_tables.hpp"
#include "runtime/collective.hpp"

namespace snds {

int cohort_job(ConfigMap& config, CommandContext& ctx, const JobOptions& options) {
  const CohortJobConfig cohort = read_cohort_config(config);
  print_config_warnings(cohort.warnings, ctx.comm.is_master());
  return run_on_store(cohort, ctx, options, [&](const JobShardSource& source) {
    // A table the store lacks fails the job naming it, before any shard is read (issue #12).
    all_or_none(ctx.comm, [&] {
      check_store_tables(cohort.store, cohort_wanted_tables(cohort.spec), cohort.config_file,
                         cohort_optional_tables(cohort.spec));
    });
    run_cohort(cohort, ctx.comm, ctx.threads, source);
  });
}

}  // namespace snds
