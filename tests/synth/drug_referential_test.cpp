// The CIP13 referential built from the seed: valid, unique codes and one unreferenced code per
// drug.
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "synth/catalogs.hpp"
#include "synth/drug_referential.hpp"

namespace snds::synth {
namespace {

TEST(GeneratorReferential, FewHundredValidUniqueCip13PerSeedWithOneUnreferencedCodePerDrug) {
  EXPECT_EQ(ean13_check_digit("400638133393"), '1');  // EAN 4006381333931
  const DrugReferential a(42, 0.01), b(42, 0.01), c(43, 0.01);
  ASSERT_EQ(a.codes().size(), b.codes().size());
  std::set<std::string> referenced, all;
  for (uint32_t i = 0; i < a.codes().size(); ++i) {
    const CipCode& x = a.at(i);
    EXPECT_EQ(x.code(), b.at(i).code());
    EXPECT_EQ(x.code().substr(0, 5), "34009");
    EXPECT_EQ(x.code()[12], ean13_check_digit(x.cip.data()));
    EXPECT_TRUE(all.insert(std::string(x.code())).second);
    if (x.referenced) referenced.insert(std::string(x.code()));
  }
  EXPECT_GE(referenced.size(), 200u);
  EXPECT_LE(referenced.size(), 600u);
  for (uint16_t d = 0; d < drug_catalog().size(); ++d) {
    EXPECT_FALSE(a.at(a.unreferenced(d)).referenced);
    EXPECT_FALSE(a.standard_packs(d).empty());
    EXPECT_EQ(drug_catalog()[d].atc.size(), 7u);
  }
  EXPECT_NE(a.at(0).code(), c.at(0).code());
}

}  // namespace
}  // namespace snds::synth
