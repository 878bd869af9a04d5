// `snds-batch validate`: not built yet (see the open issues).
#include "core/error.hpp"
#include "jobs/commands.hpp"

namespace snds {

int validate_command(const ArgList&, CommandContext&) {
  throw usage_error("'snds-batch validate' is not built yet in this version");
}

}  // namespace snds
