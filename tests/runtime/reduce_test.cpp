// Field-wise reductions (runtime/reduce.hpp) on the in-process communicator: each named field is
// summed over ranks on its own, whatever the number of ranks and structs.
#include "runtime/reduce.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace snds {
namespace {

struct Pair {
  uint64_t first = 0;
  uint64_t second = 0;
};

struct Nested {
  Pair pair;
  uint64_t last = 0;
};

class FieldSums : public ::testing::TestWithParam<int> {};

TEST_P(FieldSums, EachFieldIsSummedOverRanksOnItsOwn) {
  const int n = GetParam();
  run_in_process(n, [n](Communicator& c) {
    const auto r = static_cast<uint64_t>(c.rank());
    const Nested total = sum_fields(c, Nested{{r + 1, 10 * r}, r == 0 ? 7u : 0u});
    const auto un = static_cast<uint64_t>(n);
    EXPECT_EQ(total.pair.first, un * (un + 1) / 2);
    EXPECT_EQ(total.pair.second, 10 * un * (un - 1) / 2);
    EXPECT_EQ(total.last, 7u);
  });
}

TEST_P(FieldSums, ASpanOfStructsKeepsEachStructsFieldsApart) {
  const int n = GetParam();
  run_in_process(n, [n](Communicator& c) {
    std::vector<Pair> per_table(3);
    for (size_t t = 0; t < per_table.size(); ++t)
      per_table[t] = Pair{t, c.rank() == n - 1 ? 100 * (t + 1) : 0};
    sum_fields(c, std::span<Pair>(per_table));
    for (size_t t = 0; t < per_table.size(); ++t) {
      EXPECT_EQ(per_table[t].first, t * static_cast<uint64_t>(n));
      EXPECT_EQ(per_table[t].second, 100 * (t + 1));
    }
    std::vector<Pair> none;
    sum_fields(c, std::span<Pair>(none));  // still a collective every rank meets
  });
}

TEST_P(FieldSums, ARoundEndsForAllWhenOneRankFailsOrStops) {
  const int n = GetParam();
  run_in_process(n, [n](Communicator& c) {
    const bool last = c.rank() == n - 1;
    RoundStatus mine;
    mine.work_left = c.rank() == 0 ? 3 : 0;
    mine.done = 5;
    mine.failed = last ? 1 : 0;
    const RoundStatus all = agree_on_round(c, mine);
    EXPECT_TRUE(all.any_left());
    EXPECT_EQ(all.done, 5u * static_cast<uint64_t>(n));
    EXPECT_TRUE(all.any_failed());
    EXPECT_FALSE(all.any_stopping());
    const RoundStatus quiet = agree_on_round(c, RoundStatus{0, 0, last ? 1u : 0u, 0});
    EXPECT_FALSE(quiet.any_left());
    EXPECT_TRUE(quiet.any_stopping());
    EXPECT_FALSE(quiet.any_failed());
  });
}

INSTANTIATE_TEST_SUITE_P(Ranks, FieldSums, ::testing::Values(1, 2, 3, 4));

}  // namespace
}  // namespace snds
