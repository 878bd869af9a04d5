// The join of one partition (jobs/ingest/join.hpp): a diagnosis takes its stay's patient and
// date and goes to that patient's shard; one without a stay is an orphan, kept; of two stays with
// one key, the first in input order wins whatever the arrival order, and the duplicate is counted.
#include "jobs/ingest/join.hpp"

#include <gtest/gtest.h>

#include <map>

#include "core/store/store_layout.hpp"
#include "tests/jobs/ingest/ingest_internals_support.hpp"

namespace snds {
namespace {

using test::diagnoses;
using test::stays;

const BucketSpace kSpace{7, 1};  // one join partition: every key meets there

// The key projections route_parsed would send the partition.
Batch keys_of(const Batch& stay_rows) {
  for (auto& r : route_parsed(test::mco(TableKind::kMcoC, 2019), stay_rows, kSpace))
    if (r.table.ends_with(kKeysSuffix)) return std::move(r.rows);
  return {};
}

std::vector<Routed> join(std::vector<Batch> key_parts, Batch details, JoinCounts& counts) {
  std::map<std::string, std::vector<Batch>> data;
  data[std::string("T_MCO19C") + kKeysSuffix] = std::move(key_parts);
  data["T_MCO19B"].push_back(std::move(details));
  return join_bucket(std::move(data), kSpace, counts);
}

TEST(Join, ADiagnosisTakesItsStaysPatientAndDateAndGoesToTheirShard) {
  const Batch c = stays({{"A1", "1", "NIR_P", 100, 1}, {"A1", "2", "NIR_Q", 200, 2}});
  JoinCounts counts;
  const auto out = join(
      {keys_of(c)},
      diagnoses({{"A1", "2", "I21", 10}, {"A1", "1", "S72", 11}, {"A1", "1", "E11", 12}}), counts);
  EXPECT_EQ(counts.joined["T_MCO19B"], 3u);
  EXPECT_EQ(counts.orphans["T_MCO19B"], 0u);
  size_t rows = 0;
  for (const Routed& r : out) {
    EXPECT_EQ(r.table, "T_MCO19B");
    for (size_t i = 0; i < r.rows.rows(); ++i) {
      const std::string_view nir = r.rows.at("NIR_ANO_17").strings.at(i);
      const std::string_view rsa = r.rows.at("RSA_NUM").strings.at(i);
      EXPECT_EQ(nir, rsa == "1" ? "NIR_P" : "NIR_Q");
      EXPECT_EQ(r.rows.at("EXE_SOI_DTD").dates[i], rsa == "1" ? 100 : 200);
      EXPECT_EQ(r.bucket, kSpace.patient_shard(nir));
    }
    rows += r.rows.rows();
  }
  EXPECT_EQ(rows, 3u);
}

TEST(Join, ADiagnosisWithoutAStayIsAnOrphanKeptApart) {
  JoinCounts counts;
  const auto out = join({keys_of(stays({{"A1", "1", "NIR_P", 100, 1}}))},
                        diagnoses({{"Z9", "9", "J18", 10}, {"A1", "1", "S72", 11}}), counts);
  EXPECT_EQ(counts.joined["T_MCO19B"], 1u);
  EXPECT_EQ(counts.orphans["T_MCO19B"], 1u);
  size_t orphans = 0;
  for (const Routed& r : out)
    if (r.table == std::string("T_MCO19B") + kOrphanSuffix) {
      orphans += r.rows.rows();
      EXPECT_LT(r.bucket, kSpace.shards);
      EXPECT_EQ(r.rows.at("DGN_PAL").strings.at(0), "J18");
    }
  EXPECT_EQ(orphans, 1u);
}

TEST(Join, OfTwoStaysWithOneKeyTheFirstInInputOrderWinsWhateverTheArrivalOrder) {
  const Batch first = stays({{"A1", "1", "NIR_FIRST", 100, 5}});
  const Batch second = stays({{"A1", "1", "NIR_SECOND", 300, 9}});
  for (const bool first_arrives_first : {true, false}) {
    JoinCounts counts;
    std::vector<Batch> parts;
    parts.push_back(keys_of(first_arrives_first ? first : second));
    parts.push_back(keys_of(first_arrives_first ? second : first));
    const auto out = join(std::move(parts), diagnoses({{"A1", "1", "S72", 11}}), counts);
    EXPECT_EQ(counts.duplicate_parent_keys["T_MCO19C"], 1u);
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].rows.at("NIR_ANO_17").strings.at(0), "NIR_FIRST");
    EXPECT_EQ(out[0].rows.at("EXE_SOI_DTD").dates[0], 100);
  }
}

TEST(Join, TheEncodedOutputIsTheGatheredOutputEncoded) {
  // What the ingest sends on (join_bucket into an EncodeSplit) is, piece for piece and in the
  // same order, encode_compact of the gathered pieces: joined rows and orphans.
  const Batch c = stays(
      {{"A1", "1", "NIR_P", 100, 1}, {"A1", "2", "NIR_Q", 200, 2}, {"B7", "4", "NIR_R", 300, 3}});
  const Batch d = diagnoses({{"A1", "2", "I21", 10},
                             {"A1", "1", "S72", 11},
                             {"Z9", "9", "J18", 12},
                             {"B7", "4", "E11", 13},
                             {"Q1", "5", "K35", 14}});
  const auto input = [&] {
    std::map<std::string, std::vector<Batch>> data;
    data[std::string("T_MCO19C") + kKeysSuffix].push_back(keys_of(c));
    data["T_MCO19B"].push_back(d);
    return data;
  };
  JoinCounts gathered_counts, encoded_counts;
  const std::vector<Routed> gathered = join_bucket(input(), kSpace, gathered_counts);
  std::vector<std::pair<uint32_t, std::string>> where;
  std::vector<std::string> bytes;
  join_bucket(input(), kSpace, encoded_counts,
              EncodeSplit([&](uint32_t bucket, const std::string& table, EncodedBatch&& e) {
                where.emplace_back(bucket, table);
                bytes.emplace_back(e.data(), e.size());
              }));
  ASSERT_EQ(where.size(), gathered.size());
  bool orphans = false;
  for (size_t k = 0; k < gathered.size(); ++k) {
    EXPECT_EQ(where[k].first, gathered[k].bucket);
    EXPECT_EQ(where[k].second, gathered[k].table);
    orphans = orphans || gathered[k].table.ends_with(kOrphanSuffix);
    const EncodedBatch want = encode_compact(gathered[k].rows);
    EXPECT_EQ(bytes[k], std::string(want.data(), want.size())) << gathered[k].table;
  }
  EXPECT_TRUE(orphans);
  EXPECT_EQ(encoded_counts.joined, gathered_counts.joined);
  EXPECT_EQ(encoded_counts.orphans, gathered_counts.orphans);
}

}  // namespace
}  // namespace snds
