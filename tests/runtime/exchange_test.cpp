// Shuffle rounds (runtime/exchange.hpp) on 1-4 in-process ranks: every part reaches its
// destination's bucket store intact, rows staying on a rank skip the wire, bytes are counted on
// both sides, and rounds with nothing to send still meet.
#include "runtime/exchange.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <string>

#include <fmt/format.h>

#include "tests/support/test_support.hpp"

namespace snds {
namespace {

// `count` rows tagged with where they come from and go: (source, destination, round, index).
Batch tagged_rows(int source, int dest, int round, int count) {
  Batch b;
  b.columns.emplace_back("from", ColumnType::kString);
  b.columns.emplace_back("n", ColumnType::kInt64);
  for (int i = 0; i < count; ++i) {
    b.columns[0].strings.push_back(fmt::format("{}>{}@{}", source, dest, round));
    b.columns[1].ints.push_back(i);
  }
  return b;
}

class Exchange : public ::testing::TestWithParam<int> {};

TEST_P(Exchange, EveryPartReachesItsDestinationsBucketIntact) {
  const int n = GetParam();
  test::TempDir dir;
  std::atomic<uint64_t> sent{0}, received{0};
  run_in_process(n, [&](Communicator& c) {
    const int r = c.rank();
    BucketStore store(1 << 30, dir / std::to_string(r));
    for (int round = 0; round < 2; ++round) {
      Outbox out(n);
      // Bucket d * 100 + r on rank d holds what r sent it; rank 0 sends nothing in round 1.
      if (!(round == 1 && r == 0))
        for (int d = 0; d < n; ++d)
          out.add(d, static_cast<uint32_t>(d * 100 + r), round == 0 ? "T" : "U",
                  tagged_rows(r, d, round, 1 + r + d));
      const ExchangeStats stats = exchange(c, out, store);
      EXPECT_TRUE(out.empty());
      sent += stats.bytes_sent;
      received += stats.bytes_received;
      if (n == 1) {
        EXPECT_EQ(stats.bytes_sent + stats.bytes_received, 0u);  // all local
      }
    }
    std::vector<uint32_t> expected_buckets;
    for (int s = 0; s < n; ++s) expected_buckets.push_back(static_cast<uint32_t>(r * 100 + s));
    EXPECT_EQ(store.buckets(), expected_buckets);
    for (int s = 0; s < n; ++s) {
      auto tables = store.take(static_cast<uint32_t>(r * 100 + s));
      EXPECT_EQ(tables.size(), s == 0 ? 1u : 2u) << "from " << s;
      for (const auto& [table, batches] : tables) {
        const int round = table == "T" ? 0 : 1;
        size_t rows = 0;
        for (const Batch& b : batches) {
          for (size_t i = 0; i < b.rows(); ++i) {
            EXPECT_EQ(b.at("from").string_at(i), fmt::format("{}>{}@{}", s, r, round));
            EXPECT_EQ(b.at("n").ints[i], static_cast<int64_t>(rows + i));
          }
          rows += b.rows();
        }
        EXPECT_EQ(rows, static_cast<size_t>(1 + s + r)) << table << " from " << s;
      }
    }
  });
  EXPECT_EQ(sent.load(), received.load());  // what left one rank arrived on another
  if (n > 1) {
    EXPECT_GT(sent.load(), 0u);
  }
}

TEST_P(Exchange, RoundsWithNothingToSendStillMeet) {
  const int n = GetParam();
  test::TempDir dir;
  run_in_process(n, [&](Communicator& c) {
    BucketStore store(1 << 20, dir / std::to_string(c.rank()));
    for (int round = 0; round < 3; ++round) {
      Outbox out(n);
      const ExchangeStats stats = exchange(c, out, store);
      EXPECT_EQ(stats.bytes_received, static_cast<uint64_t>(n - 1) * sizeof(uint64_t));
    }
    EXPECT_TRUE(store.buckets().empty());
  });
}

INSTANTIATE_TEST_SUITE_P(Ranks, Exchange, ::testing::Values(1, 2, 3, 4));

TEST(Outbox, LocalPartsLeaveWithoutEncodingAndTheCountsFollow) {
  Outbox out(3);
  EXPECT_TRUE(out.empty());
  out.add(1, 7, "T", tagged_rows(0, 1, 0, 5));
  const uint64_t one = out.bytes();
  EXPECT_GT(one, 0u);
  out.add(2, 8, "T", tagged_rows(0, 2, 0, 5));
  EXPECT_EQ(out.bytes(), 2 * one);
  auto local = out.take_local(1);
  ASSERT_EQ(local.size(), 1u);
  EXPECT_EQ(local[0].bucket, 7u);
  EXPECT_EQ(local[0].rows.rows(), 5u);
  EXPECT_EQ(out.bytes(), one);
  EXPECT_FALSE(out.empty());
  auto wire = out.take_encoded();
  ASSERT_EQ(wire.size(), 3u);
  EXPECT_EQ(wire[0].size(), sizeof(uint64_t));  // a count of 0 parts
  EXPECT_EQ(wire[1].size(), sizeof(uint64_t));  // taken locally
  EXPECT_GT(wire[2].size(), sizeof(uint64_t));
  EXPECT_TRUE(out.empty());
}

}  // namespace
}  // namespace snds
