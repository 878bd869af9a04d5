// docs/tables.md and the DuckDB bench's bench/duckdb/lib/catalog_tables.mjs are the catalog as
// catalog_markdown() and catalog_js_module() render it: the documented tables, links and types,
// and the types DuckDB loads, cannot drift from the code. SNDS_UPDATE_TABLES=1 rewrites both.
#include <gtest/gtest.h>

#include <cstdlib>

#include "core/atomic_file.hpp"
#include "core/catalog.hpp"
#include "tests/support/test_support.hpp"

namespace snds {

TEST(TablesDoc, DocsTablesIsTheCatalogAsRendered) {
  const auto doc = test::source_dir() / "docs" / "tables.md";
  const std::string rendered = catalog_markdown();
  if (std::getenv("SNDS_UPDATE_TABLES") != nullptr) write_file_atomic(doc, rendered);
  EXPECT_EQ(test::read_text(doc), rendered)
      << "docs/tables.md differs from the catalog: SNDS_UPDATE_TABLES=1 ctest -R TablesDoc";
}

TEST(TablesDoc, TheDuckdbBenchTablesAreTheCatalogAsRendered) {
  const auto module = test::source_dir() / "bench" / "duckdb" / "lib" / "catalog_tables.mjs";
  const std::string rendered = catalog_js_module();
  if (std::getenv("SNDS_UPDATE_TABLES") != nullptr) write_file_atomic(module, rendered);
  EXPECT_EQ(test::read_text(module), rendered)
      << "bench/duckdb/lib/catalog_tables.mjs differs from the catalog: SNDS_UPDATE_TABLES=1 "
         "ctest -R TablesDoc";
}

TEST(TablesDoc, TheDuckdbBenchTypesEveryJobColumnAsTheIngestStoresIt) {
  const std::string js = catalog_js_module();
  EXPECT_NE(js.find("  ER_PRS_F: {\n    DCT_ORD_NUM: INT, FLX_DIS_DTD: DATE,"), std::string::npos)
      << js;
  EXPECT_NE(js.find("PRS_PAI_MNT: DEC"), std::string::npos);
  EXPECT_NE(js.find("T_MCOaaC: 'NIR_ANO_17'"), std::string::npos);
  for (const TableKind k :
       {TableKind::kIrBenR, TableKind::kErPrsF, TableKind::kErPhaF, TableKind::kIrPhaR,
        TableKind::kMcoB, TableKind::kMcoC, TableKind::kMcoD}) {
    const auto cols = job_columns(k);
    ASSERT_FALSE(cols.empty()) << table_kind_name(k);
    for (const auto& c : cols) {
      const char* word = c.type == ColumnType::kInt64     ? "INT"
                         : c.type == ColumnType::kDecimal ? "DEC"
                         : c.type == ColumnType::kDate    ? "DATE"
                                                          : "STR";
      EXPECT_NE(js.find(std::string(c.name) + ": " + word), std::string::npos) << c.name;
    }
  }
  // Only the jobs' columns: DuckDB loads the others as text, as it always has.
  EXPECT_EQ(js.find("PRS_PPU_SEC"), std::string::npos);
}

TEST(TablesDoc, ListsEveryTableWithItsLink) {
  const std::string md = catalog_markdown();
  for (const auto& spec : all_table_specs())
    EXPECT_NE(md.find("\n### " + std::string(spec.pattern) + "\n"), std::string::npos)
        << spec.pattern;
  EXPECT_NE(md.find("| [ER_CAM_F](#er_cam_f) | DCIR | joined to ER_PRS_F on the 9 DCIR keys |"),
            std::string::npos);
}

}  // namespace snds
