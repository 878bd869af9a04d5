// Extracts as they are delivered (contract section 8, "Deliveries"; issue #20): folder trees per
// product and year, stray files beside the tables, and nothing left out in silence. The same rows
// laid out as a tree or flat give the same store, and the manifest accounts for every file.
#include <gtest/gtest.h>

#include <cctype>
#include <functional>
#include <set>

#include <boost/json.hpp>

#include "core/atomic_file.hpp"
#include "core/error.hpp"
#include "jobs/commands.hpp"
#include "jobs/generate/csv_to_sas.hpp"
#include "jobs/ingest/ingest_config.hpp"
#include "jobs/ingest/ingest_run.hpp"
#include "jobs/ingest/input_discovery.hpp"
#include "runtime/communicator.hpp"
#include "tests/support/mini_extract.hpp"
#include "tests/support/store_dump.hpp"
#include "tests/support/test_support.hpp"

namespace snds {
namespace fs = std::filesystem;

namespace {

void ingest(const fs::path& yaml, int ranks, int threads) {
  ConfigMap m = load_config(yaml.string());
  const IngestConfig c = read_ingest_config(m);
  run_in_process(ranks, [&](Communicator& comm) {
    CommandContext ctx{comm, threads};
    run_ingest(c, ctx, false);
  });
}

boost::json::object manifest(const fs::path& store) {
  return boost::json::parse(read_file(store / "manifest.json")).as_object();
}

// The manifest's entry for a file, by its path relative to the inputs folder.
const boost::json::object* listed(const boost::json::object& m, const std::string& relative) {
  for (const auto& v : m.at("inputs").as_array())
    if (v.as_object().at("relative_path").as_string() == relative) return &v.as_object();
  return nullptr;
}

// The same records with another delimiter: `;` outside quotes becomes `d`, and an unquoted field
// holding `d` (a decimal comma) is quoted, as a comma-separated export would write it.
std::string with_delimiter(const std::string& text, char d) {
  std::string out, field;
  bool in_quotes = false, quoted = false;
  auto flush = [&](char end) {
    if (!quoted && field.find(d) != std::string::npos) field = "\"" + field + "\"";
    out += field;
    out += end;
    field.clear();
    quoted = false;
  };
  for (char c : text) {
    if (c == '"') {
      in_quotes = !in_quotes;
      quoted = true;
    }
    if (!in_quotes && (c == ';' || c == '\n')) {
      flush(c == ';' ? d : '\n');
      continue;
    }
    field += c;
  }
  if (!field.empty()) out += field;
  return out;
}

void copy_extract(const fs::path& from, const fs::path& to) {
  fs::create_directories(to);
  for (const auto& e : fs::directory_iterator(from))
    fs::copy_file(e.path(), to / e.path().filename());
}

Error ingest_error(const fs::path& yaml) {
  try {
    ingest(yaml, 1, 1);
  } catch (const Error& e) {
    return e;
  }
  return Error(ExitCode::kOk, "the ingest succeeded");
}

// Copies the flat mini extract into a delivery tree: reference tables at the top, claims per year
// under DCIR/, stays per year under PMSI/, a comma- and a pipe-separated file, the patient table
// as a SAS table, plus what real deliveries carry beside the tables.
void write_tree(const fs::path& flat, const fs::path& tree) {
  auto put = [&](const std::string& from, const std::string& to) {
    fs::create_directories((tree / to).parent_path());
    fs::copy_file(flat / from, tree / to);
  };
  // The patient table as a SAS table (a real one, through ReadStat: core/sas).
  fs::create_directories(tree);
  csv_to_sas(table_spec(TableKind::kIrBenR), flat / "IR_BEN_R.csv", tree / "IR_BEN_R.sas7bdat");
  // The referential comma-separated, one year of claims pipe-separated.
  test::write_text(tree / "IR_PHA_R.csv",
                   with_delimiter(test::read_text(flat / "IR_PHA_R.csv"), ','));
  put("ER_PHA_F.csv", "DCIR/ER_PHA_F.csv");
  put("ER_PRS_F_1.csv", "DCIR/ER_PRS_F/2019/ER_PRS_F_1.csv");
  fs::create_directories(tree / "DCIR/ER_PRS_F/2020");
  test::write_text(tree / "DCIR/ER_PRS_F/2020/ER_PRS_F_2.csv",
                   with_delimiter(test::read_text(flat / "ER_PRS_F_2.csv"), '|'));
  for (const char* t : {"B", "C", "D"})
    put(fmt::format("T_MCO20{}.csv", t),
        fmt::format("PMSI/2020/t_mco20{}.csv", static_cast<char>(std::tolower(*t))));
  test::write_text(tree / "README.md", "Extraction du 2026-11-02, projet X.\n");
  // A table under a name the ingest does not take (missing '_'): listed, not read.
  test::write_text(tree / "DCIR/ER_PRS_F2021.csv",
                   test::read_text(flat / "ER_PRS_F_1.csv").substr(0, 200));
  test::write_text(tree / ".DS_Store", "\x01\x02");
  test::write_text(tree / "PMSI/.~lock.T_MCO20B.csv#", "x");
  // A link back to the top: followed once, never looped through.
  fs::create_directory_symlink("..", tree / "PMSI" / "all");
}

class DeliveryFixture : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new test::TempDir("deliveries");
    counts_ = test::write_mini_extract(dir_->path() / "flat", 300, 11);
    write_tree(dir_->path() / "flat", dir_->path() / "tree");
    test::write_ingest_config(dir_->path() / "flat.yaml", dir_->path() / "flat",
                              dir_->path() / "flat_store", 4);
    ingest(dir_->path() / "flat.yaml", 1, 1);
    flat_ = test::dump_store(dir_->path() / "flat_store", false, false);
  }
  static void TearDownTestSuite() { delete dir_; }
  static test::TempDir* dir_;
  static std::map<std::string, test::MiniCounts> counts_;
  static std::string flat_;
};
test::TempDir* DeliveryFixture::dir_ = nullptr;
std::map<std::string, test::MiniCounts> DeliveryFixture::counts_;
std::string DeliveryFixture::flat_;

}  // namespace

