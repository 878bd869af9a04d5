// Several outputs written at once: each whole or absent, never a temporary file left behind.
#include "core/atomic_file.hpp"

#include <gtest/gtest.h>

#include <sys/stat.h>

#include "tests/support/test_support.hpp"

namespace snds {
namespace {

namespace fs = std::filesystem;

TEST(WriteFilesAtomic, WritesEveryFileWithTheOutputMode) {
  test::TempDir dir;
  write_files_atomic({{dir / "a.csv", "a\n1\n"}, {dir / "b.csv", ""}, {dir / "c.csv", "c\n"}});
  EXPECT_EQ(test::read_text(dir / "a.csv"), "a\n1\n");
  EXPECT_EQ(test::read_text(dir / "b.csv"), "");
  EXPECT_EQ(test::read_text(dir / "c.csv"), "c\n");
  struct stat st {};
  ASSERT_EQ(::stat((dir / "a.csv").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, kOutputFileMode);
  for (const auto& e : fs::directory_iterator(dir.path()))
    EXPECT_NE(e.path().extension(), ".tmp") << e.path();
}

TEST(WriteFilesAtomic, AFileThatCannotBeWrittenLeavesNoneOfThem) {
  test::TempDir dir;
  EXPECT_THROW(write_files_atomic({{dir / "a.csv", "a\n"}, {dir / "missing" / "b.csv", "b\n"}}),
               Error);
  EXPECT_FALSE(fs::exists(dir / "a.csv"));
  EXPECT_FALSE(fs::exists(dir / "a.csv.tmp"));
}

}  // namespace
}  // namespace snds
