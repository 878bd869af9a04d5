// `snds-batch generate` as operators run it: usage errors exit 2 naming the option, and under
// mpirun the ranks share the parts out while rank 0 alone prints the summary.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "jobs/generate/generator.hpp"
#include "tests/support/test_support.hpp"

namespace snds {
namespace {

TEST(GenerateCli, MissingOrBadOptionsAreUsageErrorsNamingTheOption) {
  test::TempDir dir("snds-gen-cli");
  const std::string bin = test::snds_bin() + " generate ";
  const std::string out = " --out " + (dir / "x").string();
  std::string text;
  EXPECT_EQ(test::run_command(bin + "--patients 10" + out, &text), 2);
  EXPECT_NE(text.find("--seed"), std::string::npos) << text;
  EXPECT_EQ(test::run_command(bin + "--patients 0 --seed 1" + out, &text), 2);
  EXPECT_NE(text.find("--patients"), std::string::npos) << text;
  EXPECT_EQ(test::run_command(bin + "--patients 10 --seed 1 --years 2019-2010" + out, &text), 2);
  EXPECT_NE(text.find("--years"), std::string::npos) << text;
  EXPECT_EQ(test::run_command(bin + "--patients 10 --seed 1 --quirks twin=0.1" + out, &text), 2);
  EXPECT_NE(text.find("did you mean 'twins'"), std::string::npos) << text;
  EXPECT_EQ(test::run_command(bin + "--patients 10 --seed 1 --quirk-rate -1" + out, &text), 2);
  EXPECT_EQ(test::run_command(bin + "--patients 10 --seed 1 --part-patients 0" + out, &text), 2);
  EXPECT_NE(text.find("--part-patients"), std::string::npos) << text;
  EXPECT_EQ(test::run_command(bin + "--patients 20001 --seed 1 --part-patients 2" + out, &text), 2);
  EXPECT_NE(text.find("--part-patients 2 cuts 20001 patients into 10001 parts"), std::string::npos)
      << text;
  EXPECT_EQ(test::run_command(bin + "--patient 10 --seed 1" + out, &text), 2);
  EXPECT_NE(text.find("did you mean --patients"), std::string::npos) << text;
  EXPECT_FALSE(std::filesystem::exists(dir / "x"));
}

TEST(GenerateCli, TwoRanksShareThePartsAndRankZeroAlonePrintsTheSummary) {
  test::TempDir dir("snds-gen-cli-mpi");
  const std::string out = (dir / "extract").string();
  std::string text;
  const int rc = test::run_command(
      "mpirun -n 2 --oversubscribe " + test::snds_bin() +
          " generate --patients 300 --seed 5 --years 2021-2022 --gzip --part-patients 100 --out " +
          out,
      &text);
  ASSERT_EQ(rc, 0) << text;
  size_t summaries = 0;
  for (size_t p = text.find("generate: 300 patients"); p != std::string::npos;
       p = text.find("generate: 300 patients", p + 1))
    ++summaries;
  EXPECT_EQ(summaries, 1u) << text;
  EXPECT_NE(text.find("MB/s per core"), std::string::npos) << text;
  for (const char* table : {"IR_BEN_R", "ER_PRS_F", "ER_PHA_F", "T_MCO21B", "T_MCO22C"})
    for (int part = 0; part < 3; ++part)
      EXPECT_TRUE(std::filesystem::exists(dir / "extract" / part_file_name(table, part, true)))
          << table << part;
  EXPECT_TRUE(std::filesystem::exists(dir / "extract" / "IR_PHA_R.csv.gz"));
  const auto j = boost::json::parse(test::read_text(dir / "extract" / "generate.json")).as_object();
  EXPECT_EQ(j.at("run").at("ranks").to_number<int>(), 2);
  EXPECT_EQ(j.at("patients").to_number<int>(), 300);
  EXPECT_EQ(j.at("parts").to_number<int>(), 3);
  EXPECT_EQ(j.at("quirks").at("gzip").to_number<double>(), 1.0);
  // Outputs are never world-readable.
  const auto perms = std::filesystem::status(dir / "extract" / "generate.json").permissions();
  EXPECT_EQ(perms & std::filesystem::perms::others_all, std::filesystem::perms::none);
}

}  // namespace
}  // namespace snds
