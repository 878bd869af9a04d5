// A shard's rows in store order (jobs/ingest/shard_sort.hpp): by patient, then date, then input
// position, whatever order they arrived in; orphans keep input order; `_src` is not stored.
#include "jobs/ingest/shard_sort.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "core/store/store_layout.hpp"
#include "tests/jobs/ingest/ingest_internals_support.hpp"

namespace snds {
namespace {

const std::vector<test::StayRow> kRows = {
    {"A", "1", "NIR_B", 300, 1}, {"A", "2", "NIR_A", 200, 2}, {"A", "3", "NIR_B", 100, 3},
    {"A", "4", "NIR_A", 200, 4}, {"A", "5", "NIR_AB", 50, 5}, {"A", "6", "NIR_A", 100, 6},
};

TEST(ShardSort, RowsAreInPatientDateAndInputOrderWhateverTheArrivalOrder) {
  std::vector<test::StayRow> shuffled = kRows;
  std::mt19937 rng(3);
  for (int trial = 0; trial < 5; ++trial) {
    std::shuffle(shuffled.begin(), shuffled.end(), rng);
    const Batch sorted = sort_for_store("T_MCO19C", test::stays(shuffled));
    EXPECT_LT(sorted.find(kSrcColumn), 0);
    std::vector<std::string> rsa;
    for (size_t i = 0; i < sorted.rows(); ++i) rsa.emplace_back(sorted.at("RSA_NUM").strings.at(i));
    // NIR_A: 100 (6), 200 (2 before 4); NIR_AB: 50; NIR_B: 100, 300.
    EXPECT_EQ(rsa, (std::vector<std::string>{"6", "2", "4", "5", "3", "1"}));
  }
}

TEST(ShardSort, OrphansKeepInputOrder) {
  std::vector<test::StayRow> reversed(kRows.rbegin(), kRows.rend());
  const Batch sorted =
      sort_for_store(std::string("T_MCO19C") + kOrphanSuffix, test::stays(reversed));
  std::vector<std::string> rsa;
  for (size_t i = 0; i < sorted.rows(); ++i) rsa.emplace_back(sorted.at("RSA_NUM").strings.at(i));
  EXPECT_EQ(rsa, (std::vector<std::string>{"1", "2", "3", "4", "5", "6"}));
}

}  // namespace
}  // namespace snds
