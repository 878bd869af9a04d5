// The rows of an extract depend only on (seed, patients, years, options): the same bytes whatever
// the thread count, the same row set (after parsing) whatever the rank count, with one part file
// per rank and table.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "jobs/generate/generator.hpp"
#include "runtime/communicator.hpp"
#include "tests/jobs/generate/extract_reader.hpp"
#include "tests/support/test_support.hpp"

namespace snds {
namespace {

namespace fs = std::filesystem;

synth::GeneratorOptions small_options(uint64_t seed = 7) {
  synth::GeneratorOptions o;
  o.patients = 400;
  o.seed = seed;
  o.first_year = 2020;
  o.last_year = 2022;
  // Every quirk on, at rates high enough to show up in 400 patients.
  o.quirks = synth::QuirkSettings::defaults().scaled(5);
  return o;
}

void generate(const synth::GeneratorOptions& o, const fs::path& dir, int ranks, int threads) {
  run_in_process(ranks, [&](Communicator& c) { generate_extract(o, dir, c, threads); });
}

std::vector<std::string> data_files(const fs::path& dir) {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().filename() != "generate.json") names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

boost::json::object summary(const fs::path& dir) {
  auto j = boost::json::parse(test::read_text(dir / "generate.json")).as_object();
  j.erase("run");    // ranks, threads, timing
  j.erase("files");  // per-part formats differ with the rank count
  return j;
}

TEST(GenerateDeterminism, ThreadCountDoesNotChangeAByte) {
  test::TempDir a("snds-gen-t1"), b("snds-gen-t3");
  const auto o = small_options();
  generate(o, a.path(), 1, 1);
  generate(o, b.path(), 1, 3);
  ASSERT_EQ(data_files(a.path()), data_files(b.path()));
  for (const auto& f : data_files(a.path()))
    EXPECT_TRUE(test::read_text(a / f) == test::read_text(b / f)) << f << " differs";
  EXPECT_EQ(summary(a.path()), summary(b.path()));
}

TEST(GenerateDeterminism, RankCountDoesNotChangeTheRowSet) {
  test::TempDir one("snds-gen-r1"), three("snds-gen-r3"), two("snds-gen-r2");
  const auto o = small_options();
  generate(o, one.path(), 1, 1);
  generate(o, three.path(), 3, 1);
  generate(o, two.path(), 2, 2);
  const auto tables = summary(one.path()).at("tables").as_object();
  for (const auto& [name, info] : tables) {
    const std::string table(name);
    const auto cols = test::contract_columns(table);
    const auto ref = test::read_table(one.path(), table);
    for (const fs::path& dir : {three.path(), two.path()}) {
      const auto other = test::read_table(dir, table);
      EXPECT_EQ(other.rejected, ref.rejected) << table;
      EXPECT_TRUE(test::row_set(other, cols) == test::row_set(ref, cols))
          << table << " differs in " << dir;
    }
  }
  EXPECT_EQ(summary(three.path()), summary(one.path()));
  EXPECT_EQ(summary(two.path()), summary(one.path()));
}

TEST(GenerateDeterminism, EachRankWritesOnePartOfEveryTable) {
  test::TempDir dir("snds-gen-parts");
  auto o = small_options();
  o.quirks.set(synth::Quirk::kGzip, 0);
  generate(o, dir.path(), 3, 1);
  const auto files = data_files(dir.path());
  EXPECT_EQ(std::count(files.begin(), files.end(), "IR_PHA_R.csv"), 1);
  for (const char* table : {"IR_BEN_R", "ER_PRS_F", "ER_PHA_F", "T_MCO20B", "T_MCO21C", "T_MCO22D"})
    for (int part = 0; part < 3; ++part)
      EXPECT_EQ(std::count(files.begin(), files.end(), part_file_name(table, part, false)), 1)
          << table << part;
  EXPECT_EQ(files.size(), 1u + 3u * (3u + 3u * 3u));
  // Each name maps to its table as the reference's <TABLE>_<anything>.csv rule says.
  for (const auto& f : files) EXPECT_TRUE(table_for_file(f).has_value()) << f;
}

TEST(GenerateDeterminism, AnotherSeedGivesAnotherExtract) {
  test::TempDir a("snds-gen-s7"), b("snds-gen-s8");
  generate(small_options(7), a.path(), 1, 1);
  generate(small_options(8), b.path(), 1, 1);
  const auto cols = test::contract_columns("ER_PRS_F");
  EXPECT_FALSE(test::row_set(test::read_table(a.path(), "ER_PRS_F"), cols) ==
               test::row_set(test::read_table(b.path(), "ER_PRS_F"), cols));
}

TEST(GenerateDeterminism, RerunningIntoTheSameFolderReplacesThePreviousParts) {
  test::TempDir dir("snds-gen-rerun");
  auto o = small_options();
  o.quirks.set(synth::Quirk::kGzip, 0);
  generate(o, dir.path(), 3, 1);
  test::write_text(dir / "notes.txt", "kept");
  generate(o, dir.path(), 1, 1);
  const auto files = data_files(dir.path());
  EXPECT_EQ(std::count(files.begin(), files.end(), part_file_name("ER_PRS_F", 2, false)), 0);
  EXPECT_EQ(std::count(files.begin(), files.end(), "notes.txt"), 1);
  EXPECT_EQ(files.size(), 1u + 1u + 3u + 3u * 3u);
}

}  // namespace
}  // namespace snds
