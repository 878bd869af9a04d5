// Ingest, end to end in one process (ranks as threads): nothing is lost, the counts reconcile,
// and the store's content is the same whatever the rank, thread and shard counts and the memory
// budget.
#include <gtest/gtest.h>

#include <algorithm>

#include <boost/json.hpp>

#include "core/atomic_file.hpp"
#include "core/error.hpp"
#include "core/store/shard_format.hpp"
#include "jobs/commands.hpp"
#include "jobs/config_keys.hpp"
#include "jobs/ingest/ingest_config.hpp"
#include "jobs/ingest/ingest_run.hpp"
#include "runtime/communicator.hpp"
#include "tests/support/mini_extract.hpp"
#include "tests/support/store_dump.hpp"
#include "tests/support/test_support.hpp"

namespace snds {
namespace fs = std::filesystem;

namespace {

IngestConfig config_for(const fs::path& yaml) {
  ConfigMap m = load_config(yaml.string());
  return read_ingest_config(m);
}

void ingest(const fs::path& yaml, int ranks, int threads, bool force = false) {
  const IngestConfig c = config_for(yaml);
  run_in_process(ranks, [&](Communicator& comm) {
    CommandContext ctx{comm, threads};
    run_ingest(c, ctx, force);
  });
}

boost::json::object manifest(const fs::path& store) {
  return boost::json::parse(read_file(store / "manifest.json")).as_object();
}

class IngestFixture : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new test::TempDir("ingest");
    counts_ = test::write_mini_extract(dir_->path() / "in", 400, 7);
    test::write_ingest_config(dir_->path() / "ref.yaml", dir_->path() / "in", dir_->path() / "ref",
                              5);
    ingest(dir_->path() / "ref.yaml", 1, 1);
    reference_ = test::dump_store(dir_->path() / "ref");
  }
  static void TearDownTestSuite() { delete dir_; }
  static test::TempDir* dir_;
  static std::map<std::string, test::MiniCounts> counts_;
  static std::string reference_;
};
test::TempDir* IngestFixture::dir_ = nullptr;
std::map<std::string, test::MiniCounts> IngestFixture::counts_;
std::string IngestFixture::reference_;

}  // namespace

TEST_F(IngestFixture, EveryRowIsStoredRejectedOrAnOrphanAndTheCountsReconcile) {
  const auto m = manifest(dir_->path() / "ref");
  const auto& tables = m.at("tables").as_object();
  ASSERT_EQ(tables.size(), counts_.size());
  for (const auto& [name, c] : counts_) {
    SCOPED_TRACE(name);
    const auto& t = tables.at(name).as_object();
    EXPECT_EQ(t.at("read").to_number<uint64_t>(), c.written);
    EXPECT_EQ(t.at("rejected").to_number<uint64_t>(), c.rejected);
    EXPECT_EQ(t.at("rows").to_number<uint64_t>(), c.written - c.rejected);
    if (t.if_contains("orphans")) {
      EXPECT_EQ(t.at("orphans").to_number<uint64_t>(), c.orphans);
    }
  }
  // The reject file lists each rejected row with its file, line and reason.
  const std::string rejects = test::read_text(dir_->path() / "ref" / "rejects.csv");
  uint64_t expected = 0;
  for (auto& [n, c] : counts_) expected += c.rejected;
  EXPECT_EQ(static_cast<uint64_t>(std::count(rejects.begin(), rejects.end(), '\n')), expected + 1);
  EXPECT_NE(rejects.find("ER_PRS_F_1.csv,"), std::string::npos);
  EXPECT_NE(rejects.find("fields, expected"), std::string::npos);
  EXPECT_NE(rejects.find("column PHA_ACT_QSN"), std::string::npos);
}

