// `snds-batch ingest CONFIG.yaml [--force]` and the ingest entry shared with `validate`.
#include "core/error.hpp"
#include "jobs/args.hpp"
#include "jobs/ingest/ingest_config.hpp"
#include "jobs/ingest/ingest_run.hpp"
#include "jobs/job_entry.hpp"

namespace snds {

int ingest_job(ConfigMap& config, CommandContext& ctx, const JobOptions& options) {
  IngestConfig c = read_ingest_config(config);
  // A run resolves and checks the budget itself, before anything else.
  if (!options.validate_only) return run_ingest(c, ctx, options.force);
  resolve_memory_budget(c, ctx.threads);
  check_memory_budget(c, ctx.threads);
  return 0;
}

}  // namespace snds
