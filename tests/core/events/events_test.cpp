// The event extractors on hand-made shards, one rule of reference section 3 per test, with the
// answers written by hand.
#include "core/events/events.hpp"

#include <gtest/gtest.h>

#include "tests/core/events/shard_builder.hpp"

namespace snds {
namespace {

using test::pha_row;
using test::Row;
using test::ShardBuilder;

// Patients: P ("NIR_P", 1, born 1950), twins ("NIR_T", 1) and ("NIR_T", 2) born 2000.
ShardBuilder base_shard() {
  ShardBuilder s;
  s.add("IR_BEN_R", {
                        {{"BEN_NIR_PSA", "NIR_T"},
                         {"BEN_RNG_GEM", "2"},
                         {"BEN_SEX_COD", "2"},
                         {"BEN_NAI_ANN", "2000"},
                         {"BEN_RES_DPT", "075"}},
                        {{"BEN_NIR_PSA", "NIR_P"},
                         {"BEN_RNG_GEM", "1"},
                         {"BEN_SEX_COD", "1"},
                         {"BEN_NAI_ANN", "1950"},
                         {"BEN_RES_DPT", "02A"},
                         {"BEN_DCD_DTE", "2021-06-30"}},
                        {{"BEN_NIR_PSA", "NIR_T"},
                         {"BEN_RNG_GEM", "1"},
                         {"BEN_SEX_COD", "1"},
                         {"BEN_NAI_ANN", "2000"},
                         {"BEN_RES_DPT", "075"}},
                    });
  s.add("IR_PHA_R", {});
  return s;
}

DrugReferential referential() {
  Batch b = test::empty_store_table(TableKind::kIrPhaR);
  test::append_row(b, {{"PHA_CIP_C13", "3400930000001"}, {"PHA_ATC_C07", "C10AA01"}});
  test::append_row(b, {{"PHA_CIP_C13", "3400930000002"}, {"PHA_ATC_C07", "N02BE01"}});
  test::append_row(
      b, {{"PHA_CIP_C13", "3400930000001"}, {"PHA_ATC_C07", "A00AA00"}});  // dup: first wins
  return DrugReferential(b);
}

// Lines point into the referential: it must outlive them.
const DrugReferential kRef = referential();

constexpr const char* kCipStatin = "3400930000001";
constexpr const char* kCipPara = "3400930000002";
constexpr const char* kCipUnlisted = "3400939999999";

TEST(PatientIndex, SortsPatientsByNirThenRankAndGroupsTwins) {
  const ShardData shard = base_shard().take();
  const PatientIndex idx = build_patient_index(shard);
  ASSERT_EQ(idx.patients.size(), 3u);
  EXPECT_EQ(idx.patients[0].nir, "NIR_P");
  EXPECT_EQ(idx.patients[1].nir, "NIR_T");
  EXPECT_EQ(idx.patients[1].rank, 1);
  EXPECT_EQ(idx.patients[2].rank, 2);
  EXPECT_EQ(idx.patients_of("NIR_T"), std::make_pair(1u, 2u));
  EXPECT_EQ(idx.patients_of("NIR_NOBODY").second, 0u);
  EXPECT_EQ(idx.patients_of_sorted({"NIR_A", "NIR_T", "NIR_Z"}),
            (std::vector<std::pair<uint32_t, uint32_t>>{{0u, 0u}, {1u, 2u}, {0u, 0u}}));
  EXPECT_EQ(idx.find("NIR_T", 2), 2);
  EXPECT_EQ(idx.find("NIR_T", 3), -1);
  EXPECT_EQ(idx.find("NIR_X", 1), -1);
  EXPECT_EQ(idx.patients[0].department, "02A");
  EXPECT_EQ(idx.patients[0].death, days_from_civil(2021, 6, 30));
  EXPECT_EQ(idx.patients[1].death, kMissingDate);
}

TEST(PatientIndex, ADuplicatedBeneficiaryRowIsOnePatientAndBirthYear1600IsMissing) {
  ShardBuilder s;
  s.add(
      "IR_BEN_R",
      {{{"BEN_NIR_PSA", "A"}, {"BEN_RNG_GEM", "1"}, {"BEN_NAI_ANN", "1600"}, {"BEN_SEX_COD", "1"}},
       {{"BEN_NIR_PSA", "A"},
        {"BEN_RNG_GEM", "1"},
        {"BEN_NAI_ANN", "1970"},
        {"BEN_SEX_COD", "2"}}});
  const ShardData shard = s.take();
  const PatientIndex idx = build_patient_index(shard);
  ASSERT_EQ(idx.patients.size(), 1u);
  EXPECT_EQ(idx.patients[0].birth_year, kMissingInt);
  EXPECT_EQ(idx.patients[0].sex, "1");
  EXPECT_EQ(age_in_year(idx.patients[0], 2020), kMissingInt);
}

TEST(AgeBand, EdgesFallInTheUpperBandAndUnknownAgesAreUnknown) {
  EXPECT_EQ(age_band(0), "0-9");
  EXPECT_EQ(age_band(9), "0-9");
  EXPECT_EQ(age_band(10), "10-19");
  EXPECT_EQ(age_band(79), "70-79");
  EXPECT_EQ(age_band(80), "80-89");
  EXPECT_EQ(age_band(89), "80-89");
  EXPECT_EQ(age_band(90), "90+");
  EXPECT_EQ(age_band(117), "90+");
  EXPECT_EQ(age_band(-1), "unknown");
  EXPECT_EQ(age_band(kMissingInt), "unknown");
  Patient p;
  p.birth_year = 1950;
  EXPECT_EQ(age_in_year(p, 2020), 70);
}

TEST(DispensingLines, InformationOnlyLinesAreLeftOut) {
  ShardBuilder s = base_shard();
  s.add("ER_PHA_F", {pha_row("NIR_P", "1", "2020-01-10", kCipStatin, "2"),
                     pha_row("NIR_P", "1", "2020-01-11", kCipStatin, "5", "71")});
  const ShardData shard = s.take();
  const auto lines = extract_dispensing_lines(shard, build_patient_index(shard), kRef);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0].date, days_from_civil(2020, 1, 10));
  EXPECT_EQ(lines[0].boxes, 2 * kDecimalScale);
  EXPECT_EQ(lines[0].atc, "C10AA01");  // the first IR_PHA_R row of the CIP13
}

