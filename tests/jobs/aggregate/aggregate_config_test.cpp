// The aggregate config is read strictly: the reference's example is valid, and every mistake is
// one usage error (exit 2) naming the file, line and key.
#include "jobs/aggregate/aggregate_config.hpp"

#include <gtest/gtest.h>

#include "core/error.hpp"
#include "core/events/dcir_rules.hpp"
#include "jobs/job_entry.hpp"
#include "tests/support/test_support.hpp"

namespace snds {
namespace {

constexpr const char* kContractExample = R"(job: aggregate
store: store/
output: out/dispensing/
source: dispensing          # dispensing | hospital_stay | claim
period: {start: 2019-01-01, end: 2022-12-31}   # on the event date, inclusive
filter: {atc: [C10]}        # optional: code prefixes (atc for dispensing, icd10 for stays)
group_by: [atc, month, sex, age_band]
measures: [boxes, lines, patients]
disclosure: {min_patients: 10}
)";

AggregateJobConfig read_text(const std::string& yaml, test::TempDir& dir) {
  const auto path = dir / "agg.yaml";
  test::write_text(path, yaml);
  ConfigMap config = load_config(path.string());
  return read_aggregate_config(config);
}

// The usage error's message for `yaml`, or "" when it is valid.
std::string error_of(const std::string& yaml) {
  test::TempDir dir;
  try {
    read_text(yaml, dir);
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::kUsage);
    return e.what();
  }
  return "";
}

std::string with(const std::string& line_from, const std::string& line_to) {
  std::string s = kContractExample;
  const auto at = s.find(line_from);
  EXPECT_NE(at, std::string::npos) << line_from;
  return s.replace(at, line_from.size(), line_to);
}

TEST(AggregateConfig, TheContractExampleIsValidAndResolved) {
  test::TempDir dir;
  const auto c = read_text(kContractExample, dir);
  EXPECT_EQ(c.spec.source, ExtractorKind::kDispensing);
  EXPECT_EQ(*c.spec.period_start, days_from_civil(2019, 1, 1));
  EXPECT_EQ(*c.spec.period_end, days_from_civil(2022, 12, 31));
  EXPECT_EQ(c.spec.atc_filter, std::vector<std::string>{"C10"});
  EXPECT_EQ(c.spec.group_by.size(), 4u);
  EXPECT_EQ(c.spec.measures,
            (std::vector<Measure>{Measure::kBoxes, Measure::kLines, Measure::kPatients}));
  EXPECT_EQ(c.spec.min_patients, 10);
  EXPECT_EQ(c.store, "store/");  // relative to the working directory, as every path of the CLI
  const auto json = boost::json::serialize(aggregate_config_to_json(c));
  EXPECT_NE(json.find(R"("period":{"start":"2019-01-01","end":"2022-12-31"})"), std::string::npos)
      << json;
  EXPECT_NE(json.find(R"("disclosure":{"min_patients":10,"secondary":false})"), std::string::npos)
      << json;
  EXPECT_NE(json.find(R"("totals":false)"), std::string::npos) << json;
  EXPECT_NE(json.find(R"("flux":null)"), std::string::npos) << json;
}

TEST(AggregateConfig, MinPatientsDefaultsToTenAndPeriodAndFilterAreOptional) {
  test::TempDir dir;
  const auto c = read_text(
      "job: aggregate\nstore: s\noutput: o\nsource: claim\ngroup_by: [year]\nmeasures: [amount]\n",
      dir);
  EXPECT_EQ(c.spec.min_patients, 10);
  EXPECT_FALSE(c.spec.period_start);
  const auto json = boost::json::serialize(aggregate_config_to_json(c));
  EXPECT_NE(json.find(R"("period":null)"), std::string::npos) << json;
}

