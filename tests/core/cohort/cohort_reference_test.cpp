// The engine against a brute-force reference written straight from reference section 6 (every
// patient scans every event, no grouping, no sorting, no binary search) on random patients and
// events, and the same answer for any thread count.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>

#include "core/cohort/cohort_engine.hpp"
#include "tests/core/cohort/cohort_reference.hpp"

namespace snds {
namespace {

using test::CohortWorld;
using test::day;

// Random patients with few, clustered dates, so that edges (same day, day before, windows) occur.
CohortWorld random_world(uint32_t seed, size_t patients) {
  std::mt19937 rng(seed);
  auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<unsigned>(n)); };
  CohortWorld w;
  const char* atcs[] = {"C10AA01", "C10AA05", "C10BA02", "A10BA02", "UNKNOWN"};
  const char* icds[] = {"I21", "I219", "I220", "I500", "E119", "Z000"};
  const Date base = day(2019, 6, 1);
  for (size_t i = 0; i < patients; ++i) {
    const std::string nir = "P" + std::to_string(100000 + i);
    const int twins = pick(10) == 0 ? 2 : 1;
    std::vector<uint32_t> ids;
    for (int t = 1; t <= twins; ++t) {
      const int64_t birth = pick(15) == 0 ? kMissingInt : 1930 + pick(80);
      const Date death = pick(4) == 0 ? base + pick(1500) : kMissingDate;
      ids.push_back(w.patient(nir, t, birth, death, pick(2) ? "1" : "2"));
    }
    const Date anchor = base + pick(1400);
    for (uint32_t id : ids) {
      for (int k = pick(5); k > 0; --k)
        w.dispense(id, anchor + pick(800) - 400, atcs[pick(5)], "3400930000001",
                   10000 * (1 + pick(3)));
      if (pick(3) == 0) w.dispense(id, anchor - 365 - pick(3), "C10AA01");
      for (int k = pick(3); k > 0; --k)
        w.claim(id, anchor + pick(60) - 30, 1111, pick(3) == 0 ? -10000 : 10000);
    }
    // Stays reach every twin, as the extractor gives them.
    for (int k = pick(4); k > 0; --k) {
      const Date d = pick(5) == 0 ? kMissingDate : anchor + pick(900) - 300;
      const char* dp = icds[pick(6)];
      const char* dr = pick(2) ? icds[pick(6)] : "";
      const char* das = icds[pick(6)];
      for (uint32_t id : ids) w.stay(id, d, dp, dr, {das});
    }
  }
  // Events come sorted by patient then date from the extractors.
  auto by_patient_date = [](const auto& a, const auto& b) {
    return std::tie(a.patient, a.date) < std::tie(b.patient, b.date);
  };
  std::stable_sort(w.events.dispensing.begin(), w.events.dispensing.end(), by_patient_date);
  std::stable_sort(w.events.stays.begin(), w.events.stays.end(), by_patient_date);
  std::stable_sort(w.events.claims.begin(), w.events.claims.end(), by_patient_date);
  return w;
}

std::string describe(const CohortRow& r) {
  std::string s = r.nir + " idx " + format_iso_date(r.index_date) + " out " +
                  format_iso_date(r.outcome_date) + " end " + format_iso_date(r.end_date) + " " +
                  end_reason_name(r.end_reason) + std::to_string(r.censor) + " prev " +
                  std::to_string(r.prevalent) + " outs";
  for (auto d : r.outcome_dates) s += " " + format_iso_date(d);
  s += " exp";
  for (auto e : r.exposures)
    s += " [" + format_iso_date(e.start) + "," + format_iso_date(e.end) + "," +
         std::to_string(e.boxes) + "]";
  return s;
}

// The study designs on the same events: as-treated with censoring and loss, several outcomes
// with a clean window, stockpiling, n-th purchase, a baseline and index codes.
std::vector<CohortSpec> design_studies() {
  std::vector<CohortSpec> out;
  auto s = test::example_spec(0);
  s.exposure = ExposureSpec{};
  s.exposure->grace_days = 15;
  s.follow_up_end = FollowUpEnd::kExposureEnd;
  s.lag_days = 10;
  s.censor = {3};
  s.no_claim_days = 60;
  s.outcome_event.reset();
  s.outcomes = {{"mi", {1}, false, 0, "event"},
                {"combo", {1, 4}, true, 30, "all_of"},
                {"either", {2, 3}, false, 0, "any_of"}};
  s.clean_window_days = 180;
  BaselineSpec b;
  b.sex = b.age_band = b.atc = b.dp_chapter = b.stays = b.drugs = true;
  b.covariates = {"sex", "age_band", "atc", "dp_chapter", "stays", "drugs"};
  b.events = {4, 1};
  s.baseline = b;
  s.index_codes = true;
  out.push_back(s);

  s = test::example_spec(30);
  s.exposure = ExposureSpec{};
  s.exposure->days_per_box = 20;
  s.exposure->stockpile = true;
  s.follow_up_end = FollowUpEnd::kExposureEnd;
  s.censor = {1, 3};
  s.clean_window_days = 30;
  s.index_codes = true;
  out.push_back(s);

  s = test::example_spec(0);
  s.exposure = ExposureSpec{};
  s.exposure->min_purchases = 2;
  s.exposure->within_days = 90;
  s.censor = {3};
  s.outcomes = {{"any_mi", {1}, false, 0, "event"}};
  out.push_back(s);

  s = test::example_spec(0);
  s.index_event = 1;  // first MI stay: codes by position
  s.outcome_event.reset();
  s.outcomes = {{"statin", {0}, false, 0, "event"}};
  s.no_claim_days = 20;
  s.index_codes = true;
  b = BaselineSpec{};
  b.window_from = -100;
  b.window_to = 5;
  b.atc = b.drugs = true;
  b.atc_level = 5;
  b.covariates = {"atc", "drugs"};
  s.baseline = b;
  out.push_back(s);
  return out;
}