TEST(DispensingLines, LinesOfPatientsAbsentFromBeneficiariesAndOrphansAreLeftOut) {
  ShardBuilder s = base_shard();
  s.add("ER_PHA_F", {pha_row("NIR_GHOST", "1", "2020-01-10", kCipStatin, "1"),
                     pha_row("NIR_P", "2", "2020-01-10", kCipStatin, "1"),  // right NIR, wrong rank
                     pha_row("NIR_P", "1", "2020-01-12", kCipStatin, "1")});
  s.add("ER_PHA_F.orphans", {pha_row("NIR_P", "1", "2020-01-13", kCipStatin, "9")});
  const ShardData shard = s.take();
  const auto lines = extract_dispensing_lines(shard, build_patient_index(shard), kRef);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0].date, days_from_civil(2020, 1, 12));
}

TEST(DispensingLines, ACipAbsentFromTheReferentialHasAtcUnknown) {
  ShardBuilder s = base_shard();
  s.add("ER_PHA_F", {pha_row("NIR_P", "1", "2020-01-10", kCipUnlisted, "1"),
                     pha_row("NIR_P", "1", "2020-01-10", kCipPara, "1")});
  const ShardData shard = s.take();
  const auto lines = extract_dispensing_lines(shard, build_patient_index(shard), kRef);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0].cip13, kCipPara);  // same patient and date: ordered by CIP13
  EXPECT_EQ(lines[0].atc, "N02BE01");
  EXPECT_EQ(lines[1].atc, "UNKNOWN");
  EXPECT_EQ(DrugReferential().atc_of(kCipStatin), "UNKNOWN");
}

