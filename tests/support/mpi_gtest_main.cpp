// GoogleTest main for tests run under mpirun: initialises MPI, lets only rank 0 print, and reduces
// the failure flag so every rank exits with the same code (a failed assertion on rank 2 fails the
// test on rank 0 too). Tests never assert before a collective that other ranks will enter.
#include <mpi.h>

#include <gtest/gtest.h>

#include "runtime/communicator.hpp"

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  snds::Communicator& world = snds::mpi_world();
  if (world.rank() != 0) {
    auto& listeners = ::testing::UnitTest::GetInstance()->listeners();
    delete listeners.Release(listeners.default_result_printer());
  }
  int failed = RUN_ALL_TESTS() != 0 ? 1 : 0;
  const bool any_failed = world.any(failed != 0);
  if (any_failed && world.rank() == 0 && !failed)
    fprintf(stderr,
            "a test failed on another rank (run with --gtest_output or per rank to see it)\n");
  snds::mpi_shutdown();
  return any_failed ? 1 : 0;
}
