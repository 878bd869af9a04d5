// The DCIR cleaning rules (core/events/dcir_rules.hpp) on hand-made shards: majoration lines are
// no claim event, lines ER_ETE_F marks ETE_IND_TAA = 1 are no event of any DCIR source, and a
// shard without their data answers as before the rules.
#include "core/events/dcir_rules.hpp"

#include <gtest/gtest.h>

#include "core/error.hpp"
#include "core/events/care_sources.hpp"
#include "tests/core/events/shard_builder.hpp"

namespace snds {
namespace {

using test::Row;
using test::ShardBuilder;

// The 9 keys of line `n` (its DCT_ORD_NUM and PRS_ORD_NUM), as every table of the line has them.
Row keys(int n) {
  return {{"DCT_ORD_NUM", std::to_string(100 + n)},
          {"FLX_DIS_DTD", "2020-02-01"},
          {"FLX_EMT_NUM", "1"},
          {"FLX_EMT_ORD", "0"},
          {"FLX_EMT_TYP", "1"},
          {"FLX_TRT_DTD", "2020-01-20"},
          {"ORG_CLE_NUM", "01C731220"},
          {"PRS_ORD_NUM", std::to_string(n)},
          {"REM_TYP_AFF", "0"}};
}

Row with(Row r, const Row& more) {
  for (const auto& [k, v] : more) r[k] = v;
  return r;
}

// Line n of patient P on 2020-01-0n: an ER_PRS_F row, and the joined columns of a detail row.
Row prs(int n, const char* nature = "1111", const char* majoration = nullptr) {
  Row r = with(keys(n), {{"BEN_NIR_PSA", "NIR_P"},
                         {"BEN_RNG_GEM", "1"},
                         {"EXE_SOI_DTD", "2020-01-0" + std::to_string(n)},
                         {"PRS_NAT_REF", nature},
                         {"PRS_ACT_QTE", "1"},
                         {"PRS_PAI_MNT", "25"},
                         {"DPN_QLF", "0"}});
  if (majoration) r["CPL_MAJ_TOP"] = majoration;
  return r;
}
Row joined(int n, const Row& own) {
  return with(with(keys(n), own), {{"BEN_NIR_PSA", "NIR_P"},
                                   {"BEN_RNG_GEM", "1"},
                                   {"EXE_SOI_DTD", "2020-01-0" + std::to_string(n)},
                                   {"DPN_QLF", "0"},
                                   {"PRS_ACT_QTE", "1"}});
}

ShardBuilder lines_1_to_3() {
  ShardBuilder s;
  s.add("IR_BEN_R", {{{"BEN_NIR_PSA", "NIR_P"},
                      {"BEN_RNG_GEM", "1"},
                      {"BEN_SEX_COD", "2"},
                      {"BEN_NAI_ANN", "1950"},
                      {"BEN_RES_DPT", "075"}}});
  s.add("ER_PRS_F", {prs(1), prs(2), prs(3)});
  s.add("ER_PHA_F",
        {with(test::pha_row("NIR_P", "1", "2020-01-01", "3400930000001", "1"), keys(1)),
         with(test::pha_row("NIR_P", "1", "2020-01-02", "3400930000001", "1"), keys(2)),
         with(test::pha_row("NIR_P", "1", "2020-01-03", "3400930000001", "1"), keys(3))});
  s.add("ER_CAM_F",
        {joined(1, {{"CAM_PRS_IDE", "DEQP003"}}), joined(2, {{"CAM_PRS_IDE", "DEQP003"}}),
         joined(3, {{"CAM_PRS_IDE", "DEQP003"}})});
  s.add("ER_BIO_F", {joined(1, {{"BIO_PRS_IDE", "1577"}, {"BIO_ACT_QSN", "1"}}),
                     joined(2, {{"BIO_PRS_IDE", "1577"}, {"BIO_ACT_QSN", "1"}}),
                     joined(3, {{"BIO_PRS_IDE", "1577"}, {"BIO_ACT_QSN", "1"}})});
  return s;
}

// The days (of January 2020) each DCIR source gives an event on.
struct Days {
  std::vector<int> claim, dispensing, act, lab;
};
Days days_of(const ShardData& shard) {
  const PatientIndex index = build_patient_index(shard);
  const Date jan0 = *parse_date("2019-12-31");
  Days out;
  for (const auto& c : extract_claims(shard, index)) out.claim.push_back(c.date - jan0);
  for (const auto& l : extract_dispensing_lines(shard, index, DrugReferential()))
    out.dispensing.push_back(l.date - jan0);
  for (const auto& a : extract_acts(shard, index, kActDcir)) out.act.push_back(a.date - jan0);
  for (const auto& l : extract_labs(shard, index)) out.lab.push_back(l.date - jan0);
  return out;
}

TEST(DcirRules, ALineErEteFMarksPublicHospitalIsNoEventOfAnyDcirSource) {
  ShardBuilder s = lines_1_to_3();
  // Line 2 is a public hospital's outpatient activity; line 3 a private clinic's (0).
  s.add("ER_ETE_F", {joined(2, {{"ETE_IND_TAA", "1"}}), joined(3, {{"ETE_IND_TAA", "0"}})});
  const ShardData shard = s.take();
  const Days d = days_of(shard);
  const std::vector<int> kept = {1, 3};
  EXPECT_EQ(d.claim, kept);
  EXPECT_EQ(d.dispensing, kept);
  EXPECT_EQ(d.act, kept);
  EXPECT_EQ(d.lab, kept);
  // Counted lines agree with the lines given.
  const PatientIndex index = build_patient_index(shard);
  const DispensingSource source(shard, index, DrugReferential());
  EXPECT_EQ(source.count_lines(0, source.rows()), 2u);
  // Claim days (loss to follow-up) keep every line: any line is a contact with care.
  EXPECT_EQ(extract_claim_days(shard, index).size(), 3u);
}

TEST(DcirRules, WithoutErEteFOrWithoutAMarkedLineEveryLineCounts) {
  const std::vector<int> all = {1, 2, 3};
  {
    const ShardData shard = lines_1_to_3().take();
    const Days d = days_of(shard);
    EXPECT_EQ(d.claim, all);
    EXPECT_EQ(d.dispensing, all);
    EXPECT_EQ(d.act, all);
    EXPECT_EQ(d.lab, all);
  }
  ShardBuilder s = lines_1_to_3();
  // ETE_IND_TAA = 1 on keys no line has (another DCT_ORD_NUM) leaves every line.
  Row other = joined(2, {{"ETE_IND_TAA", "1"}});
  other["DCT_ORD_NUM"] = "999";
  s.add("ER_ETE_F", {other, joined(1, {{"ETE_IND_TAA", "10"}})});
  const ShardData shard = s.take();
  const Days d = days_of(shard);
  EXPECT_EQ(d.claim, all);
  EXPECT_EQ(d.dispensing, all);
  EXPECT_EQ(d.lab, all);
  EXPECT_TRUE(public_hospital_rows(shard, *shard.find("ER_PRS_F"), "ER_PRS_F").empty());
}

TEST(DcirRules, AMajorationLineIsNoClaimEventButAnEmptyCplMajTopIs) {
  ShardBuilder s = lines_1_to_3();
  s.add("ER_PRS_F", {prs(4, "1098", "2"), prs(5, "1111", "0")});
  Row empty = prs(6);
  s.add("ER_PRS_F", {empty});
  const ShardData shard = s.take();
  const PatientIndex index = build_patient_index(shard);
  std::vector<int64_t> natures;
  for (const auto& c : extract_claims(shard, index)) natures.push_back(c.nature);
  EXPECT_EQ(natures, (std::vector<int64_t>{1111, 1111, 1111, 1111, 1111}));
  // The same with a nature list naming the majoration's nature.
  const std::vector<int64_t> wanted = {1098, 1111};
  EXPECT_EQ(extract_claims(shard, index, &wanted).size(), 5u);
  // Its day is still a claim day.
  EXPECT_EQ(extract_claim_days(shard, index).size(), 6u);
}

TEST(DcirRules, ADetailTableWithoutItsKeysIsAnInternalError) {
  ShardBuilder s = lines_1_to_3();
  s.add("ER_ETE_F", {joined(2, {{"ETE_IND_TAA", "1"}})});
  ShardData shard = s.take();
  Batch& bio = shard.tables.at("ER_BIO_F");
  bio.columns.erase(bio.columns.begin() + bio.find("ORG_CLE_NUM"));
  EXPECT_THROW(extract_labs(shard, build_patient_index(shard)), Error);
}

}  // namespace
}  // namespace snds