TEST(InputDiscovery, WalksSortedSkipsHiddenAndNamesWhyAFileIsNotRead) {
  test::TempDir dir("discovery");
  test::write_text(dir / "b" / "2020" / "ER_PRS_F_2020.csv", "x");
  test::write_text(dir / "b" / "2019" / "ER_PRS_F_2019.csv", "x");
  test::write_text(dir / "a" / "notes.txt", "x");
  test::write_text(dir / ".git" / "IR_BEN_R.csv", "x");
  test::write_text(dir / "store" / "IR_BEN_R.csv", "x");
  fs::create_symlink(dir / "b" / "2019" / "ER_PRS_F_2019.csv", dir / "b" / "ER_PRS_F_link.csv");
  fs::create_symlink(dir / "nowhere.csv", dir / "IR_BEN_R.csv");
  const auto files = discover_inputs(dir.path().string(), (dir / "store").string());
  std::vector<std::string> seen;
  for (const auto& f : files) seen.push_back(f.relative + (f.taken ? " +" : " - " + f.reason));
  const std::vector<std::string> expected = {
      "IR_BEN_R.csv - symbolic link to nothing",
      "a/notes.txt - name is not an SNDS table the ingest reads",
      "b/2019/ER_PRS_F_2019.csv +",
      "b/2020/ER_PRS_F_2020.csv +",
      "b/ER_PRS_F_link.csv - same file as b/2019/ER_PRS_F_2019.csv (reached twice through a "
      "symbolic link)",
  };
  EXPECT_EQ(seen, expected);
  EXPECT_EQ(input_format("a/T_MCO19B.CSV.gz"), "csv.gz");
  EXPECT_EQ(input_format("x.sas7bdat"), "sas7bdat");
  EXPECT_EQ(input_format("README.md"), "md");
  EXPECT_EQ(input_format("LISEZMOI"), "");
}

