// Row routing (jobs/ingest/routing.hpp): patient-keyed rows go to their patient's shard, detail
// rows and their parent's key projection to the same join partition, referentials to the one
// referential bucket; a split keeps input order within each bucket.
#include "jobs/ingest/routing.hpp"

#include <gtest/gtest.h>

#include <map>

#include "tests/jobs/ingest/ingest_internals_support.hpp"

namespace snds {
namespace {

using test::diagnoses;
using test::mco;
using test::stays;

const BucketSpace kSpace{7, 5};

TEST(Routing, AStaysRowGoesToItsPatientsShardAndItsKeyToTheJoinPartitionOfItsDiagnoses) {
  const Batch c = stays({{"A1", "1", "NIR_P", 100, 1},
                         {"A1", "2", "NIR_Q", 101, 2},
                         {"B7", "1", "NIR_P", 102, 3},
                         {"A1", "3", "NIR_R", 103, 4}});
  const Batch b =
      diagnoses({{"A1", "2", "I21", 10}, {"B7", "1", "S72", 11}, {"Z9", "9", "J18", 12}});
  const auto c_routed = route_parsed(mco(TableKind::kMcoC, 2019), c, kSpace);
  const auto b_routed = route_parsed(mco(TableKind::kMcoB, 2019), b, kSpace);

  std::map<std::string, uint32_t> key_bucket;  // "ETA/RSA" -> join partition of the C key
  size_t stay_rows = 0, key_rows = 0;
  for (const Routed& r : c_routed) {
    if (r.table == "T_MCO19C") {
      EXPECT_LT(r.bucket, kSpace.shards);
      for (size_t i = 0; i < r.rows.rows(); ++i)
        EXPECT_EQ(r.bucket, kSpace.patient_shard(r.rows.at("NIR_ANO_17").strings.at(i)));
      stay_rows += r.rows.rows();
    } else {
      EXPECT_EQ(r.table, std::string("T_MCO19C") + kKeysSuffix);
      EXPECT_GE(r.bucket, kSpace.shards);
      EXPECT_LT(r.bucket, kSpace.referential());
      // The projection: stay key, what the details take over, input position.
      EXPECT_GE(r.rows.find("NIR_ANO_17"), 0);
      EXPECT_GE(r.rows.find("EXE_SOI_DTD"), 0);
      EXPECT_GE(r.rows.find(kSrcColumn), 0);
      EXPECT_LT(r.rows.find("DGN_PAL"), 0);
      for (size_t i = 0; i < r.rows.rows(); ++i)
        key_bucket[std::string(r.rows.at("ETA_NUM").strings.at(i)) + "/" +
                   std::string(r.rows.at("RSA_NUM").strings.at(i))] = r.bucket;
      key_rows += r.rows.rows();
    }
  }
  EXPECT_EQ(stay_rows, 4u);  // every row once in a shard, once as a key
  EXPECT_EQ(key_rows, 4u);
  size_t detail_rows = 0;
  for (const Routed& r : b_routed) {
    EXPECT_EQ(r.table, "T_MCO19B");
    for (size_t i = 0; i < r.rows.rows(); ++i) {
      const std::string key = std::string(r.rows.at("ETA_NUM").strings.at(i)) + "/" +
                              std::string(r.rows.at("RSA_NUM").strings.at(i));
      if (key_bucket.count(key)) {
        EXPECT_EQ(r.bucket, key_bucket[key]) << key;
      }
      EXPECT_GE(r.bucket, kSpace.shards);
    }
    detail_rows += r.rows.rows();
  }
  EXPECT_EQ(detail_rows, 3u);
}

TEST(Routing, KeyHashesOfAllRowsAreEachRowsHash) {
  // hash_rows (column by column, what routing and joins use) gives hash(i) (row by row) for a
  // key of strings, integers and dates; the year salt is part of it.
  Batch b =
      stays({{"A1", "1", "NIR_P", 100, 1}, {"A1", "2", "", 101, 2}, {"B7", "1", "N", 102, 3}});
  Column n("N", ColumnType::kInt64);
  n.ints = {5, kMissingInt, -3};
  b.columns.push_back(std::move(n));
  static constexpr std::string_view kKey[] = {"ETA_NUM", "RSA_NUM", "N", "EXE_SOI_DTD"};
  for (const int64_t salt : {0, 2019}) {
    const KeyColumns keys(b, kKey, salt);
    const std::vector<uint64_t> all = keys.hash_rows();
    ASSERT_EQ(all.size(), 3u);
    for (size_t i = 0; i < 3; ++i) EXPECT_EQ(all[i], keys.hash(i)) << i;
  }
  EXPECT_NE(KeyColumns(b, kKey, 0).hash_rows(), KeyColumns(b, kKey, 2019).hash_rows());
}

TEST(Routing, TheSameStayKeyOfAnotherYearIsAnotherKey) {
  const Batch c = stays({{"A1", "1", "NIR_P", 100, 1}});
  const KeyColumns y19 = stay_key(c, 2019), y20 = stay_key(c, 2020), again = stay_key(c, 2019);
  EXPECT_TRUE(y19.equal(0, again, 0));
  EXPECT_EQ(y19.hash(0), again.hash(0));
  EXPECT_FALSE(y19.equal(0, y20, 0));
  EXPECT_NE(y19.hash(0), y20.hash(0));
}

TEST(Routing, ReferentialRowsGoWholeToTheReferentialBucketOnRankZero) {
  Batch pha;
  pha.columns.emplace_back("PHA_CIP_C13", ColumnType::kString);
  pha.columns.emplace_back(kSrcColumn, ColumnType::kInt64);
  for (int i = 0; i < 5; ++i) {
    pha.columns[0].strings.push_back("340090000000" + std::to_string(i));
    pha.columns[1].ints.push_back(i);
  }
  const auto out = route_parsed(*parse_table_name("IR_PHA_R"), pha, kSpace);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].bucket, kSpace.referential());
  EXPECT_EQ(out[0].rows.rows(), 5u);
  for (int ranks = 1; ranks <= 4; ++ranks) EXPECT_EQ(kSpace.owner(kSpace.referential(), ranks), 0);
}