TEST_F(IngestFixture, ContentIsTheSameForAnyRankThreadAndShardCount) {
  struct Layout {
    int ranks, threads, shards;
    std::string extra;
  };
  const std::vector<Layout> layouts = {{2, 1, 5, ""},
                                       {3, 2, 1, ""},
                                       {4, 1, 7, "read_chunk_kb: 4\n"},
                                       {2, 2, 64, "read_chunk_kb: 1\n"}};
  for (const auto& l : layouts) {
    SCOPED_TRACE(
        fmt::format("{} ranks, {} threads, {} shards {}", l.ranks, l.threads, l.shards, l.extra));
    const fs::path yaml =
        dir_->path() / fmt::format("l{}_{}_{}.yaml", l.ranks, l.threads, l.shards);
    const fs::path store = dir_->path() / fmt::format("s{}_{}_{}", l.ranks, l.threads, l.shards);
    test::write_ingest_config(yaml, dir_->path() / "in", store, l.shards, l.extra);
    ingest(yaml, l.ranks, l.threads);
    EXPECT_EQ(test::dump_store(store), reference_);
  }
}

TEST_F(IngestFixture, SameShardCountGivesTheSameShardsWhateverTheRanks) {
  const fs::path yaml = dir_->path() / "same.yaml";
  test::write_ingest_config(yaml, dir_->path() / "in", dir_->path() / "same", 5);
  ingest(yaml, 3, 2);
  EXPECT_EQ(test::dump_store(dir_->path() / "same", true),
            test::dump_store(dir_->path() / "ref", true));
}

TEST_F(IngestFixture, TheManifestRecordsTheBudgetTheIngestRanWith) {
  const fs::path yaml = dir_->path() / "budget.yaml";
  test::write_ingest_config(yaml, dir_->path() / "in", dir_->path() / "budget", 5);
  ingest(yaml, 2, 2);
  const auto m = manifest(dir_->path() / "budget");
  EXPECT_EQ(m.at("memory").at("memory_budget_mb").to_number<double>(), 2048);
  EXPECT_EQ(test::dump_store(dir_->path() / "budget"), reference_);
}

TEST_F(IngestFixture, ABudgetFarBelowTheDataSpillsAndGivesTheSameStore) {
  const fs::path yaml = dir_->path() / "small.yaml";
  test::write_ingest_config(yaml, dir_->path() / "in", dir_->path() / "small", 64,
                            fmt::format("memory_budget_mb: 0.1\nread_chunk_kb: 8\nscratch: {}\n",
                                        (dir_->path() / "spill").string()));
  ingest(yaml, 2, 1);
  EXPECT_EQ(test::dump_store(dir_->path() / "small"), reference_);
  const auto m = manifest(dir_->path() / "small");
  EXPECT_GT(m.at("memory").at("spilled_bytes").to_number<uint64_t>(), 0u);
  // The peak RSS of each rank against the budget, what an operator sizes a job's memory on.
  EXPECT_EQ(m.at("memory").at("peak_rss_mb_per_rank").as_array().size(), 2u);
  EXPECT_GT(m.at("memory").at("peak_rss_to_budget").to_number<double>(), 1.0);  // 0.1 MB budget
}

TEST(IngestMemory, TheShuffleGetsTheBudgetLessTheReadBuffersWhatTheRankHoldsAndAnEighth) {
  constexpr uint64_t kMb = uint64_t{1} << 20;
  // The default budget at 2 threads: 296 MB of read buffers, 118 MB held before the read, and
  // an eighth (256 MB) left to the allocator's slack and HDF5's buffers, which no count sees.
  EXPECT_EQ(shuffle_budget(2048 * kMb, 296 * kMb, 118 * kMb), 1378 * kMb);
  EXPECT_EQ(shuffle_budget(1024 * kMb, 148 * kMb, 110 * kMb), 638 * kMb);
  // A budget the process already fills is not honoured by spilling everything: a quarter of
  // what the read buffers leave (the ingest warns that the peak will exceed it).
  EXPECT_EQ(shuffle_budget(96 * kMb, 16 * kMb, 90 * kMb), 20 * kMb);
  EXPECT_EQ(shuffle_budget(96 * kMb, 16 * kMb, 48 * kMb), 20 * kMb);
  EXPECT_EQ(shuffle_budget(96 * kMb, 16 * kMb, 47 * kMb), 21 * kMb);
}

