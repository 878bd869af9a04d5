// Reading input files: plain, gzip (also multi-member), byte ranges, and clear errors naming the
// file for missing, corrupt and truncated ones.
#include "core/csv/csv_file.hpp"

#include <gtest/gtest.h>
#include <zlib.h>

#include <random>
#include <string>

#include "core/error.hpp"
#include "tests/support/test_support.hpp"

namespace snds {
namespace {

std::string random_text(size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::string s(n, ' ');
  for (auto& c : s) c = static_cast<char>('0' + rng() % 40);
  return s;
}

std::string error_of(const std::string& path) {
  try {
    read_csv_file(path);
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::kData);
    return e.what();
  }
  return "no error";
}

TEST(CsvFile, ReadsPlainAndGzipFiles) {
  test::TempDir dir;
  const std::string text = "A;B\n1;2\n" + random_text(3'000'000, 1);
  test::write_text(dir / "t.csv", text);
  test::write_text(dir / "t.csv.gz", test::gzip_member(text));
  test::write_text(dir / "u.CSV.GZ", test::gzip_member(text));
  EXPECT_EQ(read_csv_file((dir / "t.csv").string()), text);
  EXPECT_EQ(read_csv_file((dir / "t.csv.gz").string()), text);
  EXPECT_EQ(read_csv_file((dir / "u.CSV.GZ").string()), text);
}

TEST(CsvFile, ReadsEveryMemberOfAMultiMemberGzip) {
  test::TempDir dir;
  const std::string a = "A;B\n1;2\n", b = random_text(2'500'000, 2), c = "3;4\n";
  test::write_text(dir / "m.csv.gz", test::gzip_member(a) + test::gzip_member(b) +
                                         test::gzip_member(c) + std::string(512, '\0'));
  EXPECT_EQ(read_csv_file((dir / "m.csv.gz").string()), a + b + c);
}

TEST(CsvFile, CorruptTruncatedOrMissingFilesAreDataErrorsNamingTheFile) {
  test::TempDir dir;
  const std::string z = test::gzip_member(random_text(200'000, 3));
  const std::string truncated = (dir / "trunc.csv.gz").string();
  test::write_text(truncated, z.substr(0, z.size() / 2));
  EXPECT_NE(error_of(truncated).find(truncated + ": truncated gzip file"), std::string::npos);

  std::string bad = z;
  for (size_t i = 20; i < 60; ++i) bad[i] = static_cast<char>(bad[i] ^ 0x5a);
  const std::string corrupt = (dir / "corrupt.csv.gz").string();
  test::write_text(corrupt, bad);
  EXPECT_NE(error_of(corrupt).find(corrupt + ": "), std::string::npos);

  const std::string plain = (dir / "plain.csv.gz").string();
  test::write_text(plain, "A;B\n1;2\n");
  EXPECT_EQ(error_of(plain), plain + ": not a gzip file");

  const std::string empty = (dir / "empty.csv.gz").string();
  test::write_text(empty, "");
  EXPECT_EQ(error_of(empty), empty + ": not a gzip file (it is empty)");

  const std::string missing = (dir / "nope.csv").string();
  EXPECT_EQ(error_of(missing).rfind(missing + ": cannot open", 0), 0u);
}

TEST(CsvFile, ReadsByteRangesOfPlainFiles) {
  test::TempDir dir;
  test::write_text(dir / "r.csv", "0123456789");
  EXPECT_EQ(read_file_range((dir / "r.csv").string(), 2, 3), "234");
  EXPECT_EQ(read_file_range((dir / "r.csv").string(), 8, 100), "89");
  EXPECT_EQ(read_file_range((dir / "r.csv").string(), 10, 5), "");
}

}  // namespace
}  // namespace snds
