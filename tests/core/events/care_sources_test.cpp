// The sources of issue #13 (ALD periods, acts, lab tests, deaths) on hand-made shards, one rule
// of docs/data-model.md per test, the answers written by hand.
#include "core/events/care_sources.hpp"

#include <gtest/gtest.h>

#include "core/cohort/cohort_engine.hpp"
#include "tests/core/events/shard_builder.hpp"

namespace snds {
namespace {

using test::Row;
using test::ShardBuilder;

Date d(const char* iso) {
  return *parse_date(iso);
}

// Patients (index order): P ("NIR_P", 1, born 1950, IR_BEN_R death 2021-06-30, BEN_IDT_ANO
// IDT_P), twins ("NIR_T", 1) and ("NIR_T", 2) born 2000.
ShardBuilder base_shard() {
  ShardBuilder s;
  s.add("IR_BEN_R", {
                        {{"BEN_NIR_PSA", "NIR_P"},
                         {"BEN_RNG_GEM", "1"},
                         {"BEN_SEX_COD", "1"},
                         {"BEN_NAI_ANN", "1950"},
                         {"BEN_RES_DPT", "02A"},
                         {"BEN_DCD_DTE", "2021-06-30"},
                         {"BEN_IDT_ANO", "IDT_P"}},
                        {{"BEN_NIR_PSA", "NIR_T"},
                         {"BEN_RNG_GEM", "1"},
                         {"BEN_SEX_COD", "1"},
                         {"BEN_NAI_ANN", "2000"},
                         {"BEN_RES_DPT", "075"},
                         {"BEN_IDT_ANO", "IDT_T1"}},
                        {{"BEN_NIR_PSA", "NIR_T"},
                         {"BEN_RNG_GEM", "2"},
                         {"BEN_SEX_COD", "2"},
                         {"BEN_NAI_ANN", "2000"},
                         {"BEN_RES_DPT", "075"},
                         {"BEN_IDT_ANO", "IDT_T2"}},
                    });
  return s;
}

Row imb(const char* nir, const char* start, const char* end, const char* num, const char* etm,
        const char* code = "", const char* nomenclature = "CIM10") {
  Row r{{"BEN_NIR_PSA", nir},         {"BEN_RNG_GEM", "1"}, {"IMB_ALD_DTD", start},
        {"IMB_ALD_NUM", num},         {"IMB_ETM_NAT", etm}, {"MED_MTF_COD", code},
        {"MED_NCL_IDT", nomenclature}};
  if (*end) r["IMB_ALD_DTF"] = end;
  return r;
}

TEST(AldPeriods, AnEmptyOr1600EndIsOpenAndWorkAccidentsAreNoLongTermDisease) {
  ShardBuilder s = base_shard();
  s.add("IR_IMB_R", {imb("NIR_P", "2019-03-01", "", "8", "41", "E119"),
                     imb("NIR_P", "2018-01-01", "1600-01-01", "30", "41", "C509"),
                     imb("NIR_P", "2017-01-01", "2017-12-31", "5", "41", "I500", "ICD9"),
                     imb("NIR_P", "2019-01-01", "2019-12-31", "99", "11"),  // work accident
                     imb("NIR_P", "2019-01-01", "2019-12-31", "99", "12"),
                     imb("NIR_P", "2019-01-01", "2019-12-31", "99", "13"),
                     imb("NIR_P", "", "2019-12-31", "8", "41"),    // no start: no period
                     imb("NIR_X", "2019-01-01", "", "8", "41")});  // unknown patient
  const ShardData shard = s.take();
  const PatientIndex idx = build_patient_index(shard);
  const auto periods = extract_ald_periods(shard, idx);
  ASSERT_EQ(periods.size(), 3u);
  EXPECT_EQ(periods[0].date, d("2017-01-01"));
  EXPECT_EQ(periods[0].end, d("2017-12-31"));
  EXPECT_EQ(periods[0].icd10, "");  // not a CIM10 code
  EXPECT_EQ(periods[1].date, d("2018-01-01"));
  EXPECT_EQ(periods[1].end, kOpenEnd);  // 1600-01-01
  EXPECT_EQ(periods[1].ald, 30);
  EXPECT_EQ(periods[2].end, kOpenEnd);  // empty
  EXPECT_EQ(periods[2].icd10, "E119");
  EXPECT_TRUE(period_overlaps(periods[2], d("2030-01-01"), d("2030-01-01")));
  EXPECT_FALSE(period_overlaps(periods[0], d("2018-01-01"), d("2018-02-01")));
  EXPECT_TRUE(period_overlaps(periods[0], d("2017-12-31"), d("2018-02-01")));  // last day
}

Row cam(const char* nir, const char* date, const char* code, const char* qte,
        const char* dpn = "0") {
  return {{"BEN_NIR_PSA", nir},  {"BEN_RNG_GEM", "1"}, {"EXE_SOI_DTD", date},
          {"CAM_PRS_IDE", code}, {"PRS_ACT_QTE", qte}, {"DPN_QLF", dpn}};
}

Row mco_c(const char* eta, const char* rsa, const char* nir, const char* date,
          const char* nir_ret = "0") {
  return {{"ETA_NUM", eta},     {"RSA_NUM", rsa}, {"NIR_ANO_17", nir}, {"EXE_SOI_DTD", date},
          {"NIR_RET", nir_ret}, {"NAI_RET", "0"}, {"SEX_RET", "0"},    {"SEJ_RET", "0"},
          {"FHO_RET", "0"},     {"PMS_RET", "0"}, {"DAT_RET", "0"}};
}
Row mco_b(const char* eta, const char* rsa, const char* dp, const char* days,
          const char* sor_mod = "8") {
  return {{"ETA_NUM", eta},      {"RSA_NUM", rsa},  {"DGN_PAL", dp},     {"DGN_REL", ""},
          {"GRG_GHM", "08C482"}, {"SEJ_NBJ", days}, {"SOR_MOD", sor_mod}};
}

TEST(Acts, ACancelledActNetsToNothingAndPmsiActsAreDatedAdmissionPlusDelay) {
  ShardBuilder s = base_shard();
  s.add("ER_CAM_F", {cam("NIR_P", "2020-02-03", "NEKA020", "1"),
                     cam("NIR_P", "2020-02-03", "NEKA020", "-1"),  // its regularisation
                     cam("NIR_P", "2020-02-04", "YYYY600", "1"),
                     cam("NIR_P", "2020-02-05", "YYYY600", "1", "71"),  // information only
                     cam("NIR_P", "2020-02-06", "DEQP003", "2"),
                     cam("NIR_P", "2020-02-06", "DEQP003", "-1")});  // 2 - 1 > 0: one act
  s.add("T_MCO20C", {mco_c("E1", "1", "NIR_T", "2020-05-02"),
                     mco_c("E1", "2", "NIR_P", "2020-06-01", "1")});  // invalid stay
  s.add("T_MCO20B", {mco_b("E1", "1", "S720", "9"), mco_b("E1", "2", "S720", "9")});
  s.add("T_MCO20A",
        {{{"ETA_NUM", "E1"}, {"RSA_NUM", "1"}, {"CDC_ACT", "NEKA020"}, {"ENT_DAT_DEL", "2"}},
         {{"ETA_NUM", "E1"}, {"RSA_NUM", "1"}, {"CDC_ACT", "ZZQK002"}},
         {{"ETA_NUM", "E1"}, {"RSA_NUM", "2"}, {"CDC_ACT", "NEKA020"}}});
  const ShardData shard = s.take();
  const PatientIndex idx = build_patient_index(shard);
  const auto acts = extract_acts(shard, idx, kAllActSettings);
  // P: YYYY600 on 02-04, DEQP003 on 02-06; twins 1 and 2: ZZQK002 on 05-02, NEKA020 on 05-04.
  ASSERT_EQ(acts.size(), 6u);
  EXPECT_EQ(acts[0].ccam, "YYYY600");
  EXPECT_EQ(acts[1].ccam, "DEQP003");
  EXPECT_EQ(acts[1].setting, kActDcir);
  for (uint32_t twin : {1u, 2u}) {
    const auto& a = acts[2 * twin];
    const auto& b = acts[2 * twin + 1];
    EXPECT_EQ(a.patient, twin);
    EXPECT_EQ(a.date, d("2020-05-02"));  // missing delay: the admission day
    EXPECT_EQ(a.ccam, "ZZQK002");
    EXPECT_EQ(b.date, d("2020-05-04"));
    EXPECT_EQ(b.ccam, "NEKA020");
    EXPECT_EQ(b.setting, kActPmsi);
  }
  EXPECT_EQ(extract_acts(shard, idx, kActPmsi).size(), 4u);
  EXPECT_EQ(extract_acts(shard, idx, kActDcir).size(), 2u);
}

TEST(Labs, NettedOnBioActQsnPerDayAndCode) {
  ShardBuilder s = base_shard();
  auto bio = [](const char* date, const char* code, const char* qsn) {
    return Row{{"BEN_NIR_PSA", "NIR_P"}, {"BEN_RNG_GEM", "1"}, {"EXE_SOI_DTD", date},
               {"BIO_PRS_IDE", code},    {"BIO_ACT_QSN", qsn}, {"DPN_QLF", "0"}};
  };
  s.add("ER_BIO_F", {bio("2020-01-10", "1577", "1"), bio("2020-01-10", "1577", "-1"),
                     bio("2020-04-10", "1577", "1"), bio("2020-04-10", "1610", "1"),
                     bio("2020-05-10", "1577", "")});  // missing quantity: 0, no test
  const ShardData shard = s.take();
  const auto labs = extract_labs(shard, build_patient_index(shard));
  ASSERT_EQ(labs.size(), 2u);
  EXPECT_EQ(labs[0].date, d("2020-04-10"));
  EXPECT_EQ(labs[0].nabm, 1577);
  EXPECT_EQ(labs[1].nabm, 1610);
}

TEST(Deaths, TheEarliestValidDateWinsWithIrBenRFirstOnATieAndBeforeBirthIsIgnored) {
  ShardBuilder s = base_shard();
  s.add("KI_CCI_R", {{{"BEN_IDT_ANO", "IDT_P"},
                      {"BEN_DCD_DTE", "2021-06-30"},  // same day as IR_BEN_R
                      {"DCD_CIM_COD", "I219"},
                      {"DCD_IDT_ENC", "C1"}},
                     {{"BEN_IDT_ANO", "IDT_T1"},
                      {"BEN_DCD_DTE", "1999-05-01"},  // before birth (2000)
                      {"DCD_CIM_COD", "V892"},
                      {"DCD_IDT_ENC", "C2"}},
                     {{"BEN_IDT_ANO", "IDT_T2"},
                      {"BEN_DCD_DTE", "2022-03-01"},
                      {"DCD_CIM_COD", "C509"},
                      {"DCD_IDT_ENC", "C3"}}});
  s.add("KI_ECD_R", {{{"DCD_IDT_ENC", "C1"}, {"ECD_CIM_COD", "E119"}},
                     {{"DCD_IDT_ENC", "C1"}, {"ECD_CIM_COD", "I10"}}});
  // A stay of the twins' pseudonym ending in death: it names no one. P dies in PMSI earlier.
  s.add("T_MCO21C",
        {mco_c("E1", "1", "NIR_T", "2021-01-10"), mco_c("E1", "2", "NIR_P", "2021-06-20")});
  s.add("T_MCO21B", {mco_b("E1", "1", "C509", "3", "9"), mco_b("E1", "2", "I219", "5", "9")});
  const ShardData shard = s.take();
  const PatientIndex idx = build_patient_index(shard);

  const auto all = extract_deaths(shard, idx, kAllDeathSources, nullptr);
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].patient, 0u);
  EXPECT_EQ(all[0].date, d("2021-06-25"));  // PMSI: admission + SEJ_NBJ, before the others
  EXPECT_EQ(all[0].source, kDeathPmsi);
  EXPECT_EQ(all[0].cause, "I219");
  ASSERT_EQ(all[0].other_causes.size(), 2u);
  EXPECT_EQ(all[0].other_causes[1], "I10");
  EXPECT_EQ(all[1].patient, 2u);  // twin 1's certificate is before birth: no death
  EXPECT_EQ(all[1].date, d("2022-03-01"));
  EXPECT_EQ(all[1].source, kDeathCauses);

