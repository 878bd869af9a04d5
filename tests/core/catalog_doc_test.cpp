// docs/tables.md is the catalog as catalog_markdown() renders it: the documented tables, links
// and types cannot drift from the code. SNDS_UPDATE_TABLES=1 rewrites the file.
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

TEST(TablesDoc, ListsEveryTableWithItsLink) {
  const std::string md = catalog_markdown();
  for (const auto& spec : all_table_specs())
    EXPECT_NE(md.find("\n### " + std::string(spec.pattern) + "\n"), std::string::npos)
        << spec.pattern;
  EXPECT_NE(md.find("| [ER_CAM_F](#er_cam_f) | DCIR | joined to ER_PRS_F on the 9 DCIR keys |"),
            std::string::npos);
}

}  // namespace snds
