// The whole aggregate pipeline (shard queue, per-shard partials, merge on rank 0, writers) on
// in-memory shards: the same result files for every rank, thread and shard count, typed
// result.h5, manifest.json as reference section 7 asks, outputs 0640.
#include "jobs/aggregate/aggregate_run.hpp"

#include <sys/stat.h>

#include <gtest/gtest.h>

#include "core/store/h5.hpp"
#include "tests/core/aggregate/random_extract.hpp"
#include "tests/support/test_support.hpp"

namespace snds {
namespace {

namespace fs = std::filesystem;

AggregateShardSource memory_source(const test::RandomExtract& x, uint32_t shards) {
  auto split = std::make_shared<std::vector<ShardData>>(test::split_by_patient(x.shard, shards));
  AggregateShardSource s;
  s.shards = shards;
  s.load_shard = [split](uint32_t shard, const WantedTables& wanted) {
    ShardData out;
    out.shard = shard;
    for (const auto& [name, batch] : (*split)[shard].tables) {
      // Keep what the reader would give: wanted tables (by instance or pattern), wanted columns.
      const auto t = parse_table_name(name);
      if (!t) continue;
      auto it = wanted.find(table_kind_name(t->kind));
      if (it == wanted.end()) continue;
      Batch b;
      for (const auto& c : it->second) {
        // "?NAME": read when present (WantedTables), as the store reader does.
        const bool optional = c.starts_with(kOptionalColumnMark);
        const std::string bare = optional ? c.substr(1) : c;
        if (optional && batch.find(bare) < 0) continue;
        b.columns.push_back(batch.at(bare));
      }
      out.tables[name] = std::move(b);
    }
    return out;
  };
  auto ref = std::make_shared<Batch>(x.referential);
  s.load_referential = [ref](bool) { return DrugReferential(*ref); };
  s.store = {{"path", "memory"}, {"identity", "test"}, {"shards", shards}};
  return s;
}

AggregateJobConfig config_for(const fs::path& out, ExtractorKind source) {
  AggregateJobConfig c;
  c.config_file = "test.yaml";
  c.store = "memory";
  c.output = out.string();
  c.spec.source = source;
  c.spec.min_patients = 3;
  if (source == ExtractorKind::kDispensing) {
    c.spec.group_by = {Dimension::kAtc3, Dimension::kYear, Dimension::kSex, Dimension::kAgeBand};
    c.spec.measures = {Measure::kBoxes, Measure::kLines, Measure::kPatients};
    c.spec.period_start = days_from_civil(2019, 1, 1);
    c.spec.period_end = days_from_civil(2021, 12, 31);
  } else {
    c.spec.group_by = {Dimension::kDp, Dimension::kMonth};
    c.spec.measures = {Measure::kLines, Measure::kDays};
  }
  return c;
}

void run(const AggregateJobConfig& c, const test::RandomExtract& x, int ranks, int threads,
         uint32_t shards) {
  const AggregateShardSource source = memory_source(x, shards);
  run_in_process(ranks, [&](Communicator& comm) { run_aggregate(c, comm, threads, source); });
}

std::string bytes_of(const fs::path& p) {
  return test::read_text(p);
}

TEST(AggregateRun, ResultFilesAreByteIdenticalForEveryRankThreadAndShardCount) {
  const auto x = test::random_extract(21, 400);
  for (const auto source : {ExtractorKind::kDispensing, ExtractorKind::kHospitalStay}) {
    test::TempDir dir;
    const auto reference = config_for(dir / "ref", source);
    run(reference, x, 1, 1, 1);
    const std::string csv = bytes_of(dir / "ref" / "result.csv");
    const std::string h5 = bytes_of(dir / "ref" / "result.h5");
    ASSERT_GT(std::count(csv.begin(), csv.end(), '\n'), 10);
    ASSERT_NE(csv.find(",1\n"), std::string::npos) << "some row should be suppressed";
    for (int ranks : {1, 2, 3, 4})
      for (int threads : {1, 2})
        for (uint32_t shards : {1u, 7u, 64u}) {
          const fs::path out = dir / fmt::format("np{}_t{}_s{}", ranks, threads, shards);
          run(config_for(out, source), x, ranks, threads, shards);
          EXPECT_EQ(bytes_of(out / "result.csv"), csv) << out;
          EXPECT_EQ(bytes_of(out / "result.h5"), h5) << out;
        }
  }
}

// Secondary suppression chooses among cells of equal cost by their place in the sorted output,
// never by arrival order: the masking, and so every published file, is the same for any split.
TEST(AggregateRun, SecondarySuppressionIsTheSameForEveryRankThreadAndShardCount) {
  const auto x = test::random_extract(33, 400);
  auto config = [](const fs::path& out) {
    AggregateJobConfig c = config_for(out, ExtractorKind::kDispensing);
    c.spec.group_by = {Dimension::kAtc2, Dimension::kAtc3, Dimension::kYear, Dimension::kSex};
    c.spec.measures = {Measure::kBoxes, Measure::kPatients};
    c.spec.totals = true;
    c.spec.secondary = true;
    c.spec.min_patients = 6;
    return c;
  };
  test::TempDir dir;
  run(config(dir / "ref"), x, 1, 1, 1);
  const std::string csv = bytes_of(dir / "ref" / "result.csv");
  const std::string h5 = bytes_of(dir / "ref" / "result.h5");
  const std::string audit = bytes_of(dir / "ref" / "disclosure_audit.json");
  ASSERT_NE(csv.find(",1\n"), std::string::npos) << "some row should be masked (primary)";
  ASSERT_NE(csv.find(",2\n"), std::string::npos) << "some row should be masked (secondary)";
  ASSERT_NE(csv.find("ALL"), std::string::npos) << "margin rows expected";
  for (int ranks : {1, 2, 3, 4})
    for (int threads : {1, 2, 4})
      for (uint32_t shards : {1u, 3u, 7u}) {
        const fs::path out = dir / fmt::format("np{}_t{}_s{}", ranks, threads, shards);
        run(config(out), x, ranks, threads, shards);
        EXPECT_EQ(bytes_of(out / "result.csv"), csv) << out;
        EXPECT_EQ(bytes_of(out / "result.h5"), h5) << out;
        EXPECT_EQ(bytes_of(out / "disclosure_audit.json"), audit) << out;
      }
}

TEST(AggregateRun, ManifestRecordsConfigVersionStoreTimesRowsRanksAndThreads) {
  const auto x = test::random_extract(5, 100);
  test::TempDir dir;
  run(config_for(dir / "out", ExtractorKind::kDispensing), x, 2, 2, 7);
  const auto m = boost::json::parse(test::read_text(dir / "out" / "manifest.json")).as_object();
  EXPECT_EQ(m.at("job").as_string(), "aggregate");
  EXPECT_TRUE(m.at("program").as_object().contains("version"));
  EXPECT_EQ(m.at("config").at("source").as_string(), "dispensing");
  EXPECT_EQ(m.at("config").at("disclosure").at("min_patients").as_int64(), 3);
  EXPECT_EQ(m.at("config").at("period").at("end").as_string(), "2021-12-31");
  EXPECT_EQ(m.at("store").at("identity").as_string(), "test");
  EXPECT_EQ(m.at("ranks").as_int64(), 2);
  EXPECT_EQ(m.at("threads").as_int64(), 2);
  EXPECT_GT(m.at("rows_read").to_number<uint64_t>(), 100u);
  EXPECT_GT(m.at("rows_read_per_table").at("ER_PHA_F").to_number<uint64_t>(), 0u);
  EXPECT_FALSE(
      m.at("rows_read_per_table").as_object().contains("ER_PRS_F"));  // needed columns only
  const auto& phases = m.at("phases").as_array();
  ASSERT_EQ(phases.size(), 3u);
  EXPECT_EQ(phases[1].at("name").as_string(), "shards");
  EXPECT_TRUE(phases[1].as_object().contains("wall_s"));
  for (const char* f : {"result.csv", "result.h5", "manifest.json"}) {
    struct stat st {};
    ASSERT_EQ(::stat((dir / "out" / f).c_str(), &st), 0) << f;
    EXPECT_EQ(st.st_mode & 0777, 0640u) << f;
    EXPECT_FALSE(fs::exists(dir / "out" / (std::string(f) + ".tmp"))) << f;
  }
}

TEST(AggregateRun, ResultH5HoldsTheSameTableTyped) {
  const auto x = test::random_extract(9, 200);
  test::TempDir dir;
  const auto c = config_for(dir / "out", ExtractorKind::kDispensing);
  run(c, x, 1, 1, 3);
  const std::string csv = test::read_text(dir / "out" / "result.csv");
  const auto lines = std::count(csv.begin(), csv.end(), '\n') - 1;

  h5::init();
  h5::Lock lock(h5::mutex());
  h5::File f(H5Fopen((dir / "out" / "result.h5").c_str(), H5F_ACC_RDONLY, H5P_DEFAULT));
  ASSERT_TRUE(f.valid());
  EXPECT_EQ(
      h5::read_string_list_attribute(H5Gopen2(f.get(), "result", H5P_DEFAULT), "columns", "t"),
      (std::vector<std::string>{"atc3", "year", "sex", "age_band", "boxes", "lines", "patients",
                                "suppressed"}));
  auto read_doubles = [&](const char* name) {
    h5::Dataset d(H5Dopen2(f.get(), (std::string("result/") + name).c_str(), H5P_DEFAULT));
    h5::Dataspace s(H5Dget_space(d.get()));
    std::vector<double> v(static_cast<size_t>(H5Sget_simple_extent_npoints(s.get())));
    H5Dread(d.get(), H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data());
    return v;
  };
  const auto lines_col = read_doubles("lines");
  const auto years = read_doubles("year");  // int64 on disk, read converted
  const auto supp = read_doubles("suppressed");
  ASSERT_EQ(static_cast<long>(lines_col.size()), lines);
  // The first data row of the CSV, field by field.
  const std::string first =
      csv.substr(csv.find('\n') + 1, csv.find('\n', csv.find('\n') + 1) - csv.find('\n') - 1);
  std::vector<std::string> fields;
  for (size_t at = 0;;) {
    const auto comma = first.find(',', at);
    fields.push_back(first.substr(at, comma - at));
    if (comma == std::string::npos) break;
    at = comma + 1;
  }
  ASSERT_EQ(fields.size(), 8u);
  EXPECT_EQ(std::to_string(static_cast<int>(years[0])), fields[1]);
  if (fields[7] == "1") {
    EXPECT_TRUE(std::isnan(lines_col[0]));
    EXPECT_EQ(supp[0], 1.0);
  } else {
    EXPECT_EQ(std::to_string(static_cast<int64_t>(lines_col[0])), fields[5]);
  }
  bool masked = false;
  for (size_t i = 0; i < supp.size(); ++i)
    masked = masked || (supp[i] == 1.0 && std::isnan(lines_col[i]));
  EXPECT_TRUE(masked);
}

TEST(AggregateRun, AFailingShardFailsEveryRankWithTheSameCodeAndLeavesNoManifest) {
  const auto x = test::random_extract(3, 50);
  test::TempDir dir;
  auto source = memory_source(x, 8);
  auto inner = source.load_shard;
  source.load_shard = [inner](uint32_t shard, const WantedTables& w) {
    if (shard == 5) throw data_error("shard 5 is corrupt");
    return inner(shard, w);
  };
  const auto c = config_for(dir / "out", ExtractorKind::kDispensing);
  try {
    run_in_process(3, [&](Communicator& comm) { run_aggregate(c, comm, 1, source); });
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::kData);
  }
  EXPECT_FALSE(fs::exists(dir / "out" / "manifest.json"));
}

}  // namespace
}  // namespace snds