  const auto no_pmsi = extract_deaths(shard, idx, kDeathIrBenR | kDeathCauses, nullptr);
  ASSERT_EQ(no_pmsi.size(), 2u);
  EXPECT_EQ(no_pmsi[0].date, d("2021-06-30"));
  EXPECT_EQ(no_pmsi[0].source, kDeathIrBenR);  // the tie goes to IR_BEN_R

  const auto ben_only = extract_deaths(shard, idx, kDeathIrBenR, nullptr);
  ASSERT_EQ(ben_only.size(), 1u);
  EXPECT_EQ(ben_only[0].cause, "I219");  // causes whatever source gave the date
}

TEST(AldInCohorts, AnOpenPeriodStartedLongBeforeTheWindowStillExcludes) {
  ShardBuilder s = base_shard();
  s.add("IR_IMB_R", {imb("NIR_P", "2010-03-01", "1600-01-01", "8", "41", "E119"),
                     imb("NIR_T", "2010-03-01", "2019-12-31", "8", "41", "E119")});
  const ShardData shard = s.take();
  const PatientIndex idx = build_patient_index(shard);
  CohortSpec spec;
  spec.study_start = d("2020-01-01");
  spec.study_end = d("2020-12-31");
  EventDefinition lab;
  lab.name = "hba1c";
  lab.source = CohortSource::kLab;
  EventDefinition diabetes;
  diabetes.name = "diabetes_ald";
  diabetes.source = CohortSource::kAld;
  diabetes.icd10 = {"E11"};
  spec.events = {lab, diabetes};
  spec.index_event = 0;
  Criterion c;
  c.name = "no_ald";
  c.kind = CriterionKind::kExcludeEvent;
  c.event = 1;
  c.window_from = -30;
  c.window_to = 0;
  spec.criteria = {c};
  ShardEvents events;
  events.ald = extract_ald_periods(shard, idx);
  // Every patient has an index test on 2020-01-15.
  for (uint32_t p = 0; p < 3; ++p) events.labs.push_back({p, d("2020-01-15"), 1577, 1});
  const CohortPartial out = evaluate_cohort(spec, idx, events, 1);
  // P (open since 2010) is excluded; twin 1's period ended 2019-12-31, inside the window
  // [2019-12-16, 2020-01-15], so it excludes too; twin 2 has no period.
  ASSERT_EQ(out.attrition.size(), 3u);
  EXPECT_EQ(out.attrition[0], 3u);
  EXPECT_EQ(out.attrition[2], 1u);
  ASSERT_EQ(out.rows.size(), 1u);
  EXPECT_EQ(out.rows[0].rank, 2);
}

}  // namespace
}  // namespace snds
