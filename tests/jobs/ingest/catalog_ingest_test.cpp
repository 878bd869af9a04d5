// Any table of the catalog is ingested with the schema's types, routed by its patient link:
// patient-keyed tables to their shard, DCIR detail tables through ER_PRS_F, PMSI tables of any
// field through their C table, referentials stored once. Rows reconcile, bad values are rejects
// naming file, line and column, and the store is the same for any rank and shard count.
#include <gtest/gtest.h>

#include <fstream>

#include <fmt/format.h>
#include <boost/json.hpp>

#include "core/atomic_file.hpp"
#include "core/hash.hpp"
#include "core/store/shard_reader.hpp"
#include "core/store/store_layout.hpp"
#include "jobs/commands.hpp"
#include "jobs/config_keys.hpp"
#include "jobs/ingest/ingest_config.hpp"
#include "jobs/ingest/ingest_run.hpp"
#include "runtime/communicator.hpp"
#include "tests/support/store_dump.hpp"
#include "tests/support/test_support.hpp"

namespace snds {
namespace fs = std::filesystem;

namespace {

constexpr int kPatients = 40;
constexpr const char* kKeys =
    "DCT_ORD_NUM;FLX_DIS_DTD;FLX_EMT_NUM;FLX_EMT_ORD;FLX_EMT_TYP;FLX_TRT_DTD;ORG_CLE_NUM;"
    "PRS_ORD_NUM;REM_TYP_AFF";

std::string nir(int i) {
  return fmt::format("N{:016}", i);
}
// The 9 DCIR keys of patient i's claim line (k = 0) or of a line no claim has (k = 1).
std::string keys(int i, int k = 0) {
  return fmt::format("{};2020-02-01;1;1;1;2020-02-01;01C751;{};0", 1000 + i, k == 0 ? 1 : 99);
}

void write(const fs::path& p, const std::string& text) {
  fs::create_directories(p.parent_path());
  std::ofstream(p) << text;
}

// Rows read per table, and how many of them are rejected or orphans.
struct Expected {
  uint64_t read = 0, rejected = 0, orphans = 0;
};

std::map<std::string, Expected> write_extract(const fs::path& in) {
  std::map<std::string, Expected> e;
  std::string ben =
      "BEN_NIR_PSA;BEN_RNG_GEM;BEN_SEX_COD;BEN_NAI_ANN;BEN_NAI_MOI;BEN_RES_DPT;"
      "BEN_DCD_DTE\n";
  std::string prs = std::string(kKeys) +
                    ";BEN_NIR_PSA;BEN_RNG_GEM;EXE_SOI_DTD;PRS_NAT_REF;PRS_ACT_QTE;PRS_PAI_MNT;"
                    "DPN_QLF\n";
  std::string imb =
      "NUM_ENQ;BEN_RNG_GEM;IMB_ALD_NUM;IMB_ALD_DTD;IMB_ALD_DTF;IMB_ETM_NAT;"
      "MED_MTF_COD;UPD_DTE\n";
  std::string cam = std::string(kKeys) + ";CAM_PRS_IDE;CAM_ACT_PRU;CAM_TRT_PHA\n";
  std::string bio = std::string(kKeys) + ";BIO_PRS_IDE;BIO_ACT_QSN\n";
  std::string ete = std::string(kKeys) + ";ETE_IND_TAA;ETE_GHS_NUM\n";
  std::string mco_c =
      "ETA_NUM;RSA_NUM;NIR_ANO_17;EXE_SOI_DTD;EXE_SOI_DTF;NIR_RET;NAI_RET;SEX_RET;"
      "SEJ_RET;FHO_RET;PMS_RET;DAT_RET;ENT_DAT\n";
  std::string mco_b = "ETA_NUM;RSA_NUM;DGN_PAL;DGN_REL;GRG_GHM;SEJ_NBJ\n";
  std::string mco_a = "ETA_NUM;RSA_NUM;CDC_ACT;ENT_DAT_DEL;NBR_EXE_ACT\n";
  std::string ssr_c = "ETA_NUM;RHA_NUM;NIR_ANO_17;EXE_SOI_DTD;EXE_SOI_DTF;SEJ_RET;EXE_SOI_AMD\n";
  std::string ssr_b = "ETA_NUM;RHA_NUM;RHS_NUM;MOI_ANN_SOR_SEJ;AGE_ANN\n";
  for (int i = 0; i < kPatients; ++i) {
    ben += fmt::format("{};1;{};19{};{:02};075;\n", nir(i), 1 + i % 2, 40 + i, 1 + i % 12);
    prs += fmt::format("{};{};1;2020-02-0{};1111;1;12,5;0\n", keys(i), nir(i), 1 + i % 9);
    imb += fmt::format("{};1;{};2019-0{}-01;;{};E11;2021-01-01\n", nir(i), 8 + i % 3, 1 + i % 9,
                       i % 5 == 0 ? 41 : 0);
    cam += fmt::format("{};YYYY{:03};25.5;0\n", keys(i), i);
    bio += fmt::format("{};1577;1\n", keys(i));
    if (i % 2 == 0) ete += fmt::format("{};1;{}\n", keys(i), 100 + i);
    const std::string eta = fmt::format("{:09}", 750000000 + i % 4);
    mco_c += fmt::format("{};{:010};{};2019-03-0{};2019-03-1{};0;0;0;0;0;0;0;0{}032019\n", eta, i,
                         nir(i), 1 + i % 9, i % 9, 1 + i % 9);
    mco_b += fmt::format("{};{:010};S7200;;08C481;{}\n", eta, i, 3 + i % 5);
    mco_a += fmt::format("{};{:010};NEKA020;0;1\n", eta, i);
    mco_a += fmt::format("{};{:010};ZBQK002;1;1\n", eta, i);
    if (i % 3 == 0) {
      ssr_c += fmt::format("{};{:07};{};2019-04-01;2019-04-20;0;201904\n", eta, i, nir(i));
      ssr_b += fmt::format("{};{:07};1;201904;{}\n", eta, i, 40 + i);
      ssr_b += fmt::format("{};{:07};2;201904;{}\n", eta, i, 40 + i);
    }
  }
  e["IR_BEN_R"].read = kPatients;
  e["ER_PRS_F"].read = kPatients;
  e["IR_IMB_R"].read = kPatients;
  e["ER_CAM_F"].read = kPatients;
  e["ER_BIO_F"].read = kPatients;
  e["ER_ETE_F"].read = kPatients / 2;
  e["T_MCO19C"].read = kPatients;
  e["T_MCO19B"].read = kPatients;
  e["T_MCO19A"].read = 2 * kPatients;
  e["T_SSR19C"].read = (kPatients + 2) / 3;
  e["T_SSR19B"].read = 2 * ((kPatients + 2) / 3);
  // Orphans: acts and lab tests of claim lines absent from ER_PRS_F, PMSI rows of absent stays.
  cam += fmt::format("{};YYYY999;1;0\n{};YYYY998;1;0\n", keys(1, 1), keys(2, 1));
  e["ER_CAM_F"].read += 2;
  e["ER_CAM_F"].orphans = 2;
  bio += fmt::format("{};1577;1\n", keys(3, 1));
  e["ER_BIO_F"].read += 1;
  e["ER_BIO_F"].orphans = 1;
  mco_a += "759999999;0000099999;NEKA020;0;1\n";
  e["T_MCO19A"].read += 1;
  e["T_MCO19A"].orphans = 1;
  ssr_b += "750000000;9999999;1;201904;50\n";
  e["T_SSR19B"].read += 1;
  e["T_SSR19B"].orphans = 1;
  // Values that do not parse as the schema's type: rejects.
  bio += fmt::format("{};x1;1\n", keys(4));                         // BIO_PRS_IDE is an integer
  imb += fmt::format("{};1;8;2019-13-01;;0;E11;\n", nir(5));        // IMB_ALD_DTD is a date
  ssr_c += "750000000;8888888;X;2019-04-01;2019-04-02;0;201913\n";  // EXE_SOI_AMD is YYYYMM
  ben += fmt::format("{};1;x1;1950;01;075;\n", nir(99));            // BEN_SEX_COD is an integer
  for (auto t : {"ER_BIO_F", "IR_IMB_R", "T_SSR19C", "IR_BEN_R"}) {
    e[t].read += 1;
    e[t].rejected += 1;
  }
  // Referentials: no patient column, no join.
  const std::string cci =
      "BEN_IDT_ANO;BEN_NIR_ANO;BEN_DCD_DTE;DCD_CIM_COD;FLX_PER_ANN\n"
      "A0000000000000001;B0000000000000001;2021-05-03;I219;2021\n"
      "A0000000000000002;B0000000000000002;2022-01-10;C349;2022\n";
  e["KI_CCI_R"].read = 2;
  const std::string pra =
      "PFS_PFS_NUM;IPP_SEX_COD;IPP_ANN_NAI;DTE_MOI_FIN\n"
      "123456789;1;1960;7\n987654321;2;1971;12\n111111111;2;1980;\n";
  e["DA_PRA_R"].read = 3;

  write(in / "IR_BEN_R.csv", ben);
  write(in / "DCIR" / "ER_PRS_F_2020.csv", prs);
  write(in / "DCIR" / "er_cam_f_2020.csv", cam);
  write(in / "DCIR" / "ER_BIO_F.csv", bio);
  write(in / "DCIR" / "ER_ETE_F.csv", ete);
  write(in / "IR_IMB_R.csv", imb);
  write(in / "PMSI" / "T_MCO19C.csv", mco_c);
  write(in / "PMSI" / "T_MCO19B.csv", mco_b);
  write(in / "PMSI" / "t_mco19a.csv", mco_a);
  write(in / "PMSI" / "T_SSR19C.csv", ssr_c);
  write(in / "PMSI" / "T_SSR19B_part1.csv", ssr_b);
  write(in / "KI_CCI_R.csv", cci);
  write(in / "DA_PRA_R.csv", pra);
  return e;
}

// A reject ratio above the small tables' one planted reject.
void write_config(const fs::path& yaml, const fs::path& in, const fs::path& store, int shards,
                  const std::string& extra = "") {
  write(yaml, fmt::format("store: {}\nshards: {}\ninputs: {}\nmax_reject_ratio: 0.1\n{}",
                          store.string(), shards, in.string(), extra));
}

void ingest(const fs::path& yaml, int ranks, int threads) {
  ConfigMap m = load_config(yaml.string());
  const IngestConfig c = read_ingest_config(m);
  run_in_process(ranks, [&](Communicator& comm) {
    CommandContext ctx{comm, threads};
    run_ingest(c, ctx, false);
  });
}

class CatalogIngest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new test::TempDir("catalog-ingest");
    expected_ = write_extract(dir_->path() / "in");
    write_config(dir_->path() / "ref.yaml", dir_->path() / "in", dir_->path() / "ref", 5);
    ingest(dir_->path() / "ref.yaml", 1, 1);
    reference_ = test::dump_store(dir_->path() / "ref");
  }
  static void TearDownTestSuite() { delete dir_; }
  static test::TempDir* dir_;
  static std::map<std::string, Expected> expected_;
  static std::string reference_;
};
test::TempDir* CatalogIngest::dir_ = nullptr;
std::map<std::string, Expected> CatalogIngest::expected_;
std::string CatalogIngest::reference_;

}  // namespace

