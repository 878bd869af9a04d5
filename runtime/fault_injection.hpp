// Fault injection for restart tests: SNDS_FAULT="<action>_after_<event>=N" makes this process
// act when the named event has happened N times in it, e.g. `kill_after_shard=3` (SIGKILL, as a
// node loss would) or `stop_after_shard=2` (SIGTERM, as Slurm's time limit would) or
// `pause_after_read_round=1` (SIGSTOP: the process waits, holding what it holds, until SIGCONT).
// Off unless the variable is set; costs one branch per event otherwise.
#pragma once

#include <string_view>

namespace snds {

// Called where the event happens ("shard" after each shard file is committed, "read_round"
// after each read round).
void fault_point(std::string_view event);

}  // namespace snds
