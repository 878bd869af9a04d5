// The MPI backend under mpirun: the same properties as the in-process backend.
#include <gtest/gtest.h>

#include "runtime/communicator.hpp"

namespace snds {

TEST(MpiCommunicator, CollectivesAgree) {
  Communicator& c = mpi_world();
  const int n = c.size();
  EXPECT_EQ(c.sum(static_cast<uint64_t>(c.rank() + 1)), static_cast<uint64_t>(n * (n + 1) / 2));
  Bytes b = c.is_master() ? Bytes(100000, 'z') : Bytes{};
  c.broadcast(b, 0);
  EXPECT_EQ(b.size(), 100000u);
  std::vector<Bytes> send(static_cast<size_t>(n));
  for (int d = 0; d < n; ++d) send[static_cast<size_t>(d)] = Bytes(static_cast<size_t>(c.rank() * 10 + d), 'a');
  auto recv = c.alltoallv(send);
  for (int s = 0; s < n; ++s) EXPECT_EQ(recv[static_cast<size_t>(s)].size(), static_cast<size_t>(s * 10 + c.rank()));
  auto all = c.allgather(Bytes{static_cast<char>(c.rank())});
  for (int s = 0; s < n; ++s) EXPECT_EQ(all[static_cast<size_t>(s)][0], static_cast<char>(s));
}

TEST(MpiCommunicator, WorkersReportToTheMaster) {
  Communicator& c = mpi_world();
  if (c.is_master()) {
    uint64_t total = 0;
    for (int i = 1; i < c.size(); ++i) total += static_cast<uint64_t>(c.recv(-1, 3).payload.size());
    EXPECT_EQ(total, static_cast<uint64_t>((c.size() - 1) * c.size() / 2));
  } else {
    c.send(0, 3, Bytes(static_cast<size_t>(c.rank()), 'q'));
  }
  c.barrier();
}

}  // namespace snds
