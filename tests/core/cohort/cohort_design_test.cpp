// The study designs of docs/cohort.md on hand-made histories whose answers are worked out by
// hand: exposure periods (overlaps, stockpiling, a gap exactly grace_days, pack sizes, the n-th
// purchase), follow-up ends (exposure end and lag, censoring, loss, their ties), several outcomes
// with a clean window, and the end reasons in cohort.csv.
#include <gtest/gtest.h>

#include "core/cohort/cohort_engine.hpp"
#include "core/cohort/cohort_output.hpp"
#include "core/cohort/exposure.hpp"
#include "tests/core/cohort/cohort_world.hpp"

namespace snds {
namespace {

using test::CohortWorld;
using test::day;

constexpr size_t kStatin = 0, kMiAny = 1, kMiMain = 2, kMetformin = 3, kConsult = 4;
constexpr int64_t kBox = kDecimalScale;  // one box, as PHA_ACT_QSN is stored

std::vector<ExposurePeriod> periods(const ExposureSpec& x, std::vector<Supply> s) {
  return exposure_periods(x, s, s.empty() ? 0 : s.front().date, day(2022, 12, 31));
}

TEST(ExposurePeriods, OverlappingSuppliesAreNotCarriedForwardWithoutStockpile) {
  // Jan 1 covers Jan 1-30; Jan 20 covers Jan 20 - Feb 18: one period to Feb 18.
  const auto p = periods({}, {{day(2020, 1, 1), kBox, false}, {day(2020, 1, 20), kBox, false}});
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p[0], (ExposurePeriod{day(2020, 1, 1), day(2020, 2, 18), 2 * kBox}));
}

TEST(ExposurePeriods, OverlappingSuppliesAreCarriedForwardWithStockpile) {
  // The second box starts when the first runs out: Jan 31 + 29 days = Feb 29 (2020 is leap).
  ExposureSpec x;
  x.stockpile = true;
  const auto p = periods(x, {{day(2020, 1, 1), kBox, false}, {day(2020, 1, 20), kBox, false}});
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p[0].end, day(2020, 2, 29));
}

TEST(ExposurePeriods, AGapOfExactlyGraceDaysIsBridgedAndOneMoreDayIsNot) {
  ExposureSpec x;
  x.grace_days = 10;
  // Covered to Jan 30; Feb 10 leaves Jan 31..Feb 9 uncovered: 10 days, merged (Feb 10 + 29 days).
  auto p = periods(x, {{day(2020, 1, 1), kBox, false}, {day(2020, 2, 10), kBox, false}});
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p[0], (ExposurePeriod{day(2020, 1, 1), day(2020, 3, 10), 2 * kBox}));
  // Feb 11 leaves 11 days: two periods.
  p = periods(x, {{day(2020, 1, 1), kBox, false}, {day(2020, 2, 11), kBox, false}});
  ASSERT_EQ(p.size(), 2u);
  EXPECT_EQ(p[0], (ExposurePeriod{day(2020, 1, 1), day(2020, 1, 30), kBox}));
  EXPECT_EQ(p[1], (ExposurePeriod{day(2020, 2, 11), day(2020, 3, 11), kBox}));
}

TEST(ExposurePeriods, ASupplyInTheGraceGapStartsItsCoverOnItsOwnDateEvenWithStockpile) {
  ExposureSpec x;
  x.grace_days = 5;
  x.stockpile = true;
  const auto p = periods(x, {{day(2020, 1, 1), kBox, false}, {day(2020, 2, 3), kBox, false}});
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p[0].end, day(2020, 3, 3));  // Feb 3 + 29 days
}

TEST(ExposurePeriods, DaysComeFromPackSizeOrDaysPerBoxTimesBoxes) {
  ExposureSpec by_pack;
  EXPECT_EQ(supply_days(by_pack, {0, kBox, false}), 30);
  EXPECT_EQ(supply_days(by_pack, {0, kBox, true}), 90);
  EXPECT_EQ(supply_days(by_pack, {0, 2 * kBox, false}), 60);
  EXPECT_EQ(supply_days(by_pack, {0, kBox / 2, false}), 15);  // half a box
  ExposureSpec fixed;
  fixed.days_per_box = 28;
  EXPECT_EQ(supply_days(fixed, {0, 3 * kBox, true}), 84);  // days_per_box ignores the pack
}

TEST(ExposurePeriods, MinPurchasesStartsOnTheNthPurchaseWithinTheWindowAndLastsToStudyEnd) {
  ExposureSpec x;
  x.min_purchases = 2;
  x.within_days = 30;
  // Jan 1 and Mar 1 are 60 days apart; Mar 1 and Mar 20, 19 days: exposed from Mar 20.
  const auto p = periods(x, {{day(2020, 1, 1), kBox, false},
                             {day(2020, 3, 1), kBox, false},
                             {day(2020, 3, 20), 2 * kBox, false}});
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p[0], (ExposurePeriod{day(2020, 3, 20), day(2022, 12, 31), 4 * kBox}));
  // A single purchase never reaches two.
  EXPECT_TRUE(periods(x, {{day(2020, 1, 1), kBox, false}}).empty());
}

