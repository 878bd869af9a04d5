// Aggregation rules of reference section 5 on hand-made shards, with result.csv written by hand.
#include <gtest/gtest.h>

#include "core/aggregate/disclosure.hpp"
#include "core/aggregate/result_output.hpp"
#include "core/aggregate/shard_aggregate.hpp"
#include "tests/core/events/shard_builder.hpp"

namespace snds {
namespace {

using test::Row;
using test::ShardBuilder;
using D = Dimension;
using M = Measure;

constexpr const char* kStatin = "3400930000001";  // C10AA01
constexpr const char* kPara = "3400930000002";    // N02BE01
constexpr const char* kUnlisted = "3400939999999";

DrugReferential referential() {
  Batch b = test::empty_store_table(TableKind::kIrPhaR);
  test::append_row(b, {{"PHA_CIP_C13", kStatin}, {"PHA_ATC_C07", "C10AA01"}});
  test::append_row(b, {{"PHA_CIP_C13", kPara}, {"PHA_ATC_C07", "N02BE01"}});
  return DrugReferential(b);
}
const DrugReferential kRef = referential();

Row ben(const std::string& nir, const std::string& rank, const std::string& sex,
        const std::string& born, const std::string& dpt = "075") {
  return {{"BEN_NIR_PSA", nir},
          {"BEN_RNG_GEM", rank},
          {"BEN_SEX_COD", sex},
          {"BEN_NAI_ANN", born},
          {"BEN_RES_DPT", dpt}};
}
Row pha(const std::string& nir, const std::string& rank, const std::string& date,
        const std::string& cip, const std::string& qty, const std::string& dpn = "0") {
  return {{"BEN_NIR_PSA", nir}, {"BEN_RNG_GEM", rank}, {"EXE_SOI_DTD", date},
          {"PHA_PRS_C13", cip}, {"PHA_ACT_QSN", qty},  {"DPN_QLF", dpn}};
}

// P born 1950 (sex 1); twins T/1 (sex 1) and T/2 (sex 2) born 2000; Q with unknown birth year.
ShardData dispensing_shard() {
  ShardBuilder s;
  s.add("IR_BEN_R", {ben("P", "1", "1", "1950"), ben("T", "1", "1", "2000"),
                     ben("T", "2", "2", "2000"), ben("Q", "1", "9", "1600", "02A")});
  s.add("ER_PHA_F", {
                        pha("P", "1", "2020-01-10", kStatin, "2"),
                        pha("P", "1", "2020-01-10", kStatin,
                            "-1"),  // a regularisation: counted as a line, signed
                        pha("P", "1", "2020-01-11", kStatin, "1", "71"),  // information only: out
                        pha("T", "1", "2020-01-20", kStatin, "1"),        // age 20 in 2020
                        pha("T", "2", "2019-12-31", kPara, "1"),          // age 19 in 2019
                        pha("Q", "1", "2020-02-01", kUnlisted, "3"),  // ATC UNKNOWN, age unknown
                        pha("P", "1", "2018-12-31", kStatin, "1"),    // before the period
                        pha("P", "1", "2020-12-31", kPara, "0.25"),   // the period's last day is in
                        pha("P", "1", "2021-01-01", kPara, "1"),      // after the period
                        pha("GHOST", "1", "2020-01-10", kStatin, "1"),  // not in IR_BEN_R
                    });
  return s.take();
}

AggregateSpec dispensing_spec() {
  AggregateSpec s;
  s.source = ExtractorKind::kDispensing;
  s.period_start = days_from_civil(2019, 1, 1);
  s.period_end = days_from_civil(2020, 12, 31);
  s.group_by = {D::kAtc3, D::kMonth, D::kSex, D::kAgeBand};
  s.measures = {M::kBoxes, M::kLines, M::kPatients};
  s.min_patients = 1;
  return s;
}

std::string run(const ShardData& shard, const AggregateSpec& spec) {
  auto rows = aggregate_shard(shard, kRef, spec, 1).sorted_rows();
  apply_disclosure(rows, spec.min_patients);
  return result_csv(spec, rows);
}

TEST(Aggregate, DispensingCountsEveryPharmacyLineInThePeriodWithSignedBoxes) {
  EXPECT_EQ(run(dispensing_shard(), dispensing_spec()),
            "atc3,month,sex,age_band,boxes,lines,patients,suppressed\n"
            "C10A,2020-01,1,20-29,1,1,1,0\n"
            "C10A,2020-01,1,70-79,1,2,1,0\n"
            "N02B,2019-12,2,10-19,1,1,1,0\n"
            "N02B,2020-12,1,70-79,0.25,1,1,0\n"
            "UNKNOWN,2020-02,9,unknown,3,1,1,0\n");
}

TEST(Aggregate, PatientsAreDistinctAndTwinsAreTwoPatients) {
  AggregateSpec spec = dispensing_spec();
  spec.group_by = {D::kAtc1};
  spec.measures = {M::kPatients, M::kLines};
  EXPECT_EQ(run(dispensing_shard(), spec),
            "atc1,patients,lines,suppressed\n"
            "C,2,3,0\n"
            "N,2,2,0\n"
            "UNKNOWN,1,1,0\n");
}

TEST(Aggregate, RowsUnderMinPatientsKeepTheirGroupButLoseTheirMeasures) {
  AggregateSpec spec = dispensing_spec();
  spec.group_by = {D::kAtc1};
  spec.measures = {M::kLines, M::kBoxes};  // patients still decides, though not printed
  spec.min_patients = 2;
  EXPECT_EQ(run(dispensing_shard(), spec),
            "atc1,lines,boxes,suppressed\n"
            "C,3,2,0\n"
            "N,2,1.25,0\n"
            "UNKNOWN,,,1\n");
  spec.min_patients = kDefaultMinPatients;
  EXPECT_EQ(run(dispensing_shard(), spec),
            "atc1,lines,boxes,suppressed\n"
            "C,,,1\n"
            "N,,,1\n"
            "UNKNOWN,,,1\n");
}

TEST(Aggregate, AtcFilterMatchesByPrefixAndEveryAtcLevelIsAPrefix) {
  AggregateSpec spec = dispensing_spec();
  spec.atc_filter = {"C10A", "N02BE"};
  spec.period_start.reset();
  spec.period_end.reset();
  spec.group_by = {D::kAtc, D::kAtc1, D::kAtc2, D::kAtc3, D::kAtc4, D::kCip13, D::kYear};
  spec.measures = {M::kLines};
  EXPECT_EQ(run(dispensing_shard(), spec),
            "atc,atc1,atc2,atc3,atc4,cip13,year,lines,suppressed\n"
            "C10AA01,C,C10,C10A,C10AA,3400930000001,2018,1,0\n"
            "C10AA01,C,C10,C10A,C10AA,3400930000001,2020,3,0\n"
            "N02BE01,N,N02,N02B,N02BE,3400930000002,2019,1,0\n"
            "N02BE01,N,N02,N02B,N02BE,3400930000002,2020,1,0\n"
            "N02BE01,N,N02,N02B,N02BE,3400930000002,2021,1,0\n");
}

TEST(Aggregate, AgeBandEdgesFollowTheEventYear) {
  ShardBuilder s;
  s.add("IR_BEN_R", {ben("A", "1", "1", "1930"), ben("B", "1", "1", "2021")});
  s.add("ER_PHA_F", {pha("A", "1", "2019-12-31", kStatin, "1"),    // 89
                     pha("A", "1", "2020-01-01", kStatin, "1"),    // 90
                     pha("A", "1", "2039-06-01", kStatin, "1"),    // 109
                     pha("B", "1", "2020-06-01", kStatin, "1"),    // -1: born after the event
                     pha("B", "1", "2021-01-01", kStatin, "1"),    // 0
                     pha("B", "1", "2030-12-31", kStatin, "1"),    // 9
                     pha("B", "1", "2031-01-01", kStatin, "1")});  // 10
  AggregateSpec spec;
  spec.group_by = {D::kYear, D::kAgeBand};
  spec.measures = {M::kLines};
  spec.min_patients = 1;
  EXPECT_EQ(run(s.take(), spec),
            "year,age_band,lines,suppressed\n"
            "2019,80-89,1,0\n"
            "2020,90+,1,0\n"
            "2020,unknown,1,0\n"
            "2021,0-9,1,0\n"
            "2030,0-9,1,0\n"
            "2031,10-19,1,0\n"
            "2039,90+,1,0\n");
}

Row mco_c(const std::string& rsa, const std::string& nir, const std::string& date,
          const std::string& ret = "0") {
  Row r{{"ETA_NUM", "E1"}, {"RSA_NUM", rsa}, {"NIR_ANO_17", nir}, {"EXE_SOI_DTD", date}};
  for (const auto c : kMcoReturnCodes) r[std::string(c)] = "0";
  r["SEJ_RET"] = ret;
  return r;
}
Row mco_b(const std::string& rsa, const std::string& dp, const std::string& dr,
          const std::string& days, const std::string& ghm = "05M042") {
  return {{"ETA_NUM", "E1"}, {"RSA_NUM", rsa}, {"DGN_PAL", dp},
          {"DGN_REL", dr},   {"GRG_GHM", ghm}, {"SEJ_NBJ", days}};
}

ShardData stay_shard() {
  ShardBuilder s;
  s.add("IR_BEN_R",
        {ben("P", "1", "1", "1950"), ben("T", "1", "1", "2000"), ben("T", "2", "2", "2000")});
  s.add("T_MCO20C", {mco_c("1", "T", "2020-03-01"), mco_c("2", "P", "2020-03-15"),
                     mco_c("3", "P", "2020-04-01", "1"), mco_c("4", "P", "2020-04-02"),
                     mco_c("5", "P", "2020-05-02")});
  s.add("T_MCO20B",
        {mco_b("1", "I214", "", "5"), mco_b("2", "I21", "E11", "2"), mco_b("3", "I214", "", "9"),
         mco_b("4", "J189", "", "1", "90Z00Z"), mco_b("5", "E119", "I10", "3")});
  s.add("T_MCO20D", {{{"ETA_NUM", "E1"}, {"RSA_NUM", "5"}, {"ASS_DGN", "I214"}}});
  return s.take();
}

TEST(Aggregate, StaysCountOncePerPatientSoTwinsCountTwice) {
  AggregateSpec spec;
  spec.source = ExtractorKind::kHospitalStay;
  spec.group_by = {D::kDp, D::kMonth};
  spec.measures = {M::kLines, M::kDays, M::kPatients};
  spec.min_patients = 1;
  EXPECT_EQ(run(stay_shard(), spec),
            "dp,month,lines,days,patients,suppressed\n"
            "E11,2020-05,1,3,1,0\n"
            "I21,2020-03,3,12,3,0\n");
}

TEST(Aggregate, Icd10FilterLooksAtTheChosenDiagnosisPositions) {
  AggregateSpec spec;
  spec.source = ExtractorKind::kHospitalStay;
  spec.group_by = {D::kDp};
  spec.measures = {M::kLines};
  spec.min_patients = 1;
  spec.icd10_filter = {"I21"};
  EXPECT_EQ(run(stay_shard(), spec), "dp,lines,suppressed\nI21,3,0\n");
  spec.positions = {false, false, true};  // DAS only
  EXPECT_EQ(run(stay_shard(), spec), "dp,lines,suppressed\nE11,1,0\n");
  spec.icd10_filter = {"E11"};
  spec.positions = {false, true, false};  // DR only
  EXPECT_EQ(run(stay_shard(), spec), "dp,lines,suppressed\nI21,1,0\n");
}

TEST(Aggregate, ClaimAmountsAreExactDecimalSumsWithoutInformationLines) {
  ShardBuilder s;
  s.add("IR_BEN_R", {ben("P", "1", "1", "1950"), ben("T", "1", "1", "2000")});
  auto prs = [](const std::string& nir, const std::string& date, const std::string& amount,
                const std::string& dpn) {
    return Row{{"BEN_NIR_PSA", nir},    {"BEN_RNG_GEM", "1"}, {"EXE_SOI_DTD", date},
               {"PRS_PAI_MNT", amount}, {"DPN_QLF", dpn},     {"PRS_NAT_REF", "1111"},
               {"PRS_ACT_QTE", "1"}};
  };
  s.add("ER_PRS_F", {prs("P", "2020-01-02", "0.1", "0"), prs("P", "2020-01-03", "0.2", "0"),
                     prs("T", "2020-01-09", "-0.05", "0"), prs("T", "2020-01-09", "100", "71")});
  AggregateSpec spec;
  spec.source = ExtractorKind::kClaim;
  spec.group_by = {D::kMonth};
  spec.measures = {M::kAmount, M::kLines, M::kPatients};
  spec.min_patients = 1;
  EXPECT_EQ(run(s.take(), spec), "month,amount,lines,patients,suppressed\n2020-01,0.25,3,2,0\n");
}

TEST(Aggregate, NoGroupColumnsGiveOneTotalRow) {
  AggregateSpec spec = dispensing_spec();
  spec.group_by = {};
  spec.measures = {M::kLines, M::kPatients};
  EXPECT_EQ(run(dispensing_shard(), spec), "lines,patients,suppressed\n6,4,0\n");
}

TEST(ResultCsv, QuotesOnlyFieldsWithCommaQuoteOrNewline) {
  EXPECT_EQ(csv_field("075"), "075");
  EXPECT_EQ(csv_field(""), "");
  EXPECT_EQ(csv_field("a,b"), "\"a,b\"");
  EXPECT_EQ(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
  EXPECT_EQ(csv_field("two\nlines"), "\"two\nlines\"");
  AggregateSpec spec;
  spec.group_by = {D::kDepartment};
  spec.measures = {M::kLines};
  GroupMeasures m;
  m.lines = 12;
  EXPECT_EQ(result_csv(spec, {GroupRow{{"0,7"}, m, false}}),
            "department,lines,suppressed\n\"0,7\",12,0\n");
}

TEST(GroupTable, MergeOrderDoesNotChangeTheSums) {
  GroupTable a(2), b(2);
  GroupMeasures m1{1, 10000, 0, 0, 1}, m2{2, -5000, 0, 0, 3};
  a.add({"C", "2020"}, m1);
  b.add({"C", "2020"}, m2);
  b.add({"N", ""}, m1);
  GroupTable ab = GroupTable::deserialize(a.serialize());
  ab.merge(GroupTable::deserialize(b.serialize()));
  GroupTable ba = b;
  ba.merge(a);
  const auto r1 = ab.sorted_rows(), r2 = ba.sorted_rows();
  ASSERT_EQ(r1.size(), 2u);
  EXPECT_EQ(r1[0].values, (std::vector<std::string>{"C", "2020"}));
  EXPECT_EQ(r1[0].measures, (GroupMeasures{3, 5000, 0, 0, 4}));
  EXPECT_EQ(r1[1].values, (std::vector<std::string>{"N", ""}));
  for (size_t i = 0; i < r1.size(); ++i) EXPECT_EQ(r1[i].measures, r2[i].measures);
}

// Groups added by encoded key merge with equal keys added later, serialise, and sort with the
// others.
TEST(GroupTable, EncodedGroupsMergeWithLaterAddsAndSurviveARoundTrip) {
  auto key = [](std::string_view x) {
    std::string k;
    GroupTable::append_key_value(k, x);
    return k;
  };
  GroupTable t(1);
  t.add_encoded(key("A"), GroupMeasures{1, 0, 0, 0, 1});
  t.add_encoded(key("B"), GroupMeasures{2, 0, 0, 0, 1});
  EXPECT_EQ(t.size(), 2u);
  const GroupTable copy = GroupTable::deserialize(t.serialize());
  t.add({"A"}, GroupMeasures{10, 0, 0, 0, 2});  // an equal key after: one group
  t.merge(copy);
  const auto rows = t.sorted_rows();
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].values, std::vector<std::string>{"A"});
  EXPECT_EQ(rows[0].measures, (GroupMeasures{12, 0, 0, 0, 4}));
  EXPECT_EQ(rows[1].measures, (GroupMeasures{4, 0, 0, 0, 2}));
  GroupTable empty(1);
  empty.merge(GroupTable::deserialize(t.serialize()));
  empty.merge(GroupTable::deserialize(copy.serialize()));
  EXPECT_EQ(empty.sorted_rows()[0].measures, (GroupMeasures{13, 0, 0, 0, 5}));
}

TEST(GroupTable, SortsColumnByColumnInByteOrder) {
  GroupTable t(2);
  for (const auto& [x, y] : std::vector<std::pair<std::string, std::string>>{
           {"b", "1"}, {"a", "9"}, {"ab", "0"}, {"B", "5"}, {"a", "10"}, {"\xc3\xa9", "0"}})
    t.add({x, y}, GroupMeasures{});
  std::vector<std::string> got;
  for (const auto& r : t.sorted_rows()) got.push_back(r.values[0] + "|" + r.values[1]);
  EXPECT_EQ(got, (std::vector<std::string>{"B|5", "a|10", "a|9", "ab|0", "b|1", "\xc3\xa9|0"}));
}

TEST(GroupTable, KeepsLongValuesIntact) {
  GroupTable t(1);
  const std::string long_value(300, 'x');
  t.add({long_value}, GroupMeasures{});
  const auto back = GroupTable::deserialize(t.serialize()).sorted_rows();
  ASSERT_EQ(back.size(), 1u);
  EXPECT_EQ(back[0].values[0], long_value);
}

}  // namespace
}  // namespace snds
