// The aggregate job through the real binary: a tiny hand-made CSV extract (each rule of reference
// section 3, answers written by hand) ingested then aggregated; exit codes; and, when the
// generator is built, byte-identical result.csv for np = 1..4, threads 1 and 2, shards 1, 7, 64.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include "tests/support/test_support.hpp"

namespace snds {
namespace {

namespace fs = std::filesystem;

std::string keys(int claim) {
  return fmt::format("{};2020-02-01;1;1;1;2020-02-01;01C;1;1", claim);
}
constexpr const char* kKeyHeader =
    "DCT_ORD_NUM;FLX_DIS_DTD;FLX_EMT_NUM;FLX_EMT_ORD;FLX_EMT_TYP;FLX_TRT_DTD;ORG_CLE_NUM;PRS_ORD_"
    "NUM;REM_TYP_AFF";

// P1 born 1950; twins T/1 (sex 1) and T/2 (sex 2) born 2000; Q with unknown birth year (1600).
void write_tiny_extract(const fs::path& dir) {
  fs::create_directories(dir);
  test::write_text(
      dir / "IR_BEN_R.csv",
      "BEN_NIR_PSA;BEN_RNG_GEM;BEN_SEX_COD;BEN_NAI_ANN;BEN_NAI_MOI;BEN_RES_DPT;BEN_DCD_DTE\n"
      "P1;1;1;1950;1;075;1600-01-01\n"
      "T;1;1;2000;1;013;\n"
      "T;2;2;2000;1;013;\n"
      "Q;1;2;1600;1;02A;\n");
  std::string prs =
      std::string(kKeyHeader) +
      ";BEN_NIR_PSA;BEN_RNG_GEM;EXE_SOI_DTD;PRS_NAT_REF;PRS_ACT_QTE;PRS_PAI_MNT;DPN_QLF\n";
  prs += keys(1) + ";P1;1;2020-01-10;3317;1;10.5;0\n";
  prs += keys(2) + ";P1;1;10/01/2020;3317;-1;-5,25;0\n";  // regularisation of claim 1
  prs += keys(3) + ";P1;1;2020-01-11;3317;1;0;71\n";      // information only
  prs += keys(4) + ";T;1;2020-02-03;3317;1;3;\n";
  prs += keys(5) + ";T;2;2020-02-03;3317;1;3;0\n";
  prs += keys(6) + ";Q;1;2020-03-01;3317;1;7;0\n";
  prs += keys(7) + ";GHOST;1;2020-01-01;3317;1;100;0\n";  // not in IR_BEN_R
  prs += keys(8) + ";P1;1;2019-12-31;3317;1;1;0\n";       // before the period
  test::write_text(dir / "ER_PRS_F.csv", prs);
  std::string pha = std::string(kKeyHeader) + ";PHA_PRS_C13;PHA_ACT_QSN\n";
  pha += keys(1) + ";3400930000001;2\n";
  pha += keys(2) + ";3400930000001;-1\n";
  pha += keys(3) + ";3400930000001;1\n";
  pha += keys(4) + ";3400930000002;1\n";
  pha += keys(5) + ";3400939999999;1\n";  // absent from IR_PHA_R
  pha += keys(6) + ";3400930000001;3\n";
  pha += keys(7) + ";3400930000001;1\n";
  pha += keys(8) + ";3400930000001;1\n";
  pha += keys(99) + ";3400930000001;5\n";  // orphan: no ER_PRS_F row
  test::write_text(dir / "ER_PHA_F.csv", pha);
  test::write_text(dir / "IR_PHA_R.csv",
                   "PHA_CIP_C13;PHA_ATC_C07\n3400930000001;C10AA01\n3400930000002;N02BE01\n");
  test::write_text(
      dir / "T_MCO20C.csv",
      "ETA_NUM;RSA_NUM;NIR_ANO_17;EXE_SOI_DTD;EXE_SOI_DTF;NIR_RET;NAI_RET;SEX_RET;SEJ_RET;FHO_RET;"
      "PMS_RET;DAT_RET\n"
      "E1;1;T;02MAY2020:00:00:00;06MAY2020:00:00:00;0;0;0;0;0;0;0\n"   // both twins
      "E1;2;P1;01JUN2020:00:00:00;03JUN2020:00:00:00;0;0;0;1;0;0;0\n"  // SEJ_RET 1: invalid
      "E1;3;P1;01JUN2020:00:00:00;03JUN2020:00:00:00;0;0;0;0;0;0;0\n"  // GHM 90: invalid
      "E1;4;P1;01JUL2020:00:00:00;04JUL2020:00:00:00;0;0;0;0;0;0;0\n");
  test::write_text(
      dir / "T_MCO20B.csv",
      "ETA_NUM;RSA_NUM;DGN_PAL;DGN_REL;GRG_GHM;SEJ_NBJ\n"
      "E1;1;I214;;05M042;5\nE1;2;I21;;05M042;2\nE1;3;J18;;90Z00Z;2\nE1;4;I219;;05M042;3\n");
  test::write_text(dir / "T_MCO20D.csv", "ETA_NUM;RSA_NUM;ASS_DGN\nE1;4;E119\n");
}

class AggregateCli : public ::testing::Test {
 protected:
  void SetUp() override {
    write_tiny_extract(dir_ / "ext");
    test::write_text(dir_ / "ingest.yaml", "store: store/\nshards: 4\ninputs: ext/\n");
    std::string out;
    ASSERT_EQ(sh("ingest ingest.yaml", &out), 0) << out;
  }
  int sh(const std::string& args, std::string* out = nullptr) {
    return test::run_command(
        fmt::format("cd {} && {} {}", dir_.path().string(), test::snds_bin(), args), out);
  }
  std::string run_config(const std::string& name, const std::string& body) {
    test::write_text(dir_ / (name + ".yaml"),
                     "job: aggregate\nstore: store/\noutput: out/" + name + "/\n" + body);
    std::string out;
    EXPECT_EQ(sh("run " + name + ".yaml", &out), 0) << out;
    return test::read_text(dir_ / "out" / name / "result.csv");
  }
  test::TempDir dir_;
};

TEST_F(AggregateCli, DispensingFollowsEveryRuleOfSection3) {
  EXPECT_EQ(run_config("d",
                       "source: dispensing\nperiod: {start: 2020-01-01, end: 2020-12-31}\n"
                       "group_by: [atc3, sex, age_band]\nmeasures: [boxes, lines, patients]\n"
                       "disclosure: {min_patients: 1}\n"),
            "atc3,sex,age_band,boxes,lines,patients,suppressed\n"
            "C10A,1,70-79,1,2,1,0\n"
            "C10A,2,unknown,3,1,1,0\n"
            "N02B,1,20-29,1,1,1,0\n"
            "UNKNOWN,2,20-29,1,1,1,0\n");
}

TEST_F(AggregateCli, StaysAreValidOnesCountedForEachTwin) {
  EXPECT_EQ(
      run_config("s",
                 "source: hospital_stay\ngroup_by: [dp, month]\nmeasures: [lines, days, patients]\n"
                 "disclosure: {min_patients: 1}\n"),
      "dp,month,lines,days,patients,suppressed\n"
      "I21,2020-05,2,10,2,0\n"
      "I21,2020-07,1,3,1,0\n");
  EXPECT_EQ(
      run_config(
          "s2",
          "source: hospital_stay\nfilter: {icd10: [E11], positions: [DAS]}\ngroup_by: [year]\n"
          "measures: [lines]\ndisclosure: {min_patients: 1}\n"),
      "year,lines,suppressed\n2020,1,0\n");
}

TEST_F(AggregateCli, ClaimsSumExactAmountsAndTheDefaultThresholdMasksSmallCells) {
  EXPECT_EQ(
      run_config("c",
                 "source: claim\nperiod: {start: 2020-01-01, end: 2020-12-31}\ngroup_by: [month]\n"
                 "measures: [amount, lines, patients]\ndisclosure: {min_patients: 1}\n"),
      "month,amount,lines,patients,suppressed\n"
      "2020-01,5.25,2,1,0\n"
      "2020-02,6,2,2,0\n"
      "2020-03,7,1,1,0\n");
  EXPECT_EQ(run_config("c10", "source: claim\ngroup_by: [year]\nmeasures: [amount]\n"),
            "year,amount,suppressed\n2019,,1\n2020,,1\n");
}

TEST_F(AggregateCli, ExitCodesFollowTheContract) {
  test::write_text(dir_ / "bad.yaml",
                   "job: aggregate\nstore: store/\noutput: o/\nsource: claim\ngroup_by: [cip13]\n"
                   "measures: [lines]\n");
  std::string out;
  EXPECT_EQ(sh("validate bad.yaml", &out), 2);
  EXPECT_NE(out.find("bad.yaml:5: group_by: dimension cip13 does not apply to source claim"),
            std::string::npos)
      << out;
  EXPECT_EQ(sh("run bad.yaml", &out), 2);
  test::write_text(dir_ / "nostore.yaml",
                   "job: aggregate\nstore: nowhere/\noutput: o/\nsource: claim\n"
                   "group_by: [year]\nmeasures: [lines]\n");
  EXPECT_EQ(sh("validate nostore.yaml", &out), 0) << out;
  EXPECT_EQ(sh("run nostore.yaml", &out), 3) << out;
  EXPECT_FALSE(fs::exists(dir_ / "o" / "manifest.json"));
}

// np x threads x shards on a generated extract.
TEST(AggregateCliDeterminism, ResultCsvIsByteIdenticalForAnyRanksThreadsAndShards) {
  test::TempDir dir;
  std::string out;
  const std::string bin = test::snds_bin();
  const std::string cd = "cd " + dir.path().string() + " && ";
  ASSERT_EQ(test::run_command(
                cd + bin + " generate --patients 1500 --seed 11 --years 2019-2020 --out ext", &out),
            0)
      << out;
  const std::vector<std::pair<std::string, std::string>> jobs = {
      {"disp",
       "source: dispensing\ngroup_by: [atc3, year, sex, age_band]\nmeasures: [boxes, lines, "
       "patients]\n"},
      {"stay", "source: hospital_stay\ngroup_by: [dp, month]\nmeasures: [lines, days, patients]\n"},
      {"claim",
       "source: claim\ngroup_by: [month, department]\nmeasures: [amount, lines, patients]\n"}};
  std::map<std::string, std::string> reference;
  for (const int shards : {1, 7, 64}) {
    const std::string store = fmt::format("store{}", shards);
    test::write_text(dir / (store + ".yaml"),
                     fmt::format("store: {}/\nshards: {}\ninputs: ext/\n", store, shards));
    ASSERT_EQ(test::run_command(cd + bin + " ingest " + store + ".yaml", &out), 0) << out;
    // Every np x threads on the 7-shard store; the corners on the others (keeps the suite fast).
    std::vector<std::pair<int, int>> layouts = {{1, 1}, {4, 2}};
    if (shards == 7) layouts = {{1, 1}, {1, 2}, {2, 1}, {2, 2}, {3, 1}, {3, 2}, {4, 1}, {4, 2}};
    for (const auto& [np, threads] : layouts) {
      for (const auto& [name, body] : jobs) {
        const std::string tag = fmt::format("{}_s{}_np{}_t{}", name, shards, np, threads);
        test::write_text(dir / (tag + ".yaml"),
                         fmt::format("job: aggregate\nstore: {}/\noutput: out/{}/\n{}"
                                     "disclosure: {{min_patients: 3}}\n",
                                     store, tag, body));
        const std::string launch =
            np == 1 ? bin : fmt::format("mpirun -n {} --oversubscribe {}", np, bin);
        ASSERT_EQ(test::run_command(
                      cd + launch + fmt::format(" run {}.yaml --threads {}", tag, threads), &out),
                  0)
            << tag << ": " << out;
        const std::string csv = test::read_text(dir / "out" / tag / "result.csv");
        auto [it, fresh] = reference.try_emplace(name, csv);
        if (fresh) {
          EXPECT_GT(std::count(csv.begin(), csv.end(), '\n'), 20) << name;
        } else {
          EXPECT_EQ(csv, it->second) << tag;
        }
      }
    }
  }
}

}  // namespace
}  // namespace snds