TEST(DispensingLines, ComeOutSortedByPatientThenDate) {
  ShardBuilder s = base_shard();
  s.add("ER_PHA_F", {pha_row("NIR_T", "2", "2020-01-01", kCipStatin, "1"),
                     pha_row("NIR_T", "1", "2020-03-01", kCipStatin, "1"),
                     pha_row("NIR_T", "1", "2020-02-01", kCipStatin, "1"),
                     pha_row("NIR_P", "1", "2021-01-01", kCipStatin, "1")});
  const ShardData shard = s.take();
  const auto lines = extract_dispensing_lines(shard, build_patient_index(shard), kRef);
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(lines[0].patient, 0u);
  EXPECT_EQ(lines[1].patient, 1u);
  EXPECT_EQ(lines[1].date, days_from_civil(2020, 2, 1));
  EXPECT_EQ(lines[2].date, days_from_civil(2020, 3, 1));
  EXPECT_EQ(lines[3].patient, 2u);
}

TEST(DispensingEvents, ACancelledDispensingIsNoEventButItsLinesRemain) {
  ShardBuilder s = base_shard();
  s.add("ER_PHA_F", {pha_row("NIR_P", "1", "2020-02-01", kCipStatin, "1"),
                     pha_row("NIR_P", "1", "2020-02-01", kCipStatin, "-1")});
  const ShardData shard = s.take();
  const auto lines = extract_dispensing_lines(shard, build_patient_index(shard), kRef);
  EXPECT_EQ(lines.size(), 2u);
  EXPECT_TRUE(dispensing_events(lines).empty());
}

TEST(DispensingEvents, ARegularisationNetsTheQuantityAndNegativeSumsAreDropped) {
  ShardBuilder s = base_shard();
  s.add("ER_PHA_F", {pha_row("NIR_P", "1", "2020-03-01", kCipStatin, "3"),
                     pha_row("NIR_P", "1", "2020-03-01", kCipStatin, "-1"),
                     pha_row("NIR_P", "1", "2020-03-01", kCipPara, "-2"),  // a regularisation alone
                     pha_row("NIR_P", "1", "2020-03-02", kCipStatin, "0.5")});
  const ShardData shard = s.take();
  const auto events =
      dispensing_events(extract_dispensing_lines(shard, build_patient_index(shard), kRef));
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].date, days_from_civil(2020, 3, 1));
  EXPECT_EQ(events[0].cip13, kCipStatin);
  EXPECT_EQ(events[0].atc, "C10AA01");
  EXPECT_EQ(events[0].boxes, 2 * kDecimalScale);
  EXPECT_EQ(events[1].boxes, kDecimalScale / 2);
}

TEST(DispensingEvents, ACancellationStoredAfterAnotherCipOfTheSameDayStillCancels) {
  ShardBuilder s = base_shard();
  s.add("ER_PHA_F", {pha_row("NIR_P", "1", "2020-04-01", kCipStatin, "1"),
                     pha_row("NIR_P", "1", "2020-04-01", kCipPara, "1"),
                     pha_row("NIR_P", "1", "2020-04-01", kCipStatin, "-1")});
  const ShardData shard = s.take();
  const auto events =
      dispensing_events(extract_dispensing_lines(shard, build_patient_index(shard), kRef));
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].cip13, kCipPara);
}

TEST(DispensingEvents, TwinsKeepSeparateEventsAndAnInfoLineDoesNotCancel) {
  ShardBuilder s = base_shard();
  s.add("ER_PHA_F", {pha_row("NIR_T", "1", "2020-01-05", kCipStatin, "1"),
                     pha_row("NIR_T", "2", "2020-01-05", kCipStatin, "1"),
                     pha_row("NIR_T", "2", "2020-01-05", kCipStatin, "-1", "71")});
  const ShardData shard = s.take();
  const auto events =
      dispensing_events(extract_dispensing_lines(shard, build_patient_index(shard), kRef));
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].patient, 1u);
  EXPECT_EQ(events[1].patient, 2u);
}