TEST(AggregateConfig, ADimensionOfAnotherSourceIsAnErrorNamingTheKey) {
  std::string yaml = with("source: dispensing", "source: hospital_stay");
  yaml.replace(yaml.find("filter"), 0, "#");
  const std::string e = error_of(yaml);
  EXPECT_NE(e.find("agg.yaml:7: group_by: dimension atc does not apply to source hospital_stay "
                   "(only to dispensing)"),
            std::string::npos)
      << e;
}

TEST(AggregateConfig, AMeasureOfAnotherSourceIsAnErrorNamingTheKey) {
  std::string yaml =
      "job: aggregate\nstore: s\noutput: o\nsource: claim\ngroup_by: [month]\nmeasures: [lines, "
      "boxes]\n";
  const std::string e = error_of(yaml);
  EXPECT_NE(e.find("agg.yaml:6: measures: measure boxes does not apply to source claim (only to "
                   "dispensing)"),
            std::string::npos)
      << e;
  EXPECT_NE(error_of("job: aggregate\nstore: s\noutput: o\nsource: dispensing\ngroup_by: "
                     "[]\nmeasures: [days]\n")
                .find("measure days does not apply to source dispensing (only to hospital_stay)"),
            std::string::npos);
}

TEST(AggregateConfig, CipAndDpAreSourceSpecific) {
  const std::string base =
      "job: aggregate\nstore: s\noutput: o\nsource: hospital_stay\nmeasures: [lines]\n";
  EXPECT_NE(error_of(base + "group_by: [cip13]\n").find("group_by: dimension cip13 does not apply"),
            std::string::npos);
  EXPECT_EQ(error_of(base + "group_by: [dp, month]\n"), "");
  EXPECT_NE(
      error_of(
          "job: aggregate\nstore: s\noutput: o\nsource: claim\nmeasures: [lines]\ngroup_by: [dp]\n")
          .find("dimension dp does not apply to source claim (only to hospital_stay)"),
      std::string::npos);
}

TEST(AggregateConfig, UnknownNamesSuggestTheClosestOne) {
  EXPECT_NE(error_of(with("group_by: [atc, month, sex, age_band]", "group_by: [atc, mnth]"))
                .find("group_by: 'mnth' is not a dimension (did you mean 'month'?)"),
            std::string::npos);
  EXPECT_NE(error_of(with("measures: [boxes, lines, patients]", "measures: [boxes, patient]"))
                .find("measures: 'patient' is not a measure (did you mean 'patients'?)"),
            std::string::npos);
  EXPECT_NE(error_of(with("source: dispensing", "source: dispensings"))
                .find("source: must be one of dispensing"),
            std::string::npos);
  EXPECT_NE(error_of(kContractExample + std::string("min_patient: 5\n")).find("min_patient"),
            std::string::npos);
  EXPECT_NE(error_of(with("disclosure: {min_patients: 10}", "disclosure: {min_patient: 10}"))
                .find("disclosure.min_patient"),
            std::string::npos);
}

TEST(AggregateConfig, FiltersBelongToTheirSource) {
  EXPECT_NE(error_of(with("source: dispensing", "source: hospital_stay"))
                .find("filter.atc: applies to source dispensing only, not hospital_stay"),
            std::string::npos);
  EXPECT_NE(error_of(with("filter: {atc: [C10]}", "filter: {icd10: [I21]}"))
                .find("filter.icd10: applies to sources hospital_stay, ald and death only"),
            std::string::npos);
  EXPECT_NE(error_of(with("filter: {atc: [C10]}", "filter: {atc: [c10]}"))
                .find("'c10' is not a ATC code prefix"),
            std::string::npos);
  const std::string stays =
      "job: aggregate\nstore: s\noutput: o\nsource: hospital_stay\nmeasures: [lines]\ngroup_by: "
      "[dp]\n";
  EXPECT_NE(
      error_of(stays + "filter: {icd10: [I21.4]}\n").find("'I21.4' is not a ICD-10 code prefix"),
      std::string::npos);
  EXPECT_NE(error_of(stays + "filter: {icd10: [I21], positions: [DP, XX]}\n")
                .find("'XX' is not a diagnosis position"),
            std::string::npos);
  test::TempDir dir;
  const auto c = read_text(stays + "filter: {icd10: [I21, I22], positions: [DR, DAS]}\n", dir);
  EXPECT_FALSE(c.spec.positions.dp);
  EXPECT_TRUE(c.spec.positions.dr);
  EXPECT_TRUE(c.spec.positions.das);
}

