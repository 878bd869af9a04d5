// The cohort job on tiny hand-made extracts (raw SNDS rows split into shards as the store holds
// them), each rule with its answer written by hand: washout edges, a cancelled dispensing, death
// on the index day, outcome and death on one day, twins sharing a stay, invalid stays, patients
// absent from IR_BEN_R. Then the output folder: files, modes, manifest.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <boost/json.hpp>

#include "core/error.hpp"
#include "jobs/cohort/cohort_run.hpp"
#include "runtime/communicator.hpp"
#include "tests/jobs/cohort/cohort_extract.hpp"
#include "tests/support/test_support.hpp"

namespace snds {
namespace {

using test::Row;

constexpr const char* kStatinCip = "3400930000001";
constexpr const char* kOtherStatinCip = "3400930000002";
constexpr const char* kMetforminCip = "3400930000003";

// The study of the reference's example, without the age criterion.
constexpr const char* kStudy = R"(study: {start: 2020-01-01, end: 2022-12-31}
events:
  statin:  {source: dispensing, atc: [C10AA]}
  mi_any:  {source: hospital_stay, icd10: [I21, I22], positions: [DP, DR, DAS]}
  mi_main: {source: hospital_stay, icd10: [I21, I22], positions: [DP]}
index: {event: statin, washout_days: 365}
criteria:
  - {name: no_prior_mi, exclude_event: mi_any, window_days: [-365, -1]}
  - {name: alive_at_index, exclude_dead_before_index: true}
outcome: {event: mi_main}
)";

constexpr const char* kHeader =
    "BEN_NIR_PSA,BEN_RNG_GEM,index_date,age_at_index,sex,outcome_date,end_date,end_reason\n";

// Raw rows, written the way an analyst reads an extract.
class Extract {
 public:
  Extract() {
    sb_.add("IR_PHA_R", {{{"PHA_CIP_C13", kStatinCip}, {"PHA_ATC_C07", "C10AA01"}},
                         {{"PHA_CIP_C13", kOtherStatinCip}, {"PHA_ATC_C07", "C10AA05"}},
                         {{"PHA_CIP_C13", kMetforminCip}, {"PHA_ATC_C07", "A10BA02"}}});
  }
  Extract& patient(const std::string& nir, int rank = 1, const std::string& sex = "1",
                   const std::string& death = "", const std::string& born = "1950") {
    Row r{{"BEN_NIR_PSA", nir}, {"BEN_RNG_GEM", std::to_string(rank)},
          {"BEN_SEX_COD", sex}, {"BEN_NAI_ANN", born},
          {"BEN_NAI_MOI", "6"}, {"BEN_RES_DPT", "075"}};
    if (!death.empty()) r["BEN_DCD_DTE"] = death;
    sb_.add("IR_BEN_R", {r});
    return *this;
  }
  Extract& dispense(const std::string& nir, const std::string& date, const std::string& boxes = "1",
                    const std::string& cip = kStatinCip, int rank = 1,
                    const std::string& dpn_qlf = "0") {
    sb_.add("ER_PHA_F", {{{"BEN_NIR_PSA", nir},
                          {"BEN_RNG_GEM", std::to_string(rank)},
                          {"EXE_SOI_DTD", date},
                          {"DPN_QLF", dpn_qlf},
                          {"PHA_PRS_C13", cip},
                          {"PHA_ACT_QSN", boxes},
                          {"DCT_ORD_NUM", std::to_string(++line_)}}});
    return *this;
  }
  // A stay of NIR_ANO_17 `nir` admitted on `date` (its table year is the date's), every return
  // code "0" unless `bad_return` names one to set to "1".
  Extract& stay(const std::string& nir, const std::string& date, const std::string& dp,
                const std::string& das = "", const std::string& ghm = "05M09T",
                const std::string& bad_return = "") {
    const std::string yy = date.substr(2, 2);
    const std::string rsa = std::to_string(1000 + ++line_);
    Row c{{"ETA_NUM", "750000001"},
          {"RSA_NUM", rsa},
          {"NIR_ANO_17", nir},
          {"EXE_SOI_DTD", date},
          {"EXE_SOI_DTF", date}};
    for (auto ret : kMcoReturnCodes) c[std::string(ret)] = "0";
    if (!bad_return.empty()) c[bad_return] = "1";
    sb_.add("T_MCO" + yy + "C", {c});
    sb_.add("T_MCO" + yy + "B", {{{"ETA_NUM", "750000001"},
                                  {"RSA_NUM", rsa},
                                  {"NIR_ANO_17", nir},
                                  {"EXE_SOI_DTD", date},
                                  {"DGN_PAL", dp},
                                  {"DGN_REL", ""},
                                  {"GRG_GHM", ghm},
                                  {"SEJ_NBJ", "2"}}});
    if (!das.empty())
      sb_.add("T_MCO" + yy + "D", {{{"ETA_NUM", "750000001"},
                                    {"RSA_NUM", rsa},
                                    {"NIR_ANO_17", nir},
                                    {"EXE_SOI_DTD", date},
                                    {"ASS_DGN", das}}});
    return *this;
  }
  const ShardData& data() const { return sb_.data(); }