std::vector<CohortSpec> studies() {
  std::vector<CohortSpec> out;
  auto s = test::example_spec(365);
  s.criteria = {test::age_criterion("adult40", 40, std::nullopt),
                test::event_criterion("no_prior_mi", CriterionKind::kExcludeEvent, 1, -365, -1),
                test::alive_criterion("alive_at_index")};
  out.push_back(s);
  s = test::example_spec(0);
  s.outcome_event = 1;
  s.criteria = {test::age_criterion("age30to70", 30, 70),
                test::event_criterion("consulted", CriterionKind::kRequireEvent, 4, -400, 400),
                test::event_criterion("no_metformin", CriterionKind::kExcludeEvent, 3, -100, 100)};
  out.push_back(s);
  s = test::example_spec(90);
  s.index_event = 3;  // metformin new users, no criteria, no outcome
  s.outcome_event.reset();
  out.push_back(s);
  for (auto& d : design_studies()) out.push_back(std::move(d));
  return out;
}

TEST(CohortReference, TheEngineAgreesWithABruteForceReadingOfTheRules) {
  for (uint32_t seed : {1u, 2u, 3u}) {
    const CohortWorld w = random_world(seed, 700);
    for (const auto& spec : studies()) {
      const CohortPartial expected = test::reference(spec, w);
      // The dispensings' codes read per event, then resolved per CIP13 (as the job does).
      ShardEvents resolved = w.events;
      resolved.dispensing_codes = resolve_dispensing_codes(spec, resolved.dispensing);
      ASSERT_TRUE(resolved.dispensing_codes.resolved(resolved.dispensing.size()));
      for (const ShardEvents* events : {&w.events, static_cast<const ShardEvents*>(&resolved)}) {
        const CohortPartial got = evaluate_cohort(spec, w.index, *events, 2);
        SCOPED_TRACE(events == &resolved ? "codes resolved per CIP13" : "codes per event");
        ASSERT_EQ(got.attrition, expected.attrition) << "seed " << seed;
        ASSERT_EQ(got.rows.size(), expected.rows.size()) << "seed " << seed;
        for (size_t i = 0; i < got.rows.size(); ++i)
          ASSERT_TRUE(got.rows[i] == expected.rows[i])
              << "seed " << seed << " row " << i << "\n got " << describe(got.rows[i]) << "\nwant "
              << describe(expected.rows[i]);
        EXPECT_EQ(got.tallies, expected.tallies) << "seed " << seed;
      }
      EXPECT_GT(expected.rows.size(), 10u) << "seed " << seed;  // the data exercise the rules
    }
  }
}

TEST(CohortReference, TheAnswerIsTheSameForAnyThreadCount) {
  const CohortWorld w = random_world(7, 3000);
  for (const auto& spec : studies()) {
    const CohortPartial one = evaluate_cohort(spec, w.index, w.events, 1);
    for (int threads : {2, 3, 8}) {
      const CohortPartial many = evaluate_cohort(spec, w.index, w.events, threads);
      EXPECT_EQ(many.attrition, one.attrition) << threads << " threads";
      EXPECT_TRUE(many.rows == one.rows) << threads << " threads";
      EXPECT_TRUE(many.tallies == one.tallies) << threads << " threads";
    }
  }
}

}  // namespace
}  // namespace snds

namespace snds {
namespace {

// The random histories reach every new rule, so the agreement above means something.
TEST(CohortReference, TheDesignStudiesExerciseEveryEndReasonAndOutcomeForm) {
  const CohortWorld w = random_world(1, 700);
  std::map<EndReason, int> reasons;
  int outcomes = 0, prevalent = 0, periods = 0, codes = 0, baseline = 0;
  for (const auto& spec : design_studies()) {
    const CohortPartial p = evaluate_cohort(spec, w.index, w.events, 1);
    for (const auto& r : p.rows) {
      ++reasons[r.end_reason];
      for (auto d : r.outcome_dates) outcomes += d != kMissingDate;
      prevalent += r.prevalent != 0;
      periods += r.exposures.size() > 1;
    }
    codes += static_cast<int>(p.tallies.index_codes.size());
    baseline += static_cast<int>(p.tallies.counts.size());
  }
  for (auto r : {EndReason::kDeath, EndReason::kStudyEnd, EndReason::kCensored,
                 EndReason::kExposureEnd, EndReason::kLost})
    EXPECT_GT(reasons[r], 5) << end_reason_name(r);
  EXPECT_GT(outcomes, 5);
  EXPECT_GT(prevalent, 5);
  EXPECT_GT(periods, 5);
  EXPECT_GT(codes, 3);
  EXPECT_GT(baseline, 10);
}

}  // namespace
}  // namespace snds
