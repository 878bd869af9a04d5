// The compiled-in nomenclatures (core/nomenclature): their codes, prefixes, and the closest real
// codes a warning names for a mistyped one.
#include "core/nomenclature/nomenclature.hpp"

#include <gtest/gtest.h>

#include <algorithm>

namespace snds {
namespace {

TEST(Nomenclature, HoldsEveryCodeOfItsFileWithoutHeaderOrQuotes) {
  EXPECT_EQ(nomenclature_codes(CodeSystem::kIcd10).size(), 18334u);
  EXPECT_TRUE(is_known_code(CodeSystem::kCcam, "JANH798"));  // a code whose field spans 2 lines
  // IR_CCAM_V63 has 8,170 lines, some of them a label's continuation: codes only.
  const auto& ccam = nomenclature_codes(CodeSystem::kCcam);
  EXPECT_GT(ccam.size(), 8100u);
  for (const auto& c : ccam) EXPECT_EQ(c.size(), 7u) << c;
  EXPECT_EQ(nomenclature_codes(CodeSystem::kNabm).size(), 1076u);
  EXPECT_TRUE(is_known_code(CodeSystem::kIcd10, "I214"));
  EXPECT_TRUE(is_known_code(CodeSystem::kCcam, "NEKA020"));  // a quoted field in IR_CCAM_V63
  EXPECT_TRUE(is_known_code(CodeSystem::kNabm, "1577"));     // HbA1c
  EXPECT_TRUE(is_known_code(CodeSystem::kAld, "8"));
  EXPECT_TRUE(is_known_code(CodeSystem::kAld, "31"));  // off the list, as IMB_ALD_NUM numbers it
  EXPECT_FALSE(is_known_code(CodeSystem::kIcd10, "CIM_COD"));
  EXPECT_FALSE(is_known_code(CodeSystem::kNabm, "15777"));
  EXPECT_FALSE(is_known_code(CodeSystem::kAld, "33"));
}

TEST(Nomenclature, APrefixIsKnownWhenSomeCodeStartsWithIt) {
  EXPECT_TRUE(is_known_prefix(CodeSystem::kIcd10, "I"));
  EXPECT_TRUE(is_known_prefix(CodeSystem::kIcd10, "S72"));
  EXPECT_TRUE(is_known_prefix(CodeSystem::kCcam, "NEKA"));
  EXPECT_FALSE(is_known_prefix(CodeSystem::kIcd10, "I21.4"));
  EXPECT_FALSE(is_known_prefix(CodeSystem::kIcd10, "U99"));
  EXPECT_FALSE(is_known_prefix(CodeSystem::kCcam, "NEKZ"));
}

TEST(Nomenclature, TheClosestCodesAreFewestEditsThenLongestCommonStart) {
  // A dotted ICD-10 code: the dot removed is one edit away.
  const auto dotted = closest_codes(CodeSystem::kIcd10, "I21.4", true);
  ASSERT_FALSE(dotted.empty());
  EXPECT_NE(std::find(dotted.begin(), dotted.end(), "I214"), dotted.end());
  const auto typo = closest_codes(CodeSystem::kCcam, "NEKZ", true);
  ASSERT_EQ(typo.size(), 3u);
  EXPECT_EQ(typo.front().substr(0, 3), "NEK");
  EXPECT_EQ(closest_codes(CodeSystem::kNabm, "1578", false).size(), 3u);
}

TEST(Nomenclature, AWarningNamesTheCodeTheSystemAndTheClosestCodes) {
  EXPECT_EQ(unknown_code_warning(CodeSystem::kIcd10, "I21", true), "");
  const std::string w = unknown_code_warning(CodeSystem::kNabm, "15777", false);
  EXPECT_NE(w.find("code 15777 is no NABM (IR_BIO_R) code (closest: "), std::string::npos) << w;
  EXPECT_NE(w.find("1577"), std::string::npos) << w;
}

}  // namespace
}  // namespace snds
