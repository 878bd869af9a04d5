// `snds-batch inspect`: not built yet (see the open issues).
#include "core/error.hpp"
#include "jobs/commands.hpp"

namespace snds {

int inspect_command(const ArgList&, CommandContext&) {
  throw usage_error("'snds-batch inspect' is not built yet in this version");
}

}  // namespace snds
