// The generated tables' columns (the catalog's, with its types) and the per-file format draw: a
// pure function of seed, table, part and quirk rates.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>

#include "core/catalog.hpp"
#include "synth/table_layout.hpp"

namespace snds::synth {
namespace {

TEST(GeneratorLayout, ColumnsAreTheCatalogsAndEveryRequiredOneIsAlwaysWritten) {
  for (const TableKind kind :
       {TableKind::kIrBenR, TableKind::kErPrsF, TableKind::kErPhaF, TableKind::kIrPhaR,
        TableKind::kMcoB, TableKind::kMcoC, TableKind::kMcoD}) {
    const TableSpec& spec = table_spec(kind);
    const auto columns = table_columns(kind);
    EXPECT_FALSE(columns.empty()) << spec.pattern;
    for (const ColumnDef& c : columns) {
      const ColumnSpec* known = find_column(spec, c.name);
      ASSERT_NE(known, nullptr) << spec.pattern << " " << c.name;
      EXPECT_EQ(known->name.data(), c.name.data()) << "the catalog's own name";
      const ValueKind expected = known->type == ColumnType::kDate     ? ValueKind::kDate
                                 : known->type == ColumnType::kString ? ValueKind::kString
                                                                      : ValueKind::kNumber;
      EXPECT_EQ(c.value, expected) << spec.pattern << " " << c.name;
    }
    // A file without a required column is refused: every file holds them, quirks or not.
    for (const ColumnSpec& r : spec.columns) {
      if (!r.required) continue;
      EXPECT_TRUE(std::any_of(columns.begin(), columns.end(),
                              [&](const ColumnDef& c) { return c.name == r.name && !c.extra; }))
          << spec.pattern << " " << r.name;
    }
  }
}

TEST(GeneratorFormats, FileFormatsDependOnSeedTablePartAndQuirksOnly) {
  GeneratorOptions o;
  o.seed = 5;
  o.quirks = QuirkSettings::none();
  const FileFormat plain = choose_format(o, TableKind::kErPrsF, "ER_PRS_F", 3);
  EXPECT_EQ(plain.date_form, DateForm::kIso);
  EXPECT_FALSE(plain.decimal_comma || plain.num_enq || plain.shuffled || plain.extra_columns ||
               plain.gzip || plain.missing_as_1600);
  std::string expected;
  for (const auto& c : table_spec(TableKind::kErPrsF).columns)
    if (c.required) expected += std::string(c.name) + ";";
  expected += "BSE_REM_MNT;PSP_SPE_COD;";  // always written: Open Medic's base and prescriber
  expected.back() = '\n';
  EXPECT_EQ(plain.header(TableKind::kErPrsF), expected);

  o.quirks = QuirkSettings::defaults();
  for (auto q : {Quirk::kDates, Quirk::kNumEnq, Quirk::kShuffle, Quirk::kExtraColumns})
    o.quirks.set(q, 1);
  const FileFormat all = choose_format(o, TableKind::kMcoC, "T_MCO20C", 1);
  EXPECT_NE(all.date_form, DateForm::kIso);
  EXPECT_TRUE(all.num_enq && all.shuffled && all.extra_columns);
  EXPECT_NE(all.header(TableKind::kMcoC).find("NUM_ENQ"), std::string::npos);
  EXPECT_NE(all.header(TableKind::kMcoC).find("ENT_DAT"), std::string::npos);
  const FileFormat again = choose_format(o, TableKind::kMcoC, "T_MCO20C", 1);
  EXPECT_EQ(again.columns, all.columns);
  // Across parts and tables the draws differ.
  o.quirks = QuirkSettings::defaults();
  std::set<int> forms;
  for (uint32_t part = 0; part < 40; ++part)
    forms.insert(
        static_cast<int>(choose_format(o, TableKind::kErPrsF, "ER_PRS_F", part).date_form));
  EXPECT_EQ(forms.size(), 3u);
}

}  // namespace
}  // namespace snds::synth
