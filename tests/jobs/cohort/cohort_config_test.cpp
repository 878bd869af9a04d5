// The cohort config grammar: the reference's example reads as written, defaults are filled in,
// and every mistake is a usage error (exit 2) naming the file, the line and the key.
#include "jobs/cohort/cohort_config.hpp"

#include <gtest/gtest.h>

#include "core/error.hpp"
#include "tests/support/test_support.hpp"

namespace snds {
namespace {

const char* kExample = R"(job: cohort
store: store/
output: out/statins/
study: {start: 2020-01-01, end: 2022-12-31}
events:
  statin:  {source: dispensing, atc: [C10AA]}
  mi_any:  {source: hospital_stay, icd10: [I21, I22], positions: [DP, DR, DAS]}
  mi_main: {source: hospital_stay, icd10: [I21, I22], positions: [DP]}
index: {event: statin, washout_days: 365}
criteria:                   # applied in order, each a step of the attrition table
  - {name: adult40, age_at_index: {min: 40}}
  - {name: no_prior_mi, exclude_event: mi_any, window_days: [-365, -1]}
  - {name: alive_at_index, exclude_dead_before_index: true}
outcome: {event: mi_main}
)";

CohortJobConfig read_text(const std::string& text) {
  test::TempDir dir("cohort-config");
  test::write_text(dir / "cohort.yaml", text);
  ConfigMap config = load_config((dir / "cohort.yaml").string());
  return read_cohort_config(config);
}

// The message of the usage error `text` gives ("" and a test failure when it is accepted).
std::string error_of(const std::string& text) {
  try {
    read_text(text);
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::kUsage) << e.what();
    return e.what();
  }
  ADD_FAILURE() << "config accepted:\n" << text;
  return {};
}

// kExample with `from` replaced by `to` (which must occur).
std::string example_with(const std::string& from, const std::string& to) {
  std::string s = kExample;
  const auto at = s.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) s.replace(at, from.size(), to);
  return s;
}

TEST(CohortConfig, ReadsTheContractExample) {
  const CohortJobConfig c = read_text(kExample);
  EXPECT_EQ(c.store, "store/");
  EXPECT_EQ(c.output, "out/statins/");
  const CohortSpec& s = c.spec;
  EXPECT_EQ(s.study_start, days_from_civil(2020, 1, 1));
  EXPECT_EQ(s.study_end, days_from_civil(2022, 12, 31));
  ASSERT_EQ(s.events.size(), 3u);
  EXPECT_EQ(s.events[0].name, "statin");
  EXPECT_EQ(s.events[0].source, CohortSource::kDispensing);
  EXPECT_EQ(s.events[0].atc, (std::vector<std::string>{"C10AA"}));
  EXPECT_EQ(s.events[1].positions, kAllPositions);
  EXPECT_EQ(s.events[2].positions, kPositionDP);
  EXPECT_EQ(s.index_event, 0u);
  EXPECT_EQ(s.washout_days, 365);
  ASSERT_EQ(s.criteria.size(), 3u);
  EXPECT_EQ(s.criteria[0].kind, CriterionKind::kAgeAtIndex);
  EXPECT_EQ(s.criteria[0].min_age, 40);
  EXPECT_FALSE(s.criteria[0].max_age);
  EXPECT_EQ(s.criteria[1].kind, CriterionKind::kExcludeEvent);
  EXPECT_EQ(s.criteria[1].event, 1u);
  EXPECT_EQ(s.criteria[1].window_from, -365);
  EXPECT_EQ(s.criteria[1].window_to, -1);
  EXPECT_EQ(s.criteria[2].kind, CriterionKind::kExcludeDeadBeforeIndex);
  EXPECT_EQ(s.outcome_event, 2u);
  EXPECT_EQ(s.step_names(), (std::vector<std::string>{"index_event", "washout", "adult40",
                                                      "no_prior_mi", "alive_at_index"}));
}

