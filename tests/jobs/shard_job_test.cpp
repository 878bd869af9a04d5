// The shard-job driver (jobs/shard_job.hpp) as a new job kind sees it: a job that counts patients
// by birth year is only its hooks (wanted columns, per-shard work, merge, finish), and the driver
// alone gives it the shard queue, the merge on rank 0, the output folder and a manifest.json,
// with the same answer at every rank and shard count.
#include "jobs/shard_job.hpp"

#include <algorithm>
#include <functional>
#include <map>
#include <memory>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "core/atomic_file.hpp"
#include "core/error.hpp"
#include "jobs/aggregate/aggregate_config.hpp"
#include "jobs/cohort/cohort_config.hpp"
#include "tests/core/aggregate/random_extract.hpp"
#include "tests/jobs/cohort/cohort_extract.hpp"
#include "tests/support/test_support.hpp"

namespace snds {
namespace {

namespace fs = std::filesystem;

// A birth year as the test job prints it: "unknown" when IR_BEN_R has none.
std::string year_label(int64_t year) {
  return year == kMissingInt ? "unknown" : std::to_string(year);
}

// The test job, as docs/architecture.md shows it: patients (IR_BEN_R rows: a twin is a patient)
// by birth year. `merged` is the caller's, filled on rank 0.
ShardJob births_job(const fs::path& output, std::map<int64_t, uint64_t>& merged) {
  ShardJob job;
  job.name = "births";  // manifest `job`, queue phase, log prefix
  job.config_file = "births.yaml";
  job.config = {{"job", "births"}};
  job.output = output;
  job.wanted = {{"IR_BEN_R", {"BEN_NAI_ANN"}}};
  job.work = [](ShardWork& shard, ByteWriter& out) {
    std::map<int64_t, uint64_t> counts;
    if (const Batch* ben = shard.data.find("IR_BEN_R")) {
      const Column& born = ben->at("BEN_NAI_ANN");
      std::vector<int64_t> years(born.size());
      widen_ints(born, 0, born.size(), years.data());  // stored narrow or not
      for (const int64_t y : years) ++counts[y];
    }
    out.put<uint64_t>(counts.size());
    for (const auto& [year, n] : counts) {
      out.put(year);
      out.put(n);
    }
  };
  job.merge = [&merged](ByteReader& in) {
    for (auto k = in.get<uint64_t>(); k > 0; --k) {
      const auto year = in.get<int64_t>();
      merged[year] += in.get<uint64_t>();
    }
  };
  job.finish = [&merged, output] {
    std::string csv = "birth_year;patients\n";
    for (const auto& [year, n] : merged) csv += fmt::format("{};{}\n", year_label(year), n);
    write_file_atomic(output / "births.csv", csv);
    return ShardJobOutputs{merged.size(),
                           {{"births.csv", {{"rows", merged.size()}}}},
                           fmt::format("{} birth years", merged.size())};
  };
  return job;
}

// The expected file, straight from the unsplit IR_BEN_R.
std::string births_by_brute_force(const test::RandomExtract& x) {
  std::map<int64_t, uint64_t> counts;
  const Column& born = x.shard.tables.at("IR_BEN_R").at("BEN_NAI_ANN");
  for (const int64_t y : born.ints) ++counts[y];
  std::string csv = "birth_year;patients\n";
  for (const auto& [year, n] : counts) csv += fmt::format("{};{}\n", year_label(year), n);
  return csv;
}

TEST(ShardJob, ANewJobIsOnlyItsHooksAndAnswersTheSameAtEveryRankAndShardCount) {
  const auto x = test::random_extract(17, 300);
  const std::string expected = births_by_brute_force(x);
  const uint64_t patients = x.shard.tables.at("IR_BEN_R").rows();
  ASSERT_GT(std::count(expected.begin(), expected.end(), '\n'), 30);  // many years, some unknown
  ASSERT_NE(expected.find("unknown;"), std::string::npos);
  for (const uint32_t shards : {1u, 5u, 7u}) {
    for (int ranks = 1; ranks <= 4; ++ranks) {
      SCOPED_TRACE(fmt::format("{} shards, {} ranks", shards, ranks));
      test::TempDir dir;
      const JobShardSource source = test::memory_source(x.shard, shards);
      run_in_process(ranks, [&](Communicator& comm) {
        std::map<int64_t, uint64_t> merged;  // each rank's own; rank 0's is filled
        run_shard_job(births_job(dir / "out", merged), comm, 1, source);
      });
      EXPECT_EQ(test::read_text(dir / "out" / "births.csv"), expected);
      // The manifest, written by the driver alone: shared fields, rows read, timed parts, outputs.
      const auto m = boost::json::parse(test::read_text(dir / "out" / "manifest.json")).as_object();
      EXPECT_EQ(m.at("job").as_string(), "births");
      EXPECT_EQ(m.at("ranks").as_int64(), ranks);
      EXPECT_EQ(m.at("rows_read").to_number<uint64_t>(), patients);
      EXPECT_EQ(m.at("rows_read_per_table").at("IR_BEN_R").to_number<uint64_t>(), patients);
      EXPECT_TRUE(m.at("shard_work_s").as_object().contains("read"));
      EXPECT_TRUE(m.at("shard_work_s").as_object().contains("births"));  // one part: the job's
      uint64_t handed_out = 0;
      for (const auto& n : m.at("shards_per_rank").as_array())
        handed_out += n.to_number<uint64_t>();
      EXPECT_EQ(handed_out, shards);
      EXPECT_EQ(m.at("outputs").at("births.csv").at("rows").to_number<uint64_t>(),
                static_cast<uint64_t>(std::count(expected.begin(), expected.end(), '\n') - 1));
    }
  }
}

TEST(ShardJob, AMergeThatLeavesBytesUnreadFailsEveryRankAndWritesNoManifest) {
  const auto x = test::random_extract(5, 60);
  test::TempDir dir;
  const JobShardSource source = test::memory_source(x.shard, 4);
  try {
    run_in_process(3, [&](Communicator& comm) {
      std::map<int64_t, uint64_t> merged;
      ShardJob job = births_job(dir / "out", merged);
      job.merge = [](ByteReader& in) { (void)in.get<uint64_t>(); };  // the count, not the years
      run_shard_job(job, comm, 1, source);
    });
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::kInternal);
  }
  EXPECT_FALSE(fs::exists(dir / "out" / "manifest.json"));
}

TEST(ShardJob, DeclaredWorkPartsAreTimedAndAnUndeclaredOneIsAnError) {
  const auto x = test::random_extract(9, 60);
  test::TempDir dir;
  const JobShardSource source = test::memory_source(x.shard, 3);
  run_in_process(2, [&](Communicator& comm) {
    std::map<int64_t, uint64_t> merged;
    ShardJob job = births_job(dir / "out", merged);
    job.work_parts = {"count", "encode"};
    auto count = job.work;
    job.work = [count](ShardWork& shard, ByteWriter& out) {
      shard.lap("count");
      count(shard, out);
    };
    run_shard_job(job, comm, 1, source);
  });
  const auto m = boost::json::parse(test::read_text(dir / "out" / "manifest.json")).as_object();
  const auto& parts = m.at("shard_work_s").as_object();
  EXPECT_EQ(parts.size(), 3u);  // read, count, encode: in that order
  EXPECT_EQ(parts.begin()->key(), "read");
  EXPECT_TRUE(parts.contains("count") && parts.contains("encode"));

  test::TempDir other;
  try {
    run_in_process(1, [&](Communicator& comm) {
      std::map<int64_t, uint64_t> merged;
      ShardJob job = births_job(other / "out", merged);
      job.work = [](ShardWork& shard, ByteWriter&) { shard.lap("undeclared"); };
      run_shard_job(job, comm, 1, source);
    });
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::kInternal);
  }
}

// The readers are called directly (tests, future callers); `run` dispatches on `job:` first.
TEST(StoreJobConfig, EveryJobRejectsAnotherJobsConfigWithTheSameSentence) {
  test::TempDir dir;
  auto message = [&](const std::string& job, const std::function<void(ConfigMap&)>& read) {
    test::write_text(dir / "c.yaml", "job: " + job + "\nstore: s/\noutput: o/\n");
    ConfigMap config = load_config((dir / "c.yaml").string());
    try {
      read(config);
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ExitCode::kUsage);
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  const std::string file = (dir / "c.yaml").string();
  EXPECT_EQ(message("cohort", [](ConfigMap& c) { read_aggregate_config(c); }),
            file + ":1: job: must be aggregate, got 'cohort'");
  EXPECT_EQ(message("aggregate", [](ConfigMap& c) { read_cohort_config(c); }),
            file + ":1: job: must be cohort, got 'aggregate'");
}

}  // namespace
}  // namespace snds