TEST_F(DeliveryFixture, ATreeGivesTheStoreOfTheFlatFolderAndListsEveryFile) {
  const fs::path tree = dir_->path() / "tree";
  const fs::path store = dir_->path() / "tree_store";
  test::write_ingest_config(dir_->path() / "tree.yaml", tree, store, 4);
  ingest(dir_->path() / "tree.yaml", 2, 2);
  EXPECT_EQ(test::dump_store(store, false, false), flat_);

  const auto m = manifest(store);
  // Every file of the tree that is not hidden is listed once, read or not; hidden ones are not.
  std::set<std::string> on_disk;
  for (auto it = fs::recursive_directory_iterator(tree); it != fs::recursive_directory_iterator();
       ++it) {
    const std::string name = it->path().filename().string();
    if (name[0] == '.' || it->is_symlink()) {
      if (it->is_directory()) it.disable_recursion_pending();
      continue;
    }
    if (it->is_regular_file()) on_disk.insert(fs::relative(it->path(), tree).generic_string());
  }
  std::set<std::string> in_manifest;
  for (const auto& v : m.at("inputs").as_array())
    EXPECT_TRUE(in_manifest.insert(std::string(v.at("relative_path").as_string())).second)
        << v.at("relative_path").as_string() << " listed twice";
  EXPECT_EQ(in_manifest, on_disk);

  const auto* readme = listed(m, "README.md");
  ASSERT_NE(readme, nullptr);
  EXPECT_FALSE(readme->at("taken").as_bool());
  EXPECT_TRUE(readme->at("table").is_null());
  EXPECT_EQ(readme->at("format").as_string(), "md");
  EXPECT_NE(std::string(readme->at("reason").as_string()).find("not an SNDS table"),
            std::string::npos);
  EXPECT_FALSE(listed(m, "DCIR/ER_PRS_F2021.csv")->at("taken").as_bool());
  const auto* sas = listed(m, "IR_BEN_R.sas7bdat");
  ASSERT_NE(sas, nullptr);
  EXPECT_EQ(sas->at("format").as_string(), "sas7bdat");
  EXPECT_TRUE(sas->at("taken").as_bool());
  EXPECT_EQ(sas->at("table").as_string(), "IR_BEN_R");
  EXPECT_TRUE(sas->at("delimiter").is_null());
  EXPECT_EQ(listed(m, "IR_PHA_R.csv")->at("delimiter").as_string(), ",");
  EXPECT_EQ(listed(m, "DCIR/ER_PRS_F/2020/ER_PRS_F_2.csv")->at("delimiter").as_string(), "|");
  EXPECT_EQ(listed(m, "DCIR/ER_PHA_F.csv")->at("delimiter").as_string(), ";");
  const auto* stays = listed(m, "PMSI/2020/t_mco20c.csv");
  ASSERT_NE(stays, nullptr);
  EXPECT_EQ(stays->at("table").as_string(), "T_MCO20C");

  // Every row read is in a file listed as read: the files' rows add up to the tables'.
  std::map<std::string, uint64_t> rows_by_table, rejected_by_table;
  for (const auto& v : m.at("inputs").as_array()) {
    const auto& o = v.as_object();
    if (!o.at("taken").as_bool()) continue;
    rows_by_table[std::string(o.at("table").as_string())] +=
        o.at("rows_read").to_number<uint64_t>();
    rejected_by_table[std::string(o.at("table").as_string())] +=
        o.at("rejected").to_number<uint64_t>();
  }
  for (const auto& [name, c] : counts_) {
    SCOPED_TRACE(name);
    // The SAS table holds the patient rows without the malformed ones (no SAS form).
    const bool sas_table = name == "IR_BEN_R";
    EXPECT_EQ(rows_by_table[name], sas_table ? c.written - c.rejected : c.written);
    EXPECT_EQ(rejected_by_table[name], sas_table ? 0 : c.rejected);
    EXPECT_EQ(m.at("tables").at(name).at("read").to_number<uint64_t>(), rows_by_table[name]);
  }

  std::string out;
  ASSERT_EQ(test::run_command(fmt::format("{} inspect {}", test::snds_bin(), store.string()), &out),
            0)
      << out;
  // README.md and the misnamed claims file are the two not read.
  EXPECT_NE(out.find(fmt::format("inputs: {} file(s) found, {} read, 2 not read", on_disk.size(),
                                 on_disk.size() - 2)),
            std::string::npos)
      << out;
}

TEST_F(DeliveryFixture, CommaPipeAndTabFilesGiveTheStoreOfTheirSemicolonTwins) {
  const fs::path in = dir_->path() / "delimited";
  copy_extract(dir_->path() / "flat", in);
  const std::map<std::string, char> converted = {{"IR_BEN_R.csv", ','},
                                                 {"ER_PRS_F_1.csv", '|'},
                                                 {"ER_PRS_F_2.csv", ','},  // decimal commas: quoted
                                                 {"ER_PHA_F.csv", '|'},
                                                 {"T_MCO20C.csv", '\t'}};
  size_t quotes_added = 0;
  for (const auto& [file, d] : converted) {
    const std::string before = test::read_text(in / file);
    const std::string after = with_delimiter(before, d);
    quotes_added +=
        std::count(after.begin(), after.end(), '"') - std::count(before.begin(), before.end(), '"');
    test::write_text(in / file, after);
  }
  ASSERT_GT(quotes_added, 0u) << "no decimal comma was quoted: quoted delimiters not covered";
  const fs::path store = dir_->path() / "delimited_store";
  test::write_ingest_config(dir_->path() / "delimited.yaml", in, store, 4);
  ingest(dir_->path() / "delimited.yaml", 2, 1);
  EXPECT_EQ(test::dump_store(store, false, false), flat_);
  const auto m = manifest(store);
  for (const auto& [file, d] : converted)
    EXPECT_EQ(listed(m, file)->at("delimiter").as_string(), std::string(1, d)) << file;
  EXPECT_EQ(listed(m, "T_MCO20B.csv")->at("delimiter").as_string(), ";");
}

