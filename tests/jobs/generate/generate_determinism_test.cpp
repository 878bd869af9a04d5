// An extract depends only on (seed, patients, years, options): the same files, byte for byte,
// whatever the thread count and whatever the rank count, because the patients are cut into parts
// by the patient count alone (part_patients()) and each part draws its file formats from its own
// index; the ranks only share the parts out.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "jobs/generate/generator.hpp"
#include "runtime/communicator.hpp"
#include "tests/jobs/generate/extract_reader.hpp"
#include "tests/support/test_support.hpp"

namespace snds {
namespace {

namespace fs = std::filesystem;

// 400 patients in parts of 128: four parts (the last of 16 patients), more parts than 3 ranks.
synth::GeneratorOptions small_options(uint64_t seed = 7) {
  synth::GeneratorOptions o;
  o.patients = 400;
  o.seed = seed;
  o.first_year = 2020;
  o.last_year = 2022;
  o.part_patients = 128;
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
  j.erase("run");  // ranks, threads, timing
  return j;
}

// Every file of `b` is the file of `a`, byte for byte, and generate.json says the same but `run`.
void expect_same_extract(const fs::path& a, const fs::path& b) {
  ASSERT_EQ(data_files(a), data_files(b)) << b;
  for (const auto& f : data_files(a))
    EXPECT_TRUE(test::read_text(a / f) == test::read_text(b / f)) << f << " differs in " << b;
  EXPECT_EQ(summary(a), summary(b)) << b;
}

TEST(GenerateDeterminism, ThreadCountDoesNotChangeAByte) {
  test::TempDir a("snds-gen-t1"), b("snds-gen-t3");
  const auto o = small_options();
  generate(o, a.path(), 1, 1);
  generate(o, b.path(), 1, 3);
  expect_same_extract(a.path(), b.path());
}

TEST(GenerateDeterminism, RankCountDoesNotChangeAByte) {
  test::TempDir one("snds-gen-r1"), two("snds-gen-r2"), three("snds-gen-r3");
  const auto o = small_options();
  generate(o, one.path(), 1, 1);
  generate(o, two.path(), 2, 2);
  generate(o, three.path(), 3, 1);
  // Not a trivial extract: several parts, quirky formats, malformed rows spread over the parts.
  const auto j = summary(one.path());
  EXPECT_EQ(j.at("parts").to_number<int>(), 4);
  EXPECT_GT(j.at("counts").at("malformed_rows").to_number<int>(), 0);
  expect_same_extract(one.path(), two.path());
  expect_same_extract(one.path(), three.path());
  // And the rows, read as ingest reads them (dates, decimals and names normalised), sorted.
  for (const auto& [name, info] : j.at("tables").as_object()) {
    const std::string table(name);
    const auto cols = test::contract_columns(table);
    const auto ref = test::read_table(one.path(), table);
    EXPECT_EQ(ref.rows.size(), info.at("rows").to_number<uint64_t>()) << table;
    for (const fs::path& dir : {two.path(), three.path()}) {
      const auto other = test::read_table(dir, table);
      EXPECT_EQ(other.rejected, ref.rejected) << table;
      EXPECT_TRUE(test::row_set(other, cols) == test::row_set(ref, cols))
          << table << " differs in " << dir;
    }
  }
}

TEST(GenerateDeterminism, TheDefaultPartsDependOnThePatientCountOnly) {
  // At least 4096 patients a part, at most 64 parts, a multiple of the 64-patient thread block.
  EXPECT_EQ(part_patients(1), kMinPartPatients);
  EXPECT_EQ(part_count(2000, part_patients(2000)), 1u);
  EXPECT_EQ(part_count(4096, part_patients(4096)), 1u);
  EXPECT_EQ(part_count(4097, part_patients(4097)), 2u);
  EXPECT_EQ(part_count(50000, part_patients(50000)), 13u);
  EXPECT_EQ(part_count(262144, part_patients(262144)), 64u);
  EXPECT_EQ(part_patients(1000000), 15680u);
  EXPECT_EQ(part_count(1000000, part_patients(1000000)), 64u);
  EXPECT_EQ(part_count(uint64_t{1} << 40, part_patients(uint64_t{1} << 40)), 64u);
  for (uint64_t n : {1ULL, 4097ULL, 999999ULL, 67000000ULL}) {
    EXPECT_EQ(part_patients(n) % kGenerateBlockPatients, 0u) << n;
    EXPECT_LE(part_count(n, part_patients(n)), kDefaultParts) << n;
    EXPECT_GE(part_count(n, part_patients(n)) * part_patients(n), n) << n;
  }
  EXPECT_EQ(part_patients(50000, 1000), 1000u);  // --part-patients
  EXPECT_EQ(part_count(50000, 1000), 50u);
}

TEST(GenerateDeterminism, TheDefaultPartsGiveTheSameExtractAtOneAndThreeRanks) {
  // Just over one default part: two parts (4096 and 104 patients), the second on another rank.
  synth::GeneratorOptions o;
  o.patients = kMinPartPatients + 104;
  o.seed = 3;
  o.first_year = 2022;
  o.last_year = 2022;
  o.quirks = synth::QuirkSettings::none();
  o.quirks.set(synth::Quirk::kMalformed, 0.01);
  o.quirks.set(synth::Quirk::kDates, 0.5);
  test::TempDir one("snds-gen-d1"), three("snds-gen-d3");
  generate(o, one.path(), 1, 2);
  generate(o, three.path(), 3, 1);
  EXPECT_EQ(summary(one.path()).at("part_patients").to_number<uint64_t>(), kMinPartPatients);
  EXPECT_EQ(summary(one.path()).at("parts").to_number<int>(), 2);
  expect_same_extract(one.path(), three.path());
}

TEST(GenerateDeterminism, EachPartIsOneFileOfEveryTable) {
  test::TempDir dir("snds-gen-parts");
  auto o = small_options();
  o.quirks.set(synth::Quirk::kGzip, 0);
  generate(o, dir.path(), 3, 1);
  const auto files = data_files(dir.path());
  EXPECT_EQ(std::count(files.begin(), files.end(), "IR_PHA_R.csv"), 1);
  for (const char* table : {"IR_BEN_R", "ER_PRS_F", "ER_PHA_F", "T_MCO20B", "T_MCO21C", "T_MCO22D"})
    for (int part = 0; part < 4; ++part)
      EXPECT_EQ(std::count(files.begin(), files.end(), part_file_name(table, part, false)), 1)
          << table << part;
  EXPECT_EQ(files.size(), 1u + 4u * (3u + 3u * 3u));
  // Each name maps to its table as the reference's <TABLE>_<anything>.csv rule says.
  for (const auto& f : files) EXPECT_TRUE(table_for_file(f).has_value()) << f;
  // generate.json lists the files in part order, with their part and rows.
  const auto j = boost::json::parse(test::read_text(dir / "generate.json")).as_object();
  uint64_t ben_rows = 0;
  int last_part = 0;
  for (const auto& f : j.at("files").as_array()) {
    const int part = f.at("part").to_number<int>();
    EXPECT_GE(part, last_part);
    last_part = part;
    if (f.at("table").as_string() == "IR_BEN_R") ben_rows += f.at("rows").to_number<uint64_t>();
  }
  EXPECT_EQ(last_part, 3);
  EXPECT_EQ(ben_rows, j.at("tables").at("IR_BEN_R").at("rows").to_number<uint64_t>());
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
  o.part_patients = 0;  // the default: one part of 400 patients
  generate(o, dir.path(), 1, 1);
  const auto files = data_files(dir.path());
  EXPECT_EQ(std::count(files.begin(), files.end(), part_file_name("ER_PRS_F", 2, false)), 0);
  EXPECT_EQ(std::count(files.begin(), files.end(), "notes.txt"), 1);
  EXPECT_EQ(files.size(), 1u + 1u + 3u + 3u * 3u);
}

}  // namespace
}  // namespace snds
