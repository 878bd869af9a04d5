// Store safety through the real binary (issue #12), the store's own protections: the writer lock
// (two ingests never write one store at once, a dead holder never blocks), the store identity
// every file carries (no part of another store, or of another shard, is read as this one's),
// --force building the replacement beside the good store, and a full disk. Each test drives a
// case release 0.1.0 got wrong, with real processes (signals, resource limits), as CI runs them.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include "tests/support/mini_extract.hpp"
#include "tests/support/test_support.hpp"

namespace snds {
namespace {

namespace fs = std::filesystem;

class StoreProtection : public ::testing::Test {
 protected:
  void SetUp() override {
    test::write_mini_extract(dir_ / "ext", 40, 7);
    test::write_text(dir_ / "ingest.yaml",
                     "store: store/\nshards: 3\ninputs: ext/\nmax_reject_ratio: 0.1\n");
    test::write_text(dir_ / "job.yaml",
                     "job: aggregate\nstore: store/\noutput: out/\nsource: claim\n"
                     "group_by: [year]\nmeasures: [lines]\n");
  }
  int sh(const std::string& script, std::string* out = nullptr) {
    return test::run_command(
        // One group, so that the 2>&1 run_command adds covers every line of the script.
        fmt::format("{{\ncd {} || exit 99\nBIN={}\n{}\n}}", dir_.path().string(), test::snds_bin(),
                    script),
        out);
  }
  test::TempDir dir_;
};

// Starts `ingest ingest.yaml` with SNDS_FAULT=`fault` in the background, waits until the fault
// has stopped it (SIGSTOP), runs `then` and resumes it: the script prints "first=<exit code>".
std::string with_paused_ingest(const std::string& fault, const std::string& then) {
  return fmt::format(
      "(SNDS_FAULT={} $BIN ingest ingest.yaml > first.log 2>&1 & echo $! > first.pid; wait) &\n"
      "for i in $(seq 600); do [ -s first.pid ] && "
      "[ \"$(cut -d' ' -f3 /proc/$(cat first.pid)/stat 2>/dev/null)\" = T ] && break; "
      "sleep 0.05; done\n"
      "{}\n"
      "kill -CONT $(cat first.pid); while kill -0 $(cat first.pid) 2>/dev/null; do sleep 0.05; "
      "done; wait\n"
      "cat first.log; grep -q 'ingest done' first.log && echo first=done\n",
      fault, then);
}

TEST_F(StoreProtection, SecondIngestWhileOneRunsExitsTwoNamingTheHolder) {
  std::string out;
  sh(with_paused_ingest("pause_after_read_round=1", "$BIN ingest ingest.yaml; echo second=$?"),
     &out);
  std::string holder = test::read_text(dir_ / "first.pid");
  holder.erase(holder.find_last_not_of("\n") + 1);
  EXPECT_NE(out.find("second=2"), std::string::npos) << out;
  EXPECT_NE(out.find(fmt::format("store store/ is locked by another ingest (pid {} on ", holder)),
            std::string::npos)
      << out;
  // The first ingest, resumed, finishes a store that answers.
  EXPECT_NE(out.find("first=done"), std::string::npos) << out;
  EXPECT_EQ(sh("$BIN run job.yaml", &out), 0) << out;
  // And the lock is released: a third ingest is refused for the store being complete, not locked.
  EXPECT_EQ(sh("$BIN ingest ingest.yaml", &out), 2) << out;
  EXPECT_NE(out.find("already exists and is complete"), std::string::npos) << out;
}

TEST_F(StoreProtection, SecondIngestAtTwoRanksWhileOneRunsAtTwoRanksExitsTwoNamingTheHolder) {
  // Under mpirun only rank 0 takes the lock and the others wait for its decision: both ranks of
  // the second ingest must exit 2 with the holder's line, while the first, paused after its first
  // read round (each rank stops itself), keeps the lock.
  const std::string mpi = "mpirun -n 2 --oversubscribe $BIN ingest ingest.yaml";
  std::string out;
  sh(fmt::format(
         "(SNDS_FAULT=pause_after_read_round=1 {0} > first.log 2>&1 & echo $! > first.pid; wait) "
         "&\n"
         "for i in $(seq 600); do\n"
         "  h=$(sed -n 's/^pid \\([0-9]*\\) on .*/\\1/p' store/.lock 2>/dev/null)\n"
         "  [ -n \"$h\" ] && [ \"$(cut -d' ' -f3 /proc/$h/stat 2>/dev/null)\" = T ] && break\n"
         "  sleep 0.05\n"
         "done\n"
         "echo \"holder=$h.\"\n"
         "{0}; echo second=$?\n"
         // The first ingest's ranks are mpirun's children: resume them all.
         "for p in $(pgrep -P $(cat first.pid)); do kill -CONT $p; done\n"
         "while kill -0 $(cat first.pid) 2>/dev/null; do sleep 0.05; done; wait\n"
         "cat first.log; grep -q 'ingest done' first.log && echo first=done\n",
         mpi),
     &out);
  const auto at = out.find("holder=");
  ASSERT_NE(at, std::string::npos) << out;
  const std::string holder = out.substr(at + 7, out.find('.', at) - at - 7);
  ASSERT_FALSE(holder.empty()) << out;
  EXPECT_NE(out.find("second=2"), std::string::npos) << out;
  EXPECT_NE(out.find(fmt::format("store store/ is locked by another ingest (pid {} on ", holder)),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("first=done"), std::string::npos) << out;
  EXPECT_EQ(sh("mpirun -n 2 --oversubscribe $BIN run job.yaml", &out), 0) << out;
}

TEST_F(StoreProtection, LockOfADeadIngestDoesNotBlock) {
  std::string out;
  EXPECT_NE(sh("SNDS_FAULT=kill_after_read_round=1 $BIN ingest ingest.yaml", &out), 0) << out;
  // The killed holder's name is still in the file, but the kernel released its flock.
  EXPECT_NE(test::read_text(dir_ / "store" / ".lock").find("pid "), std::string::npos);
  EXPECT_EQ(sh("$BIN ingest ingest.yaml", &out), 0) << out;
  EXPECT_EQ(sh("$BIN run job.yaml", &out), 0) << out;
}

// A second store of other patients, and the job's answer on the untouched store.
class StoreIdentity : public StoreProtection {
 protected:
  void SetUp() override {
    StoreProtection::SetUp();
    test::write_mini_extract(dir_ / "ext2", 40, 8);
    test::write_text(dir_ / "other.yaml",
                     "store: other/\nshards: 3\ninputs: ext2/\nmax_reject_ratio: 0.1\n");
    test::write_text(dir_ / "drugs.yaml",
                     "job: aggregate\nstore: store/\noutput: drugs/\nsource: dispensing\n"
                     "group_by: [atc]\nmeasures: [boxes]\n");
    std::string out;
    ASSERT_EQ(sh("$BIN ingest ingest.yaml && $BIN ingest other.yaml", &out), 0) << out;
    ASSERT_EQ(sh("$BIN run job.yaml && $BIN run drugs.yaml", &out), 0) << out;
    answer_ = test::read_text(dir_ / "out" / "result.csv");
  }
  // Runs `config`: exit 3 and `expect` in the message, naming the file.
  void expect_refused(const std::string& config, const std::string& expect) {
    std::string out;
    EXPECT_EQ(sh("$BIN run " + config, &out), 3) << out;
    EXPECT_NE(out.find(expect), std::string::npos) << out;
  }
  std::string answer_;
};

TEST_F(StoreIdentity, ShardFromAnotherStoreIsRefusedNamingIt) {
  fs::copy_file(dir_ / "other/shards/shard_00001.h5", dir_ / "store/shards/shard_00001.h5",
                fs::copy_options::overwrite_existing);
  expect_refused("job.yaml", "store/shards/shard_00001.h5 does not belong to store store/");
}

TEST_F(StoreIdentity, ShardCopiedOverAnotherShardIsRefusedNamingIt) {
  fs::copy_file(dir_ / "store/shards/shard_00002.h5", dir_ / "store/shards/shard_00001.h5",
                fs::copy_options::overwrite_existing);
  expect_refused("job.yaml", "store/shards/shard_00001.h5 is shard 2 of 3, but sits at shard 1");
}

TEST_F(StoreIdentity, ForeignReferentialIsRefusedNamingIt) {
  fs::copy_file(dir_ / "other/referential.h5", dir_ / "store/referential.h5",
                fs::copy_options::overwrite_existing);
  expect_refused("drugs.yaml", "store/referential.h5 does not belong to store store/");
  // A shard file standing in for the referential is refused too.
  fs::copy_file(dir_ / "store/shards/shard_00000.h5", dir_ / "store/referential.h5",
                fs::copy_options::overwrite_existing);
  expect_refused("drugs.yaml", "store/referential.h5 is shard 0 of a store, not a referential");
}

// Rewrites the top-level `"key":value` of the store's manifest.
void edit_manifest(const fs::path& store, const std::string& from, const std::string& to) {
  std::string m = test::read_text(store / "manifest.json");
  const auto at = m.find(from);
  ASSERT_NE(at, std::string::npos) << m;
  m.replace(at, from.size(), to);
  test::write_text(store / "manifest.json", m);
}

TEST_F(StoreIdentity, ShardCountEditedInTheManifestIsRefused) {
  edit_manifest(dir_ / "store", "\"shards\":3,", "\"shards\":2,");
  expect_refused("job.yaml", "store/ has an inconsistent manifest.json");
}

TEST_F(StoreIdentity, RowCountsAreCheckedAgainstTheManifest) {
  // One more ER_PRS_F row in shard 0 than the file holds (a file rewritten by another tool).
  std::string m = test::read_text(dir_ / "store" / "manifest.json");
  const auto list = m.find("[", m.find("\"ER_PRS_F\":[", m.find("\"rows_per_shard\":"))) + 1;
  const auto end = m.find(',', list);
  const auto rows = std::stoull(m.substr(list, end - list));
  m.replace(list, end - list, std::to_string(rows + 1));
  test::write_text(dir_ / "store" / "manifest.json", m);
  expect_refused("job.yaml", fmt::format("store/shards/shard_00000.h5 holds {} rows of ER_PRS_F, "
                                         "the store's manifest.json says {}",
                                         rows, rows + 1));
}

TEST_F(StoreIdentity, VersionOneStoresAreReadWithoutTheStoreIdAndNewerOnesRefused) {
  // A store written before the store id (format_version 1): read, same answer.
  std::string m = test::read_text(dir_ / "store" / "manifest.json");
  const auto id = m.find("\"store_id\":");
  m.erase(id, m.find(',', id) - id + 1);
  test::write_text(dir_ / "store" / "manifest.json", m);
  edit_manifest(dir_ / "store", "\"format_version\":2", "\"format_version\":1");
  std::string out;
  ASSERT_EQ(sh("$BIN run job.yaml", &out), 0) << out;
  EXPECT_EQ(test::read_text(dir_ / "out" / "result.csv"), answer_);
  edit_manifest(dir_ / "store", "\"format_version\":1", "\"format_version\":3");
  expect_refused("job.yaml",
                 "store store/ has format version 3: this snds-batch reads versions 1 to 2");
}

TEST_F(StoreIdentity, FailingForceIngestLeavesTheGoodStoreAnsweringJobs) {
  // The other patients' extract, into the good store, with --force.
  test::write_text(dir_ / "replace.yaml",
                   "store: store/\nshards: 3\ninputs: ext2/\nmax_reject_ratio: 0.1\n");
  std::string out;
  // Killed while writing its shards (a node lost), then killed just before the swap with the
  // new store complete: the good store answers as before, every time.
  for (const char* fault : {"kill_after_shard=1", "kill_after_swap=1"}) {
    EXPECT_EQ(sh(fmt::format("SNDS_FAULT={} $BIN ingest replace.yaml --force", fault), &out),
              128 + 9)
        << out;
    ASSERT_EQ(sh("$BIN run job.yaml", &out), 0) << fault << out;
    EXPECT_EQ(test::read_text(dir_ / "out" / "result.csv"), answer_) << fault;
    EXPECT_TRUE(fs::exists(dir_ / "store.new")) << fault;
  }
  // A --force that fails on its data (the reject limit) leaves it too.
  fs::copy(dir_ / "ext2", dir_ / "ext3");
  test::write_text(dir_ / "strict.yaml",
                   "store: store/\nshards: 3\ninputs: ext3/\nmax_reject_ratio: 0\n");
  test::write_text(dir_ / "ext3" / "ER_PRS_F_1.csv",
                   test::read_text(dir_ / "ext3" / "ER_PRS_F_1.csv") + "not,a,row\n");
  EXPECT_EQ(sh("$BIN ingest strict.yaml --force", &out), 3) << out;
  ASSERT_EQ(sh("$BIN run job.yaml", &out), 0) << out;
  EXPECT_EQ(test::read_text(dir_ / "out" / "result.csv"), answer_);
  // The --force that succeeds replaces it: the answer is the other extract's, nothing is left
  // beside it.
  ASSERT_EQ(sh("$BIN ingest replace.yaml --force", &out), 0) << out;
  EXPECT_FALSE(fs::exists(dir_ / "store.new"));
  EXPECT_FALSE(fs::exists(dir_ / "store.old"));
  test::write_text(dir_ / "other_job.yaml",
                   "job: aggregate\nstore: other/\noutput: out2/\nsource: claim\n"
                   "group_by: [year]\nmeasures: [lines]\n");
  fs::remove_all(dir_ / "other");
  ASSERT_EQ(sh("$BIN ingest other.yaml && $BIN run other_job.yaml && $BIN run job.yaml", &out), 0)
      << out;
  EXPECT_EQ(test::read_text(dir_ / "out" / "result.csv"),
            test::read_text(dir_ / "out2" / "result.csv"));
  EXPECT_NE(test::read_text(dir_ / "out" / "result.csv"), answer_);
}

// Runs `command` with every file it writes limited to `kib` KiB (RLIMIT_FSIZE), SIGXFSZ ignored
// so that write() fails with EFBIG as it fails with ENOSPC on a full disk: the same code path.
std::string with_file_size_limit(int kib, const std::string& command) {
  return fmt::format("(trap '' XFSZ; ulimit -f {}; {})", kib * 2, command);  // 512-byte blocks
}

// Every .tmp left under `dir`: a half-written file.
std::vector<std::string> temp_files(const fs::path& dir) {
  std::vector<std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(dir))
    if (e.path().extension() == ".tmp") out.push_back(e.path().string());
  return out;
}

TEST_F(StoreProtection, FullDiskInTheStoreIsExitThreeNamingTheFolderAndResumes) {
  std::string out;
  EXPECT_EQ(sh(with_file_size_limit(8, "$BIN ingest ingest.yaml"), &out), 3) << out;
  EXPECT_NE(out.find("error: no space left in folder store/shards (writing shard_000"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("free space there and rerun the same command"), std::string::npos) << out;
  EXPECT_EQ(out.find("Segmentation"), std::string::npos) << out;
  EXPECT_FALSE(fs::exists(dir_ / "store" / "manifest.json"));
  EXPECT_EQ(temp_files(dir_ / "store"), std::vector<std::string>{});
  // With room again, the same command finishes the store; it answers as a store never short of
  // room does.
  ASSERT_EQ(sh("$BIN ingest ingest.yaml && $BIN run job.yaml", &out), 0) << out;
  const std::string answer = test::read_text(dir_ / "out" / "result.csv");
  test::write_text(dir_ / "fresh.yaml",
                   "store: fresh/\nshards: 3\ninputs: ext/\nmax_reject_ratio: 0.1\n");
  test::write_text(dir_ / "fresh_job.yaml",
                   "job: aggregate\nstore: fresh/\noutput: out2/\nsource: claim\n"
                   "group_by: [year]\nmeasures: [lines]\n");
  ASSERT_EQ(sh("$BIN ingest fresh.yaml && $BIN run fresh_job.yaml", &out), 0) << out;
  EXPECT_EQ(test::read_text(dir_ / "out2" / "result.csv"), answer);
}

TEST_F(StoreProtection, FullDiskInTheScratchFolderIsExitThreeNamingItAndResumes) {
  // A budget small enough for the shuffled rows to spill to scratch/ during the read, before
  // any shard is written.
  test::write_mini_extract(dir_ / "big", 300, 7);
  test::write_text(dir_ / "spill.yaml",
                   "store: store/\nshards: 12\ninputs: big/\nmax_reject_ratio: 0.1\n"
                   "memory_budget_mb: 0.1\nread_chunk_kb: 8\nscratch: scratch/\n");
  std::string out;
  EXPECT_EQ(sh(with_file_size_limit(16, "$BIN ingest spill.yaml --threads 1"), &out), 3) << out;
  EXPECT_NE(out.find("error: no space left in folder scratch"), std::string::npos) << out;
  EXPECT_NE(out.find("free space there and rerun the same command"), std::string::npos) << out;
  EXPECT_FALSE(fs::exists(dir_ / "store" / "manifest.json"));
  ASSERT_EQ(sh("$BIN ingest spill.yaml --threads 1 && $BIN run job.yaml", &out), 0) << out;
  EXPECT_NE(test::read_text(dir_ / "store" / "manifest.json").find("\"spilled_bytes\":"),
            std::string::npos);
  EXPECT_EQ(test::read_text(dir_ / "store" / "manifest.json").find("\"spilled_bytes\":0"),
            std::string::npos);
}

TEST_F(StoreProtection, FullDiskInTheJobOutputIsExitThreeAndLeavesNoManifest) {
  std::string out;
  ASSERT_EQ(sh("$BIN ingest ingest.yaml", &out), 0) << out;
  EXPECT_EQ(sh(with_file_size_limit(0, "$BIN run job.yaml"), &out), 3) << out;
  EXPECT_NE(out.find("error: no space left in folder out (writing "), std::string::npos) << out;
  EXPECT_FALSE(fs::exists(dir_ / "out" / "manifest.json"));
  EXPECT_EQ(temp_files(dir_ / "out"), std::vector<std::string>{});
  ASSERT_EQ(sh("$BIN run job.yaml", &out), 0) << out;
  EXPECT_TRUE(fs::exists(dir_ / "out" / "manifest.json"));
}

}  // namespace
}  // namespace snds
