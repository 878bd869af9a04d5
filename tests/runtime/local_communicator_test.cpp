// The in-process communicator behaves like MPI: the properties every backend has, run on 1-4
// in-process ranks (the MPI backend runs the same bodies under mpirun), then what only the
// in-process and lone-process worlds do.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <string>

#include "core/error.hpp"
#include "runtime/collective.hpp"
#include "runtime/communicator.hpp"
#include "tests/runtime/communicator_properties.hpp"

namespace snds {

// The properties every backend has (communicator_properties.hpp), on 1-4 in-process ranks.
class LocalComm : public ::testing::TestWithParam<int> {};

TEST_P(LocalComm, ReductionsAgree) {
  run_in_process(GetParam(), test::reductions_agree);
}

TEST_P(LocalComm, BroadcastsAndGathers) {
  run_in_process(GetParam(), test::broadcasts_and_gathers);
}

TEST_P(LocalComm, AllToAllDeliversEachPairsBuffer) {
  run_in_process(GetParam(), test::all_to_all_delivers_each_pairs_buffer);
}

TEST_P(LocalComm, PointToPointFromAnySource) {
  run_in_process(GetParam(), test::point_to_point_from_any_source);
}

TEST_P(LocalComm, AFailureOnOneRankFailsEveryRankWithItsCode) {
  run_in_process(GetParam(), test::a_failure_on_one_rank_fails_every_rank_with_its_code);
}

// In process only: run_in_process itself rethrows the failing rank's error, not a peer's.
TEST_P(LocalComm, TheRootCauseWinsOverPeerFailures) {
  const int n = GetParam();
  std::atomic<int> peer_failures{0};
  try {
    run_in_process(n, [&](Communicator& c) {
      try {
        all_or_none(c, [&] {
          if (c.rank() == n - 1) throw data_error("file x.csv is unreadable");
        });
      } catch (const PeerFailure&) {
        ++peer_failures;
        throw;
      }
    });
    FAIL() << "expected an error";
  } catch (const PeerFailure&) {
    FAIL() << "the root cause must win over peer failures";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::kData);
    EXPECT_STREQ(e.what(), "file x.csv is unreadable");
  }
  EXPECT_EQ(peer_failures.load(), n - 1);
}

INSTANTIATE_TEST_SUITE_P(Ranks, LocalComm, ::testing::Values(1, 2, 3, 4));

}  // namespace snds

namespace snds {
namespace {

// A lone process (no launcher in its environment) runs as one in-process rank without MPI_Init;
// SNDS_MPI forces either way.
TEST(WorldCommunicator, ALoneProcessIsOneRankAndALauncherMeansMpi) {
  const char* saved_ompi = std::getenv("OMPI_COMM_WORLD_SIZE");
  const char* saved_force = std::getenv("SNDS_MPI");
  const std::string ompi = saved_ompi ? saved_ompi : "", force = saved_force ? saved_force : "";
  ::unsetenv("SNDS_MPI");
  ::setenv("OMPI_COMM_WORLD_SIZE", "4", 1);
  EXPECT_TRUE(launched_by_mpi());
  ::setenv("SNDS_MPI", "never", 1);
  EXPECT_FALSE(launched_by_mpi());
  ::unsetenv("OMPI_COMM_WORLD_SIZE");
  ::setenv("SNDS_MPI", "always", 1);
  EXPECT_TRUE(launched_by_mpi());
  ::setenv("SNDS_MPI", "never", 1);
  Communicator& solo = world();
  EXPECT_EQ(solo.rank(), 0);
  EXPECT_EQ(solo.size(), 1);
  EXPECT_EQ(solo.sum(41) + 1, 42u);
  solo.send(0, 3, Bytes{'x'});
  EXPECT_EQ(solo.recv(0, 3).payload, Bytes{'x'});
  if (saved_ompi) ::setenv("OMPI_COMM_WORLD_SIZE", ompi.c_str(), 1);
  if (saved_force) {
    ::setenv("SNDS_MPI", force.c_str(), 1);
  } else {
    ::unsetenv("SNDS_MPI");
  }
}

}  // namespace
}  // namespace snds
