// cohort_dispensing_events: the dispensing events a study's definitions can match, extracted by
// patient-aligned row ranges on the team, are the netted events of those CIP13s' lines, whatever
// the thread count and even when the stored rows are out of order (patients then straddle
// ranges, and the shard is extracted again as one range).
#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>
#include <random>
#include <tuple>
#include <vector>

#include "core/cohort/cohort_engine.hpp"
#include "tests/core/aggregate/random_extract.hpp"

namespace snds {
namespace {

using Plain = std::tuple<uint32_t, Date, std::string, int64_t>;

std::vector<Plain> plain(const std::vector<DispensingEvent>& events) {
  std::vector<Plain> out;
  for (const auto& e : events) out.emplace_back(e.patient, e.date, std::string(e.cip13), e.boxes);
  return out;
}

CohortSpec statin_study() {
  CohortSpec spec;
  EventDefinition statin;
  statin.name = "statin";
  statin.atc = {"C10AA"};
  spec.events.push_back(statin);
  return spec;
}

// The brute force: every line of the shard, netted, then the events of matching ATCs kept
// (netting is per CIP13, so filtering after it changes no event).
std::vector<DispensingEvent> expected_events(const ShardData& shard, const PatientIndex& patients,
                                             const DrugReferential& ref) {
  std::vector<DispensingEvent> out;
  for (const auto& e : dispensing_events(extract_dispensing_lines(shard, patients, ref)))
    if (e.atc.starts_with("C10AA")) out.push_back(e);
  return out;
}

TEST(CohortDispensingEvents, AreTheNettedEventsOfTheStudysCip13sInAnyRowOrder) {
  const auto x = test::random_extract(9, 500);
  const DrugReferential ref(x.referential);
  std::mt19937_64 rng(4);
  for (const bool shuffled : {false, true}) {
    SCOPED_TRACE(shuffled ? "shuffled rows" : "stored order");
    ShardData shard = test::split_by_patient(x.shard, 1)[0];
    if (shuffled) {
      Batch& pha = shard.tables.at("ER_PHA_F");
      std::vector<uint32_t> order(pha.rows());
      std::iota(order.begin(), order.end(), 0u);
      std::shuffle(order.begin(), order.end(), rng);
      pha = pha.gather(order);
    }
    const PatientIndex patients = build_patient_index(shard);
    const auto expected = plain(expected_events(shard, patients, ref));
    ASSERT_GT(expected.size(), 20u);  // the extract has statins to find
    const DispensingSource source(shard, patients, ref);
    for (const int threads : {1, 2, 3})
      for (const size_t rows_per_range : {size_t{50}, kCohortRowsPerRange})
        EXPECT_EQ(plain(cohort_dispensing_events(statin_study(), source, threads, rows_per_range)),
                  expected)
            << threads << " threads, ranges of " << rows_per_range << " rows";
  }
}

}  // namespace
}  // namespace snds
