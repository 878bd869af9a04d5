// Persons (core/events/persons.hpp): placeholder and fictitious NIRs, the grouping of IR_BEN_R
// rows by BEN_IDT_ANO with its conflicts, and PatientIndex's person level.
#include "core/events/persons.hpp"

#include <gtest/gtest.h>

#include "core/events/events.hpp"
#include "tests/core/events/shard_builder.hpp"

namespace snds {
namespace {

std::vector<int64_t> persons_of(const std::vector<std::string_view>& nir,
                                const std::vector<int64_t>& rank,
                                const std::vector<std::string_view>& id,
                                const std::vector<std::string_view>& cdi, PersonCounts& c) {
  return assign_persons(nir, rank, id, cdi, &c);
}

TEST(PlaceholderNir, MasksOfXWithOrWithoutAFinalLetterAndEmptyValuesLinkNobody) {
  EXPECT_TRUE(is_placeholder_nir("xxxxxxxxxxxxxxxxx"));
  EXPECT_TRUE(is_placeholder_nir("XXXXXXXXXXXXXXXXD"));
  EXPECT_TRUE(is_placeholder_nir("XXXXXXXXXXXXXXXXA"));
  EXPECT_TRUE(is_placeholder_nir(""));
  EXPECT_FALSE(is_placeholder_nir("X0000000000000000"));
  EXPECT_FALSE(is_placeholder_nir("0123456789abcdefX"));
  EXPECT_FALSE(is_placeholder_nir("x"));
}

TEST(FictitiousNir, IsAFilledBenCdiNirOtherThan00) {
  EXPECT_FALSE(is_fictitious_nir("00"));
  EXPECT_FALSE(is_fictitious_nir(""));
  EXPECT_TRUE(is_fictitious_nir("03"));
  EXPECT_TRUE(is_fictitious_nir("01"));
}

TEST(AssignPersons, PseudoNirsSharingABenIdtAnoAreOnePersonNumberedByTheirSmallestPseudoNir) {
  PersonCounts c;
  // Rows out of order; "B" and "D" share id P; "A" and "C" alone; twins C/1 and C/2.
  const auto p = persons_of({"D", "A", "B", "C", "C", "B"}, {1, 1, 1, 1, 2, 1},
                            {"P", "Q", "P", "", "R", "P"}, {}, c);
  EXPECT_EQ(p, (std::vector<int64_t>{1, 0, 1, 2, 3, 1}));
  EXPECT_EQ(c.persons, 4u);
  EXPECT_EQ(c.persons_linked, 1u);
  EXPECT_EQ(c.pseudo_nirs_linked, 2u);
  EXPECT_EQ(c.rows_without_id, 1u);
  EXPECT_EQ(c.several_ids, 0u);
}

TEST(AssignPersons, APseudoNirWithTwoBenIdtAnoJoinsTheSmallestAndIsCounted) {
  PersonCounts c;
  const auto p = persons_of({"A", "A", "B", "C"}, {1, 1, 1, 1}, {"Q", "P", "P", "Q"}, {}, c);
  // A takes P (the smallest), with B; C keeps Q alone.
  EXPECT_EQ(p[0], p[1]);
  EXPECT_EQ(p[0], p[2]);
  EXPECT_NE(p[3], p[0]);
  EXPECT_EQ(c.several_ids, 1u);
  EXPECT_EQ(c.persons, 2u);
}

TEST(AssignPersons, AFictitiousNirLinksNothingAndStaysAPersonOfItsOwn) {
  PersonCounts c;
  const auto p = persons_of({"A", "B", "F"}, {1, 1, 1}, {"P", "P", "P"}, {"00", "", "03"}, c);
  EXPECT_EQ(p[0], p[1]);
  EXPECT_NE(p[2], p[0]);
  EXPECT_EQ(c.fictitious_rows, 1u);
  EXPECT_EQ(c.persons, 2u);
}

TEST(MajorityValue, IsTheMostFrequentNonMissingValueTiesToTheSmallest) {
  std::vector<int64_t> v = {1970, kMissingInt, 1971, 1971};
  EXPECT_EQ(majority_value(v, kMissingInt), 1971);
  v = {1972, 1970};
  EXPECT_EQ(majority_value(v, kMissingInt), 1970);
  v = {kMissingInt, kMissingInt};
  EXPECT_EQ(majority_value(v, kMissingInt), kMissingInt);
}

ShardData ben_shard(bool with_persons) {
  ShardData s;
  Batch b = test::empty_store_table(TableKind::kIrBenR);
  if (with_persons) b.columns.emplace_back(std::string(kPersonColumn), ColumnType::kInt64);
  auto row = [&](const char* nir, const char* sex, const char* born, const char* death,
                 const char* person) {
    std::map<std::string, std::string> r = {{"BEN_NIR_PSA", nir},
                                            {"BEN_RNG_GEM", "1"},
                                            {"BEN_SEX_COD", sex},
                                            {"BEN_NAI_ANN", born},
                                            {"BEN_RES_DPT", "075"}};
    if (*death) r["BEN_DCD_DTE"] = death;
    if (with_persons) r[std::string(kPersonColumn)] = person;
    test::append_row(b, r);
  };
  row("A", "1", "1950", "", "0");
  row("B", "2", "1951", "2021-05-01", "1");
  row("C", "2", "1951", "2020-03-01", "1");
  row("D", "1", "1952", "", "1");
  row("E", "1", "1960", "", "2");
  s.tables["IR_BEN_R"] = std::move(b);
  return s;
}

TEST(PersonLevel, IsEmptyWithoutAStoredPersonColumn) {
  const ShardData s = ben_shard(false);
  const PatientIndex index = build_patient_index(s);
  EXPECT_FALSE(index.has_persons());
  EXPECT_EQ(index.patients.size(), 5u);
}

TEST(PersonLevel, GroupsPseudoNirsAndResolvesDisagreeingAttributes) {
  const ShardData s = ben_shard(true);
  const PatientIndex index = build_patient_index(s);
  ASSERT_TRUE(index.has_persons());
  EXPECT_EQ(index.person_of, (std::vector<uint32_t>{0, 1, 1, 1, 2}));
  ASSERT_EQ(index.persons.size(), 3u);
  const Patient& p = index.persons[1];
  EXPECT_EQ(p.nir, "B");  // its smallest pseudo-NIR
  EXPECT_EQ(p.pseudo_nirs, 3u);
  EXPECT_EQ(p.sex, "2");                            // 2 of 3
  EXPECT_EQ(p.birth_year, 1951);                    // 2 of 3
  EXPECT_EQ(p.death, days_from_civil(2020, 3, 1));  // the earliest
  EXPECT_EQ(index.sex_conflicts, 1u);
  EXPECT_EQ(index.birth_year_conflicts, 1u);
  EXPECT_EQ(person_view(index).patients.size(), 3u);
}

TEST(PersonLevel, ToPersonsRenumbersEventsAndKeepsEachPersonContiguous) {
  const ShardData s = ben_shard(true);
  const PatientIndex index = build_patient_index(s);
  std::vector<ClaimLine> claims(5);
  for (uint32_t i = 0; i < 5; ++i) {
    claims[i].patient = i;
    claims[i].date = static_cast<Date>(10 - i);
  }
  to_persons(claims, index);
  std::vector<uint32_t> persons;
  for (const auto& c : claims) persons.push_back(c.patient);
  EXPECT_EQ(persons, (std::vector<uint32_t>{0, 1, 1, 1, 2}));
}

}  // namespace
}  // namespace snds