TEST_F(CatalogIngest, EveryTableIsStoredAndItsRowsReconcile) {
  const auto m = boost::json::parse(read_file(dir_->path() / "ref" / "manifest.json")).as_object();
  const auto& tables = m.at("tables").as_object();
  EXPECT_EQ(tables.size(), expected_.size());
  for (const auto& [name, e] : expected_) {
    SCOPED_TRACE(name);
    ASSERT_TRUE(tables.contains(name));
    const auto& t = tables.at(name).as_object();
    const uint64_t rows = t.at("rows").to_number<uint64_t>();
    EXPECT_EQ(t.at("read").to_number<uint64_t>(), e.read);
    EXPECT_EQ(t.at("rejected").to_number<uint64_t>(), e.rejected);
    EXPECT_EQ(rows + e.rejected, e.read);  // stored (orphans included) + rejected = read
    if (auto* o = t.if_contains("orphans")) {
      EXPECT_EQ(o->to_number<uint64_t>(), e.orphans);
    }
  }
  EXPECT_EQ(tables.at("KI_CCI_R").at("stored").as_string(), "referential");
  EXPECT_EQ(tables.at("ER_CAM_F").at("stored").as_string(), "shards");
  EXPECT_EQ(tables.at("ER_BIO_F").at("column_types").at("BIO_PRS_IDE").as_string(), "int64");
}