 private:
  test::ShardBuilder sb_;
  int line_ = 0;
};

struct Outputs {
  std::string cohort, attrition, h5, manifest;
};

CohortJobConfig config_for(const std::filesystem::path& dir, const std::string& study) {
  test::write_text(dir / "cohort.yaml", "job: cohort\nstore: " + (dir / "store").string() +
                                            "\noutput: " + (dir / "out").string() + "\n" + study);
  ConfigMap config = load_config((dir / "cohort.yaml").string());
  return read_cohort_config(config);
}

Outputs read_outputs(const std::filesystem::path& out) {
  return {test::read_text(out / "cohort.csv"), test::read_text(out / "attrition.csv"),
          test::read_text(out / "cohort.h5"), test::read_text(out / "manifest.json")};
}

Outputs run_study(const ShardData& extract, const std::string& study = kStudy, uint32_t shards = 3,
                  int ranks = 1, int threads = 1) {
  test::TempDir dir("cohort-run");
  const CohortJobConfig config = config_for(dir.path(), study);
  const CohortShardSource source = test::memory_source(extract, shards);
  run_in_process(ranks, [&](Communicator& comm) { run_cohort(config, comm, threads, source); });
  return read_outputs(dir / "out");
}

TEST(CohortJob, AWashoutEventExactly365DaysBeforeExcludesAnd366DoesNot) {
  Extract x;
  x.patient("NIR00000000000001")
      .dispense("NIR00000000000001", "2019-06-02")
      .dispense("NIR00000000000001", "2020-06-01");
  x.patient("NIR00000000000002")
      .dispense("NIR00000000000002", "2019-06-01")
      .dispense("NIR00000000000002", "2020-06-01");
  const Outputs o = run_study(x.data());
  EXPECT_EQ(o.cohort,
            std::string(kHeader) + "NIR00000000000002,1,2020-06-01,70,1,,2022-12-31,study_end\n");
  EXPECT_EQ(o.attrition,
            "step,patients\nindex_event,2\nwashout,1\nno_prior_mi,1\nalive_at_index,1\n");
}

TEST(CohortJob, ACancelledDispensingInsideTheWashoutDoesNotCount) {
  Extract x;
  x.patient("NIR00000000000003")
      .dispense("NIR00000000000003", "2019-12-01", "1")
      .dispense("NIR00000000000003", "2019-12-01", "-1")  // the regularisation line
      .dispense("NIR00000000000003", "2020-03-01");
  x.patient("NIR00000000000004")
      .dispense("NIR00000000000004", "2019-12-01")
      .dispense("NIR00000000000004", "2020-03-01");
  // Another statin on the same day is not cancelled by this one's regularisation.
  x.patient("NIR00000000000005")
      .dispense("NIR00000000000005", "2019-12-01", "1", kOtherStatinCip)
      .dispense("NIR00000000000005", "2019-12-01", "-1")
      .dispense("NIR00000000000005", "2020-03-01");
  const Outputs o = run_study(x.data());
  EXPECT_EQ(o.cohort,
            std::string(kHeader) + "NIR00000000000003,1,2020-03-01,70,1,,2022-12-31,study_end\n");
  EXPECT_EQ(o.attrition,
            "step,patients\nindex_event,3\nwashout,1\nno_prior_mi,1\nalive_at_index,1\n");
}

TEST(CohortJob, InformationOnlyLinesAreNoEvents) {
  Extract x;
  x.patient("NIR00000000000006")
      .dispense("NIR00000000000006", "2020-05-01", "1", kStatinCip, 1, "71");
  const Outputs o = run_study(x.data());
  EXPECT_EQ(o.cohort, kHeader);
  EXPECT_EQ(o.attrition,
            "step,patients\nindex_event,0\nwashout,0\nno_prior_mi,0\nalive_at_index,0\n");
}

TEST(CohortJob, DeathOnTheIndexDayKeepsThePatientAndEndsFollowUpThatDay) {
  Extract x;
  x.patient("NIR00000000000007", 1, "2", "2021-05-05").dispense("NIR00000000000007", "2021-05-05");
  x.patient("NIR00000000000008", 1, "2", "2021-05-04").dispense("NIR00000000000008", "2021-05-05");
  const Outputs o = run_study(x.data());
  EXPECT_EQ(o.cohort,
            std::string(kHeader) + "NIR00000000000007,1,2021-05-05,71,2,,2021-05-05,death\n");
  EXPECT_EQ(o.attrition,
            "step,patients\nindex_event,2\nwashout,2\nno_prior_mi,2\nalive_at_index,1\n");
}

TEST(CohortJob, OutcomeAndDeathOnTheSameDayEndWithTheOutcome) {
  Extract x;
  x.patient("NIR00000000000009", 1, "1", "2021-03-03")
      .dispense("NIR00000000000009", "2020-02-01")
      .stay("NIR00000000000009", "2021-03-03", "I214");
  const Outputs o = run_study(x.data());
  EXPECT_EQ(o.cohort, std::string(kHeader) +
                          "NIR00000000000009,1,2020-02-01,70,1,2021-03-03,2021-03-03,outcome\n");
}

TEST(CohortJob, TwinsAreTwoPatientsAndTheirSharedStayReachesBoth) {
  Extract x;
  x.patient("NIR00000000000010", 1, "1").patient("NIR00000000000010", 2, "2");
  x.dispense("NIR00000000000010", "2020-04-01", "1", kStatinCip, 1);
  x.dispense("NIR00000000000010", "2020-05-01", "1", kStatinCip, 2);
  x.stay("NIR00000000000010", "2021-01-10", "I214");
  const Outputs o = run_study(x.data());
  EXPECT_EQ(o.cohort, std::string(kHeader) +
                          "NIR00000000000010,1,2020-04-01,70,1,2021-01-10,2021-01-10,outcome\n"
                          "NIR00000000000010,2,2020-05-01,70,2,2021-01-10,2021-01-10,outcome\n");
  EXPECT_EQ(o.attrition,
            "step,patients\nindex_event,2\nwashout,2\nno_prior_mi,2\nalive_at_index,2\n");
}

TEST(CohortJob, StaysWithABadReturnCodeOrGhm90AreNeitherHistoryNorOutcome) {
  Extract x;
  x.patient("NIR00000000000011").dispense("NIR00000000000011", "2020-04-01");
  x.stay("NIR00000000000011", "2020-01-15", "I21", "", "05M09T", "NIR_RET");  // prior MI, invalid
  x.stay("NIR00000000000011", "2020-02-15", "Z000", "I22", "90Z00Z");  // prior MI (DAS), GHM 90
  x.stay("NIR00000000000011", "2021-01-01", "I21", "", "05M09T", "DAT_RET");  // outcome, invalid
  x.stay("NIR00000000000011", "2021-02-02", "I21", "", "90Z03Z");             // outcome, GHM 90
  x.stay("NIR00000000000011", "2021-06-30", "I500", "I21");  // valid, but I21 is a DAS
  const Outputs o = run_study(x.data());
  EXPECT_EQ(o.cohort,
            std::string(kHeader) + "NIR00000000000011,1,2020-04-01,70,1,,2022-12-31,study_end\n");
  EXPECT_EQ(o.attrition,
            "step,patients\nindex_event,1\nwashout,1\nno_prior_mi,1\nalive_at_index,1\n");
}

TEST(CohortJob, AValidPriorMiAsAnAssociatedDiagnosisExcludes) {
  Extract x;
  x.patient("NIR00000000000012").dispense("NIR00000000000012", "2020-04-01");
  x.stay("NIR00000000000012", "2020-01-15", "Z000", "I219");
  const Outputs o = run_study(x.data());
  EXPECT_EQ(o.cohort, kHeader);
  EXPECT_EQ(o.attrition,
            "step,patients\nindex_event,1\nwashout,1\nno_prior_mi,0\nalive_at_index,0\n");
}

TEST(CohortJob, PatientsAbsentFromIrBenRAreLeftOutOfEveryStep) {
  Extract x;
  x.patient("NIR00000000000013").dispense("NIR00000000000013", "2020-04-01");
  x.dispense("NIR00000000000014", "2020-04-01");  // no IR_BEN_R row
  x.dispense("NIR00000000000013", "2020-04-01", "1", kStatinCip,
             2);  // a rank IR_BEN_R does not know
  x.stay("NIR00000000000015", "2021-01-10", "I21");
  const Outputs o = run_study(x.data());
  EXPECT_EQ(o.cohort,
            std::string(kHeader) + "NIR00000000000013,1,2020-04-01,70,1,,2022-12-31,study_end\n");
  EXPECT_EQ(o.attrition,
            "step,patients\nindex_event,1\nwashout,1\nno_prior_mi,1\nalive_at_index,1\n");
}

TEST(CohortJob, TheAgeCriterionUsesTheIndexYearAndUnknownBirthYearsFail) {
  Extract x;
  x.patient("NIR00000000000016", 1, "1", "", "1981")
      .dispense("NIR00000000000016", "2021-01-01");  // 40
  x.patient("NIR00000000000017", 1, "1", "", "1982")
      .dispense("NIR00000000000017", "2021-12-31");  // 39
  x.patient("NIR00000000000018", 1, "1", "", "1600")
      .dispense("NIR00000000000018", "2021-01-01");  // unknown
  const Outputs o = run_study(x.data(), R"(study: {start: 2020-01-01, end: 2022-12-31}
events:
  statin: {source: dispensing, atc: [C10AA]}
index: {event: statin}
criteria:
  - {name: adult40, age_at_index: {min: 40}}
)");
  EXPECT_EQ(o.cohort,
            std::string(kHeader) + "NIR00000000000016,1,2021-01-01,40,1,,2022-12-31,study_end\n");
  EXPECT_EQ(o.attrition, "step,patients\nindex_event,3\nwashout,3\nadult40,1\n");
}

TEST(CohortJob, ClaimEventsCountNetLinesOfTheirNature) {
  Extract x;
  x.patient("NIR00000000000019").dispense("NIR00000000000019", "2021-01-01");
  ShardData data = x.data();
  test::ShardBuilder prs;
  prs.add("ER_PRS_F", {{{"BEN_NIR_PSA", "NIR00000000000019"},
                        {"BEN_RNG_GEM", "1"},
                        {"EXE_SOI_DTD", "2020-11-01"},
                        {"PRS_NAT_REF", "1111"},
                        {"PRS_ACT_QTE", "1"},
                        {"PRS_PAI_MNT", "25"},
                        {"DPN_QLF", "0"}}});
  data.tables["ER_PRS_F"] = prs.data().tables.at("ER_PRS_F");
  const std::string study = R"(study: {start: 2020-01-01, end: 2022-12-31}
events:
  statin: {source: dispensing, atc: [C10AA]}
  gp: {source: claim, nature: [NATURE]}
index: {event: statin}
criteria:
  - {name: seen, require_event: gp, window_days: [-90, 0]}
)";
  auto with_nature = [&](const std::string& n) {
    std::string s = study;
    s.replace(s.find("NATURE"), 6, n);
    return s;
  };
  EXPECT_EQ(run_study(data, with_nature("1111")).attrition,
            "step,patients\nindex_event,1\nwashout,1\nseen,1\n");
  EXPECT_EQ(run_study(data, with_nature("1112")).attrition,
            "step,patients\nindex_event,1\nwashout,1\nseen,0\n");
}