Row mco_c(const std::string& eta, const std::string& rsa, const std::string& nir,
          const std::string& date, const std::string& nir_ret = "0") {
  return {{"ETA_NUM", eta},     {"RSA_NUM", rsa}, {"NIR_ANO_17", nir}, {"EXE_SOI_DTD", date},
          {"NIR_RET", nir_ret}, {"NAI_RET", "0"}, {"SEX_RET", "0"},    {"SEJ_RET", "0"},
          {"FHO_RET", "0"},     {"PMS_RET", "0"}, {"DAT_RET", "0"}};
}
Row mco_b(const std::string& eta, const std::string& rsa, const std::string& dp,
          const std::string& ghm, const std::string& days, const std::string& dr = "E11") {
  return {{"ETA_NUM", eta}, {"RSA_NUM", rsa}, {"DGN_PAL", dp},
          {"DGN_REL", dr},  {"GRG_GHM", ghm}, {"SEJ_NBJ", days}};
}
Row mco_d(const std::string& eta, const std::string& rsa, const std::string& das) {
  return {{"ETA_NUM", eta}, {"RSA_NUM", rsa}, {"ASS_DGN", das}};
}

TEST(Stays, AValidStayBelongsToEveryTwinWithItsDiagnoses) {
  ShardBuilder s = base_shard();
  s.add("T_MCO20C", {mco_c("E1", "1", "NIR_T", "2020-05-02")});
  s.add("T_MCO20B", {mco_b("E1", "1", "I214", "05M042", "4")});
  s.add("T_MCO20D", {mco_d("E1", "1", "I10"), mco_d("E1", "1", ""), mco_d("E1", "1", "E785"),
                     mco_d("E1", "2", "Z000")});
  const ShardData shard = s.take();
  const auto stays = extract_stays(shard, build_patient_index(shard));
  ASSERT_EQ(stays.size(), 2u);
  for (uint32_t i = 0; i < 2; ++i) {
    EXPECT_EQ(stays[i].patient, i + 1);
    EXPECT_EQ(stays[i].date, days_from_civil(2020, 5, 2));
    EXPECT_EQ(stays[i].year, 2020);
    EXPECT_EQ(stays[i].dp, "I214");
    EXPECT_EQ(stays[i].dr, "E11");
    EXPECT_EQ(stays[i].das, (std::vector<std::string_view>{"I10", "E785"}));
    EXPECT_EQ(stays[i].days, 4);
    EXPECT_EQ(stays[i].eta_num, "E1");
  }
}

TEST(Stays, ANonZeroReturnCodeOrAnErrorGhmMakesAStayInvalid) {
  ShardBuilder s = base_shard();
  s.add("T_MCO20C", {mco_c("E1", "1", "NIR_P", "2020-05-02", "1"),  // NIR_RET = 1
                     mco_c("E1", "2", "NIR_P", "2020-06-02"),       // GHM 90: error
                     mco_c("E1", "3", "NIR_P", "2020-07-02"),       // no B row
                     mco_c("E1", "4", "NIR_GHOST", "2020-08-02"),   // not a beneficiary
                     mco_c("E1", "5", "NIR_P", "2020-09-02")});     // valid
  Row missing_ret = mco_c("E1", "6", "NIR_P", "2020-10-02");
  missing_ret.erase("DAT_RET");  // a missing return code is not `0`
  s.add("T_MCO20C", {missing_ret});
  s.add("T_MCO20B", {mco_b("E1", "1", "I21", "05M042", "1"), mco_b("E1", "2", "I21", "90Z00Z", "1"),
                     mco_b("E1", "4", "I21", "05M042", "1"), mco_b("E1", "5", "J18", "04M05T", "3"),
                     mco_b("E1", "6", "I21", "05M042", "1")});
  const ShardData shard = s.take();
  const auto stays = extract_stays(shard, build_patient_index(shard));
  ASSERT_EQ(stays.size(), 1u);
  EXPECT_EQ(stays[0].rsa_num, "5");
  EXPECT_EQ(stays[0].dp, "J18");
  EXPECT_TRUE(stays[0].das.empty());
}

