// What every Communicator backend must do, written once as bodies run on each rank (Thrill's
// group_test_base.hpp pattern): tests/runtime/local_communicator_test.cpp runs them on 1-4
// in-process ranks, tests/runtime/mpi/communicator_mpitest.cpp under mpirun at np 1-4. Bodies only
// EXPECT (never ASSERT): a rank leaving early would leave the others waiting in a collective.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "runtime/collective.hpp"
#include "runtime/communicator.hpp"

namespace snds::test {

inline size_t at(int i) {
  return static_cast<size_t>(i);
}

// Sums and maxima of integers and doubles, element-wise, agree on every rank.
inline void reductions_agree(Communicator& c) {
  const int n = c.size(), r = c.rank();
  EXPECT_EQ(c.sum(static_cast<uint64_t>(r + 1)), static_cast<uint64_t>(n * (n + 1) / 2));
  EXPECT_EQ(c.max(static_cast<uint64_t>(r)), static_cast<uint64_t>(n - 1));
  EXPECT_EQ(c.any(r == n - 1), true);
  EXPECT_EQ(c.any(false), false);
  std::vector<uint64_t> v = {1, static_cast<uint64_t>(r), static_cast<uint64_t>(10 * r)};
  c.allreduce_sum(v);
  EXPECT_EQ(v,
            (std::vector<uint64_t>{static_cast<uint64_t>(n), static_cast<uint64_t>(n * (n - 1) / 2),
                                   static_cast<uint64_t>(10 * n * (n - 1) / 2)}));
  std::vector<double> d = {0.5 * r, -1.0 * r};
  c.allreduce_max(d);
  EXPECT_EQ(d, (std::vector<double>{0.5 * (n - 1), 0.0}));
  c.allreduce_sum(d);
  EXPECT_EQ(d, (std::vector<double>{0.5 * (n - 1) * n, 0.0}));
}

// broadcast from any root (small and 100 kB buffers), allgather and gather to rank 0.
inline void broadcasts_and_gathers(Communicator& c) {
  const int n = c.size(), r = c.rank();
  Bytes b = c.is_master() ? Bytes{'h', 'i'} : Bytes{};
  c.broadcast(b, 0);
  EXPECT_EQ(b, (Bytes{'h', 'i'}));
  Bytes big = r == n - 1 ? Bytes(100000, 'z') : Bytes{'x'};
  c.broadcast(big, n - 1);
  EXPECT_EQ(big, Bytes(100000, 'z'));
  const auto all = c.allgather(Bytes(at(r), static_cast<char>('a' + r)));
  EXPECT_EQ(all.size(), at(n));
  for (int s = 0; s < n && s < static_cast<int>(all.size()); ++s)
    EXPECT_EQ(all[at(s)], Bytes(at(s), static_cast<char>('a' + s)));
  const auto g = c.gather(Bytes{static_cast<char>(r)}, 0);
  if (c.is_master()) {
    EXPECT_EQ(g.size(), at(n));
    for (int s = 0; s < n && s < static_cast<int>(g.size()); ++s)
      EXPECT_EQ(g[at(s)], Bytes{static_cast<char>(s)});
  } else {
    EXPECT_TRUE(g.empty());
  }
}

// alltoallv hands each (source, destination) pair its own buffer, empty ones included, round
// after round.
inline void all_to_all_delivers_each_pairs_buffer(Communicator& c) {
  const int n = c.size(), r = c.rank();
  for (int round = 0; round < 3; ++round) {
    std::vector<Bytes> send(at(n));
    for (int d = 0; d < n; ++d) {
      const size_t extra = at((r * 10 + d + round) % 4 == 0 ? 0 : r * 10 + d);
      send[at(d)] = Bytes{static_cast<char>(r), static_cast<char>(d), static_cast<char>(round)};
      send[at(d)].resize(3 + extra, 'p');
      if (extra == 0 && round == 2) send[at(d)].clear();
    }
    const auto recv = c.alltoallv(send);
    EXPECT_EQ(recv.size(), at(n));
    for (int s = 0; s < n && s < static_cast<int>(recv.size()); ++s) {
      const size_t extra = at((s * 10 + r + round) % 4 == 0 ? 0 : s * 10 + r);
      Bytes expected{static_cast<char>(s), static_cast<char>(r), static_cast<char>(round)};
      expected.resize(3 + extra, 'p');
      if (extra == 0 && round == 2) expected.clear();
      EXPECT_EQ(recv[at(s)], expected) << "from " << s << " round " << round;
    }
  }
}

// Workers send to rank 0, which receives from any source in any order; nothing is left over.
inline void point_to_point_from_any_source(Communicator& c) {
  const int n = c.size();
  if (c.is_master()) {
    uint64_t seen = 0;
    for (int i = 1; i < n; ++i) {
      const Message m = c.recv(-1, 7);
      EXPECT_EQ(m.payload.size(), at(m.source));
      seen += m.payload.size();
    }
    EXPECT_EQ(seen, static_cast<uint64_t>((n - 1) * n / 2));
    EXPECT_FALSE(c.try_recv(7));
  } else {
    c.send(0, 7, Bytes(at(c.rank()), 'q'));
  }
  c.barrier();
}

// A failure on the last rank reaches every rank with its exit code: the failing rank keeps its
// message, the others get a PeerFailure.
inline void a_failure_on_one_rank_fails_every_rank_with_its_code(Communicator& c) {
  const int n = c.size();
  try {
    all_or_none(c, [&] {
      if (c.rank() == n - 1) throw data_error("file x.csv is unreadable");
    });
    ADD_FAILURE() << "rank " << c.rank() << " went on";
  } catch (const PeerFailure& e) {
    EXPECT_NE(c.rank(), n - 1);
    EXPECT_EQ(e.code(), ExitCode::kData);
  } catch (const Error& e) {
    EXPECT_EQ(c.rank(), n - 1);
    EXPECT_EQ(e.code(), ExitCode::kData);
    EXPECT_STREQ(e.what(), "file x.csv is unreadable");
  }
  // Every rank is still in step: the next collective meets.
  EXPECT_EQ(c.sum(1), static_cast<uint64_t>(n));
}

}  // namespace snds::test