TEST(CohortJobOutputs, AreWrittenWhole0640WithAManifestOfTheRun) {
  Extract x;
  x.patient("NIR00000000000020").dispense("NIR00000000000020", "2020-04-01");
  test::TempDir dir("cohort-run");
  const CohortJobConfig config = config_for(dir.path(), kStudy);
  // A manifest left by an earlier run must not vouch for this one's files.
  std::filesystem::create_directories(dir / "out");
  test::write_text(dir / "out" / "manifest.json", "{\"stale\": true}");
  const CohortShardSource source = test::memory_source(x.data(), 5);
  run_in_process(2, [&](Communicator& comm) { run_cohort(config, comm, 2, source); });

  for (const char* name : {"cohort.csv", "attrition.csv", "cohort.h5", "manifest.json"}) {
    struct stat st {};
    ASSERT_EQ(::stat((dir / "out" / name).c_str(), &st), 0) << name;
    EXPECT_EQ(st.st_mode & 0777, 0640u) << name;
  }
  for (const auto& entry : std::filesystem::directory_iterator(dir / "out"))
    EXPECT_NE(entry.path().extension(), ".tmp") << entry.path();

  const auto m = boost::json::parse(test::read_text(dir / "out" / "manifest.json")).as_object();
  EXPECT_FALSE(m.contains("stale"));
  EXPECT_EQ(m.at("job").as_string(), "cohort");
  EXPECT_FALSE(m.at("program").at("version").as_string().empty());
  EXPECT_EQ(m.at("ranks").as_int64(), 2);
  EXPECT_EQ(m.at("threads").as_int64(), 2);
  EXPECT_EQ(m.at("store").at("shards").as_int64(), 5);
  EXPECT_EQ(m.at("config").at("index").at("washout_days").as_int64(), 365);
  EXPECT_EQ(m.at("config").at("events").at("mi_any").at("positions").as_array().size(), 3u);
  EXPECT_EQ(m.at("config").at("criteria").as_array().size(), 2u);
  // IR_BEN_R 1 row, ER_PHA_F 1 row; the stay tables are absent from this extract.
  EXPECT_EQ(m.at("rows_read").as_int64(), 2);
  bool has_shards_phase = false;
  for (const auto& p : m.at("phases").as_array())
    has_shards_phase |= p.at("name").as_string() == "shards";
  EXPECT_TRUE(has_shards_phase);
  EXPECT_EQ(m.at("outputs").at("cohort.csv").at("rows").as_int64(), 1);
  // The manifest holds counts and settings, never a patient.
  EXPECT_EQ(test::read_text(dir / "out" / "manifest.json").find("NIR0000"), std::string::npos);
}

TEST(CohortJobOutputs, AnOutputPathThatIsAFileIsAUsageError) {
  Extract x;
  x.patient("NIR00000000000021").dispense("NIR00000000000021", "2020-04-01");
  test::TempDir dir("cohort-run");
  const CohortJobConfig config = config_for(dir.path(), kStudy);
  test::write_text(dir / "out", "not a folder");
  const CohortShardSource source = test::memory_source(x.data(), 2);
  try {
    run_in_process(1, [&](Communicator& comm) { run_cohort(config, comm, 1, source); });
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::kUsage);
    EXPECT_NE(std::string(e.what()).find("is not a folder"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace snds
