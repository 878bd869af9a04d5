// Restart, through the real binary: a rank killed part-way (SIGKILL) or a stop signal (exit 75)
// leaves a resumable store; rerunning the same command, with any rank count, completes it with
// the content of an uninterrupted ingest (persons included: the person round runs again).
#include <gtest/gtest.h>

#include "core/error.hpp"
#include "jobs/ingest/ingest_config.hpp"
#include "jobs/ingest/ingest_run.hpp"
#include "runtime/communicator.hpp"
#include "tests/support/mini_extract.hpp"
#include "tests/support/store_dump.hpp"
#include "tests/support/test_support.hpp"

namespace snds {
namespace fs = std::filesystem;

namespace {

std::string reference_dump(const test::TempDir& dir) {
  test::write_ingest_config(dir / "ref.yaml", dir / "in", dir / "ref", 6);
  ConfigMap m = load_config((dir / "ref.yaml").string());
  const IngestConfig c = read_ingest_config(m);
  run_in_process(1, [&](Communicator& comm) {
    CommandContext ctx{comm, 1};
    run_ingest(c, ctx, false);
  });
  return test::dump_store(dir / "ref");
}

}  // namespace

TEST(IngestRestart, AKilledRankLeavesAStoreThatTheRerunCompletes) {
  test::TempDir dir("restart");
  test::write_mini_extract(dir / "in", 300, 11);
  const std::string reference = reference_dump(dir);
  test::write_ingest_config(dir / "c.yaml", dir / "in", dir / "store", 6);
  std::string out;
  const int killed =
      test::run_command("SNDS_FAULT=kill_after_shard=2 mpirun -n 2 " + test::snds_bin() +
                            " ingest " + (dir / "c.yaml").string(),
                        &out);
  EXPECT_NE(killed, 0) << out;
  EXPECT_FALSE(fs::exists(dir / "store" / "manifest.json"));
  EXPECT_TRUE(fs::exists(dir / "store" / "shards" / "shard_00000.h5"));
  ASSERT_EQ(test::run_command(
                "mpirun -n 3 " + test::snds_bin() + " ingest " + (dir / "c.yaml").string(), &out),
            0)
      << out;
  EXPECT_NE(out.find("resuming"), std::string::npos) << out;
  EXPECT_EQ(test::dump_store(dir / "store"), reference);
}

TEST(IngestRestart, AStopSignalExits75AndTheRerunResumes) {
  test::TempDir dir("stop");
  test::write_mini_extract(dir / "in", 300, 12);
  const std::string reference = reference_dump(dir);
  test::write_ingest_config(dir / "c.yaml", dir / "in", dir / "store", 6);
  std::string out;
  EXPECT_EQ(test::run_command("SNDS_FAULT=stop_after_shard=1 " + test::snds_bin() + " ingest " +
                                  (dir / "c.yaml").string(),
                              &out),
            75)
      << out;
  EXPECT_NE(out.find("rerun the same command to resume"), std::string::npos) << out;
  EXPECT_FALSE(fs::exists(dir / "store" / "manifest.json"));
  // Resubmitted with other operational settings (budget, scratch): still a resume.
  test::write_ingest_config(dir / "c2.yaml", dir / "in", dir / "store", 6,
                            "memory_budget_mb: 512\nscratch: " + (dir / "spill").string() + "\n");
  ASSERT_EQ(test::run_command(test::snds_bin() + " ingest " + (dir / "c2.yaml").string(), &out), 0)
      << out;
  EXPECT_NE(out.find("resuming"), std::string::npos) << out;
  EXPECT_EQ(test::dump_store(dir / "store"), reference);
  // Complete now: a third run is refused, as any complete store is.
  EXPECT_EQ(test::run_command(test::snds_bin() + " ingest " + (dir / "c.yaml").string(), &out), 2)
      << out;
}

TEST(IngestRestart, AStoreShardedByPersonResumesAtAnotherRankCountWithTheSamePersons) {
  test::TempDir dir("restart-persons");
  std::string out;
  ASSERT_EQ(test::run_command(test::snds_bin() + " generate --patients 400 --seed 3 --quirks " +
                                  "persons=0.2,placeholder_nir=0.05 --out " + (dir / "in").string(),
                              &out),
            0)
      << out;
  const std::string reference = reference_dump(dir);
  ASSERT_NE(reference.find("_person"), std::string::npos);  // some person has two pseudo-NIRs
  test::write_ingest_config(dir / "c.yaml", dir / "in", dir / "store", 6);
  EXPECT_NE(test::run_command("SNDS_FAULT=kill_after_shard=2 mpirun -n 2 " + test::snds_bin() +
                                  " ingest " + (dir / "c.yaml").string(),
                              &out),
            0)
      << out;
  EXPECT_FALSE(fs::exists(dir / "store" / "manifest.json"));
  ASSERT_EQ(test::run_command(
                "mpirun -n 3 " + test::snds_bin() + " ingest " + (dir / "c.yaml").string(), &out),
            0)
      << out;
  EXPECT_NE(out.find("resuming"), std::string::npos) << out;
  EXPECT_EQ(test::dump_store(dir / "store"), reference);
}

}  // namespace snds
