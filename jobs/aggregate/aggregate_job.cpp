// The aggregate job's entry point (reference section 5, docs/aggregate.md): read and check the
// config (all that `validate` does: no store needed), then run it on the store.
#include "jobs/aggregate/aggregate_config.hpp"
#include "jobs/aggregate/aggregate_run.hpp"
#include "jobs/config_codes.hpp"
#include "jobs/job_entry.hpp"
#include "jobs/shard_job.hpp"
#include "jobs/store_tables.hpp"
#include "runtime/collective.hpp"

namespace snds {

int aggregate_job(ConfigMap& config, CommandContext& ctx, const JobOptions& options) {
  const AggregateJobConfig job = read_aggregate_config(config);
  print_config_warnings(job.warnings, ctx.comm.is_master());
  return run_on_store(job, ctx, options, [&](const JobShardSource& source) {
    // A table the store lacks fails the job naming it, before any shard is read (issue #12).
    all_or_none(ctx.comm, [&] {
      check_store_tables(job.store, aggregate_wanted_tables(job.spec), job.config_file,
                         aggregate_optional_tables(job.spec));
    });
    run_aggregate(job, ctx.comm, ctx.threads, source);
  });
}

}  // namespace snds
