// snds-batch: the one binary. Everything lives in jobs/cli.cpp so that tests can drive it.
#include <unistd.h>

#include <cstdlib>

#include "jobs/commands.hpp"

int main(int argc, char** argv) {
  // OpenMP threads here work in coarse rounds (a shard, a range) between MPI and HDF5 calls of
  // the main thread: spinning idle threads only steal cores from those calls and, on a shared
  // or oversubscribed node, from other ranks. libgomp reads the policy when it is loaded, so an
  // unset OMP_WAIT_POLICY is set to passive and the program re-executes itself once (before
  // MPI is initialised). An operator's explicit OMP_WAIT_POLICY is kept.
  if (std::getenv("OMP_WAIT_POLICY") == nullptr && std::getenv("SNDS_NO_REEXEC") == nullptr) {
    ::setenv("OMP_WAIT_POLICY", "passive", 1);
    ::setenv("SNDS_NO_REEXEC", "1", 1);
    ::execv("/proc/self/exe", argv);
    // If exec fails (no /proc), carry on with the default policy.
  }
  return snds::cli_main(argc, argv);
}
