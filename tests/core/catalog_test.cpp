// File names map to tables as reference section 2 says.
#include "core/catalog.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "core/error.hpp"

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

TEST(Catalog, EveryJobTableHasItsJobColumns) {
  for (const auto& spec : all_table_specs().first(7)) {
    bool any_required = false;
    for (const auto& c : spec.columns) any_required |= c.required;
    EXPECT_TRUE(any_required) << spec.pattern;
  }
  EXPECT_TRUE(find_column(table_spec(TableKind::kErPhaF), "PHA_ACT_QSN"));
}

TEST(Catalog, HoldsEveryTableOfTheSchemaAndTheDrugReferential) {
  std::set<std::string> tables;
  size_t columns = 0;
  for (const auto& c : parse_schema_csv(snds_schema_csv())) {
    tables.insert(c.table);
    ++columns;
  }
  EXPECT_EQ(tables.size(), 188u);
  EXPECT_EQ(columns, 4815u);
  EXPECT_EQ(all_table_specs().size(), tables.size() + 1);  // + IR_PHA_R
  for (const auto& t : tables) EXPECT_TRUE(find_table_spec(t)) << t;
  for (size_t i = 0; i < all_table_specs().size(); ++i) {
    EXPECT_EQ(all_table_specs()[i].id, i);
    if (i < 7) {
      EXPECT_EQ(static_cast<size_t>(all_table_specs()[i].kind), i);
    }
  }
}

TEST(Catalog, MapsSchemaTypesToTheEnginesTypes) {
  using T = ColumnType;
  using R = ValueRule;
  EXPECT_EQ(schema_column_type("integer", "default"), std::pair(T::kInt64, R::kNone));
  EXPECT_EQ(schema_column_type("number", "default"), std::pair(T::kDecimal, R::kNone));
  EXPECT_EQ(schema_column_type("date", "default"), std::pair(T::kDate, R::kNone));
  EXPECT_EQ(schema_column_type("date", "%d%m%Y"), std::pair(T::kDate, R::kNone));
  EXPECT_EQ(schema_column_type("datetime", "%d%b%Y:%H:%M:%S"), std::pair(T::kDate, R::kNone));
  EXPECT_EQ(schema_column_type("date", "%m"), std::pair(T::kInt64, R::kMonth));
  EXPECT_EQ(schema_column_type("year", "default"), std::pair(T::kInt64, R::kYear));
  EXPECT_EQ(schema_column_type("yearmonth", "default"), std::pair(T::kInt64, R::kYearMonth));
  EXPECT_EQ(schema_column_type("boolean", "default"), std::pair(T::kInt64, R::kBoolean));
  EXPECT_EQ(schema_column_type("string", "default"), std::pair(T::kString, R::kNone));
  EXPECT_THROW(schema_column_type("blob", ""), Error);
}

TEST(Catalog, ChecksYearMonthsBooleansYearsAndMonths) {
  EXPECT_TRUE(string_fits_rule(ValueRule::kYearMonth, "202301"));
  EXPECT_TRUE(string_fits_rule(ValueRule::kYearMonth, "160001"));
  EXPECT_FALSE(string_fits_rule(ValueRule::kYearMonth, "202313"));
  EXPECT_FALSE(string_fits_rule(ValueRule::kYearMonth, "202300"));
  EXPECT_TRUE(string_fits_rule(ValueRule::kBoolean, "0"));
  EXPECT_TRUE(string_fits_rule(ValueRule::kBoolean, "1"));
  EXPECT_FALSE(string_fits_rule(ValueRule::kBoolean, "2"));
  EXPECT_TRUE(string_fits_rule(ValueRule::kYear, "1987"));
  EXPECT_FALSE(string_fits_rule(ValueRule::kYear, "19870"));
  EXPECT_TRUE(string_fits_rule(ValueRule::kMonth, "07"));
  EXPECT_FALSE(string_fits_rule(ValueRule::kMonth, "13"));
  EXPECT_TRUE(string_fits_rule(ValueRule::kInteger, "2"));
  EXPECT_FALSE(string_fits_rule(ValueRule::kInteger, "x1"));
  EXPECT_TRUE(string_fits_rule(ValueRule::kDate, "15/03/2020"));
  EXPECT_FALSE(string_fits_rule(ValueRule::kDate, "15/13/2020"));
  EXPECT_TRUE(string_fits_rule(ValueRule::kBoolean, ""));  // missing
  EXPECT_TRUE(int_fits_rule(ValueRule::kBoolean, ColumnType::kInt64, kMissingInt));
}

TEST(Catalog, JobColumnsKeepTheirTypeAndAreCheckedAsTheSchemaSays) {
  const TableSpec& ben = table_spec(TableKind::kIrBenR);
  EXPECT_EQ(find_column(ben, "BEN_SEX_COD")->type, ColumnType::kString);
  EXPECT_EQ(find_column(ben, "BEN_SEX_COD")->rule, ValueRule::kInteger);
  EXPECT_EQ(find_column(ben, "BEN_NAI_ANN")->rule, ValueRule::kYear);
  EXPECT_EQ(find_column(ben, "BEN_NAI_MOI")->rule, ValueRule::kMonth);
  EXPECT_EQ(find_column(ben, "BEN_DCD_AME")->type, ColumnType::kInt64);  // schema-only column
  EXPECT_EQ(find_column(ben, "BEN_DCD_AME")->rule, ValueRule::kYearMonth);
  EXPECT_FALSE(find_column(ben, "BEN_DCD_AME")->required);
  const TableSpec& c = table_spec(TableKind::kMcoC);
  for (auto k : {"ETA_NUM", "RSA_NUM", "NIR_RET"}) {
    EXPECT_EQ(find_column(c, k)->type, ColumnType::kString) << k;
    EXPECT_EQ(find_column(c, k)->rule, ValueRule::kNone) << k;
  }
  EXPECT_EQ(find_column(c, "ENT_DAT")->type, ColumnType::kDate);
  EXPECT_EQ(find_column(table_spec(TableKind::kErPhaF), "PHA_PRS_C13")->rule, ValueRule::kInteger);
}

