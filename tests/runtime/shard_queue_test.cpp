// The shard queue runs every shard exactly once, whatever the rank count, and a failure on any
// rank fails every rank with its exit code.
#include "runtime/shard_queue.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <set>
#include <vector>

#include "core/error.hpp"
#include "core/serialize.hpp"
#include "runtime/collective.hpp"

namespace snds {

class ShardQueue : public ::testing::TestWithParam<int> {};

// Rank 0 announces its next shard before working on the current one, so it can be read ahead:
// every announced shard is the one rank 0 then works on, and no shard is lost or run twice.
TEST_P(ShardQueue, RankZeroAnnouncesItsNextShardBeforeWorkingOnTheCurrentOne) {
  const int ranks = GetParam();
  constexpr uint32_t kShards = 23;
  std::mutex mu;
  std::multiset<uint32_t> worked;
  std::vector<uint32_t> announced, rank0_worked;
  run_in_process(ranks, [&](Communicator& comm) {
    run_shard_queue(
        comm, kShards,
        [&](uint32_t s) {
          std::lock_guard lock(mu);
          worked.insert(s);
          if (comm.is_master()) rank0_worked.push_back(s);
          return Bytes{};
        },
        [&](uint32_t, Bytes&&) {}, "test",
        [&](uint32_t next) {
          EXPECT_TRUE(comm.is_master());
          std::lock_guard lock(mu);
          announced.push_back(next);
        });
  });
  EXPECT_EQ(worked.size(), kShards);
  for (uint32_t s = 0; s < kShards; ++s) EXPECT_EQ(worked.count(s), 1u) << s;
  ASSERT_FALSE(rank0_worked.empty());
  // Rank 0 worked on each announced shard right after the one it was announced during.
  ASSERT_EQ(announced.size(), rank0_worked.size() - 1);
  for (size_t i = 0; i < announced.size(); ++i) EXPECT_EQ(announced[i], rank0_worked[i + 1]);
}

TEST_P(ShardQueue, EveryShardOnceAndMergedOnTheMaster) {
  const int ranks = GetParam();
  constexpr uint32_t kShards = 37;
  std::mutex mu;
  std::multiset<uint32_t> worked;
  uint64_t merged_sum = 0;
  size_t merged_count = 0;
  run_in_process(ranks, [&](Communicator& comm) {
    run_shard_queue(
        comm, kShards,
        [&](uint32_t s) {
          {
            std::lock_guard lock(mu);
            worked.insert(s);
          }
          Bytes b;
          ByteWriter(b).put<uint64_t>(s * 10);
          return b;
        },
        [&](uint32_t s, Bytes&& partial) {
          EXPECT_TRUE(comm.is_master());
          ByteReader r(partial);
          EXPECT_EQ(r.get<uint64_t>(), s * 10);
          merged_sum += s;
          ++merged_count;
        },
        "test");
  });
  EXPECT_EQ(worked.size(), kShards);
  for (uint32_t s = 0; s < kShards; ++s) EXPECT_EQ(worked.count(s), 1u);
  EXPECT_EQ(merged_count, kShards);
  EXPECT_EQ(merged_sum, kShards * (kShards - 1) / 2);
}

TEST_P(ShardQueue, AFailingShardFailsEveryRank) {
  const int ranks = GetParam();
  try {
    run_in_process(ranks, [&](Communicator& comm) {
      run_shard_queue(
          comm, 20,
          [&](uint32_t s) -> Bytes {
            if (s == 13) throw data_error("shard 13 is corrupt");
            return {};
          },
          [](uint32_t, Bytes&&) {}, "test");
    });
    FAIL() << "expected an error";
  } catch (const PeerFailure&) {
    FAIL() << "the root cause must surface";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::kData);
    EXPECT_STREQ(e.what(), "shard 13 is corrupt");
  }
}

TEST_P(ShardQueue, ZeroShardsIsFine) {
  run_in_process(GetParam(), [&](Communicator& comm) {
    run_shard_queue(
        comm, 0, [](uint32_t) { return Bytes{}; }, [](uint32_t, Bytes&&) { FAIL(); }, "test");
  });
}

INSTANTIATE_TEST_SUITE_P(Ranks, ShardQueue, ::testing::Values(1, 2, 3, 4));

}  // namespace snds
