// The aggregate job's entry point (reference section 5, docs/aggregate.md): read and check the
// config (all that `validate` does: no store needed), then run it on the store.
#include "jobs/aggregate/aggregate_config.hpp"
#include "jobs/aggregate/aggregate_run.hpp"
#include "jobs/job_entry.hpp"
#include "jobs/shard_job.hpp"

namespace snds {

int aggregate_job(ConfigMap& config, CommandContext& ctx, const JobOptions& options) {
  const AggregateJobConfig job = read_aggregate_config(config);
  return run_on_store(job, ctx, options, [&](const JobShardSource& source) {
    run_aggregate(job, ctx.comm, ctx.threads, source);
  });
}

}  // namespace snds