CohortSpec as_treated() {
  CohortSpec s = test::example_spec(0);
  s.outcome_event.reset();
  s.exposure = ExposureSpec{};
  s.follow_up_end = FollowUpEnd::kExposureEnd;
  return s;
}

CohortRow only_row(const CohortSpec& spec, const CohortWorld& w) {
  const auto p = evaluate_cohort(spec, w.index, w.events, 1);
  EXPECT_EQ(p.rows.size(), 1u);
  return p.rows.empty() ? CohortRow{} : p.rows[0];
}

TEST(CohortFollowUp, ExposureEndPlusLagEndsFollowUp) {
  CohortWorld w;
  auto a = w.patient("A");
  w.dispense(a, day(2020, 1, 1), "C10AA01");  // Jan 1-30
  w.dispense(a, day(2020, 6, 1), "C10AA01");  // a second period, not followed
  auto spec = as_treated();
  spec.lag_days = 10;
  const auto row = only_row(spec, w);
  EXPECT_EQ(row.end_date, day(2020, 2, 9));
  EXPECT_EQ(row.end_reason, EndReason::kExposureEnd);
  EXPECT_EQ(row.exposures.size(), 2u);
  spec.follow_up_end = FollowUpEnd::kStudyEnd;  // intention to treat: periods still listed
  spec.lag_days = 0;
  EXPECT_EQ(only_row(spec, w).end_reason, EndReason::kStudyEnd);
}

TEST(CohortFollowUp, ACensoringEventOnTheIndexDayDoesNotCensorTheDayAfterDoes) {
  CohortWorld w;
  auto a = w.patient("A");
  w.dispense(a, day(2020, 3, 1), "C10AA01");
  w.dispense(a, day(2020, 3, 1), "A10BA02");  // metformin on index day
  auto b = w.patient("B");
  w.dispense(b, day(2020, 3, 1), "C10AA01");
  w.dispense(b, day(2020, 3, 2), "A10BA02");
  auto spec = test::example_spec(0);
  spec.outcome_event.reset();
  spec.censor = {kConsult, kMetformin};
  const auto p = evaluate_cohort(spec, w.index, w.events, 1);
  ASSERT_EQ(p.rows.size(), 2u);
  EXPECT_EQ(p.rows[0].end_reason, EndReason::kStudyEnd);
  EXPECT_EQ(p.rows[1].end_reason, EndReason::kCensored);
  EXPECT_EQ(p.rows[1].end_date, day(2020, 3, 2));
  EXPECT_EQ(end_reason_text(spec, p.rows[1].end_reason, p.rows[1].censor), "censored:metformin");
}

TEST(CohortFollowUp, TiesGoToOutcomeThenDeathThenCensoringThenExposureEnd) {
  // Exposure ends Jan 30; the censoring event, the death and the outcome fall on that day too.
  CohortWorld w;
  auto a = w.patient("A", 1, 1960, day(2020, 1, 30));
  w.dispense(a, day(2020, 1, 1), "C10AA01");
  w.dispense(a, day(2020, 1, 30), "A10BA02");
  w.stay(a, day(2020, 1, 30), "I21");
  auto spec = as_treated();
  spec.censor = {kMetformin};
  spec.outcome_event = kMiMain;
  EXPECT_EQ(only_row(spec, w).end_reason, EndReason::kOutcome);
  spec.outcome_event.reset();
  EXPECT_EQ(only_row(spec, w).end_reason, EndReason::kDeath);
  w.index.patients[a].death = kMissingDate;
  EXPECT_EQ(only_row(spec, w).end_reason, EndReason::kCensored);
  spec.censor.clear();
  EXPECT_EQ(only_row(spec, w).end_reason, EndReason::kExposureEnd);
}

TEST(CohortFollowUp, DeathOnTheDayOfAnOutcomeCountsTheOutcomeInEveryOutcomeColumn) {
  CohortWorld w;
  auto a = w.patient("A", 1, 1960, day(2021, 5, 5));
  w.dispense(a, day(2020, 1, 1), "C10AA01");
  w.stay(a, day(2021, 5, 5), "I21");
  auto spec = test::example_spec(0);
  spec.outcomes = {{"mi", {kMiAny}, false, 0, "event"}};
  const auto row = only_row(spec, w);
  EXPECT_EQ(row.end_reason, EndReason::kOutcome);
  EXPECT_EQ(row.outcome_date, day(2021, 5, 5));
  EXPECT_EQ(row.outcome_dates, std::vector<Date>{day(2021, 5, 5)});
}

