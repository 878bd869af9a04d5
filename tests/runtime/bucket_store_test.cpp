// The bucket store gives back exactly what it was given, whether it stayed in memory or spilled.
#include "runtime/bucket_store.hpp"

#include <gtest/gtest.h>

#include "core/error.hpp"
#include "tests/support/test_support.hpp"

namespace snds {

static Batch rows(int from, int count) {
  Batch b;
  b.columns.emplace_back("k", ColumnType::kString);
  b.columns.emplace_back("v", ColumnType::kInt64);
  for (int i = from; i < from + count; ++i) {
    b.columns[0].strings.push_back("key" + std::to_string(i));
    b.columns[1].ints.push_back(i);
  }
  return b;
}

static void expect_bucket(BucketStore& store, uint32_t bucket, int expected_rows) {
  auto got = store.take(bucket);
  size_t n = 0;
  int64_t sum = 0;
  for (auto& b : got["T"]) {
    n += b.rows();
    for (auto v : b.at("v").ints) sum += v;
  }
  EXPECT_EQ(n, static_cast<size_t>(expected_rows));
  EXPECT_EQ(sum, int64_t(expected_rows) * (expected_rows - 1) / 2);
}

TEST(BucketStore, KeepsEverythingInMemoryUnderBudget) {
  test::TempDir dir;
  BucketStore store(1 << 30, dir.path());
  for (int i = 0; i < 10; ++i) store.add(i % 3, "T", rows(i * 100, 100));
  EXPECT_EQ(store.spilled_bytes(), 0u);
  EXPECT_EQ(store.buckets(), (std::vector<uint32_t>{0, 1, 2}));
  // Bucket 0 got the batches 0, 3, 6, 9 (100 rows each, the same columns): one batch of their
  // rows in turn.
  auto b0 = store.take(0);
  ASSERT_EQ(b0["T"].size(), 1u);
  const auto& v = b0["T"][0].at("v").ints;
  ASSERT_EQ(v.size(), 400u);
  for (int k = 0; k < 4; ++k)
    for (int i = 0; i < 100; ++i) EXPECT_EQ(v[k * 100 + i], 300 * k + i);
}

TEST(BucketStore, BatchesOfOtherColumnsComeBackAsBatchesOfTheirOwnInAddOrder) {
  // A table whose files differ in columns (an extra column in one delivery): the rows keep
  // their order, a new batch starting wherever the columns change.
  test::TempDir dir;
  BucketStore store(1 << 30, dir.path());
  Batch wide = rows(10, 3);
  wide.columns.emplace_back("x", ColumnType::kInt64);
  wide.columns.back().ints = {1, 2, 3};
  store.add(0, "T", rows(0, 2));
  store.add(0, "T", rows(2, 2));
  store.add(0, "T", wide);
  store.add(0, "T", rows(20, 1));
  auto got = store.take(0)["T"];
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[0].at("v").ints, (std::vector<int64_t>{0, 1, 2, 3}));
  EXPECT_EQ(got[1].at("x").ints, (std::vector<int64_t>{1, 2, 3}));
  EXPECT_EQ(got[2].at("v").ints, (std::vector<int64_t>{20}));
}

TEST(BucketStore, SpillsPastTheBudgetAndReturnsTheSameRows) {
  test::TempDir dir;
  BucketStore store(4096, dir.path());
  for (int i = 0; i < 50; ++i) store.add(7, "T", rows(i * 20, 20));
  EXPECT_GT(store.spilled_bytes(), 0u);
  EXPECT_LE(store.memory_bytes(), 4096u);
  expect_bucket(store, 7, 1000);
  EXPECT_TRUE(store.buckets().empty());
}

TEST(BucketStore, WhatItHoldsNeverPassesTheBudget) {
  // Batches of several sizes into several buckets: the peak it reports (the manifest's
  // peak_shuffle_bytes_per_rank) stays within the budget, a batch larger than the budget included.
  test::TempDir dir;
  const uint64_t budget = 6000;
  BucketStore store(budget, dir.path());
  int next = 0;
  for (int i = 0; i < 200; ++i) {
    const int n = 5 + (i * 37) % 60 + (i == 100 ? 400 : 0);
    store.add(static_cast<uint32_t>(i % 5), "T", rows(next, n));
    next += n;
    EXPECT_LE(store.memory_bytes(), budget) << i;
  }
  EXPECT_LE(store.peak_memory_bytes(), budget);
  EXPECT_GT(store.spilled_bytes(), 0u);
  size_t total = 0;
  for (uint32_t b : store.buckets()) {
    auto taken = store.take(b);
    for (auto& batch : taken["T"]) total += batch.rows();
  }
  EXPECT_EQ(total, static_cast<size_t>(next));
}

