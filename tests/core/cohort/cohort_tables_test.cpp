// incidence.csv and baseline.csv on hand-made cohorts whose figures are worked out by hand:
// person-time crossing a birthday and a year end, exact Poisson bounds, masking, the baseline's
// counts, percentages and quartiles, ICD-10 chapters and ATC levels.
#include <gtest/gtest.h>

#include "core/cohort/baseline.hpp"
#include "core/cohort/incidence.hpp"
#include "tests/core/cohort/cohort_world.hpp"

namespace snds {
namespace {

using test::day;

CohortRow person(const std::string& nir, const std::string& sex, int64_t born, int64_t month,
                 Date index, Date end, Date outcome) {
  CohortRow r;
  r.nir = nir;
  r.rank = 1;
  r.sex = sex;
  r.birth_year = born;
  r.birth_month = month;
  r.index_date = index;
  r.end_date = end;
  r.outcome_date = outcome;
  r.end_reason = outcome == kMissingDate ? EndReason::kStudyEnd : EndReason::kOutcome;
  return r;
}

CohortSpec incidence_spec(std::vector<IncidenceStratum> strata, int64_t min_patients = 1) {
  CohortSpec s = test::example_spec(0);  // outcome mi_main
  s.incidence = IncidenceSpec{1000, std::move(strata)};
  s.min_patients = min_patients;
  return s;
}

TEST(Incidence, PersonTimeIsSplitAtABirthdayAndAYearEnd) {
  // Born July 1960: 59 until 2020-06-30, 60 from 2020-07-01. Index 2020-06-15, outcome
  // 2021-01-10: 16 days at 50-59 in 2020, 184 days at 60-69 in 2020, 10 days at 60-69 in 2021.
  const auto r = person("A", "1", 1960, 7, day(2020, 6, 15), day(2021, 1, 10), day(2021, 1, 10));
  const auto csv =
      incidence_csv(incidence_spec({IncidenceStratum::kAgeBand, IncidenceStratum::kYear}), {r});
  EXPECT_EQ(csv,
            "outcome,age_band,year,persons,person_years,events,rate,rate_low,rate_high\n"
            "mi_main,50-59,2020,1,0.0438,0,0.0000,0.0000,84210.2013\n"
            "mi_main,60-69,2020,1,0.5038,0,0.0000,0.0000,7322.6262\n"
            "mi_main,60-69,2021,1,0.0274,1,36525.0000,924.7329,203504.2749\n");
}

TEST(Incidence, DaysAtRiskCountBothEndsAndAnUnknownBirthMonthMeansJanuary) {
  // 2020-01-01..2020-12-31 is 366 days; age with month unknown changes on January 1st.
  const auto r =
      person("A", "2", 1950, kMissingInt, day(2020, 1, 1), day(2020, 12, 31), kMissingDate);
  const auto csv = incidence_csv(incidence_spec({IncidenceStratum::kAgeBand}), {r});
  EXPECT_NE(csv.find("mi_main,70-79,1,1.0021,0,"), std::string::npos) << csv;
  EXPECT_EQ(age_on(day(2020, 1, 1), 1950, kMissingInt), 70);
  EXPECT_EQ(age_on(day(2020, 6, 30), 1950, 7), 69);
  EXPECT_EQ(age_on(day(2020, 7, 1), 1950, 7), 70);
}

TEST(Incidence, StrataUnderMinPatientsAreBlankedAndPrevalentPatientsAreNotAtRisk) {
  std::vector<CohortRow> rows = {
      person("A", "1", 1950, 1, day(2020, 1, 1), day(2020, 12, 31), kMissingDate),
      person("B", "1", 1950, 1, day(2020, 1, 1), day(2020, 12, 31), kMissingDate),
      person("C", "2", 1950, 1, day(2020, 1, 1), day(2020, 12, 31), kMissingDate),
      person("D", "2", 1950, 1, day(2020, 1, 1), day(2020, 12, 31), kMissingDate)};
  rows[3].prevalent = 1;  // D had the outcome in the clean window
  const auto csv = incidence_csv(incidence_spec({IncidenceStratum::kSex}, 2), rows);
  EXPECT_EQ(csv,
            "outcome,sex,persons,person_years,events,rate,rate_low,rate_high\n"
            "mi_main,1,2,2.0041,0,0.0000,0.0000,1840.6601\n"
            "mi_main,2,,,,,,\n");
}

TEST(Incidence, ExactPoissonBoundsMatchPublishedValues) {
  // Garwood's exact 95% limits, here from mpmath (30 digits, findroot on the regularised
  // incomplete gamma): 0 -> [0, 3.68888], 1 -> [0.0253178, 5.5716434],
  // 10 -> [4.7953887, 18.3903560], 1000 -> [938.973018, 1063.952136].
  EXPECT_DOUBLE_EQ(poisson_lower_95(0), 0.0);
  EXPECT_NEAR(poisson_upper_95(0), -std::log(0.025), 1e-9);
  EXPECT_NEAR(poisson_lower_95(1), 0.0253178, 1e-6);
  EXPECT_NEAR(poisson_upper_95(1), 5.5716434, 1e-6);
  EXPECT_NEAR(poisson_lower_95(10), 4.7953887, 1e-6);
  EXPECT_NEAR(poisson_upper_95(10), 18.3903560, 1e-6);
  EXPECT_NEAR(poisson_lower_95(1000), 938.973018, 1e-5);
  EXPECT_NEAR(poisson_upper_95(1000), 1063.952136, 1e-5);
}

TEST(Baseline, CountsPercentagesMeanSdAndQuartilesOverTheCohort) {
  CohortSpec spec = test::example_spec(0);
  BaselineSpec b;
  b.sex = b.stays = b.atc = b.dp_chapter = true;
  b.covariates = {"sex", "atc", "dp_chapter", "stays"};
  b.atc_level = 2;
  b.events = {4};
  spec.baseline = b;
  spec.min_patients = 2;
  CohortTallies t;
  const std::vector<std::vector<std::string_view>> dps = {
      {}, {"I21"}, {"I50", "I21"}, {"S72", "S72", "Z00", "E11", "D49"}};
  for (size_t i = 0; i < 4; ++i) {
    PatientBaseline p;
    p.sex = i < 3 ? "2" : "1";
    p.atc = {"C10AA05", "C10AA07", i == 0 ? "UNKNOWN" : "A10BA02"};
    p.dp = dps[i];
    p.events = {i % 2 == 0};
    tally_baseline(b, p, t);
  }
  // Stays 0, 1, 2, 5: mean 2, SD sqrt(14 / 3), q1 = 0 (rank 1), median 1 (rank 2), q3 2 (rank 3).
  EXPECT_EQ(baseline_csv(spec, 4, t),
            "covariate,value,patients,percent,mean,sd,q1,median,q3\n"
            "cohort,,4,100.00,,,,,\n"
            "sex,1,,,,,,,\n"
            "sex,2,3,75.00,,,,,\n"
            "atc,A10,3,75.00,,,,,\n"
            "atc,C10,4,100.00,,,,,\n"
            "dp_chapter,IV (E00-E90),,,,,,,\n"
            "dp_chapter,IX (I00-I99),2,50.00,,,,,\n"
            "dp_chapter,XIX (S00-T98),,,,,,,\n"
            "dp_chapter,XXI (Z00-Z99),,,,,,,\n"
            "stays,,3,75.00,2.0000,2.1602,0,1,2\n"
            "event,consult,2,50.00,,,,,\n");
}

TEST(Baseline, AgeBandsAndDistinctDrugsWhetherCodesComeAsTextOrAsIds) {
  CohortSpec spec = test::example_spec(0);
  BaselineSpec b;
  b.age_band = b.atc = b.drugs = true;
  b.covariates = {"age_band", "atc", "drugs"};
  b.atc_level = 3;
  spec.baseline = b;
  spec.min_patients = 1;
  // Drugs (level 5) per patient: {C10AA05, C10AA07}, {C10AA05}, {} (UNKNOWN and a short code
  // are no drug, C10 has no level-3 class), {A10BA02, C10AA05}: 2, 1, 0, 2 -> mean 1.25,
  // SD sqrt(2.75 / 3), q1 0 (rank 1 of 0 1 2 2), median 1 (rank 2), q3 2 (rank 3). Level-3 classes:
  // C10A in patients 0, 1, 3; A10B in patient 3.
  const std::vector<std::vector<std::string_view>> atcs = {
      {"C10AA05", "C10AA07", "C10AA05"}, {"C10AA05"}, {"UNKNOWN", "C10"}, {"A10BA02", "C10AA05"}};
  const int64_t ages[] = {45, 49, kMissingInt, 90};
  const std::string want =
      "covariate,value,patients,percent,mean,sd,q1,median,q3\n"
      "cohort,,4,100.00,,,,,\n"
      "age_band,40-49,2,50.00,,,,,\n"
      "age_band,90+,1,25.00,,,,,\n"
      "age_band,unknown,1,25.00,,,,,\n"
      "atc,A10B,1,25.00,,,,,\n"
      "atc,C10A,3,75.00,,,,,\n"
      "drugs,,3,75.00,1.2500,0.9574,0,1,2\n";
  CohortTallies text;
  for (size_t i = 0; i < 4; ++i) {
    PatientBaseline p;
    p.age_at_index = ages[i];
    p.atc = atcs[i];
    tally_baseline(b, p, text);
  }
  EXPECT_EQ(baseline_csv(spec, 4, text), want);
  // The same patients with their codes resolved to ids (as the engine does per CIP13): class
  // names "C10A", "A10B"; drugs 0 C10AA05, 1 C10AA07, 2 A10BA02.
  const std::vector<std::string_view> names = {"C10A", "A10B"};
  const std::vector<std::vector<uint32_t>> classes = {{0, 0, 0}, {0}, {}, {1, 0}};
  const std::vector<std::vector<uint32_t>> drugs = {{0, 1, 0}, {0}, {}, {2, 0}};
  CohortTallies ids;
  BaselineCounter counter;
  for (size_t i = 0; i < 4; ++i) {
    PatientBaseline p;
    p.age_at_index = ages[i];
    p.class_names = &names;
    p.class_ids = classes[i];
    p.drug_ids = drugs[i];
    counter.add(b, p);
    if (i == 1) counter.flush(ids);  // flushing in between changes no sum
  }
  counter.flush(ids);
  EXPECT_EQ(ids, text);
}

TEST(Baseline, ChaptersAndAtcLevels) {
  EXPECT_EQ(icd10_chapter("I219"), "IX (I00-I99)");
  EXPECT_EQ(icd10_chapter("S720"), "XIX (S00-T98)");
  EXPECT_EQ(icd10_chapter("A00"), "I (A00-B99)");
  EXPECT_EQ(icd10_chapter("U071"), "XXII (U00-U85)");
  EXPECT_EQ(icd10_chapter("V01"), "XX (V01-Y98)");
  EXPECT_EQ(icd10_chapter("D49"), "");  // between chapters II and III
  EXPECT_EQ(icd10_chapter(""), "");
  EXPECT_EQ(atc_class("C10AA05", 1), "C");
  EXPECT_EQ(atc_class("C10AA05", 2), "C10");
  EXPECT_EQ(atc_class("C10AA05", 3), "C10A");
  EXPECT_EQ(atc_class("C10AA05", 4), "C10AA");
  EXPECT_EQ(atc_class("C10AA05", 5), "C10AA05");
  EXPECT_EQ(atc_class("UNKNOWN", 1), "");
  EXPECT_EQ(atc_class("C10", 3), "");
}

TEST(IndexCodes, CountsAreMaskedUnderMinPatients) {
  CohortTallies t;
  t.index_codes["ATC\tC10AA05"] = 12;
  t.index_codes["CIP13\t3400930000001"] = 3;
  EXPECT_EQ(index_codes_csv(t, 10),
            "code_type,code,patients\nATC,C10AA05,12\nCIP13,3400930000001,\n");
}

TEST(CohortTallies, MergeSumsAndEncodingRoundTrips) {
  CohortTallies a, b;
  a.counts["sex\t1"] = 2;
  a.histograms["stays"][0] = 3;
  b.counts["sex\t1"] = 5;
  b.histograms["stays"][0] = 1;
  b.histograms["stays"][4] = 1;
  b.index_codes["ATC\tX"] = 1;
  a.merge(std::move(b));
  EXPECT_EQ(a.counts["sex\t1"], 7u);
  EXPECT_EQ(a.histograms["stays"][0], 4u);
  std::vector<char> bytes;
  ByteWriter w(bytes);
  encode_tallies(w, a);
  ByteReader r(bytes);
  EXPECT_EQ(decode_tallies(r), a);
  EXPECT_TRUE(r.done());
}

}  // namespace
}  // namespace snds