TEST_F(DeliveryFixture, TheDelimitersKeyForcesAFilesOrATablesDelimiter) {
  const fs::path in = dir_->path() / "forced";
  copy_extract(dir_->path() / "flat", in);
  test::write_text(in / "IR_BEN_R.csv", with_delimiter(test::read_text(in / "IR_BEN_R.csv"), ','));
  const fs::path yaml = dir_->path() / "forced.yaml";
  test::write_ingest_config(yaml, in, dir_->path() / "forced_store", 4,
                            "delimiters:\n  IR_BEN_R: ','\n  ER_PRS_F_1.csv: semicolon\n");
  ingest(yaml, 1, 2);
  EXPECT_EQ(test::dump_store(dir_->path() / "forced_store", false, false), flat_);
  // Forced wrong, the header splits into no column: refused, naming the file.
  test::write_ingest_config(yaml, in, dir_->path() / "forced_wrong", 4,
                            "delimiters:\n  IR_BEN_R.csv: '|'\n");
  const Error e = ingest_error(yaml);
  EXPECT_EQ(e.code(), ExitCode::kData) << e.what();
  EXPECT_NE(std::string(e.what()).find("IR_BEN_R.csv lacks BEN_NIR_PSA"), std::string::npos)
      << e.what();
  // A key naming nothing is a config error, not a silent no-op.
  test::write_ingest_config(yaml, in, dir_->path() / "forced_typo", 4,
                            "delimiters:\n  IR_BEN.csv: ','\n");
  EXPECT_EQ(ingest_error(yaml).code(), ExitCode::kUsage);
  test::write_ingest_config(yaml, in, dir_->path() / "forced_typo", 4,
                            "delimiters:\n  IR_BEN_R: ':'\n");
  EXPECT_THROW(ingest(yaml, 1, 1), Error);
}

TEST(DeliveryRefusals, NoPatientTableNoClaimsForPharmacyLinesAndEveryMissingColumnAtOnce) {
  test::TempDir dir("refusals");
  test::write_mini_extract(dir / "full", 40, 3);
  auto refusal = [&](const std::string& name, const std::function<void(const fs::path&)>& edit) {
    const fs::path in = dir / name;
    copy_extract(dir / "full", in);
    edit(in);
    test::write_ingest_config(dir / (name + ".yaml"), in, dir / (name + "_store"), 2);
    const Error e = ingest_error(dir / (name + ".yaml"));
    EXPECT_EQ(e.code(), ExitCode::kData) << e.what();
    EXPECT_FALSE(fs::exists(dir / (name + "_store"))) << "refused after writing";
    return std::string(e.what());
  };
  std::string msg = refusal("no_ben", [](const fs::path& in) { fs::remove(in / "IR_BEN_R.csv"); });
  EXPECT_NE(msg.find("no IR_BEN_R file"), std::string::npos) << msg;
  EXPECT_NE(msg.find("ER_PRS_F, IR_PHA_R"), std::string::npos) << msg;

  msg = refusal("no_prs", [](const fs::path& in) {
    fs::remove(in / "ER_PRS_F_1.csv");
    fs::remove(in / "ER_PRS_F_2.csv");
  });
  EXPECT_NE(msg.find("ER_PHA_F is in"), std::string::npos) << msg;
  EXPECT_NE(msg.find("no ER_PRS_F"), std::string::npos) << msg;

  // Two files, three columns missing: all named in one message.
  msg = refusal("columns", [](const fs::path& in) {
    test::write_text(in / "T_MCO20C.csv",
                     "ETA_NUM;RSA_NUM;NIR_ANO_17;EXE_SOI_DTD;NIR_RET;NAI_RET;SEX_RET;SEJ_RET;"
                     "FHO_RET;PMS_RET\n");
    test::write_text(in / "IR_PHA_R.csv", "PHA_CIP_C13;PHA_LABEL\n");
  });
  EXPECT_NE(msg.find("2 input file(s) lack required columns"), std::string::npos) << msg;
  EXPECT_NE(msg.find("IR_PHA_R.csv lacks PHA_ATC_C07"), std::string::npos) << msg;
  EXPECT_NE(msg.find("T_MCO20C.csv lacks EXE_SOI_DTF, DAT_RET"), std::string::npos) << msg;

  msg = refusal("nothing", [](const fs::path& in) {
    for (const auto& e : fs::directory_iterator(in))
      fs::rename(e.path(), e.path().string() + ".txt");
  });
  EXPECT_NE(msg.find("no input table found"), std::string::npos) << msg;
}

}  // namespace snds
