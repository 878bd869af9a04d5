// A shard's rows in store order (jobs/ingest/shard_sort.hpp): by patient, then date, then input
// position, whatever order they arrived in; orphans keep input order; `_src` is not stored. A
// table arriving in parts (a bucket's batches, some without a column) sorts to exactly what its
// concatenation sorts to, on any thread count.
#include "jobs/ingest/shard_sort.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <numeric>
#include <random>
#include <string>
#include <vector>

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

// Random patient rows (IR_BEN_R: patient, rank, date; a few duplicated keys) cut into parts,
// the last one without BEN_SEX_COD.
std::vector<Batch> random_parts(uint32_t seed, size_t rows, size_t parts) {
  std::mt19937 rng(seed);
  std::vector<int64_t> src(rows);
  std::iota(src.begin(), src.end(), int64_t{1000});
  std::shuffle(src.begin(), src.end(), rng);
  std::vector<Batch> out(parts);
  for (size_t p = 0; p < parts; ++p) {
    Batch& b = out[p];
    b.columns.emplace_back("BEN_NIR_PSA", ColumnType::kString);
    b.columns.emplace_back("BEN_RNG_GEM", ColumnType::kInt64);
    b.columns.emplace_back("EXE_SOI_DTD", ColumnType::kDate);
    if (p + 1 < parts) b.columns.emplace_back("BEN_SEX_COD", ColumnType::kInt64);
    b.columns.emplace_back(kSrcColumn, ColumnType::kInt64);
  }
  for (size_t i = 0; i < rows; ++i) {
    Batch& b = out[rng() % parts];
    const auto patient = rng() % 40;
    b.at("BEN_NIR_PSA").strings.push_back(patient == 0 ? "" : "NIR" + std::to_string(patient));
    b.at("BEN_RNG_GEM").ints.push_back(rng() % 3 == 0 ? kMissingInt : int64_t(rng() % 3));
    b.at("EXE_SOI_DTD").dates.push_back(static_cast<Date>(rng() % 20));
    if (b.find("BEN_SEX_COD") >= 0) b.at("BEN_SEX_COD").ints.push_back(int64_t(rng() % 2 + 1));
    b.at(kSrcColumn).ints.push_back(src[i]);
  }
  return out;
}

std::vector<std::string> rows_of(const Batch& b) {
  std::vector<std::string> out(b.rows());
  for (const Column& c : b.columns)
    for (size_t i = 0; i < b.rows(); ++i)
      out[i] += c.name + "=" +
                (c.type == ColumnType::kString ? std::string(c.strings.at(i))
                 : c.type == ColumnType::kDate ? std::to_string(c.dates[i])
                                               : std::to_string(c.ints[i])) +
                ";";
  return out;
}

TEST(ShardSort, PartsSortToWhatTheirConcatenationSortsTo) {
  for (const uint32_t seed : {1u, 2u, 3u}) {
    for (const std::string table : {"IR_BEN_R", "ER_PRS_F.orphans"}) {
      SCOPED_TRACE(table + " seed " + std::to_string(seed));
      std::vector<Batch> parts = random_parts(seed, 500, 7);
      Batch whole;
      for (const Batch& b : parts) whole.append(b);
      const Batch expected = sort_for_store(table, std::move(whole));
      OrderedParts ordered = order_for_store(table, std::move(parts));
      Batch got;
      for (size_t c = 0; c < ordered.columns.size(); ++c)
        got.columns.push_back(gather_column(ordered, c));
      ASSERT_EQ(got.columns.size(), expected.columns.size());
      for (size_t c = 0; c < got.columns.size(); ++c)
        EXPECT_EQ(got.columns[c].name, expected.columns[c].name);
      EXPECT_EQ(rows_of(got), rows_of(expected));
    }
  }
}

TEST(ShardSort, AShardsTablesSortTheSameOnAnyThreadCount) {
  const std::vector<std::string> tables = {"IR_BEN_R", "ER_PRS_F.orphans", "T_MCO19C"};
  std::vector<std::vector<std::string>> first;
  for (const int threads : {1, 2, 3}) {
    std::map<std::string, std::vector<Batch>> data;
    data["IR_BEN_R"] = random_parts(5, 800, 5);
    data["ER_PRS_F.orphans"] = random_parts(6, 300, 3);
    // T_MCO19C has no parts: it comes back empty.
    const std::vector<Batch> sorted = sort_shard_for_store(tables, std::move(data), threads);
    ASSERT_EQ(sorted.size(), tables.size());
    EXPECT_EQ(sorted[0].rows(), 800u);
    EXPECT_EQ(sorted[1].rows(), 300u);
    EXPECT_EQ(sorted[2].rows(), 0u);
    std::vector<std::vector<std::string>> got;
    for (const Batch& b : sorted) got.push_back(rows_of(b));
    if (first.empty()) first = got;
    EXPECT_EQ(got, first) << threads << " threads";
  }
}

}  // namespace
}  // namespace snds