TEST_F(CatalogIngest, ABadValueInANewTableIsARejectNamingFileLineAndColumn) {
  const std::string rejects = test::read_text(dir_->path() / "ref" / "rejects.csv");
  EXPECT_NE(rejects.find("ER_BIO_F.csv," + std::to_string(kPatients + 3) +
                         ",column BIO_PRS_IDE: bad integer 'x1'"),
            std::string::npos)
      << rejects;
  EXPECT_NE(rejects.find("column IMB_ALD_DTD: bad date '2019-13-01'"), std::string::npos);
  EXPECT_NE(rejects.find("column EXE_SOI_AMD: bad year-month (YYYYMM) '201913'"),
            std::string::npos);
  EXPECT_NE(rejects.find("column BEN_SEX_COD: bad integer 'x1'"), std::string::npos);
}

TEST_F(CatalogIngest, DetailRowsJoinTheirPatientsShardAndReferentialsAreStoredOnce) {
  const fs::path store = dir_->path() / "ref";
  const uint32_t shards = 5;
  uint64_t cam = 0, ssr_b = 0, imb = 0, mco_a = 0;
  for (uint32_t s = 0; s < shards; ++s) {
    ShardReader reader(shard_path(store, s));
    auto check = [&](const std::string& table, const std::string& patient, uint64_t& n) {
      if (!reader.has_table(table)) return;
      const Batch b = reader.read_table(table);
      for (size_t r = 0; r < b.rows(); ++r)
        EXPECT_EQ(shard_of_patient(b.at(patient).strings.at(r), shards), s) << table;
      n += b.rows();
    };
    check("ER_CAM_F", "BEN_NIR_PSA", cam);
    check("T_SSR19B", "NIR_ANO_17", ssr_b);
    check("IR_IMB_R", "BEN_NIR_PSA", imb);
    check("T_MCO19A", "NIR_ANO_17", mco_a);
    if (reader.has_table("ER_CAM_F")) {
      const Batch b = reader.read_table("ER_CAM_F");
      // The claim line's date and quantity come with the act.
      for (size_t r = 0; r < b.rows(); ++r) {
        EXPECT_NE(b.at("EXE_SOI_DTD").dates[r], kMissingDate);
        EXPECT_EQ(b.at("PRS_ACT_QTE").ints[r], kDecimalScale);
      }
      EXPECT_EQ(b.at("CAM_ACT_PRU").type, ColumnType::kDecimal);
    }
    EXPECT_FALSE(reader.has_table("KI_CCI_R"));
  }
  EXPECT_EQ(cam, static_cast<uint64_t>(kPatients));
  EXPECT_EQ(ssr_b, 2u * ((kPatients + 2) / 3));
  EXPECT_EQ(imb, static_cast<uint64_t>(kPatients));
  EXPECT_EQ(mco_a, 2u * kPatients);
  ShardReader ref(store_referential_path(store));
  EXPECT_FALSE(ref.has_table("IR_PHA_R"));
  EXPECT_EQ(ref.read_table("KI_CCI_R").rows(), 2u);
  EXPECT_EQ(ref.read_table("DA_PRA_R").rows(), 3u);
  EXPECT_EQ(ref.read_table("DA_PRA_R").at("DTE_MOI_FIN").ints[0], 7);
}

