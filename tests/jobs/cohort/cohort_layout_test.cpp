// The cohort job on generated extracts: the same bytes for every rank, thread and shard count, the
// same answer as a brute-force reading of reference sections 3 and 6 on the raw rows, and the same
// outputs through the real entry point on a store on disk.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include "core/cohort/baseline.hpp"
#include "core/cohort/cohort_output.hpp"
#include "core/cohort/incidence.hpp"
#include "jobs/cohort/cohort_run.hpp"
#include "jobs/job_entry.hpp"
#include "runtime/communicator.hpp"
#include "tests/jobs/cohort/cohort_extract.hpp"
#include "tests/support/test_support.hpp"

namespace snds {
namespace {

constexpr const char* kStudy = R"(study: {start: 2020-01-01, end: 2022-06-30}
events:
  statin:  {source: dispensing, atc: [C10AA]}
  metformin: {source: dispensing, cip13: ["3400930000003"]}
  mi_any:  {source: hospital_stay, icd10: [I21, I22], positions: [DP, DR, DAS]}
  mi_main: {source: hospital_stay, icd10: [I21, I22], positions: [DP]}
  gp: {source: claim, nature: [1111]}
index: {event: statin, washout_days: 180}
criteria:
  - {name: adult40, age_at_index: {min: 40, max: 85}}
  - {name: no_prior_mi, exclude_event: mi_any, window_days: [-365, -1]}
  - {name: no_metformin, exclude_event: metformin, window_days: [-200, 30]}
  - {name: seen_by_gp, require_event: gp, window_days: [-180, 180]}
  - {name: alive_at_index, exclude_dead_before_index: true}
outcome: {event: mi_main}
)";

struct Outputs {
  std::string cohort, attrition, h5;
  bool operator==(const Outputs&) const = default;
};

CohortJobConfig config_for(const std::filesystem::path& dir, const std::string& store) {
  test::write_text(dir / "cohort.yaml", fmt::format("job: cohort\nstore: {}\noutput: {}\n{}", store,
                                                    (dir / "out").string(), kStudy));
  ConfigMap config = load_config((dir / "cohort.yaml").string());
  return read_cohort_config(config);
}

Outputs read_outputs(const std::filesystem::path& out) {
  return {test::read_text(out / "cohort.csv"), test::read_text(out / "attrition.csv"),
          test::read_text(out / "cohort.h5")};
}

std::string expected_attrition(const CohortSpec& spec, const CohortPartial& p) {
  return attrition_csv(spec.step_names(), p.attrition);
}

TEST(CohortJobLayouts, EveryRankThreadAndShardCountWritesTheSameBytesAsTheReference) {
  const ShardData extract = test::random_extract(11, 500);
  test::TempDir dir("cohort-layout");
  const CohortJobConfig config = config_for(dir.path(), "unused");

  // The reference: raw rows -> events by brute force -> rules by brute force.
  const test::CohortWorld world = test::world_from_raw(extract);
  CohortPartial expected = test::reference(config.spec, world);
  expected.sort_rows();
  const std::string expected_cohort = cohort_csv(expected.rows);
  const std::string expected_steps = expected_attrition(config.spec, expected);
  ASSERT_GT(expected.rows.size(), 20u)
      << "the generated extract must exercise the rules: " << expected_steps;
  ASSERT_LT(expected.rows.size(), expected.attrition[0]) << "and the criteria must exclude some";

  Outputs first;
  bool have_first = false;
  for (uint32_t shards : {1u, 7u, 64u}) {
    const CohortShardSource source = test::memory_source(extract, shards);
    for (int ranks : {1, 2, 3, 4}) {
      for (int threads : {1, 2}) {
        SCOPED_TRACE(fmt::format("{} shards, {} ranks, {} threads", shards, ranks, threads));
        std::filesystem::remove_all(dir / "out");
        run_in_process(ranks,
                       [&](Communicator& comm) { run_cohort(config, comm, threads, source); });
        const Outputs got = read_outputs(dir / "out");
        EXPECT_EQ(got.cohort, expected_cohort);
        EXPECT_EQ(got.attrition, expected_steps);
        if (!have_first) {
          first = got;
          have_first = true;
        }
        EXPECT_TRUE(got == first) << "outputs differ from the first layout's";
      }
    }
  }
}

// Every study design at once: exposure by pack size, as-treated follow-up with censoring and
// loss, three outcome forms with a clean window, incidence, baseline and index codes.
constexpr const char* kDesignStudy = R"(study: {start: 2020-01-01, end: 2022-06-30}
events:
  statin:  {source: dispensing, atc: [C10AA]}
  metformin: {source: dispensing, cip13: ["3400930000003"]}
  mi_any:  {source: hospital_stay, icd10: [I21, I22], positions: [DP, DR, DAS]}
  mi_main: {source: hospital_stay, icd10: [I21, I22], positions: [DP]}
  fracture: {source: hospital_stay, icd10: [S72]}
  gp: {source: claim, nature: [1111]}
index: {event: statin, washout_days: 180}
criteria:
  - {name: alive_at_index, exclude_dead_before_index: true}
outcome: {event: mi_main}
exposure: {grace_days: 20}
follow_up: {end: exposure_end, lag_days: 15}
censor: [metformin]
loss_to_follow_up: {no_claim_days: 40}
outcomes:
  fracture: {event: fracture}
  either: {any_of: [mi_any, fracture]}
  both: {all_of: [gp, mi_any], days: 90}
clean_window_days: 180
incidence: {per: 1000, strata: [sex, age_band, year]}
baseline:
  window_days: [-365, 0]
  covariates: [sex, age_band, atc, dp_chapter, stays, drugs]
  atc_level: 4
  events: [gp, mi_any]
index_codes: true
disclosure: {min_patients: 3}
)";

