// The ingest job: not built yet (see the open issues).
#include "core/error.hpp"
#include "jobs/job_entry.hpp"

namespace snds {

int ingest_job(ConfigMap& config, CommandContext&, const JobOptions&) {
  config.fail("", "the ingest job is not built yet in this version");
}

}  // namespace snds
