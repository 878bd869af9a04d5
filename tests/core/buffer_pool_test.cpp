// The buffer pool hands a finished shard's column buffers to the next shard: a taken buffer has
// the size asked for and reuses pooled memory when a buffer large enough is there; small buffers
// are not kept; the pool is bounded; and a shard read into recycled (dirty) buffers reads exactly
// what was written.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/buffer_pool.hpp"
#include "core/store/shard_reader.hpp"
#include "core/store/shard_writer.hpp"
#include "tests/core/store/store_test_util.hpp"
#include "tests/support/test_support.hpp"

namespace snds {
namespace {

TEST(BufferPool, ATakenBufferReusesAPooledOneLargeEnough) {
  std::vector<int32_t> big(100000, 7);
  const int32_t* memory = big.data();
  const size_t before = buffer_pool::pooled_bytes();
  buffer_pool::give(std::move(big));
  EXPECT_EQ(buffer_pool::pooled_bytes(), before + 100000 * sizeof(int32_t));
  const std::vector<int32_t> taken = buffer_pool::take_int32(90000);
  EXPECT_EQ(taken.size(), 90000u);
  EXPECT_EQ(taken.data(), memory);
  EXPECT_EQ(buffer_pool::pooled_bytes(), before);
  // Nothing pooled fits: a fresh, zeroed buffer.
  const std::vector<int64_t> fresh = buffer_pool::take_int64(1000);
  EXPECT_EQ(fresh, std::vector<int64_t>(1000, 0));
}

TEST(BufferPool, SmallBuffersAreNotKept) {
  const size_t before = buffer_pool::pooled_bytes();
  buffer_pool::give(std::vector<char>(100));
  EXPECT_EQ(buffer_pool::pooled_bytes(), before);
}

TEST(BufferPool, AShardReadIntoRecycledBuffersReadsWhatWasWritten) {
  test::TempDir dir;
  auto batch = [](int seed) {
    Batch b;
    std::vector<int64_t> ints;
    std::vector<Date> dates;
    std::vector<std::string> strings;
    for (int i = 0; i < 40000; ++i) {
      ints.push_back((i * 7919 + seed) % 100000);
      dates.push_back(static_cast<Date>(18000 + (i + seed) % 900));
      strings.push_back("v" + std::to_string((i + seed) % 5000));
    }
    b.columns.push_back(test::int_column("N", ints));
    b.columns.push_back(test::date_column("D", dates));
    b.columns.push_back(test::string_column("S", strings));
    return b;
  };
  const Batch first = batch(1), second = batch(2);
  for (const auto& [name, b] : {std::pair{"a.h5", &first}, std::pair{"b.h5", &second}}) {
    ShardWriter w(dir / name, {}, ShardWriterOptions::with(Compression::kLz4));
    w.write_table("T", *b);
    w.close();
  }
  ShardReadOptions options;
  options.threads = 2;
  ShardData a = read_shard(dir / "a.h5", {}, options);
  test::expect_same_batch(first, a.tables.at("T"));
  const size_t before = buffer_pool::pooled_bytes();
  buffer_pool::recycle(std::move(a));
  EXPECT_TRUE(a.tables.empty());
  EXPECT_GT(buffer_pool::pooled_bytes(), before);
  const ShardData b = read_shard(dir / "b.h5", {}, options);
  EXPECT_LT(buffer_pool::pooled_bytes(), before + 1);  // taken back
  test::expect_same_batch(second, b.tables.at("T"));
}

}  // namespace
}  // namespace snds