TEST_F(IngestFixture, InputsTooLargeForTheirShardsAreRefusedBeforeTheReadNamingBothSettings) {
  // 1 shard and a 0.1 MB budget for about 1 MB of CSV: the sizes alone tell it cannot fit.
  const fs::path yaml = dir_->path() / "tiny.yaml";
  test::write_ingest_config(yaml, dir_->path() / "in", dir_->path() / "tiny", 1,
                            "memory_budget_mb: 0.1\nread_chunk_kb: 8\n");
  try {
    ingest(yaml, 1, 1);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::kUsage);
    const std::string what = e.what();
    EXPECT_NE(what.find("memory_budget_mb"), std::string::npos) << what;
    EXPECT_NE(what.find("raise shards"), std::string::npos) << what;
  }
  EXPECT_FALSE(fs::exists(dir_->path() / "tiny" / "manifest.json"));
}

TEST_F(IngestFixture, AShardLargerThanTheBudgetFailsBeforeAnyShardIsWritten) {
  // A budget above half the CSV per shard passes the check on input sizes, yet below the
  // shard's typed rows (about 2.5x their CSV): the write phase refuses before its first shard.
  uint64_t csv = 0;
  for (const auto& f : fs::directory_iterator(dir_->path() / "in"))
    if (f.is_regular_file()) csv += f.file_size();
  const double budget_mb = 0.75 * static_cast<double>(csv) / (1 << 20);
  const fs::path yaml = dir_->path() / "one_shard.yaml";
  test::write_ingest_config(yaml, dir_->path() / "in", dir_->path() / "one_shard", 1,
                            fmt::format("memory_budget_mb: {}\nread_chunk_kb: 8\nscratch: {}\n",
                                        budget_mb, (dir_->path() / "spill1").string()));
  try {
    ingest(yaml, 1, 1);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::kData);
    const std::string what = e.what();
    EXPECT_NE(what.find("shard 0 holds"), std::string::npos) << what;
    EXPECT_NE(what.find("memory_budget_mb"), std::string::npos) << what;
  }
  size_t written = 0;
  for (const auto& f : fs::recursive_directory_iterator(dir_->path()))
    if (f.path().extension() == ".h5" && f.path().string().find("one_shard") != std::string::npos)
      ++written;
  EXPECT_EQ(written, 0u);
}

TEST_F(IngestFixture, ACompleteStoreIsRefusedUnlessForced) {
  try {
    ingest(dir_->path() / "ref.yaml", 1, 1);
    FAIL() << "expected a usage error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::kUsage);
    EXPECT_NE(std::string(e.what()).find("--force"), std::string::npos);
  }
  ingest(dir_->path() / "ref.yaml", 2, 1, true);
  EXPECT_EQ(test::dump_store(dir_->path() / "ref"), reference_);
}

TEST(Ingest, RejectsOverTheRatioFailWithExitCode3AndTheRejectFile) {
  test::TempDir dir;
  test::write_text(
      dir / "in" / "IR_BEN_R.csv",
      "BEN_NIR_PSA;BEN_RNG_GEM;BEN_SEX_COD;BEN_NAI_ANN;BEN_NAI_MOI;BEN_RES_DPT;BEN_DCD_DTE\n"
      "A;1;1;1950;1;075;\nB;x;1;1950;1;075;\n");
  test::write_ingest_config(dir / "c.yaml", dir / "in", dir / "store", 2);
  try {
    ingest(dir / "c.yaml", 2, 1);
    FAIL() << "expected a data error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::kData);
    EXPECT_NE(std::string(e.what()).find("IR_BEN_R: 1 of 2 rows rejected"), std::string::npos)
        << e.what();
    EXPECT_NE(std::string(e.what()).find("max_reject_ratio"), std::string::npos);
  }
  const std::string rejects = test::read_text(dir / "store" / "rejects.csv");
  EXPECT_NE(rejects.find("IR_BEN_R.csv,3,column BEN_RNG_GEM: "), std::string::npos) << rejects;
  EXPECT_FALSE(fs::exists(dir / "store" / "manifest.json"));
}