TEST(CohortConfig, DefaultsAreNoWashoutMainDiagnosisOnlyNoCriteriaAndNoOutcome) {
  const CohortJobConfig c = read_text(R"(job: cohort
store: s
output: o
study: {start: 2020-01-01, end: 2020-12-31}
events:
  statin: {source: dispensing, cip13: ["3400930000001"]}
  mi: {source: hospital_stay, icd10: [I21]}
index: {event: statin}
)");
  EXPECT_EQ(c.spec.washout_days, 0);
  EXPECT_EQ(c.spec.events[1].positions, kPositionDP);
  EXPECT_EQ(c.spec.events[0].cip13, (std::vector<std::string>{"3400930000001"}));
  EXPECT_TRUE(c.spec.criteria.empty());
  EXPECT_FALSE(c.spec.outcome_event);
  const auto json = cohort_config_to_json(c);
  EXPECT_EQ(json.at("index").at("washout_days").as_int64(), 0);
  EXPECT_TRUE(json.at("outcome").is_null());
  EXPECT_EQ(json.at("events").at("mi").at("positions").as_array(), boost::json::array({"DP"}));
}

TEST(CohortConfig, ReadsClaimEventsAndRequireEvent) {
  const CohortJobConfig c = read_text(R"(job: cohort
store: s
output: o
study: {start: 2020-01-01, end: 2020-12-31}
events:
  metformin: {source: dispensing, atc: [A10BA]}
  gp: {source: claim, nature: [1111, 1112]}
index: {event: metformin, washout_days: 180}
criteria:
  - {name: seen_by_gp, require_event: gp, window_days: [-365, 0]}
  - {name: age, age_at_index: {min: 18, max: 80}}
)");
  EXPECT_EQ(c.spec.events[1].nature, (std::vector<int64_t>{1111, 1112}));
  EXPECT_EQ(c.spec.criteria[0].kind, CriterionKind::kRequireEvent);
  EXPECT_EQ(c.spec.criteria[0].window_to, 0);
  EXPECT_EQ(c.spec.criteria[1].max_age, 80);
}

TEST(CohortConfig, TheExampleConfigsOfTheRepositoryAreValid) {
  int found = 0;
  for (const auto& entry : std::filesystem::directory_iterator(test::source_dir() / "configs")) {
    const std::string name = entry.path().filename().string();
    if (!name.starts_with("cohort_") || entry.path().extension() != ".yaml") continue;
    ++found;
    ConfigMap config = load_config(entry.path().string());
    EXPECT_NO_THROW(read_cohort_config(config)) << name;
  }
  EXPECT_GE(found, 2);
}

TEST(CohortConfigError, AnUnknownIndexEventNamesFileLineKeyAndAClosename) {
  const auto e = error_of(example_with("index: {event: statin,", "index: {event: statins,"));
  EXPECT_NE(e.find("cohort.yaml:9: index.event: unknown event 'statins' (did you mean 'statin'?)"),
            std::string::npos)
      << e;
}

TEST(CohortConfigError, AnUnknownCriterionEventNamesTheCriterion) {
  const auto e = error_of(example_with("exclude_event: mi_any", "exclude_event: mi_all"));
  EXPECT_NE(e.find("cohort.yaml:12: criteria[1].exclude_event: unknown event 'mi_all'"),
            std::string::npos)
      << e;
}

TEST(CohortConfigError, AnUnknownOutcomeEvent) {
  const auto e = error_of(example_with("outcome: {event: mi_main}", "outcome: {event: stroke}"));
  EXPECT_NE(e.find("cohort.yaml:14: outcome.event: unknown event 'stroke'"), std::string::npos)
      << e;
}

TEST(CohortConfigError, AnEmptyWindow) {
  const auto e = error_of(example_with("[-365, -1]", "[-1, -365]"));
  EXPECT_NE(e.find("cohort.yaml:12: criteria[1].window_days: [-1, -365] is empty"),
            std::string::npos)
      << e;
}

TEST(CohortConfigError, AWindowOfOneNumber) {
  const auto e = error_of(example_with("[-365, -1]", "[-365]"));
  EXPECT_NE(e.find("criteria[1].window_days: expects two numbers"), std::string::npos) << e;
}

TEST(CohortConfigError, AnExcludeEventWithoutWindow) {
  const auto e = error_of(example_with(", window_days: [-365, -1]", ""));
  EXPECT_NE(e.find("criteria[1].window_days: is required"), std::string::npos) << e;
}

TEST(CohortConfigError, AnUnknownSource) {
  const auto e =
      error_of(example_with("statin:  {source: dispensing,", "statin:  {source: dispensings,"));
  EXPECT_NE(e.find("cohort.yaml:6: events.statin.source: must be dispensing, hospital_stay, claim, "
                   "ald, act, lab "
                   "or death, got "
                   "'dispensings' (did you mean 'dispensing'?)"),
            std::string::npos)
      << e;
}

