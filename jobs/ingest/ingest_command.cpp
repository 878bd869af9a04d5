// `snds-batch ingest`: not built yet (see the open issues).
#include "core/error.hpp"
#include "jobs/commands.hpp"

namespace snds {

int ingest_command(const ArgList&, CommandContext&) {
  throw usage_error("'snds-batch ingest' is not built yet in this version");
}

}  // namespace snds
