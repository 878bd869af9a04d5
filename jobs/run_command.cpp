// `snds-batch run`: not built yet (see the open issues).
#include "core/error.hpp"
#include "jobs/commands.hpp"

namespace snds {

int run_command(const ArgList&, CommandContext&) {
  throw usage_error("'snds-batch run' is not built yet in this version");
}

}  // namespace snds
