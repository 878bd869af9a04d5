// The read-ahead I/O thread: a shard taken is the one asked for, read once when it was announced
// ahead, read on demand otherwise, with its error rethrown to the taker; reads run one at a time
// on a single thread (HDF5's rule here), never on the caller's.
#include "jobs/shard_read_ahead.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "core/error.hpp"

namespace snds {
namespace {

struct Recorder {
  std::mutex mu;
  std::map<uint32_t, int> reads;
  std::set<std::thread::id> threads;
  std::atomic<int> concurrent{0};
  std::atomic<int> max_concurrent{0};
};

ShardReadAhead::Read reader(Recorder& r) {
  return [&r](uint32_t shard, const WantedTables&) {
    const int now = ++r.concurrent;
    r.max_concurrent = std::max(r.max_concurrent.load(), now);
    {
      std::lock_guard lock(r.mu);
      ++r.reads[shard];
      r.threads.insert(std::this_thread::get_id());
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
    --r.concurrent;
    if (shard == 13) throw data_error("shard 13 is damaged");
    StoredShard s;
    s.shard = shard;
    return s;
  };
}

TEST(ShardReadAhead, AnnouncedShardsAreReadOnceAndTakenInAnyOrder) {
  Recorder r;
  ShardReadAhead ahead(reader(r));
  const WantedTables wanted{{"ER_PHA_F", {"DPN_QLF"}}};
  ahead.start(1, wanted);
  ahead.start(2, wanted);
  ahead.start(1, wanted);                                 // already queued: not read twice
  EXPECT_EQ(ahead.take(0, wanted)->finish(1).shard, 0u);  // not announced: read on demand
  EXPECT_EQ(ahead.take(2, wanted)->finish(1).shard, 2u);
  EXPECT_EQ(ahead.take(1, wanted)->finish(1).shard, 1u);
  ahead.settle();
  EXPECT_EQ(r.reads, (std::map<uint32_t, int>{{0, 1}, {1, 1}, {2, 1}}));
  EXPECT_EQ(r.max_concurrent.load(), 1);
  ASSERT_EQ(r.threads.size(), 1u);
  EXPECT_NE(*r.threads.begin(), std::this_thread::get_id());
}

TEST(ShardReadAhead, AReadErrorReachesTheTakerAndTheNextReadsStillWork) {
  Recorder r;
  ShardReadAhead ahead(reader(r));
  ahead.start(13, {});
  EXPECT_THROW(ahead.take(13, {}), Error);
  EXPECT_EQ(ahead.take(14, {})->finish(1).shard, 14u);
}

TEST(ShardReadAhead, OtherColumnsThanReadAheadAreReadAgain) {
  Recorder r;
  ShardReadAhead ahead(reader(r));
  ahead.start(5, {{"IR_BEN_R", {}}});
  EXPECT_EQ(ahead.take(5, {{"ER_PHA_F", {}}})->finish(1).shard, 5u);
  EXPECT_EQ(r.reads[5], 2);
}

TEST(ShardReadAhead, ReadsNobodyTakesAreDroppedBySettle) {
  Recorder r;
  {
    ShardReadAhead ahead(reader(r));
    ahead.start(7, {});
    ahead.start(8, {});
    ahead.settle();
  }  // and the destructor waits for nothing more
  EXPECT_EQ(r.reads.size(), 2u);
}

}  // namespace
}  // namespace snds