TEST(CohortConfigError, AnUnknownPosition) {
  const auto e = error_of(example_with("positions: [DP]}", "positions: [PP]}"));
  EXPECT_NE(e.find("cohort.yaml:8: events.mi_main.positions: 'PP' is not a diagnosis position"),
            std::string::npos)
      << e;
}

TEST(CohortConfigError, AKeyOfAnotherSource) {
  const auto e = error_of(
      example_with("{source: dispensing, atc: [C10AA]}", "{source: dispensing, icd10: [C10AA]}"));
  EXPECT_NE(e.find("events.statin.icd10: applies to hospital_stay, ald, death events only"),
            std::string::npos)
      << e;
}

TEST(CohortConfigError, ADottedOrLowerCaseCode) {
  auto e = error_of(
      example_with("icd10: [I21, I22], positions: [DP]}", "icd10: [I21.0], positions: [DP]}"));
  EXPECT_NE(e.find("events.mi_main.icd10: 'I21.0' is not a code"), std::string::npos) << e;
  e = error_of(example_with("atc: [C10AA]", "atc: [c10aa]"));
  EXPECT_NE(e.find("events.statin.atc: 'c10aa' is not a code"), std::string::npos) << e;
}

TEST(CohortConfigError, ADispensingEventWithoutCodes) {
  const auto e =
      error_of(example_with("{source: dispensing, atc: [C10AA]}", "{source: dispensing}"));
  EXPECT_NE(e.find("events.statin: a dispensing event needs atc"), std::string::npos) << e;
}

TEST(CohortConfigError, TwoCriteriaWithOneName) {
  const auto e = error_of(example_with("{name: alive_at_index,", "{name: adult40,"));
  EXPECT_NE(e.find("cohort.yaml:13: criteria[2].name: 'adult40' names two criteria"),
            std::string::npos)
      << e;
}

TEST(CohortConfigError, ACriterionNamedAsAFixedStep) {
  const auto e = error_of(example_with("{name: adult40,", "{name: washout,"));
  EXPECT_NE(e.find("criteria[0].name: 'washout' is an attrition step of its own"),
            std::string::npos)
      << e;
}

TEST(CohortConfigError, ACriterionWithoutName) {
  const auto e = error_of(example_with("{name: adult40, age_at_index", "{age_at_index"));
  EXPECT_NE(e.find("criteria[0].name: is required"), std::string::npos) << e;
}

TEST(CohortConfigError, AMisspeltRuleGetsASuggestion) {
  const auto e = error_of(example_with("age_at_index: {min: 40}", "age_at_indx: {min: 40}"));
  EXPECT_NE(e.find("cohort.yaml:11: unknown key 'criteria[0].age_at_indx' (did you mean "
                   "'criteria[0].age_at_index'?)"),
            std::string::npos)
      << e;
}

TEST(CohortConfigError, TwoRulesInOneCriterion) {
  const auto e = error_of(example_with(
      "{name: alive_at_index, exclude_dead_before_index: true}",
      "{name: alive_at_index, exclude_dead_before_index: true, age_at_index: {max: 90}}"));
  EXPECT_NE(e.find("criteria[2].exclude_dead_before_index: a criterion holds one rule"),
            std::string::npos)
      << e;
}

TEST(CohortConfigError, ExcludeDeadBeforeIndexFalse) {
  const auto e =
      error_of(example_with("exclude_dead_before_index: true", "exclude_dead_before_index: false"));
  EXPECT_NE(e.find("criteria[2].exclude_dead_before_index: only true is meaningful"),
            std::string::npos)
      << e;
}

TEST(CohortConfigError, AnAgeRangeUpsideDown) {
  const auto e =
      error_of(example_with("age_at_index: {min: 40}", "age_at_index: {min: 40, max: 30}"));
  EXPECT_NE(e.find("criteria[0].age_at_index.max: must not be below min"), std::string::npos) << e;
}

TEST(CohortConfigError, AnAgeWithoutBounds) {
  const auto e = error_of(example_with("age_at_index: {min: 40}", "age_at_index: {}"));
  EXPECT_NE(e.find("criteria[0].age_at_index"), std::string::npos) << e;
}