TEST(Stays, AStayIsKeyedByYearSoTheSameNumbersInTwoYearsAreTwoStays) {
  ShardBuilder s = base_shard();
  s.add("T_MCO19C", {mco_c("E1", "1", "NIR_P", "2019-12-30")});
  s.add("T_MCO19B", {mco_b("E1", "1", "I21", "05M042", "2")});
  s.add("T_MCO20C",
        {mco_c("E1", "1", "NIR_P", "2020-01-30"), mco_c("E1", "1", "NIR_P", "2020-01-30")});
  s.add("T_MCO20B", {mco_b("E1", "1", "K35", "06C09", "1")});
  s.add("T_MCO20D", {mco_d("E1", "1", "K65")});
  const ShardData shard = s.take();
  for (const int threads : {1, 3}) {  // years are extracted in parallel: same stays, same order
    SCOPED_TRACE("threads " + std::to_string(threads));
    const auto stays = extract_stays(shard, build_patient_index(shard), threads);
    ASSERT_EQ(stays.size(), 2u);  // the repeated C row is one stay
    EXPECT_EQ(stays[0].year, 2019);
    EXPECT_TRUE(stays[0].das.empty());
    EXPECT_EQ(stays[1].year, 2020);
    EXPECT_EQ(stays[1].dp, "K35");
    EXPECT_EQ(stays[1].das, std::vector<std::string_view>{"K65"});
  }
}

// A code filter keeps the stays one of whose diagnoses matches at its position, each whole (every
// DAS, in stored order, on every twin), and leaves the others out.
TEST(Stays, ACodeFilterKeepsMatchingStaysWhole) {
  ShardBuilder s = base_shard();
  s.add("T_MCO20C", {mco_c("E1", "1", "NIR_T", "2020-05-02"),    // DP I21: kept (DP)
                     mco_c("E1", "2", "NIR_P", "2020-06-02"),    // DAS I22: kept (DAS)
                     mco_c("E1", "3", "NIR_P", "2020-07-02"),    // DR I21 only: left out
                     mco_c("E1", "4", "NIR_P", "2020-08-02")});  // nothing: left out
  s.add("T_MCO20B",
        {mco_b("E1", "1", "I214", "05M042", "4"), mco_b("E1", "2", "J18", "04M05T", "3"),
         mco_b("E1", "3", "K35", "06C09", "1", "I21"), mco_b("E1", "4", "K35", "06C09", "1")});
  s.add("T_MCO20D", {mco_d("E1", "1", "E785"), mco_d("E1", "2", "I10"), mco_d("E1", "2", "I220"),
                     mco_d("E1", "4", "Z000")});
  const ShardData shard = s.take();
  const PatientIndex patients = build_patient_index(shard);
  const StayCodeFilter filter{{"I21"}, {}, {"I22"}};
  const auto all = extract_stays(shard, patients);
  const auto kept = extract_stays(shard, patients, 1, &filter);
  std::vector<StayEvent> expected;
  for (const auto& st : all)
    if (st.rsa_num == "1" || st.rsa_num == "2") expected.push_back(st);
  ASSERT_EQ(kept.size(), 3u);  // stay 1 on both twins, stay 2
  ASSERT_EQ(kept.size(), expected.size());
  for (size_t i = 0; i < kept.size(); ++i) {
    EXPECT_EQ(kept[i].patient, expected[i].patient);
    EXPECT_EQ(kept[i].rsa_num, expected[i].rsa_num);
    EXPECT_EQ(kept[i].dp, expected[i].dp);
    EXPECT_EQ(kept[i].das, expected[i].das);
  }
  for (const auto& st : kept)
    if (st.rsa_num == "2") {
      EXPECT_EQ(st.das, (std::vector<std::string_view>{"I10", "I220"}));
    }
}