TEST(Routing, ASplitKeepsInputOrderWithinEachBucketInAscendingBuckets) {
  const Batch c = stays({{"A", "1", "N1", 1, 10},
                         {"A", "2", "N2", 1, 11},
                         {"A", "3", "N3", 1, 12},
                         {"A", "4", "N4", 1, 13},
                         {"A", "5", "N5", 1, 14}});
  const auto out = split_by_bucket("T_MCO19C", c, {3, 1, 3, 1, 0});
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[0].bucket, 0u);
  EXPECT_EQ(out[1].bucket, 1u);
  EXPECT_EQ(out[2].bucket, 3u);
  EXPECT_EQ(out[1].rows.at(kSrcColumn).ints, (std::vector<int64_t>{11, 13}));
  EXPECT_EQ(out[2].rows.at(kSrcColumn).ints, (std::vector<int64_t>{10, 12}));
}

TEST(Routing, TheEncodedPiecesAreTheGatheredPiecesEncoded) {
  // What the read sends (route_parsed into an EncodeSplit) is, piece for piece and in the same
  // order, encode_compact of what the gathering route_parsed returns: parents with their key
  // projection, details, referentials.
  const Batch c = stays({{"A1", "1", "NIR_P", 100, 1},
                         {"A1", "2", "NIR_Q", 101, 2},
                         {"B7", "1", "NIR_P", 102, 3},
                         {"A1", "3", "NIR_R", 103, 4},
                         {"C3", "8", "NIR_S", 104, 5}});
  const Batch b =
      diagnoses({{"A1", "2", "I21", 10}, {"B7", "1", "S72", 11}, {"Z9", "9", "J18", 12}});
  Batch pha;
  pha.columns.emplace_back("PHA_CIP_C13", ColumnType::kString);
  pha.columns.emplace_back(kSrcColumn, ColumnType::kInt64);
  for (int i = 0; i < 3; ++i) {
    pha.columns[0].strings.push_back("340090000000" + std::to_string(i));
    pha.columns[1].ints.push_back(i);
  }
  const std::pair<TableName, const Batch*> cases[] = {{mco(TableKind::kMcoC, 2019), &c},
                                                      {mco(TableKind::kMcoB, 2019), &b},
                                                      {*parse_table_name("IR_PHA_R"), &pha}};
  for (const auto& [table, rows] : cases) {
    const std::vector<Routed> gathered = route_parsed(table, *rows, kSpace);
    std::vector<std::pair<uint32_t, std::string>> where;
    std::vector<std::string> bytes;
    route_parsed(table, *rows, kSpace,
                 EncodeSplit([&](uint32_t bucket, const std::string& name, EncodedBatch&& e) {
                   where.emplace_back(bucket, name);
                   bytes.emplace_back(e.data(), e.size());
                 }));
    ASSERT_EQ(where.size(), gathered.size()) << table.name;
    for (size_t k = 0; k < gathered.size(); ++k) {
      EXPECT_EQ(where[k].first, gathered[k].bucket);
      EXPECT_EQ(where[k].second, gathered[k].table);
      const EncodedBatch want = encode_compact(gathered[k].rows);
      EXPECT_EQ(bytes[k], std::string(want.data(), want.size())) << gathered[k].table;
    }
  }
}

}  // namespace
}  // namespace snds