TEST(AggregateConfig, PeriodMustBeOrderedDatesAndMinPatientsAtLeastOne) {
  EXPECT_NE(error_of(with("end: 2022-12-31", "end: 2018-12-31"))
                .find("period.end: is before period.start"),
            std::string::npos);
  EXPECT_NE(error_of(with("start: 2019-01-01", "start: 2019-13-01")).find("period.start"),
            std::string::npos);
  EXPECT_NE(error_of(with("{min_patients: 10}", "{min_patients: 0}"))
                .find("disclosure.min_patients: must be between 1"),
            std::string::npos);
  EXPECT_NE(error_of(with("group_by: [atc, month, sex, age_band]", "group_by: [atc, atc]"))
                .find("lists atc twice"),
            std::string::npos);
  EXPECT_NE(error_of(with("measures: [boxes, lines, patients]", "measures: []")).find("measures:"),
            std::string::npos);
}

TEST(AggregateConfig, EveryExampleConfigIsValid) {
  int seen = 0;
  for (const auto& entry : std::filesystem::directory_iterator(test::source_dir() / "configs")) {
    const std::string name = entry.path().filename().string();
    const bool aggregate = name.starts_with("aggregate_") || name == "open_medic.yaml";
    if (!aggregate || entry.path().extension() != ".yaml") continue;
    ConfigMap config = load_config(entry.path().string());
    EXPECT_NO_THROW(read_aggregate_config(config)) << name;
    ++seen;
  }
  EXPECT_GE(seen, 4);
}

TEST(AggregateConfig, ValidateNeedsNoStore) {
  test::TempDir dir;
  test::write_text(dir / "agg.yaml", kContractExample);  // store/ does not exist
  int code = -1;
  run_in_process(1, [&](Communicator& comm) {
    ConfigMap config = load_config((dir / "agg.yaml").string());
    CommandContext ctx{comm, 1};
    JobOptions options;
    options.validate_only = true;
    code = aggregate_job(config, ctx, options);
  });
  EXPECT_EQ(code, 0);
  EXPECT_FALSE(std::filesystem::exists(dir / "out"));
}

TEST(AggregateConfig, RunningOnAMissingStoreIsADataError) {
  test::TempDir dir;
  test::write_text(dir / "agg.yaml", kContractExample);
  try {
    run_in_process(1, [&](Communicator& comm) {
      ConfigMap config = load_config((dir / "agg.yaml").string());
      CommandContext ctx{comm, 1};
      aggregate_job(config, ctx, JobOptions{});
    });
    FAIL() << "ran without a store";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::kData);
    EXPECT_NE(std::string(e.what()).find("does not exist"), std::string::npos) << e.what();
  }
}

TEST(AggregateConfig, ACodeNoNomenclatureHasIsAWarningNamingTheClosestCodes) {
  test::TempDir dir;
  const auto c = read_text(
      "job: aggregate\nstore: s/\noutput: o/\nsource: hospital_stay\n"
      "filter: {icd10: [I21, I2I4, U99]}\ngroup_by: []\nmeasures: [lines]\n",
      dir);
  ASSERT_EQ(c.warnings.size(), 2u);
  EXPECT_NE(c.warnings[0].find("agg.yaml:5: filter.icd10: prefix I2I4 is no ICD-10 (IR_CIM_V) "
                               "code's start (closest: "),
            std::string::npos)
      << c.warnings[0];
  EXPECT_NE(c.warnings[0].find("I214"), std::string::npos) << c.warnings[0];
  EXPECT_NE(c.warnings[1].find("prefix U99 "), std::string::npos) << c.warnings[1];
  // Real codes: no warning (the contract's example, a lab filter, an ALD list with 31).
  EXPECT_TRUE(read_text(kContractExample, dir).warnings.empty());
  EXPECT_TRUE(read_text("job: aggregate\nstore: s/\noutput: o/\nsource: ald\n"
                        "period: {start: 2020-01-01, end: 2020-12-31}\n"
                        "filter: {ald: [8, 31]}\ngroup_by: []\nmeasures: [lines]\n",
                        dir)
                  .warnings.empty());
}