TEST(CohortConfigError, AWindowOnAnAgeCriterion) {
  const auto e = error_of(
      example_with("age_at_index: {min: 40}", "age_at_index: {min: 40}, window_days: [0, 1]"));
  EXPECT_NE(e.find("criteria[0].window_days: applies to exclude_event and require_event only"),
            std::string::npos)
      << e;
}

TEST(CohortConfigError, ANegativeWashout) {
  const auto e = error_of(example_with("washout_days: 365", "washout_days: -1"));
  EXPECT_NE(e.find("cohort.yaml:9: index.washout_days: must be between 0 and"), std::string::npos)
      << e;
}

TEST(CohortConfigError, AStudyEndingBeforeItStarts) {
  const auto e = error_of(example_with("end: 2022-12-31", "end: 2019-12-31"));
  EXPECT_NE(e.find("cohort.yaml:4: study.end: is before study.start"), std::string::npos) << e;
}

TEST(CohortConfigError, AnUnknownTopLevelKeyGetsASuggestion) {
  const auto e = error_of(example_with("outcome: {event: mi_main}", "outcom: {event: mi_main}"));
  EXPECT_NE(e.find("cohort.yaml:14: unknown key 'outcom' (did you mean 'outcome'?)"),
            std::string::npos)
      << e;
}

TEST(CohortConfigError, CriteriaThatAreNotAList) {
  std::string text = kExample;
  text =
      text.substr(0, text.find("criteria:")) + "criteria: {name: x}\noutcome: {event: mi_main}\n";
  const auto e = error_of(text);
  EXPECT_NE(e.find("criteria: expected a list of criteria"), std::string::npos) << e;
}

TEST(CohortConfigError, AMissingStore) {
  const auto e = error_of(example_with("store: store/\n", ""));
  EXPECT_NE(e.find("store: is required"), std::string::npos) << e;
}

}  // namespace
}  // namespace snds