TEST(BucketStore, MakesRoomForABucketsWorkBySpillingTheOthers) {
  test::TempDir dir;
  const uint64_t budget = uint64_t{1} << 20;
  BucketStore store(budget, dir.path());
  // Equal-sized buckets (keys of equal length).
  for (uint32_t b = 0; b < 4; ++b) store.add(b, "T", rows(1000 * static_cast<int>(b + 1), 500));
  ASSERT_EQ(store.spilled_bytes(), 0u);
  // The store counts encoded bytes (what it holds), bucket_bytes the decoded rows (what a take
  // brings back): larger.
  const uint64_t one = store.bucket_bytes(0);
  const uint64_t held = store.memory_bytes() / 4;
  EXPECT_EQ(store.memory_bytes(), 4 * held);
  EXPECT_LT(held, one);
  EXPECT_EQ(one, rows(1000, 500).byte_size());
  store.make_room(budget - 4 * held, 0);  // fits already: nothing moves
  EXPECT_EQ(store.spilled_bytes(), 0u);
  // Room for work that leaves two buckets' worth of the budget: two of the others go to disk,
  // and bucket_bytes still counts what was spilled.
  store.make_room(budget - 2 * held, 0);
  EXPECT_EQ(store.memory_bytes(), 2 * held);
  EXPECT_GT(store.spilled_bytes(), 0u);
  for (uint32_t b = 0; b < 4; ++b) EXPECT_EQ(store.bucket_bytes(b), one) << b;
  // More than the budget: every other bucket spilled, the one about to be taken stays.
  store.make_room(2 * budget, 0);
  EXPECT_EQ(store.memory_bytes(), held);
  EXPECT_EQ(store.take(0)["T"].at(0).rows(), 500u);
  EXPECT_EQ(store.bucket_bytes(0), 0u);
  EXPECT_EQ(store.take(3)["T"].at(0).rows(), 500u);
}

TEST(BucketStore, GivesBackEveryValueInAddOrderSpilledOrNotOnSeveralThreads) {
  // Batches of two tables into one bucket, half of them spilled (LZ4 and decoded on 2 threads):
  // take() returns each table's rows in the order they were added, value for value.
  test::TempDir dir;
  BucketStore store(3000, dir.path(), 2);
  Batch added_t, added_u;
  for (int i = 0; i < 40; ++i) {
    Batch b = rows(i * 30, 30);
    b.columns.emplace_back("d", ColumnType::kDate);
    for (int k = 0; k < 30; ++k)
      b.columns.back().dates.push_back(k % 7 == 0 ? kMissingDate : 20000 + i);
    store.add(5, i % 3 ? "T" : "U", b);
    Batch& into = i % 3 ? added_t : added_u;
    if (into.columns.empty()) into = b.empty_like();
    for (size_t c = 0; c < b.columns.size(); ++c) {
      Column& to = into.columns[c];
      const Column& from = b.columns[c];
      to.ints.insert(to.ints.end(), from.ints.begin(), from.ints.end());
      to.dates.insert(to.dates.end(), from.dates.begin(), from.dates.end());
      for (size_t r = 0; r < from.strings.size(); ++r) to.strings.push_back(from.strings.at(r));
    }
  }
  EXPECT_GT(store.spilled_bytes(), 0u);
  auto got = store.take(5);
  ASSERT_EQ(got["T"].size(), 1u);
  ASSERT_EQ(got["U"].size(), 1u);
  const Batch& t = got["T"][0];
  ASSERT_EQ(t.rows(), added_t.rows());
  for (size_t r = 0; r < t.rows(); ++r)
    EXPECT_EQ(t.at("k").strings.at(r), added_t.at("k").strings.at(r)) << r;
  EXPECT_EQ(t.at("v").ints, added_t.at("v").ints);
  EXPECT_EQ(t.at("d").dates, added_t.at("d").dates);
  EXPECT_EQ(got["U"][0].at("v").ints, added_u.at("v").ints);
  EXPECT_TRUE(store.buckets().empty());
  EXPECT_EQ(store.memory_bytes(), 0u);
}

TEST(BucketStore, ADamagedSpillFileIsAnErrorNamingIt) {
  test::TempDir dir;
  BucketStore store(512, dir.path());
  for (int i = 0; i < 10; ++i) store.add(3, "T", rows(i * 50, 50));
  ASSERT_GT(store.spilled_bytes(), 0u);
  const auto file = dir.path() / "bucket_000003.spill";
  ASSERT_TRUE(std::filesystem::exists(file));
  std::filesystem::resize_file(file, std::filesystem::file_size(file) - 7);
  try {
    store.take(3);
    FAIL() << "a truncated spill file was read";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("bucket_000003.spill"), std::string::npos) << e.what();
  }
}

}  // namespace snds