TEST(CohortFollowUp, LostAfterNoClaimDaysWithoutAnyClaim) {
  CohortWorld w;
  auto a = w.patient("A");
  w.dispense(a, day(2020, 1, 1), "C10AA01");
  w.claim(a, day(2020, 3, 1), 9999, kBox);  // 60 days after index: still followed
  auto spec = test::example_spec(0);
  spec.outcome_event.reset();
  spec.no_claim_days = 60;
  auto row = only_row(spec, w);
  EXPECT_EQ(row.end_reason, EndReason::kLost);
  EXPECT_EQ(row.end_date, day(2020, 4, 30));  // Mar 1 + 60 days
  w.events.claims[0].date = day(2020, 3, 2);  // 61 days: lost on Mar 1
  row = only_row(spec, w);
  EXPECT_EQ(row.end_date, day(2020, 3, 1));
  // A death before the loss date wins.
  w.index.patients[a].death = day(2020, 2, 1);
  EXPECT_EQ(only_row(spec, w).end_reason, EndReason::kDeath);
}

TEST(CohortOutcomes, EachOutcomeIsItsFirstOccurrenceAfterIndexWithinFollowUp) {
  CohortWorld w;
  auto a = w.patient("A");
  w.dispense(a, day(2020, 1, 1), "C10AA01");
  w.stay(a, day(2020, 1, 1), "I21");  // index day: not an outcome
  w.stay(a, day(2020, 5, 1), "E11", "I21");
  w.claim(a, day(2020, 5, 20), 1111, kBox);
  w.dispense(a, day(2020, 9, 1), "A10BA02");
  auto spec = test::example_spec(0);
  spec.outcome_event.reset();
  spec.outcomes = {{"mi", {kMiAny}, false, 0, "event"},
                   {"main", {kMiMain}, false, 0, "event"},
                   {"either", {kMiMain, kMetformin}, false, 0, "any_of"},
                   {"mi_then_gp_19", {kMiAny, kConsult}, true, 18, "all_of"},
                   {"mi_then_gp_20", {kMiAny, kConsult}, true, 19, "all_of"}};
  const auto row = only_row(spec, w);
  // MI May 1 (at DR, so not a main MI); GP May 20 is 19 days later.
  EXPECT_EQ(row.outcome_dates, (std::vector<Date>{day(2020, 5, 1), kMissingDate, day(2020, 9, 1),
                                                  kMissingDate, day(2020, 5, 20)}));
  EXPECT_EQ(row.end_reason, EndReason::kStudyEnd);  // outcomes: do not end follow-up
}

TEST(CohortOutcomes, AnOutcomeInTheCleanWindowIsNotIncident) {
  CohortWorld w;
  auto a = w.patient("A");
  w.stay(a, day(2019, 9, 23), "I21");  // 100 days before index
  w.dispense(a, day(2020, 1, 1), "C10AA01");
  w.stay(a, day(2020, 6, 1), "I21");
  auto spec = test::example_spec(0);
  spec.outcomes = {{"mi", {kMiAny}, false, 0, "event"}};
  spec.clean_window_days = 100;
  auto row = only_row(spec, w);
  EXPECT_EQ(row.outcome_date, kMissingDate);  // the single outcome: prevalent
  EXPECT_EQ(row.outcome_dates[0], kMissingDate);
  EXPECT_EQ(row.prevalent, 3u);
  EXPECT_EQ(row.end_reason, EndReason::kStudyEnd);
  spec.clean_window_days = 99;  // the window starts a day later
  row = only_row(spec, w);
  EXPECT_EQ(row.outcome_date, day(2020, 6, 1));
  EXPECT_EQ(row.prevalent, 0u);
}

TEST(CohortCsv, NamesTheCensoringEventAndAddsOneDateColumnPerOutcome) {
  auto spec = test::example_spec(0);
  spec.censor = {kMetformin};
  spec.outcomes = {{"mi", {kMiAny}, false, 0, "event"}, {"gp", {kConsult}, false, 0, "event"}};
  CohortRow r;
  r.nir = "N";
  r.rank = 1;
  r.index_date = day(2020, 1, 1);
  r.age_at_index = 60;
  r.sex = "2";
  r.end_date = day(2020, 2, 1);
  r.end_reason = EndReason::kCensored;
  r.outcome_dates = {kMissingDate, day(2020, 1, 15)};
  EXPECT_EQ(cohort_csv({r}, &spec),
            std::string(kCohortCsvHeader) + ",mi_date,gp_date\n" +
                "N,1,2020-01-01,60,2,,2020-02-01,censored:metformin,,2020-01-15\n");
  r.exposures = {{day(2020, 1, 1), day(2020, 1, 30), 15000}};
  EXPECT_EQ(exposures_csv({r}),
            std::string(kExposuresCsvHeader) + "\nN,1,2020-01-01,2020-01-30,1.5\n");
}

}  // namespace
}  // namespace snds