namespace snds {
namespace {

const char* kDesigns = R"(exposure: {grace_days: 30}
follow_up: {end: exposure_end, lag_days: 15}
censor: [mi_any]
loss_to_follow_up: {no_claim_days: 120}
outcomes:
  mi: {event: mi_any}
  either: {any_of: [mi_any, mi_main]}
  both: {all_of: [mi_any, statin], days: 30}
clean_window_days: 365
incidence: {per: 100000, strata: [sex, age_band, year]}
baseline: {window_days: [-180, 0], covariates: [sex, drugs], atc_level: 2, events: [mi_any]}
index_codes: true
disclosure: {min_patients: 5}
)";

TEST(CohortConfigDesigns, ReadsEveryStudyDesignKey) {
  const CohortSpec s = read_text(std::string(kExample) + kDesigns).spec;
  ASSERT_TRUE(s.exposure);
  EXPECT_EQ(s.exposure->grace_days, 30);
  EXPECT_EQ(s.exposure->days_per_box, 0);  // by pack size
  EXPECT_FALSE(s.exposure->stockpile);
  EXPECT_EQ(s.follow_up_end, FollowUpEnd::kExposureEnd);
  EXPECT_EQ(s.lag_days, 15);
  EXPECT_EQ(s.censor, std::vector<size_t>{1});
  EXPECT_EQ(s.no_claim_days, 120);
  ASSERT_EQ(s.outcomes.size(), 3u);
  EXPECT_TRUE(s.outcomes[2].all_of);
  EXPECT_EQ(s.outcomes[2].days, 30);
  EXPECT_EQ(s.outcomes[1].events, (std::vector<size_t>{1, 2}));
  EXPECT_EQ(s.clean_window_days, 365);
  EXPECT_EQ(s.incidence->per, 100000);
  EXPECT_EQ(s.incidence->strata.size(), 3u);
  EXPECT_EQ(s.baseline->window_from, -180);
  EXPECT_TRUE(s.baseline->drugs);
  EXPECT_FALSE(s.baseline->atc);
  EXPECT_EQ(s.baseline->atc_level, 2);
  EXPECT_TRUE(s.index_codes);
  EXPECT_EQ(s.min_patients, 5);
  EXPECT_EQ(s.incidence_outcome_names(),
            (std::vector<std::string>{"mi_main", "mi", "either", "both"}));
}

TEST(CohortConfigDesigns, WithoutThemTheStudyIsAsBefore) {
  const CohortSpec s = read_text(kExample).spec;
  EXPECT_FALSE(s.exposure || s.no_claim_days || s.incidence || s.baseline || s.index_codes);
  EXPECT_TRUE(s.censor.empty() && s.outcomes.empty());
  EXPECT_EQ(s.follow_up_end, FollowUpEnd::kStudyEnd);
  EXPECT_EQ(cohort_spec_to_json(s).count("exposure"), 0u);
}

TEST(CohortConfigDesigns, MistakesNameTheKey) {
  const std::string base = kExample;
  auto e = error_of(base + "follow_up: {end: exposure_end}\n");
  EXPECT_NE(e.find("follow_up.end: exposure_end needs an exposure: section"), std::string::npos)
      << e;
  e = error_of(base + "censor: [statins]\n");
  EXPECT_NE(e.find("censor: unknown event 'statins' (did you mean 'statin'?)"), std::string::npos)
      << e;
  e = error_of(base + "outcomes: {end: {event: mi_any}}\n");
  EXPECT_NE(e.find("'end_date' is already a column of cohort.csv"), std::string::npos) << e;
  e = error_of(base + "outcomes: {x: {event: mi_any, any_of: [mi_main]}}\n");
  EXPECT_NE(e.find("needs exactly one of event, any_of, all_of"), std::string::npos) << e;
  e = error_of(base + "outcomes: {x: {all_of: [mi_any, statin]}}\n");
  EXPECT_NE(e.find("outcomes.x.days: is required with all_of"), std::string::npos) << e;
  e = error_of(base + "incidence: {strata: [sex, region]}\n");
  EXPECT_NE(e.find("incidence.strata: 'region' is not a stratum"), std::string::npos) << e;
  e = error_of(base + "baseline: {covariates: [ald]}\n");
  EXPECT_NE(e.find("baseline.covariates: 'ald' is not a covariate"), std::string::npos) << e;
  e = error_of(base + "exposure: {min_purchases: {count: 2, within_days: 90}, grace_days: 3}\n");
  EXPECT_NE(e.find("exposure.grace_days: does not apply with min_purchases"), std::string::npos)
      << e;
  e = error_of(base +
               "exposure: {min_purchases: {count: 2, within_days: 90}}\n"
               "follow_up: {end: exposure_end}\n");
  EXPECT_NE(e.find("min_purchases exposures last to study.end"), std::string::npos) << e;
  e = error_of(example_with("index: {event: statin,", "index: {event: mi_any,") +
               "exposure: {grace_days: 3}\n");
  EXPECT_NE(e.find("index event 'mi_any' is a hospital_stay event"), std::string::npos) << e;
  e = error_of(base + "clean_window_days: 0\n");
  EXPECT_NE(e.find("clean_window_days"), std::string::npos) << e;
  e = error_of(base + "follow_up: {lag_days: 3}\n");
  EXPECT_NE(e.find("follow_up.lag_days: applies to end: exposure_end only"), std::string::npos)
      << e;
}

TEST(CohortConfig, EventCodesNoNomenclatureHasAreWarningsNotErrors) {
  const CohortJobConfig c = read_text(R"(job: cohort
store: store/
output: out/
study: {start: 2020-01-01, end: 2022-12-31}
events:
  hba1c: {source: lab, nabm: [1577, 15770]}
  surgery: {source: act, ccam: [NEKA02, NEKZ]}
  diabetes_ald: {source: ald, icd10: [E11], ald: [8, 33]}
index: {event: hba1c}
outcome: {event: surgery}
)");
  ASSERT_EQ(c.warnings.size(), 3u);
  EXPECT_NE(c.warnings[0].find("events.hba1c.nabm: code 15770 is no NABM"), std::string::npos)
      << c.warnings[0];
  EXPECT_NE(c.warnings[1].find("events.surgery.ccam: prefix NEKZ is no CCAM"), std::string::npos)
      << c.warnings[1];
  EXPECT_NE(c.warnings[2].find("events.diabetes_ald.ald: code 33 is no ALD"), std::string::npos)
      << c.warnings[2];
  EXPECT_TRUE(read_text(kExample).warnings.empty());
}

}  // namespace
}  // namespace snds