TEST(Claims, InformationOnlyLinesAndUnknownPatientsAreLeftOut) {
  ShardBuilder s = base_shard();
  s.add("ER_PRS_F", {
                        {{"BEN_NIR_PSA", "NIR_P"},
                         {"BEN_RNG_GEM", "1"},
                         {"EXE_SOI_DTD", "2020-01-02"},
                         {"PRS_NAT_REF", "1111"},
                         {"PRS_ACT_QTE", "1"},
                         {"PRS_PAI_MNT", "25.5"},
                         {"DPN_QLF", "0"}},
                        {{"BEN_NIR_PSA", "NIR_P"},
                         {"BEN_RNG_GEM", "1"},
                         {"EXE_SOI_DTD", "2020-01-03"},
                         {"PRS_NAT_REF", "1111"},
                         {"PRS_ACT_QTE", "1"},
                         {"PRS_PAI_MNT", "99"},
                         {"DPN_QLF", "71"}},
                        {{"BEN_NIR_PSA", "NIR_GHOST"},
                         {"BEN_RNG_GEM", "1"},
                         {"EXE_SOI_DTD", "2020-01-02"},
                         {"PRS_PAI_MNT", "10"},
                         {"DPN_QLF", "0"}},
                        {{"BEN_NIR_PSA", "NIR_T"},
                         {"BEN_RNG_GEM", "2"},
                         {"EXE_SOI_DTD", "2020-01-01"},
                         {"PRS_NAT_REF", "3317"},
                         {"PRS_ACT_QTE", "-1"}},  // missing amount reads 0, missing DPN_QLF is kept
                    });
  const ShardData shard = s.take();
  const auto claims = extract_claims(shard, build_patient_index(shard));
  ASSERT_EQ(claims.size(), 2u);
  EXPECT_EQ(claims[0].patient, 0u);
  EXPECT_EQ(claims[0].amount, 255000);
  EXPECT_EQ(claims[0].nature, 1111);
  EXPECT_EQ(claims[1].patient, 2u);
  EXPECT_EQ(claims[1].amount, 0);
  EXPECT_EQ(claims[1].quantity, -kDecimalScale);
  // Asked for some natures only: the same lines of those natures.
  const std::vector<int64_t> natures = {3317, 9999};
  const auto some = extract_claims(shard, build_patient_index(shard), &natures);
  ASSERT_EQ(some.size(), 1u);
  EXPECT_EQ(some[0].patient, 2u);
  EXPECT_EQ(some[0].nature, 3317);
}

TEST(Extractors, ClaimDaysAreTheDistinctDaysOfTheClaimLines) {
  ShardBuilder s = base_shard();
  // NIR_P: two lines on 2 January, one information-only line on the 3rd, one without a date, and
  // a line of 1 January stored after them; NIR_T rank 2: one line.
  auto line = [](const char* nir, const char* rank, const char* date, const char* dpn) {
    return std::map<std::string, std::string>{
        {"BEN_NIR_PSA", nir}, {"BEN_RNG_GEM", rank}, {"EXE_SOI_DTD", date}, {"DPN_QLF", dpn}};
  };
  s.add("ER_PRS_F",
        {line("NIR_P", "1", "2020-01-02", "0"), line("NIR_P", "1", "2020-01-02", "0"),
         line("NIR_P", "1", "2020-01-03", "71"), line("NIR_P", "1", "", "0"),
         line("NIR_P", "1", "2020-01-01", "0"), line("NIR_GHOST", "1", "2020-01-05", "0"),
         line("NIR_T", "2", "2020-01-04", "")});
  const ShardData shard = s.take();
  const PatientIndex idx = build_patient_index(shard);
  const auto days = extract_claim_days(shard, idx);
  std::vector<std::pair<uint32_t, Date>> got;
  for (const auto& d : days) got.emplace_back(d.patient, d.date);
  const std::vector<std::pair<uint32_t, Date>> want = {{0u, days_from_civil(2020, 1, 1)},
                                                       {0u, days_from_civil(2020, 1, 2)},
                                                       {2u, days_from_civil(2020, 1, 4)}};
  EXPECT_EQ(got, want);
  // The same days as the claim lines give.
  std::vector<std::pair<uint32_t, Date>> from_lines;
  for (const auto& c : extract_claims(shard, idx))
    if (c.date != kMissingDate) from_lines.emplace_back(c.patient, c.date);
  std::sort(from_lines.begin(), from_lines.end());
  from_lines.erase(std::unique(from_lines.begin(), from_lines.end()), from_lines.end());
  EXPECT_EQ(from_lines, want);
}

