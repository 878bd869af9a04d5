// `snds-batch generate`: not built yet (see the open issues).
#include "core/error.hpp"
#include "jobs/commands.hpp"

namespace snds {

int generate_command(const ArgList&, CommandContext&) {
  throw usage_error("'snds-batch generate' is not built yet in this version");
}

}  // namespace snds
