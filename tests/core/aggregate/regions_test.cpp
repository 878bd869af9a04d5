// The embedded department -> region pairs are those of data/nomenclatures/IR_DPT_V.csv.
#include "core/aggregate/regions.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <string>
#include <vector>

#include "tests/support/test_support.hpp"

namespace snds {
namespace {

TEST(Regions, EmbeddedPairsAreTheShippedReferential) {
  std::ifstream in(test::source_dir() / "data" / "nomenclatures" / "IR_DPT_V.csv");
  ASSERT_TRUE(in) << "data/nomenclatures/IR_DPT_V.csv";
  std::string line;
  std::getline(in, line);
  ASSERT_EQ(line.substr(0, 23), "GEO_DPT_COD;GEO_REG_COD");
  size_t rows = 0;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    const auto a = line.find(';'), b = line.find(';', a + 1);
    EXPECT_EQ(region_of_department(line.substr(0, a)), line.substr(a + 1, b - a - 1)) << line;
    ++rows;
  }
  EXPECT_EQ(rows, department_regions().size());
}

TEST(Regions, TwoCharacterCodesReadWithTheirLeadingZeroUnknownOnesAreEmpty) {
  EXPECT_EQ(region_of_department("075"), "11");
  EXPECT_EQ(region_of_department("75"), "11");
  EXPECT_EQ(region_of_department("2A"), "94");
  EXPECT_EQ(region_of_department("971"), "1");
  EXPECT_EQ(region_of_department(""), "");
  EXPECT_EQ(region_of_department("XYZ"), "");
}

}  // namespace
}  // namespace snds
