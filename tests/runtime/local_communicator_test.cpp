// The in-process communicator behaves like MPI: collectives meet, messages arrive, failures
// propagate instead of deadlocking.
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include <atomic>

#include "core/error.hpp"
#include "runtime/collective.hpp"
#include "runtime/communicator.hpp"

namespace snds {

class LocalComm : public ::testing::TestWithParam<int> {};

TEST_P(LocalComm, ReducesBroadcastsAndGathers) {
  const int n = GetParam();
  run_in_process(n, [n](Communicator& c) {
    EXPECT_EQ(c.size(), n);
    EXPECT_EQ(c.sum(static_cast<uint64_t>(c.rank() + 1)), static_cast<uint64_t>(n * (n + 1) / 2));
    EXPECT_EQ(c.max(static_cast<uint64_t>(c.rank())), static_cast<uint64_t>(n - 1));
    Bytes b = c.is_master() ? Bytes{'h', 'i'} : Bytes{};
    c.broadcast(b, 0);
    EXPECT_EQ(b, (Bytes{'h', 'i'}));
    auto all = c.allgather(Bytes(static_cast<size_t>(c.rank()), 'x'));
    ASSERT_EQ(all.size(), static_cast<size_t>(n));
    for (int r = 0; r < n; ++r)
      EXPECT_EQ(all[static_cast<size_t>(r)].size(), static_cast<size_t>(r));
    auto g = c.gather(Bytes{static_cast<char>(c.rank())}, 0);
    if (c.is_master()) {
      ASSERT_EQ(g.size(), static_cast<size_t>(n));
      EXPECT_EQ(g[static_cast<size_t>(n - 1)][0], static_cast<char>(n - 1));
    } else {
      EXPECT_TRUE(g.empty());
    }
  });
}

TEST_P(LocalComm, AllToAllDeliversEachPairsBuffer) {
  const int n = GetParam();
  run_in_process(n, [n](Communicator& c) {
    for (int round = 0; round < 3; ++round) {
      std::vector<Bytes> send(static_cast<size_t>(n));
      for (int d = 0; d < n; ++d)
        send[static_cast<size_t>(d)] =
            Bytes{static_cast<char>(c.rank()), static_cast<char>(d), static_cast<char>(round)};
      auto recv = c.alltoallv(send);
      for (int s = 0; s < n; ++s) {
        EXPECT_EQ(
            recv[static_cast<size_t>(s)],
            (Bytes{static_cast<char>(s), static_cast<char>(c.rank()), static_cast<char>(round)}));
      }
    }
  });
}

TEST_P(LocalComm, PointToPointAnySource) {
  const int n = GetParam();
  run_in_process(n, [n](Communicator& c) {
    if (c.is_master()) {
      int seen = 0;
      for (int i = 1; i < n; ++i) seen += c.recv(-1, 7).payload.at(0);
      EXPECT_EQ(seen, (n - 1) * n / 2);
      EXPECT_FALSE(c.try_recv(7));
    } else {
      c.send(0, 7, Bytes{static_cast<char>(c.rank())});
    }
    c.barrier();
  });
}

TEST_P(LocalComm, AFailureOnOneRankFailsEveryRankWithItsCode) {
  const int n = GetParam();
  std::atomic<int> peer_failures{0};
  try {
    run_in_process(n, [&](Communicator& c) {
      try {
        all_or_none(c, [&] {
          if (c.rank() == n - 1) throw data_error("file x.csv is unreadable");
        });
      } catch (const PeerFailure& e) {
        EXPECT_EQ(e.code(), ExitCode::kData);
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