TEST_F(CatalogIngest, ContentIsTheSameForAnyRankAndShardCount) {
  for (const auto& [ranks, threads, shards] :
       std::vector<std::tuple<int, int, int>>{{2, 1, 5}, {2, 2, 1}, {3, 1, 7}, {1, 2, 64}}) {
    SCOPED_TRACE(fmt::format("{} ranks, {} threads, {} shards", ranks, threads, shards));
    const fs::path yaml = dir_->path() / fmt::format("l{}_{}_{}.yaml", ranks, threads, shards);
    const fs::path store = dir_->path() / fmt::format("s{}_{}_{}", ranks, threads, shards);
    write_config(yaml, dir_->path() / "in", store, shards, "read_chunk_kb: 1\n");
    ingest(yaml, ranks, threads);
    EXPECT_EQ(test::dump_store(store), reference_);
  }
}

TEST_F(CatalogIngest, InspectListsEveryTableWithItsColumnsAndTypes) {
  std::string out;
  ASSERT_EQ(
      test::run_command(
          fmt::format("{} inspect {}", test::snds_bin(), (dir_->path() / "ref").string()), &out),
      0)
      << out;
  EXPECT_NE(out.find("columns of ER_BIO_F: BIO_ACT_QSN int64, BIO_PRS_IDE int64, DCT_ORD_NUM"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("BIO_PRS_IDE int64"), std::string::npos) << out;
  EXPECT_NE(out.find("columns of KI_CCI_R (referential): BEN_IDT_ANO string"), std::string::npos)
      << out;
  for (const auto& [name, e] : expected_)
    EXPECT_NE(out.find("columns of " + name), std::string::npos) << name;
  ASSERT_EQ(test::run_command(fmt::format("{} inspect {} --json", test::snds_bin(),
                                          (dir_->path() / "ref").string()),
                              &out),
            0);
  const auto j = boost::json::parse(out.substr(out.find('{'))).as_object();
  const auto& cols = j.at("tables").at("T_SSR19B").at("columns").as_array();
  EXPECT_EQ(cols.at(0).at("name").as_string(), "ETA_NUM");
  EXPECT_EQ(cols.at(0).at("type").as_string(), "string");
}

}  // namespace snds