TEST(CohortJobLayouts, EveryDesignOutputIsTheSameForEveryLayoutAndAgreesWithTheReference) {
  const ShardData extract = test::random_extract(12, 500);
  test::TempDir dir("cohort-design-layout");
  test::write_text(dir / "cohort.yaml", fmt::format("job: cohort\nstore: unused\noutput: {}\n{}",
                                                    (dir / "out").string(), kDesignStudy));
  ConfigMap yaml = load_config((dir / "cohort.yaml").string());
  const CohortJobConfig config = read_cohort_config(yaml);
  const CohortSpec& spec = config.spec;

  const test::CohortWorld world = test::world_from_raw(extract);
  CohortPartial expected = test::reference(spec, world);
  expected.sort_rows();
  const std::map<std::string, std::string> want = {
      {"cohort.csv", cohort_csv(expected.rows, &spec)},
      {"attrition.csv", expected_attrition(spec, expected)},
      {"exposures.csv", exposures_csv(expected.rows)},
      {"incidence.csv", incidence_csv(spec, expected.rows)},
      {"baseline.csv", baseline_csv(spec, expected.rows.size(), expected.tallies)},
      {"index_codes.csv", index_codes_csv(expected.tallies, spec.min_patients)}};
  ASSERT_GT(expected.rows.size(), 20u);
  for (const char* reason : {"exposure_end", "censored:metformin", "lost", "outcome"})
    EXPECT_NE(want.at("cohort.csv").find(reason), std::string::npos) << reason;

  std::string first_h5;
  for (uint32_t shards : {1u, 7u, 64u})
    for (int ranks : {1, 3})
      for (int threads : {1, 2}) {
        SCOPED_TRACE(fmt::format("{} shards, {} ranks, {} threads", shards, ranks, threads));
        std::filesystem::remove_all(dir / "out");
        const CohortShardSource source = test::memory_source(extract, shards);
        run_in_process(ranks,
                       [&](Communicator& comm) { run_cohort(config, comm, threads, source); });
        for (const auto& [file, text] : want)
          EXPECT_EQ(test::read_text(dir / "out" / file), text) << file;
        const std::string h5 = test::read_text(dir / "out" / "cohort.h5");
        if (first_h5.empty()) first_h5 = h5;
        EXPECT_TRUE(h5 == first_h5);
      }
}

TEST(CohortJobLayouts, TheJobEntryReadsAStoreOnDiskAndValidateOnlyNeverTouchesIt) {
  const ShardData extract = test::random_extract(5, 200);
  test::TempDir dir("cohort-store");
  test::write_store(dir / "store", extract, 7);

  // Validation of a config whose store does not exist succeeds and writes nothing.
  test::write_text(dir / "validate.yaml",
                   fmt::format("job: cohort\nstore: {}\noutput: {}\n{}", (dir / "nowhere").string(),
                               (dir / "vout").string(), kStudy));
  run_in_process(1, [&](Communicator& comm) {
    ConfigMap config = load_config((dir / "validate.yaml").string());
    CommandContext ctx{comm, 1};
    JobOptions options;
    options.validate_only = true;
    EXPECT_EQ(cohort_job(config, ctx, options), 0);
  });
  EXPECT_FALSE(std::filesystem::exists(dir / "vout"));

  const CohortJobConfig config = config_for(dir.path(), (dir / "store").string());
  run_in_process(
      1, [&](Communicator& comm) { run_cohort(config, comm, 1, test::memory_source(extract, 3)); });
  const Outputs from_memory = read_outputs(dir / "out");
  std::filesystem::remove_all(dir / "out");

  for (int ranks : {1, 3}) {
    run_in_process(ranks, [&](Communicator& comm) {
      ConfigMap config_map = load_config((dir / "cohort.yaml").string());
      CommandContext ctx{comm, 2};
      EXPECT_EQ(cohort_job(config_map, ctx, JobOptions{}), 0);
    });
    EXPECT_TRUE(read_outputs(dir / "out") == from_memory) << ranks << " ranks";
    const auto manifest =
        boost::json::parse(test::read_text(dir / "out" / "manifest.json")).as_object();
    EXPECT_EQ(manifest.at("store").at("shards").as_int64(), 7);
    EXPECT_EQ(manifest.at("store").at("identity").as_string().size(), 16u);
    std::filesystem::remove_all(dir / "out");
  }
}

TEST(CohortJobLayouts, AMissingStoreIsADataError) {
  test::TempDir dir("cohort-store");
  test::write_text(dir / "c.yaml",
                   fmt::format("job: cohort\nstore: {}\noutput: {}\n{}", (dir / "nowhere").string(),
                               (dir / "out").string(), kStudy));
  try {
    run_in_process(2, [&](Communicator& comm) {
      ConfigMap config = load_config((dir / "c.yaml").string());
      CommandContext ctx{comm, 1};
      cohort_job(config, ctx, JobOptions{});
    });
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::kData);
  }
  EXPECT_FALSE(std::filesystem::exists(dir / "out"));
}

}  // namespace
}  // namespace snds
