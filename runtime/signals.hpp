// SIGTERM and SIGUSR1 (Slurm's time-limit warning) request a clean stop: the handler only sets a
// flag; long phases poll it at checkpoints, agree on it collectively, write their resumable state
// and exit 75.
#pragma once

namespace snds {

void install_stop_handlers();
bool stop_requested();
int stop_signal();  // the signal number received, 0 if none
// For tests: request or clear a stop as if a signal had arrived.
void request_stop_for_testing(bool on);

}  // namespace snds
