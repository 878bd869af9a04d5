// snds-batch: the one binary. Everything lives in jobs/cli.cpp so that tests can drive it.
#include <malloc.h>
#include <unistd.h>

#include <cstdlib>

#include "core/store/h5.hpp"
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
  // Jobs allocate and free the same large column buffers shard after shard. glibc's defaults
  // would map each buffer afresh (or trim the heap after it), so every shard paid its page faults
  // and zero-filling again; measured, that was a fifth of a job's time. Freed memory is kept for
  // reuse instead, up to 256 MiB past the heap top.
  ::mallopt(M_MMAP_THRESHOLD, 64 << 20);
  ::mallopt(M_TRIM_THRESHOLD, 256 << 20);
  // HDF5 is initialised before MPI, and told not to clean up at exit: a parallel HDF5 initialised
  // after MPI_Init tears itself down inside MPI_Finalize, and that tear-down closed again a file
  // whose close had failed on a full disk, crashing (exit 139, issue #12). Every file is closed by
  // its owner; nothing is left for the library's clean-up to do.
  try {
    snds::h5::init();
  } catch (...) {
    // Reported by the first command that needs HDF5 (init is retried there).
  }
  return snds::cli_main(argc, argv);
}
