// The aggregate job's entry point (contract section 5, docs/aggregate.md): read and check the
// config (all that `validate` does: no store needed), then run it on the store.
#include "core/error.hpp"
#include "jobs/aggregate/aggregate_config.hpp"
#include "jobs/aggregate/aggregate_run.hpp"
#include "jobs/job_entry.hpp"
#include "jobs/output_folder.hpp"
#include "runtime/collective.hpp"

namespace snds {

int aggregate_job(ConfigMap& config, CommandContext& ctx, const JobOptions& options) {
  const AggregateJobConfig job = read_aggregate_config(config);
  check_output_folder(job.output, job.store, job.config_file);
  if (options.validate_only) return 0;
  AggregateShardSource source;
  all_or_none(ctx.comm, [&] { source = store_shard_source(job.store, ctx.threads); });
  run_aggregate(job, ctx.comm, ctx.threads, source);
  return 0;
}

}  // namespace snds
