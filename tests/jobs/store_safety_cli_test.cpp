// Store safety through the real binary (issue #12): no command may destroy, mix or silently
// misread a store. Each test drives a case that release 0.1.0 got wrong: output folders that
// would overwrite a store, settings that switch checks off (NaN), `validate` missing what the
// ingest refuses, and messages that named the wrong problem.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include "tests/support/mini_extract.hpp"
#include "tests/support/test_support.hpp"

namespace snds {
namespace {

namespace fs = std::filesystem;

constexpr const char* kAggregateBody = "source: claim\ngroup_by: [year]\nmeasures: [lines]\n";

class StoreSafetyCli : public ::testing::Test {
 protected:
  void SetUp() override {
    test::write_mini_extract(dir_ / "ext", 40, 7);
    test::write_text(dir_ / "ingest.yaml",
                     "store: store/\nshards: 3\ninputs: ext/\nmax_reject_ratio: 0.1\n");
    std::string out;
    ASSERT_EQ(sh("ingest ingest.yaml", &out), 0) << out;
    manifest_ = test::read_text(dir_ / "store" / "manifest.json");
  }
  int sh(const std::string& args, std::string* out = nullptr) {
    return test::run_command(
        fmt::format("cd {} && {} {}", dir_.path().string(), test::snds_bin(), args), out);
  }
  // validate and run both refuse the config with exit 2 and `expect` in the message, and the
  // store is untouched.
  void expect_refused(const std::string& yaml, const std::string& expect) {
    test::write_text(dir_ / "job.yaml", yaml);
    std::string out;
    EXPECT_EQ(sh("validate job.yaml", &out), 2) << yaml << out;
    EXPECT_NE(out.find(expect), std::string::npos) << yaml << out;
    EXPECT_EQ(sh("run job.yaml", &out), 2) << yaml << out;
    EXPECT_NE(out.find(expect), std::string::npos) << yaml << out;
    EXPECT_EQ(test::read_text(dir_ / "store" / "manifest.json"), manifest_) << yaml;
  }
  std::string aggregate(const std::string& store, const std::string& output) {
    return fmt::format("job: aggregate\nstore: {}\noutput: \"{}\"\n{}", store, output,
                       kAggregateBody);
  }
  test::TempDir dir_;
  std::string manifest_;
};

TEST_F(StoreSafetyCli, OutputThatIsContainsOrLiesInsideTheStoreIsRefused) {
  expect_refused(aggregate("store/", "store/"), "is the store");
  expect_refused(aggregate("store/", "store/shards/"), "lies inside the store");
  expect_refused(aggregate("store/", "store/new"), "lies inside the store");
  expect_refused(aggregate("store/", "."), "contains the store");
  expect_refused(aggregate(dir_.path().string() + "/store", "/"), "root of the file system");
  expect_refused(aggregate("store/", ""), "output is empty");
  // A cohort config is held to the same rule.
  expect_refused(
      "job: cohort\nstore: store/\noutput: store/\nstudy: {start: 2020-01-01, end: "
      "2020-12-31}\nevents:\n  s: {source: dispensing, atc: [C10]}\nindex: {event: s}\n",
      "is the store");
  EXPECT_TRUE(fs::exists(dir_ / "store" / "shards" / "shard_00000.h5"));
}

TEST_F(StoreSafetyCli, NonEmptyFolderIsRefusedUnlessItHoldsAPreviousOutput) {
  fs::create_directories(dir_ / "mine");
  test::write_text(dir_ / "mine" / "thesis.tex", "keep me\n");
  expect_refused(aggregate("store/", "mine/"), "non-empty folder that holds no previous");
  EXPECT_EQ(test::read_text(dir_ / "mine" / "thesis.tex"), "keep me\n");
  // A folder the job wrote before (even one left without manifest.json by an interrupted run)
  // is rewritten.
  test::write_text(dir_ / "job.yaml", aggregate("store/", "out/"));
  std::string out;
  ASSERT_EQ(sh("run job.yaml", &out), 0) << out;
  fs::remove(dir_ / "out" / "manifest.json");
  EXPECT_EQ(sh("validate job.yaml", &out), 0) << out;
  EXPECT_EQ(sh("run job.yaml", &out), 0) << out;
}

TEST_F(StoreSafetyCli, NonFiniteSettingsAreConfigErrorsInValidateAndIngest) {
  for (const char* v : {"nan", "inf", "-inf", "NaN"}) {
    test::write_text(dir_ / "bad.yaml",
                     fmt::format("store: s2/\nshards: 2\ninputs: ext/\nmax_reject_ratio: {}\n", v));
    std::string out;
    EXPECT_EQ(sh("validate bad.yaml", &out), 2) << v << out;
    EXPECT_NE(out.find("bad.yaml:4: max_reject_ratio: expected a finite number"), std::string::npos)
        << out;
    EXPECT_EQ(sh("ingest bad.yaml", &out), 2) << out;
    EXPECT_FALSE(fs::exists(dir_ / "s2"));
  }
}

TEST_F(StoreSafetyCli, ValidateAppliesTheIngestsMemoryBudgetCheck) {
  test::write_text(
      dir_ / "small.yaml",
      "store: s2/\nshards: 2\ninputs: ext/\nmemory_budget_mb: 1\nread_chunk_kb: 1024\n");
  std::string out;
  EXPECT_EQ(sh("validate small.yaml", &out), 2) << out;
  EXPECT_NE(out.find("memory_budget_mb = 1 is too small"), std::string::npos) << out;
  EXPECT_EQ(sh("ingest small.yaml", &out), 2) << out;
}

TEST_F(StoreSafetyCli, DuplicateKeyIsAConfigError) {
  test::write_text(dir_ / "dup.yaml", "store: s2/\nshards: 2\ninputs: ext/\nshards: 5\n");
  std::string out;
  EXPECT_EQ(sh("validate dup.yaml", &out), 2) << out;
  EXPECT_NE(out.find("dup.yaml:4: duplicate key 'shards' (first given at line 2)"),
            std::string::npos)
      << out;
  EXPECT_EQ(sh("ingest dup.yaml", &out), 2) << out;
}

TEST_F(StoreSafetyCli, MessagesNameTheRealProblem) {
  std::string out;
  // An inputs path that is a file.
  test::write_text(dir_ / "file.yaml", "store: s2/\nshards: 2\ninputs: ingest.yaml\n");
  EXPECT_EQ(sh("ingest file.yaml", &out), 3) << out;
  EXPECT_NE(out.find("inputs ingest.yaml is a file, not a folder"), std::string::npos) << out;
  // A folder that is no store.
  fs::create_directories(dir_ / "plain");
  test::write_text(dir_ / "job.yaml", aggregate("plain/", "out/"));
  EXPECT_EQ(sh("run job.yaml", &out), 3) << out;
  EXPECT_NE(out.find("plain/ is not an snds-batch store"), std::string::npos) << out;
  EXPECT_EQ(out.find("rerun the ingest"), std::string::npos) << out;
  // A damaged manifest: no JSON library internals in the message.
  test::write_text(dir_ / "store" / "manifest.json", "{\"shards\": 3,,}");
  test::write_text(dir_ / "job.yaml", aggregate("store/", "out/"));
  EXPECT_EQ(sh("run job.yaml", &out), 3) << out;
  EXPECT_NE(out.find("unreadable manifest.json: not valid JSON"), std::string::npos) << out;
  EXPECT_EQ(out.find("boost"), std::string::npos) << out;
}

}  // namespace
}  // namespace snds
