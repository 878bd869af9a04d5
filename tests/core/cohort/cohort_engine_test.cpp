// The cohort rules of reference section 6, one by one, on hand-made patients and events whose
// answers are written by hand: index, washout edges, criteria, outcome, end of follow-up, ties.
#include "core/cohort/cohort_engine.hpp"

#include <gtest/gtest.h>

#include "tests/core/cohort/cohort_world.hpp"

namespace snds {
namespace {

using test::CohortWorld;
using test::day;

constexpr size_t kStatin = 0, kMiAny = 1, kMiMain = 2, kMetformin = 3, kConsult = 4;

CohortPartial run(const CohortSpec& spec, const CohortWorld& w, int threads = 1) {
  return evaluate_cohort(spec, w.index, w.events, threads);
}

// The single row of a one-patient cohort (fails the test when there is none).
CohortRow only_row(const CohortPartial& p) {
  EXPECT_EQ(p.rows.size(), 1u);
  return p.rows.empty() ? CohortRow{} : p.rows[0];
}

TEST(CohortIndex, IsTheFirstIndexEventInsideTheStudyPeriod) {
  CohortWorld w;
  auto p = w.patient("A");
  w.dispense(p, day(2023, 1, 1), "C10AA01");  // after the study
  w.dispense(p, day(2021, 6, 1), "C10AA05");
  w.dispense(p, day(2020, 3, 1), "C10AA01");
  w.dispense(p, day(2020, 2, 1), "A10BA02");  // not the index drug
  const auto row = only_row(run(test::example_spec(0), w));
  EXPECT_EQ(row.index_date, day(2020, 3, 1));
}

TEST(CohortIndex, StudyBoundsAreInclusive) {
  CohortWorld w;
  auto a = w.patient("A");
  w.dispense(a, day(2020, 1, 1), "C10AA01");
  auto b = w.patient("B");
  w.dispense(b, day(2022, 12, 31), "C10AA01");
  auto c = w.patient("C");
  w.dispense(c, day(2019, 12, 31), "C10AA01");
  w.dispense(c, day(2023, 1, 1), "C10AA01");
  const auto result = run(test::example_spec(0), w);
  ASSERT_EQ(result.rows.size(), 2u);
  EXPECT_EQ(result.rows[0].index_date, day(2020, 1, 1));
  EXPECT_EQ(result.rows[1].index_date, day(2022, 12, 31));
  EXPECT_EQ(result.attrition[0], 2u);
}

TEST(CohortIndex, PatientsWithoutTheEventAreNotCounted) {
  CohortWorld w;
  auto a = w.patient("A");
  w.dispense(a, day(2021, 1, 1), "A10BA02");
  w.patient("B");
  const auto result = run(test::example_spec(), w);
  EXPECT_TRUE(result.rows.empty());
  EXPECT_EQ(result.attrition, (std::vector<uint64_t>{0, 0}));
}

TEST(CohortWashout, AnEventExactlyWashoutDaysBeforeExcludesAndOneMoreDayDoesNot) {
  CohortWorld w;
  const Date index = day(2020, 6, 1);
  auto at365 = w.patient("A");
  w.dispense(at365, index - 365, "C10AA01");
  w.dispense(at365, index, "C10AA01");
  auto at366 = w.patient("B");
  w.dispense(at366, index - 366, "C10AA01");
  w.dispense(at366, index, "C10AA01");
  auto earlier_index = w.patient("C");  // its first event in the period is the index: kept
  w.dispense(earlier_index, index - 1, "C10AA01");
  const auto result = run(test::example_spec(365), w);
  ASSERT_EQ(result.rows.size(), 2u);
  EXPECT_EQ(result.rows[0].nir, "B");
  EXPECT_EQ(result.rows[1].nir, "C");
  EXPECT_EQ(result.rows[1].index_date, index - 1);
  EXPECT_EQ(result.attrition, (std::vector<uint64_t>{3, 2}));
}

TEST(CohortWashout, TheDayBeforeTheIndexIsInsideTheWashout) {
  CohortWorld w;
  auto p = w.patient("A");
  w.dispense(p, day(2019, 12, 31), "C10AA01");
  w.dispense(p, day(2020, 1, 1), "C10AA01");
  const auto result = run(test::example_spec(1), w);
  EXPECT_TRUE(result.rows.empty());
  EXPECT_EQ(result.attrition, (std::vector<uint64_t>{1, 0}));
}

TEST(CohortWashout, ZeroDaysMeansNoWashout) {
  CohortWorld w;
  auto p = w.patient("A");
  w.dispense(p, day(2019, 12, 31), "C10AA01");
  w.dispense(p, day(2020, 1, 1), "C10AA01");
  const auto result = run(test::example_spec(0), w);
  EXPECT_EQ(result.rows.size(), 1u);
  EXPECT_EQ(result.attrition, (std::vector<uint64_t>{1, 1}));
}

TEST(CohortWashout, LooksAtTheIndexEventOnly) {
  CohortWorld w;
  auto p = w.patient("A");
  w.dispense(p, day(2019, 10, 1), "A10BA02");  // metformin before: not the index event
  w.stay(p, day(2019, 11, 1), "I21");
  w.dispense(p, day(2020, 2, 1), "C10AA01");
  EXPECT_EQ(run(test::example_spec(365), w).rows.size(), 1u);
}

TEST(CohortWashout, AnEventOfTheSameDefinitionWithAnotherCodeCounts) {
  CohortWorld w;
  auto p = w.patient("A");
  w.dispense(p, day(2019, 10, 1), "C10AA05");  // another statin: the same event `statin`
  w.dispense(p, day(2020, 2, 1), "C10AA01");
  EXPECT_TRUE(run(test::example_spec(365), w).rows.empty());
}

TEST(CohortAge, IsTheIndexYearMinusTheBirthYearAndBoundsAreInclusive) {
  CohortWorld w;
  auto p39 = w.patient("A", 1, 1981);  // 39 in 2020
  w.dispense(p39, day(2020, 12, 31), "C10AA01");
  auto p40 = w.patient("B", 1, 1980);  // 40 in 2020, whatever the birthday
  w.dispense(p40, day(2020, 1, 1), "C10AA01");
  auto p75 = w.patient("C", 1, 1945);
  w.dispense(p75, day(2020, 6, 1), "C10AA01");
  auto p76 = w.patient("D", 1, 1944);
  w.dispense(p76, day(2020, 6, 1), "C10AA01");
  auto unknown = w.patient("E", 1, kMissingInt);
  w.dispense(unknown, day(2020, 6, 1), "C10AA01");
  auto spec = test::example_spec();
  spec.criteria = {test::age_criterion("age40to75", 40, 75)};
  const auto result = run(spec, w);
  ASSERT_EQ(result.rows.size(), 2u);
  EXPECT_EQ(result.rows[0].nir, "B");
  EXPECT_EQ(result.rows[0].age_at_index, 40);
  EXPECT_EQ(result.rows[1].nir, "C");
  EXPECT_EQ(result.rows[1].age_at_index, 75);
  EXPECT_EQ(result.attrition, (std::vector<uint64_t>{5, 5, 2}));
}

TEST(CohortAge, MinAloneOrMaxAloneBoundsOneSide) {
  CohortWorld w;
  auto young = w.patient("A", 1, 2005);
  w.dispense(young, day(2021, 1, 1), "C10AA01");
  auto old = w.patient("B", 1, 1920);
  w.dispense(old, day(2021, 1, 1), "C10AA01");
  auto spec = test::example_spec();
  spec.criteria = {test::age_criterion("adult", 18, std::nullopt)};
  ASSERT_EQ(run(spec, w).rows.size(), 1u);
  EXPECT_EQ(run(spec, w).rows[0].nir, "B");
  spec.criteria = {test::age_criterion("under65", std::nullopt, 64)};
  ASSERT_EQ(run(spec, w).rows.size(), 1u);
  EXPECT_EQ(run(spec, w).rows[0].nir, "A");
}

TEST(CohortAge, IsEmptyInTheRowWhenTheBirthYearIsUnknownAndNoAgeCriterion) {
  CohortWorld w;
  auto p = w.patient("A", 1, kMissingInt);
  w.dispense(p, day(2021, 1, 1), "C10AA01");
  EXPECT_EQ(only_row(run(test::example_spec(), w)).age_at_index, kMissingInt);
}

TEST(CohortExcludeEvent, WindowEdgesAreInclusive) {
  CohortWorld w;
  const Date index = day(2021, 6, 1);
  auto edge_far = w.patient("A");  // MI exactly 365 days before: excluded
  w.stay(edge_far, index - 365, "I214");
  w.dispense(edge_far, index, "C10AA01");
  auto outside = w.patient("B");  // 366 days before: kept
  w.stay(outside, index - 366, "I214");
  w.dispense(outside, index, "C10AA01");
  auto edge_near = w.patient("C");  // the day before: excluded
  w.stay(edge_near, index - 1, "I214");
  w.dispense(edge_near, index, "C10AA01");
  auto same_day = w.patient("D");  // on the index day: outside [-365, -1], kept
  w.stay(same_day, index, "I214");
  w.dispense(same_day, index, "C10AA01");
  auto spec = test::example_spec();
  spec.criteria = {
      test::event_criterion("no_prior_mi", CriterionKind::kExcludeEvent, kMiAny, -365, -1)};
  const auto result = run(spec, w);
  ASSERT_EQ(result.rows.size(), 2u);
  EXPECT_EQ(result.rows[0].nir, "B");
  EXPECT_EQ(result.rows[1].nir, "D");
  EXPECT_EQ(result.attrition, (std::vector<uint64_t>{4, 4, 2}));
}

TEST(CohortExcludeEvent, AWindowCanLookAfterTheIndex) {
  CohortWorld w;
  auto p = w.patient("A");
  w.dispense(p, day(2021, 6, 1), "C10AA01");
  w.dispense(p, day(2021, 6, 11), "A10BA02");
  auto spec = test::example_spec();
  spec.criteria = {
      test::event_criterion("no_metformin_0_10", CriterionKind::kExcludeEvent, kMetformin, 0, 10)};
  EXPECT_TRUE(run(spec, w).rows.empty());
  spec.criteria[0].window_to = 9;
  EXPECT_EQ(run(spec, w).rows.size(), 1u);
}

TEST(CohortRequireEvent, KeepsOnlyPatientsWithTheEventInTheWindow) {
  CohortWorld w;
  auto with = w.patient("A");
  w.dispense(with, day(2021, 3, 1), "A10BA02");
  w.dispense(with, day(2021, 6, 1), "C10AA01");
  auto without = w.patient("B");
  w.dispense(without, day(2021, 6, 1), "C10AA01");
  auto spec = test::example_spec();
  spec.criteria = {
      test::event_criterion("diabetic", CriterionKind::kRequireEvent, kMetformin, -365, 0)};
  const auto result = run(spec, w);
  ASSERT_EQ(result.rows.size(), 1u);
  EXPECT_EQ(result.rows[0].nir, "A");
}

TEST(CohortDeath, DeadTheDayBeforeTheIndexIsExcludedDeadOnTheIndexDayIsNot) {
  CohortWorld w;
  const Date index = day(2021, 6, 1);
  auto before = w.patient("A", 1, 1950, index - 1);
  w.dispense(before, index, "C10AA01");  // a dispensing after death: data do that
  auto same_day = w.patient("B", 1, 1950, index);
  w.dispense(same_day, index, "C10AA01");
  w.stay(same_day, index, "I21");  // outcome must be after the index: not this one
  auto spec = test::example_spec();
  spec.criteria = {test::alive_criterion("alive_at_index")};
  const auto result = run(spec, w);
  const auto row = only_row(result);
  EXPECT_EQ(row.nir, "B");
  EXPECT_EQ(row.outcome_date, kMissingDate);
  EXPECT_EQ(row.end_date, index);
  EXPECT_EQ(row.end_reason, EndReason::kDeath);
  EXPECT_EQ(result.attrition, (std::vector<uint64_t>{2, 2, 1}));
}

TEST(CohortDeath, WithoutTheCriterionADeathBeforeTheIndexEndsFollowUpThere) {
  // end = min(outcome, death, study end), to the letter: the criterion is how to drop them.
  CohortWorld w;
  auto p = w.patient("A", 1, 1950, day(2021, 5, 1));
  w.dispense(p, day(2021, 6, 1), "C10AA01");
  w.stay(p, day(2021, 7, 1), "I21");
  const auto row = only_row(run(test::example_spec(), w));
  EXPECT_EQ(row.outcome_date, kMissingDate);
  EXPECT_EQ(row.end_date, day(2021, 5, 1));
  EXPECT_EQ(row.end_reason, EndReason::kDeath);
}

TEST(CohortOutcome, IsTheFirstOutcomeAfterTheIndex) {
  CohortWorld w;
  auto p = w.patient("A");
  w.stay(p, day(2020, 1, 1), "I21");  // before the index: not an outcome
  w.dispense(p, day(2020, 3, 1), "C10AA01");
  w.stay(p, day(2020, 3, 1), "I21");          // on the index day: not after it
  w.stay(p, day(2020, 9, 1), "I500", "I21");  // I21 as DR: not the outcome (DP only)
  w.stay(p, day(2021, 2, 1), "I220");
  w.stay(p, day(2021, 8, 1), "I21");
  const auto row = only_row(run(test::example_spec(), w));
  EXPECT_EQ(row.outcome_date, day(2021, 2, 1));
  EXPECT_EQ(row.end_date, day(2021, 2, 1));
  EXPECT_EQ(row.end_reason, EndReason::kOutcome);
}

TEST(CohortOutcome, OnTheDayOfDeathWinsTheTie) {
  CohortWorld w;
  const Date death = day(2021, 4, 10);
  auto p = w.patient("A", 1, 1950, death);
  w.dispense(p, day(2021, 1, 1), "C10AA01");
  w.stay(p, death, "I21");
  const auto row = only_row(run(test::example_spec(), w));
  EXPECT_EQ(row.outcome_date, death);
  EXPECT_EQ(row.end_date, death);
  EXPECT_EQ(row.end_reason, EndReason::kOutcome);
}

TEST(CohortOutcome, AfterDeathIsNotAnOutcome) {
  CohortWorld w;
  const Date death = day(2021, 4, 10);
  auto p = w.patient("A", 1, 1950, death);
  w.dispense(p, day(2021, 1, 1), "C10AA01");
  w.stay(p, death + 1, "I21");
  const auto row = only_row(run(test::example_spec(), w));
  EXPECT_EQ(row.outcome_date, kMissingDate);
  EXPECT_EQ(row.end_date, death);
  EXPECT_EQ(row.end_reason, EndReason::kDeath);
}

TEST(CohortOutcome, OnTheLastStudyDayCountsAndAfterItDoesNot) {
  CohortWorld w;
  auto on = w.patient("A");
  w.dispense(on, day(2021, 1, 1), "C10AA01");
  w.stay(on, day(2022, 12, 31), "I21");
  auto after = w.patient("B");
  w.dispense(after, day(2021, 1, 1), "C10AA01");
  w.stay(after, day(2023, 1, 1), "I21");
  const auto result = run(test::example_spec(), w);
  ASSERT_EQ(result.rows.size(), 2u);
  EXPECT_EQ(result.rows[0].end_reason, EndReason::kOutcome);
  EXPECT_EQ(result.rows[0].outcome_date, day(2022, 12, 31));
  EXPECT_EQ(result.rows[1].end_reason, EndReason::kStudyEnd);
  EXPECT_EQ(result.rows[1].outcome_date, kMissingDate);
  EXPECT_EQ(result.rows[1].end_date, day(2022, 12, 31));
}

TEST(CohortEnd, DeathOnTheLastStudyDayIsADeathAndLaterIsTheStudyEnd) {
  CohortWorld w;
  auto on = w.patient("A", 1, 1950, day(2022, 12, 31));
  w.dispense(on, day(2021, 1, 1), "C10AA01");
  auto later = w.patient("B", 1, 1950, day(2023, 2, 1));
  w.dispense(later, day(2021, 1, 1), "C10AA01");
  const auto result = run(test::example_spec(), w);
  ASSERT_EQ(result.rows.size(), 2u);
  EXPECT_EQ(result.rows[0].end_reason, EndReason::kDeath);
  EXPECT_EQ(result.rows[0].end_date, day(2022, 12, 31));
  EXPECT_EQ(result.rows[1].end_reason, EndReason::kStudyEnd);
  EXPECT_EQ(result.rows[1].end_date, day(2022, 12, 31));
}

TEST(CohortEnd, WithoutAnOutcomeFollowUpEndsAtDeathOrStudyEnd) {
  CohortWorld w;
  auto dies = w.patient("A", 1, 1950, day(2021, 9, 1));
  w.dispense(dies, day(2021, 1, 1), "C10AA01");
  w.stay(dies, day(2021, 2, 1), "I21");
  auto lives = w.patient("B");
  w.dispense(lives, day(2021, 1, 1), "C10AA01");
  auto spec = test::example_spec();
  spec.outcome_event.reset();
  const auto result = run(spec, w);
  ASSERT_EQ(result.rows.size(), 2u);
  EXPECT_EQ(result.rows[0].outcome_date, kMissingDate);
  EXPECT_EQ(result.rows[0].end_reason, EndReason::kDeath);
  EXPECT_EQ(result.rows[1].end_reason, EndReason::kStudyEnd);
}

TEST(CohortCriteria, ApplyInOrderEachCountingThePatientsLeft) {
  CohortWorld w;
  auto young = w.patient("A", 1, 2010);
  w.dispense(young, day(2021, 1, 1), "C10AA01");
  auto prior_mi = w.patient("B");
  w.stay(prior_mi, day(2020, 6, 1), "I21");
  w.dispense(prior_mi, day(2021, 1, 1), "C10AA01");
  auto dead = w.patient("C", 1, 1950, day(2020, 12, 1));
  w.dispense(dead, day(2021, 1, 1), "C10AA01");
  auto kept = w.patient("D");
  w.dispense(kept, day(2021, 1, 1), "C10AA01");
  auto washed = w.patient("E");
  w.dispense(washed, day(2020, 1, 1), "C10AA01");
  w.dispense(washed, day(2019, 6, 1), "C10AA01");
  auto spec = test::example_spec();
  spec.criteria = {
      test::age_criterion("adult40", 40, std::nullopt),
      test::event_criterion("no_prior_mi", CriterionKind::kExcludeEvent, kMiAny, -365, -1),
      test::alive_criterion("alive_at_index")};
  const auto result = run(spec, w);
  EXPECT_EQ(spec.step_names(), (std::vector<std::string>{"index_event", "washout", "adult40",
                                                         "no_prior_mi", "alive_at_index"}));
  EXPECT_EQ(result.attrition, (std::vector<uint64_t>{5, 4, 3, 2, 1}));
  ASSERT_EQ(result.rows.size(), 1u);
  EXPECT_EQ(result.rows[0].nir, "D");
}

TEST(CohortTwins, EachTwinIsItsOwnPatientAndASharedStayReachesBoth) {
  CohortWorld w;
  auto t1 = w.patient("TWIN", 1, 1970, kMissingDate, "1");
  auto t2 = w.patient("TWIN", 2, 1970, kMissingDate, "2");
  w.dispense(t1, day(2020, 5, 1), "C10AA01");
  w.dispense(t2, day(2021, 5, 1), "C10AA01");
  // PMSI cannot tell twins apart: the extractor gives the stay to both.
  w.stay(t1, day(2021, 8, 1), "I21");
  w.stay(t2, day(2021, 8, 1), "I21");
  const auto result = run(test::example_spec(), w);
  ASSERT_EQ(result.rows.size(), 2u);
  EXPECT_EQ(result.rows[0].rank, 1);
  EXPECT_EQ(result.rows[0].sex, "1");
  EXPECT_EQ(result.rows[0].outcome_date, day(2021, 8, 1));
  EXPECT_EQ(result.rows[1].rank, 2);
  EXPECT_EQ(result.rows[1].index_date, day(2021, 5, 1));
  EXPECT_EQ(result.rows[1].outcome_date, day(2021, 8, 1));
}

TEST(CohortEvents, StayPositionsChooseWhichDiagnosesMatch) {
  CohortWorld w;
  auto das = w.patient("A");
  w.dispense(das, day(2021, 1, 1), "C10AA01");
  w.stay(das, day(2020, 6, 1), "Z000", "", {"E119", "I219"});
  auto dp = w.patient("B");
  w.dispense(dp, day(2021, 1, 1), "C10AA01");
  w.stay(dp, day(2020, 6, 1), "I219");
  auto spec = test::example_spec();
  spec.criteria = {
      test::event_criterion("no_mi_dp", CriterionKind::kExcludeEvent, kMiMain, -365, -1)};
  auto result = run(spec, w);
  ASSERT_EQ(result.rows.size(), 1u);
  EXPECT_EQ(result.rows[0].nir, "A");  // its MI is a DAS only
  spec.criteria[0].event = kMiAny;
  EXPECT_TRUE(run(spec, w).rows.empty());
}

TEST(CohortEvents, DispensingsMatchAtcPrefixesOrExactCip13) {
  CohortWorld w;
  auto by_cip = w.patient("A");
  w.dispense(by_cip, day(2021, 1, 1), "UNKNOWN", "3400912345678");
  auto prefix_only = w.patient("B");
  w.dispense(prefix_only, day(2021, 1, 1), "UNKNOWN", "3400912345670");
  auto spec = test::example_spec();
  spec.events[kStatin].cip13 = {"3400912345678"};
  const auto row = only_row(run(spec, w));
  EXPECT_EQ(row.nir, "A");
}

TEST(CohortEvents, ClaimsNetByDateAndNatureSoACancelledLineIsNoEvent) {
  CohortWorld w;
  auto cancelled = w.patient("A");
  w.dispense(cancelled, day(2021, 1, 1), "C10AA01");
  w.claim(cancelled, day(2020, 6, 1), 1111, 10000);
  w.claim(cancelled, day(2020, 6, 1), 1111, -10000);
  auto kept = w.patient("B");
  w.dispense(kept, day(2021, 1, 1), "C10AA01");
  w.claim(kept, day(2020, 6, 1), 1111, 20000);
  w.claim(kept, day(2020, 6, 1), 1111, -10000);
  w.claim(kept, day(2020, 6, 2), 2222, 10000);
  auto spec = test::example_spec();
  spec.criteria = {
      test::event_criterion("consulted", CriterionKind::kRequireEvent, kConsult, -365, -1)};
  const auto row = only_row(run(spec, w));
  EXPECT_EQ(row.nir, "B");
}

TEST(CohortEvents, EventsWithAnUnknownDateNeverCount) {
  CohortWorld w;
  auto p = w.patient("A");
  w.dispense(p, kMissingDate, "C10AA01");
  w.dispense(p, day(2021, 1, 1), "C10AA01");
  w.stay(p, kMissingDate, "I21");
  auto spec = test::example_spec(36500);
  spec.criteria = {
      test::event_criterion("no_mi", CriterionKind::kExcludeEvent, kMiAny, -36500, 36500)};
  EXPECT_EQ(only_row(run(spec, w)).index_date, day(2021, 1, 1));
}

TEST(CohortEvents, EventsInAnyPatientOrderAreGroupedByPatient) {
  CohortWorld w;
  auto a = w.patient("A");
  auto b = w.patient("B");
  w.dispense(b, day(2021, 3, 1), "C10AA01");
  w.dispense(a, day(2021, 2, 1), "C10AA01");
  w.dispense(b, day(2021, 1, 1), "C10AA01");
  const auto result = run(test::example_spec(0), w);
  ASSERT_EQ(result.rows.size(), 2u);
  EXPECT_EQ(result.rows[0].index_date, day(2021, 2, 1));
  EXPECT_EQ(result.rows[1].index_date, day(2021, 1, 1));
}

TEST(CohortEngine, AnEventOfAnUnknownPatientIsAnInternalError) {
  CohortWorld w;
  w.patient("A");
  w.dispense(5, day(2021, 1, 1), "C10AA01");
  try {
    run(test::example_spec(), w);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::kInternal);
  }
}

TEST(CohortPartialMerge, EncodesDecodesAndMergesInAnyOrderToTheSameSortedResult) {
  CohortPartial a, b;
  a.attrition = {3, 2, 1};
  b.attrition = {5, 4, 2};
  a.rows.push_back(
      {"NIR2", 1, day(2020, 1, 2), 50, "2", kMissingDate, day(2022, 12, 31), EndReason::kStudyEnd});
  b.rows.push_back({"NIR1", 2, day(2020, 1, 3), kMissingInt, "1", day(2021, 1, 1), day(2021, 1, 1),
                    EndReason::kOutcome});
  b.rows.push_back(
      {"NIR1", 1, day(2020, 1, 4), 60, "1", kMissingDate, day(2021, 5, 1), EndReason::kDeath});
  std::vector<char> buf;
  ByteWriter writer(buf);
  encode_partial(writer, a);
  ByteReader reader(buf);
  const CohortPartial a2 = decode_partial(reader);
  EXPECT_TRUE(reader.done());
  EXPECT_EQ(a2.rows, a.rows);
  EXPECT_EQ(a2.attrition, a.attrition);

  CohortPartial ab, ba;
  ab.merge(CohortPartial(a));
  ab.merge(CohortPartial(b));
  ba.merge(CohortPartial(b));
  ba.merge(CohortPartial(a));
  ab.sort_rows();
  ba.sort_rows();
  EXPECT_EQ(ab.rows, ba.rows);
  EXPECT_EQ(ab.attrition, (std::vector<uint64_t>{8, 6, 3}));
  ASSERT_EQ(ab.rows.size(), 3u);
  EXPECT_EQ(ab.rows[0].nir, "NIR1");
  EXPECT_EQ(ab.rows[0].rank, 1);
  EXPECT_EQ(ab.rows[1].rank, 2);
  EXPECT_EQ(ab.rows[2].nir, "NIR2");
}

TEST(CohortRowOrder, IsByteOrderOnTheNirThenNumericOnTheRank) {
  auto row = [](std::string nir, int64_t rank) {
    CohortRow r;
    r.nir = std::move(nir);
    r.rank = rank;
    return r;
  };
  const CohortRow lower = row("a", 1), upper = row("B", 1), rank10 = row("B", 10),
                  rank9 = row("B", 9), high = row("\xC3\x89", 1);
  EXPECT_TRUE(cohort_row_less(upper, lower));  // 'B' (0x42) < 'a' (0x61)
  EXPECT_TRUE(cohort_row_less(rank9, rank10));
  EXPECT_TRUE(cohort_row_less(lower, high));  // bytes >= 0x80 sort last
}

}  // namespace
}  // namespace snds