TEST(Catalog, LinksEveryTableToItsPatient) {
  auto link = [](std::string_view t) { return find_table_spec(t)->link; };
  EXPECT_EQ(link("IR_BEN_R"), TableLink::kPatient);
  EXPECT_EQ(link("IR_IMB_R"), TableLink::kPatient);
  EXPECT_EQ(link("ER_PRS_F"), TableLink::kDcirParent);
  for (auto t : {"ER_PHA_F", "ER_CAM_F", "ER_BIO_F", "ER_ETE_F", "ER_UCD_F"}) {
    EXPECT_EQ(link(t), TableLink::kDcirDetail) << t;
    EXPECT_EQ(table_spec_by_id(find_table_spec(t)->parent).pattern, "ER_PRS_F");
    EXPECT_TRUE(find_column(*find_table_spec(t), "FLX_DIS_DTD")->required) << t;
  }
  for (auto t : {"T_MCOaaC", "T_SSRaaC", "T_HADaaC", "T_RIPaaC"})
    EXPECT_EQ(link(t), TableLink::kPmsiParent) << t;
  EXPECT_EQ(link("T_MCOaaA"), TableLink::kPmsiDetail);
  EXPECT_EQ(link("T_MCOaaB"), TableLink::kPmsiDetail);
  EXPECT_EQ(table_spec_by_id(find_table_spec("T_SSRaaB")->parent).pattern, "T_SSRaaC");
  EXPECT_EQ(find_table_spec("T_SSRaaB")->stay_keys[1], "RHA_NUM");
  EXPECT_EQ(link("T_MCOaaFASTC"), TableLink::kPatient);  // its own NIR_ANO_17
  EXPECT_EQ(find_table_spec("T_MCOaaFASTC")->patient_column, "NIR_ANO_17");
  for (auto t : {"IR_PHA_R", "KI_CCI_R", "KI_ECD_R", "DA_PRA_R", "T_SUPaaALD", "NS_PRS_F"})
    EXPECT_EQ(link(t), TableLink::kReferential) << t;
}

TEST(Catalog, StayKeysAreThePrimaryKeysOfEachFieldsCTable) {
  for (auto c : {"T_MCOaaC", "T_SSRaaC", "T_HADaaC", "T_RIPaaC"}) {
    std::vector<std::string> pk;
    for (const auto& s : parse_schema_csv(snds_schema_csv()))
      if (s.table == c && s.primary_key) pk.push_back(s.column);
    const auto keys = find_table_spec(c)->stay_keys;
    std::vector<std::string> want(keys.begin(), keys.end());
    std::sort(pk.begin(), pk.end());
    std::sort(want.begin(), want.end());
    EXPECT_EQ(pk, want) << c;
  }
}

TEST(Catalog, RecognisesEveryTableByFileName) {
  for (const auto& spec : all_table_specs()) {
    const std::string name = table_instance_name(spec, 2019);
    auto plain = table_for_file(name + ".csv");
    ASSERT_TRUE(plain) << name;
    EXPECT_EQ(plain->id, spec.id) << name;
    EXPECT_EQ(plain->name, name);
    std::string lower = name + "_part2.csv.gz";
    for (auto& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    auto suffixed = table_for_file("deliveries/" + lower);
    ASSERT_TRUE(suffixed) << lower;
    EXPECT_EQ(suffixed->id, spec.id) << lower;
    if (spec.year_digits()) {
      EXPECT_EQ(suffixed->year, 2019) << lower;
    }
  }
  EXPECT_EQ(table_for_file("T_SSR20B.csv")->name, "T_SSR20B");
  EXPECT_EQ(table_for_file("CT_DEP_2021_GN.csv")->year, 2021);
  EXPECT_EQ(table_for_file("T_MCO19FASTC.csv")->name, "T_MCO19FASTC");  // not T_MCO19FA
  EXPECT_EQ(table_for_file("T_MCO19FA_2.csv")->name, "T_MCO19FA");
  EXPECT_EQ(table_for_file("ir_imb_r_2020.csv")->name, "IR_IMB_R");
  EXPECT_FALSE(table_for_file("T_MCOaaB.csv"));  // a pattern is no file's name
  EXPECT_FALSE(table_for_file("IR_IMB.csv"));
}

TEST(Catalog, NumEnqNamesThePatientKeyOfEveryPatientTable) {
  EXPECT_EQ(canonical_column_name(*find_table_spec("IR_IMB_R"), "NUM_ENQ"), "BEN_NIR_PSA");
  EXPECT_EQ(canonical_column_name(*find_table_spec("T_SSRaaC"), "NUM_ENQ"), "NIR_ANO_17");
  EXPECT_EQ(canonical_column_name(*find_table_spec("KI_CCI_R"), "NUM_ENQ"), "NUM_ENQ");
}

TEST(Catalog, RefusesAMalformedSchema) {
  EXPECT_THROW(parse_schema_csv("h\nDCIR;ER_X_F;A;integer;1;default\n"), Error);
  EXPECT_THROW(parse_schema_csv("h\nDCIR;ER_X_F;A;blob;1;default;;\n"), Error);
  EXPECT_EQ(parse_schema_csv("h\nDCIR;ER_X_F;A;integer;1;default;1;\n").size(), 1u);
}

}  // namespace snds
