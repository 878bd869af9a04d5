// File names map to tables as reference section 2 says.
#include "core/catalog.hpp"

#include <gtest/gtest.h>

namespace snds {

TEST(Catalog, MapsPlainAndSuffixedFileNames) {
  EXPECT_EQ(table_for_file("ER_PRS_F.csv")->name, "ER_PRS_F");
  EXPECT_EQ(table_for_file("dir/ER_PRS_F_2019.csv.gz")->kind, TableKind::kErPrsF);
  EXPECT_EQ(table_for_file("ER_PRS_F_2014.CSV")->kind, TableKind::kErPrsF);
  EXPECT_EQ(table_for_file("DCIR/2019/er_prs_f_2019.csv")->name, "ER_PRS_F");
  EXPECT_EQ(table_for_file("PMSI/t_mco19c.csv")->name, "T_MCO19C");
  EXPECT_EQ(table_for_file("ER_PRS_F_2019.csv.zst")->kind, TableKind::kErPrsF);
  EXPECT_EQ(table_for_file("T_MCO19C_p0001.CSV.BZ2")->year, 2019);
  EXPECT_FALSE(table_for_file("ER_PRS_F.csv.xz"));
  EXPECT_FALSE(table_for_file("ER_PRS_FX.csv"));
  EXPECT_FALSE(table_for_file("README.md"));
  EXPECT_FALSE(table_for_file("UNKNOWN_T.csv"));
}

TEST(Catalog, PmsiTablesCarryTheirYear) {
  auto t = table_for_file("T_MCO19B.csv");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->kind, TableKind::kMcoB);
  EXPECT_EQ(t->year, 2019);
  EXPECT_EQ(t->name, "T_MCO19B");
  EXPECT_EQ(table_for_file("T_MCO22C_p0001.csv")->year, 2022);
  EXPECT_EQ(table_instance_name(TableKind::kMcoD, 2021), "T_MCO21D");
  EXPECT_FALSE(table_for_file("T_MCO19X.csv"));
}

TEST(Catalog, NumEnqNamesThePatientKey) {
  EXPECT_EQ(canonical_column_name(TableKind::kErPrsF, "NUM_ENQ"), "BEN_NIR_PSA");
  EXPECT_EQ(canonical_column_name(TableKind::kMcoC, "NUM_ENQ"), "NIR_ANO_17");
  EXPECT_EQ(canonical_column_name(TableKind::kErPhaF, "NUM_ENQ"), "NUM_ENQ");
}

TEST(Catalog, EveryTableHasItsJobColumns) {
  for (const auto& spec : all_table_specs()) {
    bool any_required = false;
    for (const auto& c : spec.columns) any_required |= c.required;
    EXPECT_TRUE(any_required) << spec.pattern;
  }
  EXPECT_TRUE(find_column(table_spec(TableKind::kErPhaF), "PHA_ACT_QSN"));
}

}  // namespace snds
