// `snds-batch ingest CONFIG.yaml [--force]`.
#include "core/error.hpp"
#include "jobs/args.hpp"
#include "jobs/job_entry.hpp"

namespace snds {

int ingest_command(const ArgList& argv, CommandContext& ctx) {
  Args args("ingest", argv, ArgSpec{{}, {"force"}});
  if (args.positionals().size() != 1)
    throw usage_error(
        "ingest: expected one config file (usage: snds-batch ingest CONFIG.yaml [--force])");
  ConfigMap config = load_config(args.positionals()[0]);
  JobOptions options;
  options.force = args.flag("force");
  return ingest_job(config, ctx, options);
}

}  // namespace snds
