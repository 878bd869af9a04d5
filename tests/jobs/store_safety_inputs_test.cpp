// Store safety, the inputs' side (issue #12, cases 7, 8 and 9), through the real binary: a
// resume proves the kept shards were built from the very inputs it reads again; a duplicated
// extract is refused; a file named like a table but taken by none is warned about, and a job
// needing a table the store lacks fails naming it. Each test fails on release 0.1.0, which
// resumed onto stale shards, stored duplicated files twice and answered 0 groups.
#include <gtest/gtest.h>

#include <zlib.h>

#include <fmt/format.h>

#include "core/csv/utf8.hpp"
#include "tests/support/mini_extract.hpp"
#include "tests/support/store_dump.hpp"
#include "tests/support/test_support.hpp"

namespace snds {
namespace {

namespace fs = std::filesystem;

class StoreSafetyInputs : public ::testing::Test {
 protected:
  void SetUp() override { test::write_mini_extract(dir_ / "ext", 300, 21); }
  int sh(const std::string& args, std::string* out = nullptr) {
    return test::run_command(fmt::format("cd {} && {} 2>&1", dir_.path().string(), args), out);
  }
  int ingest(const std::string& yaml, std::string* out, const std::string& env = "") {
    test::write_text(dir_ / "ingest.yaml", yaml);
    return sh(fmt::format("{} {} ingest ingest.yaml", env, test::snds_bin()), out);
  }
  test::TempDir dir_;
};

constexpr const char* kIngest = "store: store/\nshards: 6\ninputs: ext/\nmax_reject_ratio: 0.1\n";

// Rewrites a file in place with the same size and modification time: what a resume fingerprint
// (paths, sizes, mtimes) cannot see.
void edit_keeping_size_and_mtime(const fs::path& path) {
  const auto mtime = fs::last_write_time(path);
  std::string text = test::read_text(path);
  const size_t body = text.find('\n') + 1;
  size_t changed = 0;
  for (size_t i = body; i < text.size(); i = text.find('\n', i) + 1) {
    // The first field of IR_BEN_R's mini extract is BEN_SEX_COD: 1 <-> 2.
    if (text[i] == '1' || text[i] == '2') {
      text[i] = text[i] == '1' ? '2' : '1';
      ++changed;
    }
    if (text.find('\n', i) == std::string::npos) break;
  }
  ASSERT_GT(changed, 10u);
  const auto size = fs::file_size(path);
  test::write_text(path, text);
  fs::last_write_time(path, mtime);
  ASSERT_EQ(fs::file_size(path), size);
}

TEST_F(StoreSafetyInputs, AResumeWhoseInputsChangedInPlaceStartsOverAndSaysSo) {
  std::string out;
  ASSERT_EQ(ingest(kIngest, &out, "SNDS_FAULT=stop_after_shard=1"), 75) << out;
  ASSERT_TRUE(fs::exists(dir_ / "store" / "shards" / "shard_00000.h5")) << out;
  edit_keeping_size_and_mtime(dir_ / "ext" / "IR_BEN_R.csv");

  ASSERT_EQ(ingest(kIngest, &out), 0) << out;
  EXPECT_NE(out.find("IR_BEN_R.csv has other content than when the unfinished ingest read it: "
                     "not resuming; starting over"),
            std::string::npos)
      << out;
  // The same store as a fresh ingest of the edited inputs: no shard of the old content kept.
  ASSERT_EQ(ingest("store: fresh/\nshards: 6\ninputs: ext/\nmax_reject_ratio: 0.1\n", &out), 0)
      << out;
  EXPECT_EQ(test::dump_store(dir_ / "store"), test::dump_store(dir_ / "fresh"));
}

TEST_F(StoreSafetyInputs, AResumeOfUnchangedInputsStillKeepsItsShards) {
  std::string out;
  ASSERT_EQ(ingest(kIngest, &out, "SNDS_FAULT=stop_after_shard=2"), 75) << out;
  ASSERT_EQ(ingest(kIngest, &out), 0) << out;
  EXPECT_NE(out.find("resuming"), std::string::npos) << out;
  EXPECT_EQ(out.find("starting over"), std::string::npos) << out;
  EXPECT_NE(test::read_text(dir_ / "store" / "manifest.json").find("\"shards_reused\":"),
            std::string::npos);
  EXPECT_EQ(test::read_text(dir_ / "store" / "manifest.json").find("\"shards_reused\":0"),
            std::string::npos);
}

TEST_F(StoreSafetyInputs, AFileWithTheContentOfAnotherIsADuplicatedExtract) {
  fs::copy_file(dir_ / "ext" / "ER_PRS_F_1.csv", dir_ / "ext" / "ER_PRS_F_1_copy.csv");
  std::string out;
  EXPECT_EQ(ingest(kIngest, &out), 3) << out;
  EXPECT_NE(out.find("ER_PRS_F_1_copy.csv has the same content as"), std::string::npos) << out;
  EXPECT_NE(out.find("allow_duplicate_files: true"), std::string::npos) << out;
  EXPECT_FALSE(fs::exists(dir_ / "store" / "manifest.json"));

  // Allowed, the copy's claim lines repeat their keys: max_duplicate_ratio stops the ingest...
  fs::remove_all(dir_ / "store");
  const std::string allowed = std::string(kIngest) + "allow_duplicate_files: true\n";
  EXPECT_EQ(ingest(allowed, &out), 3) << out;
  EXPECT_NE(out.find("table ER_PRS_F: "), std::string::npos) << out;
  EXPECT_NE(out.find("above max_duplicate_ratio = 0.01"), std::string::npos) << out;
  // ...unless raised; then the last lines, the manifest and inspect report the duplicates.
  fs::remove_all(dir_ / "store");
  ASSERT_EQ(ingest(allowed + "max_duplicate_ratio: 1\n", &out), 0) << out;
  EXPECT_NE(out.find("duplicate parent keys: "), std::string::npos) << out;
  const std::string manifest = test::read_text(dir_ / "store" / "manifest.json");
  EXPECT_NE(manifest.find("\"duplicate_files\":[["), std::string::npos) << manifest;
  ASSERT_EQ(sh(test::snds_bin() + " inspect store/", &out), 0) << out;
  EXPECT_NE(out.find("duplicate parent keys: "), std::string::npos) << out;
  EXPECT_NE(out.find("duplicate input files (read each time): "), std::string::npos) << out;
}

TEST_F(StoreSafetyInputs, AGzipCopyOfAPlainFileIsTheSameContent) {
  const std::string text = test::read_text(dir_ / "ext" / "IR_BEN_R.csv");
  gzFile f = gzopen((dir_ / "ext" / "IR_BEN_R_again.csv.gz").c_str(), "wb");
  gzwrite(f, text.data(), static_cast<unsigned>(text.size()));
  gzclose(f);
  std::string out;
  EXPECT_EQ(ingest(kIngest, &out), 3) << out;
  EXPECT_NE(out.find("IR_BEN_R_again.csv.gz has the same content as"), std::string::npos) << out;
}

TEST_F(StoreSafetyInputs, AMisnamedTableIsWarnedAboutAndAJobNeedingItFailsNamingIt) {
  fs::rename(dir_ / "ext" / "ER_PHA_F.csv", dir_ / "ext" / "ER_PHA_F2020.csv");
  test::write_text(dir_ / "ext" / "notes.txt", "not a table\n");
  std::string out;
  ASSERT_EQ(ingest(kIngest, &out), 0) << out;
  const std::string warning =
      "ER_PHA_F2020.csv is named like an SNDS table but matches no name the ingest takes";
  EXPECT_NE(out.find(warning), std::string::npos) << out;
  EXPECT_NE(out.find("NOT ingested, though named like an SNDS table: ext/ER_PHA_F2020.csv"),
            std::string::npos)
      << out;
  EXPECT_EQ(out.find("notes.txt is named like"), std::string::npos) << out;
  const std::string manifest = test::read_text(dir_ / "store" / "manifest.json");
  EXPECT_NE(manifest.find("\"looks_like_snds_table\":true"), std::string::npos) << manifest;

  ASSERT_EQ(sh(test::snds_bin() + " inspect store/", &out), 0) << out;
  EXPECT_NE(out.find("source claim          served"), std::string::npos) << out;
  EXPECT_NE(out.find("source dispensing     NOT served: no ER_PHA_F"), std::string::npos) << out;
  EXPECT_NE(out.find("source hospital_stay  served"), std::string::npos) << out;

  // A dispensing job fails naming the table; a claim job still runs.
  test::write_text(dir_ / "job.yaml",
                   "job: aggregate\nstore: store/\noutput: out/\nsource: dispensing\n"
                   "group_by: [year]\nmeasures: [boxes]\n");
  EXPECT_EQ(sh(test::snds_bin() + " run job.yaml", &out), 3) << out;
  EXPECT_NE(out.find("store store/ has no table ER_PHA_F, which job.yaml needs"), std::string::npos)
      << out;
  test::write_text(dir_ / "cohort.yaml",
                   "job: cohort\nstore: store/\noutput: cohort/\nstudy: {start: 2020-01-01, end: "
                   "2020-12-31}\nevents:\n  s: {source: dispensing, atc: [C10]}\nindex: {event: "
                   "s}\n");
  EXPECT_EQ(sh(test::snds_bin() + " run cohort.yaml", &out), 3) << out;
  EXPECT_NE(out.find("has no table ER_PHA_F, which cohort.yaml needs"), std::string::npos) << out;
  test::write_text(dir_ / "claims.yaml",
                   "job: aggregate\nstore: store/\noutput: claims/\nsource: claim\n"
                   "group_by: [year]\nmeasures: [lines]\n");
  EXPECT_EQ(sh(test::snds_bin() + " run claims.yaml", &out), 0) << out;
}

TEST_F(StoreSafetyInputs, APmsiYearWithoutOneOfItsTablesCannotServeStays) {
  fs::rename(dir_ / "ext" / "T_MCO20B.csv", dir_ / "ext" / "T_MCO2020B.csv");
  std::string out;
  ASSERT_EQ(ingest(kIngest, &out), 0) << out;
  EXPECT_NE(out.find("T_MCO2020B.csv is named like an SNDS table"), std::string::npos) << out;
  test::write_text(dir_ / "job.yaml",
                   "job: aggregate\nstore: store/\noutput: out/\nsource: hospital_stay\n"
                   "group_by: [year]\nmeasures: [patients]\n");
  EXPECT_EQ(sh(test::snds_bin() + " run job.yaml", &out), 3) << out;
  EXPECT_NE(out.find("has no table T_MCO20B"), std::string::npos) << out;
}

TEST_F(StoreSafetyInputs, RepeatedPatientsAndDrugsAreCountedAndTheFirstWins) {
  // One IR_BEN_R row copied as is, another copied with the other sex; a CIP13 given a second ATC.
  std::string ben = test::read_text(dir_ / "ext" / "IR_BEN_R.csv");
  std::vector<std::string> rows;
  for (size_t at = ben.find('\n') + 1; at < ben.size() && rows.size() < 2;) {
    const size_t end = ben.find('\n', at);
    if (ben[at] == '1' || ben[at] == '2') rows.push_back(ben.substr(at, end - at));
    at = end + 1;
  }
  ASSERT_EQ(rows.size(), 2u);
  std::string other_sex = rows[1];
  other_sex[0] = other_sex[0] == '1' ? '2' : '1';
  test::write_text(dir_ / "ext" / "IR_BEN_R.csv", ben + rows[0] + "\n" + other_sex + "\n");
  test::write_text(dir_ / "ext" / "IR_PHA_R.csv", test::read_text(dir_ / "ext" / "IR_PHA_R.csv") +
                                                      "3400930000000;A10BA02;\"Other\"\n");
  std::string out;
  ASSERT_EQ(ingest(kIngest, &out), 0) << out;
  const std::string manifest = test::read_text(dir_ / "store" / "manifest.json");
  EXPECT_NE(manifest.find("\"repeated_keys\":{\"IR_BEN_R\":{\"identical\":1,\"conflicting\":1},"
                          "\"IR_PHA_R\":{\"identical\":0,\"conflicting\":1}}"),
            std::string::npos)
      << manifest;
  EXPECT_NE(out.find("IR_BEN_R: 1 row(s) repeat the key of an earlier row with other values; jobs "
                     "use the first in input order"),
            std::string::npos)
      << out;
}

TEST_F(StoreSafetyInputs, RandomBytesNamedCsvGzAreNotAGzipFile) {
  // Bytes that are no gzip stream, with a line break early: zlib's transparent reading made
  // their first line "a header" lacking every column.
  std::string junk = "\x7f\x12;\x03\n";
  for (size_t i = 0; i < 4096; ++i) junk += static_cast<char>((i * 7919 + 13) % 251);
  test::write_text(dir_ / "ext" / "IR_PHA_R_2.csv.gz", junk);
  std::string out;
  EXPECT_EQ(ingest(kIngest, &out), 3) << out;
  EXPECT_NE(out.find("IR_PHA_R_2.csv.gz: not a gzip file"), std::string::npos) << out;
  EXPECT_EQ(out.find("missing from the header"), std::string::npos) << out;
}

TEST_F(StoreSafetyInputs, BytesThatAreNoUtf8AreReplacedCountedAndNeverReachAResult) {
  // A Latin-1 byte (0xC9) in three ATC codes of the drug referential, as a Latin-1 export has:
  // its three-byte replacement makes the code 9 bytes long, yet still ATC level 5's 7 characters.
  std::string pha = test::read_text(dir_ / "ext" / "IR_PHA_R.csv");
  size_t replaced = 0;
  for (size_t at = pha.find("C10AA01"); at != std::string::npos; at = pha.find("C10AA01", at)) {
    pha[at + 5] = '\xC9';
    ++replaced;
  }
  ASSERT_EQ(replaced, 3u);
  test::write_text(dir_ / "ext" / "IR_PHA_R.csv", pha);
  std::string out;
  ASSERT_EQ(ingest(kIngest, &out), 0) << out;
  EXPECT_NE(out.find("table IR_PHA_R: 3 value(s) held bytes that are no UTF-8, stored with U+FFFD "
                     "in their place"),
            std::string::npos)
      << out;
  EXPECT_EQ(out.find(" 0 value(s) held bytes"), std::string::npos) << out;  // other tables
  const std::string manifest = test::read_text(dir_ / "store" / "manifest.json");
  EXPECT_NE(manifest.find("\"rejected\":0,\"invalid_utf8_values\":3"), std::string::npos)
      << manifest;

  test::write_text(dir_ / "job.yaml",
                   "job: aggregate\nstore: store/\noutput: out/\nsource: dispensing\n"
                   "group_by: [cip13, atc]\nmeasures: [boxes]\n");
  ASSERT_EQ(sh(test::snds_bin() + " run job.yaml", &out), 0) << out;
  const std::string result = test::read_text(dir_ / "out" / "result.csv");
  EXPECT_TRUE(is_valid_utf8(result)) << result;
  EXPECT_NE(result.find(",C10AA\xEF\xBF\xBD"
                        "1,"),
            std::string::npos)
      << result;
}

}  // namespace
}  // namespace snds
