// The shard queue runs every shard exactly once, whatever the rank count, and a failure on any
// rank fails every rank with its exit code.
#include "runtime/shard_queue.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <set>
#include <vector>

#include "core/error.hpp"
#include "core/serialize.hpp"
#include "runtime/collective.hpp"

namespace snds {

class ShardQueue : public ::testing::TestWithParam<int> {};

// A rank announces a shard (for read-ahead) only when that shard is the next one it works on:
// every announcement is followed by work on that very shard, and no shard is lost or run twice.
// Rank r works on shard r first whatever the timing (a job reads it ahead before the queue
// starts); rank 0 always knows its next shard, so every shard it works on after its first was
// announced; the others know it when rank 0's reply is already there.
TEST_P(ShardQueue, AnAnnouncedShardIsTheNextOneTheRankWorksOn) {
  const int ranks = GetParam();
  constexpr uint32_t kShards = 23;
  std::mutex mu;
  std::multiset<uint32_t> worked;
  std::vector<std::vector<uint32_t>> sequence(static_cast<size_t>(ranks));  // "a" + shard, or shard
  constexpr uint32_t kAnnounced = 1u << 31;
  size_t rank0_announced = 0, rank0_worked = 0;
  run_in_process(ranks, [&](Communicator& comm) {
    auto& mine = sequence[static_cast<size_t>(comm.rank())];
    run_shard_queue(
        comm, kShards,
        [&](uint32_t s) {
          std::lock_guard lock(mu);
          worked.insert(s);
          mine.push_back(s);
          if (comm.is_master()) ++rank0_worked;
          return Bytes{};
        },
        [&](uint32_t, Bytes&&) {}, "test",
        [&](uint32_t next) {
          std::lock_guard lock(mu);
          mine.push_back(kAnnounced | next);
          if (comm.is_master()) ++rank0_announced;
        });
  });
  EXPECT_EQ(worked.size(), kShards);
  for (uint32_t s = 0; s < kShards; ++s) EXPECT_EQ(worked.count(s), 1u) << s;
  for (const auto& mine : sequence) {
    // After an announcement comes the work on the current shard, then on the announced one.
    for (size_t i = 0; i < mine.size(); ++i) {
      if ((mine[i] & kAnnounced) == 0) continue;
      std::vector<uint32_t> work_after;
      for (size_t j = i + 1; j < mine.size() && work_after.size() < 2; ++j)
        if ((mine[j] & kAnnounced) == 0) work_after.push_back(mine[j]);
      ASSERT_EQ(work_after.size(), 2u) << "announced shard never worked on";
      EXPECT_EQ(work_after[1], mine[i] & ~kAnnounced);
    }
  }
  for (size_t r = 0; r < sequence.size(); ++r) {
    const auto first_worked = std::find_if(sequence[r].begin(), sequence[r].end(),
                                           [&](uint32_t e) { return (e & kAnnounced) == 0; });
    ASSERT_NE(first_worked, sequence[r].end()) << "rank " << r;
    EXPECT_EQ(*first_worked, r) << "rank " << r;
  }
  EXPECT_GE(rank0_announced, rank0_worked - 1);
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