TEST(Extractors, ClaimDaysLookedUpPerPatientAreThoseExtracted) {
  auto line = [](const char* nir, const char* rank, const char* date, const char* dpn) {
    return std::map<std::string, std::string>{
        {"BEN_NIR_PSA", nir}, {"BEN_RNG_GEM", rank}, {"EXE_SOI_DTD", date}, {"DPN_QLF", dpn}};
  };
  // Rows in NIR order (as the store keeps them): NIR_T's two ranks interleaved.
  ShardBuilder s = base_shard();
  s.add("ER_PRS_F",
        {line("NIR_GHOST", "1", "2020-01-05", "0"), line("NIR_P", "1", "2020-01-02", "0"),
         line("NIR_P", "1", "2020-01-03", "71"), line("NIR_P", "1", "", "0"),
         line("NIR_P", "1", "2020-01-01", "0"), line("NIR_T", "2", "2020-01-04", ""),
         line("NIR_T", "1", "2020-02-01", "0"), line("NIR_T", "2", "2020-01-04", "0")});
  const ShardData shard = s.take();
  const PatientIndex idx = build_patient_index(shard);
  const auto lookup = ClaimDayLookup::make(shard, idx);
  ASSERT_NE(lookup, nullptr);
  std::vector<std::pair<uint32_t, Date>> looked_up;
  for (uint32_t p = 0; p < idx.patients.size(); ++p) {
    std::vector<Date> days;
    lookup->days_of(p, days);
    std::sort(days.begin(), days.end());
    days.erase(std::unique(days.begin(), days.end()), days.end());
    for (Date d : days) looked_up.emplace_back(p, d);
  }
  std::vector<std::pair<uint32_t, Date>> extracted;
  for (const auto& d : extract_claim_days(shard, idx)) extracted.emplace_back(d.patient, d.date);
  EXPECT_EQ(looked_up, extracted);
  EXPECT_EQ(looked_up.size(), 4u);

  // Rows out of NIR order: no lookup (the caller extracts every day instead).
  ShardBuilder unordered = base_shard();
  unordered.add("ER_PRS_F",
                {line("NIR_T", "1", "2020-02-01", "0"), line("NIR_P", "1", "2020-01-02", "0")});
  const ShardData shard2 = unordered.take();
  EXPECT_EQ(ClaimDayLookup::make(shard2, build_patient_index(shard2)), nullptr);
}

TEST(Extractors, AShardWithoutTheTablesGivesNoEvents) {
  const ShardData shard = base_shard().take();
  const PatientIndex idx = build_patient_index(shard);
  EXPECT_TRUE(extract_dispensing_lines(shard, idx, kRef).empty());
  EXPECT_TRUE(extract_stays(shard, idx).empty());
  EXPECT_TRUE(extract_claims(shard, idx).empty());
  EXPECT_TRUE(extract_claim_days(shard, idx).empty());
  EXPECT_TRUE(build_patient_index(ShardData{}).patients.empty());
}

TEST(Extractors, NameTheColumnsTheyRead) {
  const auto need = columns_needed(ExtractorKind::kDispensing);
  ASSERT_EQ(need.size(), 2u);
  EXPECT_EQ(need[0].kind, TableKind::kIrBenR);
  EXPECT_EQ(need[1].kind, TableKind::kErPhaF);
  EXPECT_EQ(columns_needed(ExtractorKind::kHospitalStay).size(), 4u);
}

}  // namespace
}  // namespace snds