TEST(AggregateConfig, DcirRulesAreBothByDefaultNoneWithFalseOrTheNamedOnes) {
  test::TempDir dir;
  EXPECT_EQ(read_text(kContractExample, dir).dcir_rules, kAllDcirRules);
  EXPECT_EQ(read_text(std::string(kContractExample) + "dcir_rules: false\n", dir).dcir_rules, 0);
  EXPECT_EQ(
      read_text(std::string(kContractExample) + "dcir_rules: [public_hospital]\n", dir).dcir_rules,
      kRulePublicHospital);
  const std::string e = error_of(std::string(kContractExample) + "dcir_rules: [majoration]\n");
  EXPECT_NE(e.find(":10: dcir_rules: 'majoration' is not a DCIR rule (did you mean "
                   "'majorations'?)"),
            std::string::npos)
      << e;
}

}  // namespace
TEST(AggregateConfig, FluxMonthsAfterPeriodResolvesToTheLastDayOfThatMonth) {
  test::TempDir dir;
  const auto c = read_text(with("disclosure: {min_patients: 10}",
                                "flux: {months_after_period: 6}\ntotals: true\n"
                                "disclosure: {min_patients: 10, secondary: true}"),
                           dir);
  ASSERT_TRUE(c.spec.flux_until);
  EXPECT_EQ(format_iso_date(*c.spec.flux_until), "2023-06-30");
  EXPECT_TRUE(c.spec.totals);
  EXPECT_TRUE(c.spec.secondary);
  const auto json = boost::json::serialize(aggregate_config_to_json(c));
  EXPECT_NE(json.find(R"("flux":{"until":"2023-06-30","months_after_period":6})"),
            std::string::npos)
      << json;
  const auto u =
      read_text(with("disclosure: {min_patients: 10}", "flux: {until: 2023-02-28}"), dir);
  EXPECT_EQ(format_iso_date(*u.spec.flux_until), "2023-02-28");
}

TEST(AggregateConfig, FluxAndSecondaryMistakesNameTheKey) {
  EXPECT_NE(error_of(with("disclosure: {min_patients: 10}",
                          "flux: {until: 2023-01-01, months_after_period: 2}"))
                .find("flux: needs exactly one of until"),
            std::string::npos);
  EXPECT_NE(error_of(with("disclosure: {min_patients: 10}",
                          "disclosure: {min_patients: 10, secondary: true}"))
                .find("secondary: needs totals: true"),
            std::string::npos);
  EXPECT_NE(error_of("job: aggregate\nstore: s\noutput: o\nsource: hospital_stay\ngroup_by: "
                     "[]\nmeasures: [lines]\nflux: {until: 2023-01-01}\n")
                .find("flux: applies to DCIR sources"),
            std::string::npos);
  EXPECT_NE(error_of("job: aggregate\nstore: s\noutput: o\nsource: claim\ngroup_by: "
                     "[prescriber_specialty]\nmeasures: [lines]\n")
                .find("dimension prescriber_specialty does not apply to source claim"),
            std::string::npos);
  EXPECT_EQ(error_of("job: aggregate\nstore: s\noutput: o\nsource: claim\ngroup_by: "
                     "[region, flux_month]\nmeasures: [amount, lines]\n"),
            "");
}

}  // namespace snds
