// The generator's fixed tables: stay kinds in enum order, the age pyramid, departments, drug
// groups.
#include <gtest/gtest.h>

#include "synth/catalogs.hpp"

namespace snds::synth {
namespace {

TEST(GeneratorCatalogs, StayKindsAreListedInEnumOrderAndPyramidCoversAllAges) {
  for (size_t k = 0; k < kStayKindCount; ++k)
    EXPECT_EQ(static_cast<size_t>(stay_kind(static_cast<StayKind>(k)).kind), k);
  int next = 0;
  for (const auto& band : age_pyramid()) {
    EXPECT_EQ(band.lo, next);
    next = band.hi + 1;
  }
  EXPECT_GE(next, 100);
  for (const auto& d : departments()) EXPECT_EQ(d.code.size(), 3u);
  for (size_t g = 0; g < kDrugGroupCount; ++g)
    EXPECT_FALSE(drugs_of_group(static_cast<DrugGroup>(g)).empty());
}

}  // namespace
}  // namespace snds::synth