// The default budget follows the cores (1024 MB per thread of the rank, as --mem-per-cpu): one
// rank of two threads holds what two ranks of one thread hold together. A budget the config sets
// is kept whatever the thread count, and the ingest's manifest records the budget it ran with.
TEST(IngestConfig, TheDefaultMemoryBudgetIs1024MbPerThreadOfTheRank) {
  test::TempDir dir("ingest-config");
  auto budget = [&](const std::string& extra, int threads) {
    const fs::path yaml = dir.path() / "c.yaml";
    write_file_atomic(yaml, "store: s/\nshards: 2\ninputs: in/\n" + extra);
    IngestConfig c = config_for(yaml);
    resolve_memory_budget(c, threads);
    return c.memory_budget_mb;
  };
  EXPECT_EQ(budget("", 1), 1024);
  EXPECT_EQ(budget("", 2), 2048);
  EXPECT_EQ(budget("", 8), 8192);
  EXPECT_EQ(budget("", 0), 1024);  // no --threads: one thread
  EXPECT_EQ(budget("memory_budget_mb: 300\n", 1), 300);
  EXPECT_EQ(budget("memory_budget_mb: 300\n", 4), 300);
}

// lz4 by default (docs/ingest.md, "Compression"); zstd and deflate keep their levels; an unknown
// codec is a config error naming the key.
TEST(IngestConfig, CompressionDefaultsToLz4AndTakesALevelOnlyWhereItHasOne) {
  test::TempDir dir("ingest-config");
  auto config = [&](const std::string& extra) {
    const fs::path yaml = dir.path() / "c.yaml";
    write_file_atomic(yaml, "store: s/\nshards: 2\ninputs: in/\n" + extra);
    return config_for(yaml);
  };
  EXPECT_EQ(config("").compression, "lz4");
  EXPECT_EQ(config("").compression_level, 0);
  EXPECT_EQ(config("compression: lz4\ncompression_level: 5\n").compression_level, 0);
  EXPECT_EQ(config("compression: zstd\n").compression_level, 1);
  EXPECT_EQ(config("compression: zstd\ncompression_level: 3\n").compression_level, 3);
  EXPECT_EQ(config("compression: deflate\n").compression_level, 1);
  try {
    config("compression: brotli\n");
    FAIL() << "brotli accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("compression"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find(compression_choices()), std::string::npos) << e.what();
  }
  // The registry's range (reference section 4) is the store's list of names, in its order.
  std::string names;
  for (const auto& [compression, name] : kCompressionNames)
    names += (names.empty() ? "" : ", ") + std::string(name);
  const auto keys = ingest_keys();
  const auto key = std::find_if(keys.begin(), keys.end(),
                                [](const KeySpec& k) { return k.key == "compression"; });
  ASSERT_NE(key, keys.end());
  EXPECT_EQ(key->range, names);
}

TEST(Ingest, AFolderThatIsNotAStoreIsNeverOverwritten) {
  test::TempDir dir;
  test::write_text(dir / "in" / "IR_PHA_R.csv", "PHA_CIP_C13;PHA_ATC_C07\n1;A\n");
  test::write_text(
      dir / "in" / "IR_BEN_R.csv",
      "BEN_NIR_PSA;BEN_RNG_GEM;BEN_SEX_COD;BEN_NAI_ANN;BEN_NAI_MOI;BEN_RES_DPT;BEN_DCD_DTE\n");
  test::write_text(dir / "precious" / "thesis.tex", "...");
  test::write_ingest_config(dir / "c.yaml", dir / "in", dir / "precious", 2);
  EXPECT_THROW(ingest(dir / "c.yaml", 1, 1), Error);
  EXPECT_TRUE(fs::exists(dir / "precious" / "thesis.tex"));
}

TEST(Ingest, AMissingRequiredColumnNamesTheFileAndColumn) {
  test::TempDir dir;
  test::write_text(dir / "in" / "IR_BEN_R.csv", "BEN_NIR_PSA;BEN_RNG_GEM\n1;2\n");
  test::write_ingest_config(dir / "c.yaml", dir / "in", dir / "store", 2);
  try {
    ingest(dir / "c.yaml", 1, 1);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::kData);
    EXPECT_NE(std::string(e.what()).find("IR_BEN_R.csv lacks BEN_SEX_COD, BEN_NAI_ANN"),
              std::string::npos)
        << e.what();
  }
}

}  // namespace snds
