// The patient model: a pure function of (seed, index), unique keys, care within the period and
// before death, twins, and event quirks that change only what they touch.
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <unordered_set>
#include <vector>

#include "core/date.hpp"
#include "synth/drug_referential.hpp"
#include "synth/patient_model.hpp"

namespace snds::synth {
namespace {

TEST(GeneratorPseudonym, SeventeenCharactersUniquePerPerson) {
  std::unordered_set<std::string> seen;
  for (uint64_t p = 0; p < 100000; ++p) {
    const auto s = pseudonym(42, p);
    const std::string v(s.begin(), s.end());
    for (char c : v) EXPECT_TRUE((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z'));
    EXPECT_TRUE(seen.insert(v).second);
  }
  EXPECT_NE(std::string(pseudonym(42, 1).data(), 17), std::string(pseudonym(43, 1).data(), 17));
}

class GeneratorModel : public ::testing::Test {
 protected:
  static GeneratorOptions make_options() {
    GeneratorOptions o;
    o.patients = 3000;
    o.seed = 11;
    return o;
  }
  GeneratorModel() : options_(make_options()), ref_(options_.seed, 0.01), model_(options_, ref_) {}
  GeneratorOptions options_;
  DrugReferential ref_;
  PatientModel model_;
};

TEST_F(GeneratorModel, APatientIsAPureFunctionOfSeedAndIndex) {
  PatientRecords a, b;
  model_.generate(17, a);
  model_.generate(900, b);  // another patient in between: no hidden state
  model_.generate(17, b);
  EXPECT_EQ(a.nir, b.nir);
  ASSERT_EQ(a.prs.size(), b.prs.size());
  for (size_t i = 0; i < a.prs.size(); ++i) {
    EXPECT_EQ(a.prs[i].key.dct_ord_num, b.prs[i].key.dct_ord_num);
    EXPECT_EQ(a.prs[i].exe_soi_dtd, b.prs[i].exe_soi_dtd);
    EXPECT_EQ(a.prs[i].paid_cents, b.prs[i].paid_cents);
  }
  EXPECT_EQ(a.pha.size(), b.pha.size());
  EXPECT_EQ(a.stays.size(), b.stays.size());
}

TEST_F(GeneratorModel, KeysAreUniqueCareStaysInThePeriodAndBeforeDeath) {
  PatientRecords r;
  std::set<std::pair<int64_t, int>> keys;
  std::set<int64_t> rsa;
  const Date start = days_from_civil(2019, 1, 1), end = days_from_civil(2022, 12, 31);
  for (uint64_t p = 0; p < 500; ++p) {
    model_.generate(p, r);
    for (const auto& l : r.prs) {
      EXPECT_TRUE(keys.emplace(l.key.dct_ord_num, l.key.prs_ord_num).second);
      EXPECT_EQ(l.key.dct_ord_num >> kDocumentBits, static_cast<int64_t>(p));
      EXPECT_GE(l.exe_soi_dtd, start);
      EXPECT_LE(l.exe_soi_dtd, r.death == kMissingDate ? end : r.death);
      EXPECT_EQ(civil_from_days(l.key.flx_dis_dtd).day, 1u);
      EXPECT_GT(l.key.flx_dis_dtd, l.exe_soi_dtd);
    }
    for (const auto& s : r.stays) {
      EXPECT_TRUE(rsa.insert(s.rsa).second);
      EXPECT_GE(s.admission, start);
      EXPECT_LE(s.admission, s.discharge);
      EXPECT_LE(s.discharge, r.death == kMissingDate ? end : r.death);
      EXPECT_EQ(s.year, civil_from_days(s.discharge).year);
    }
  }
}

TEST_F(GeneratorModel, TwinsShareTheirIdentifierAndBirthButNotTheirCare) {
  options_.quirks.set(Quirk::kTwins, 1.0);  // every pair
  PatientRecords a, b;
  model_.generate(40, a);
  model_.generate(41, b);
  EXPECT_EQ(a.nir, b.nir);
  EXPECT_EQ(a.rng_gem, 1);
  EXPECT_EQ(b.rng_gem, 2);
  EXPECT_EQ(a.birth_year, b.birth_year);
  EXPECT_EQ(a.birth_month, b.birth_month);
  EXPECT_NE(a.idt, b.idt);
  EXPECT_NE(a.prs.size() * 1000 + a.pha.size(), b.prs.size() * 1000 + b.pha.size());
}

TEST_F(GeneratorModel, SwitchingEventQuirksOffLeavesTheCareAsItWas) {
  PatientRecords with, without;
  GeneratorOptions off = options_;
  for (auto q : {Quirk::kInfo71, Quirk::kRegularisation, Quirk::kOrphans, Quirk::kUnknownCip,
                 Quirk::kLateClaims})
    off.quirks.set(q, 0);
  const PatientModel plain(off, ref_);
  uint64_t lines = 0;
  for (uint64_t p = 0; p < 300; ++p) {
    model_.generate(p, with);
    plain.generate(p, without);
    EXPECT_EQ(without.info71_lines + without.regularisation_lines + without.orphan_rows +
                  without.unknown_cip_rows,
              0u);
    // The original lines are the same, in the same order, with the same documents.
    std::vector<const PrsRow*> originals;
    for (const auto& l : with.prs)
      if (l.dpn_qlf != 71 && l.quantity >= 0) originals.push_back(&l);
    ASSERT_EQ(originals.size(), without.prs.size()) << p;
    for (size_t i = 0; i < originals.size(); ++i) {
      EXPECT_EQ(originals[i]->key.dct_ord_num, without.prs[i].key.dct_ord_num);
      EXPECT_EQ(originals[i]->exe_soi_dtd, without.prs[i].exe_soi_dtd);
      EXPECT_EQ(originals[i]->paid_cents, without.prs[i].paid_cents);
    }
    lines += with.prs.size() - without.prs.size();
  }
  EXPECT_GT(lines, 0u);
}

}  // namespace
}  // namespace snds::synth
