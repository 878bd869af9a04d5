// No message quotes a patient identifier (issue #12, case 10): a generated extract is broken in
// the ways users break theirs (no header row, a header of data, unparsable rows over the reject
// limit, a duplicated file, a misnamed table, a job on a store lacking its table...) and every
// line the commands print, on stdout and stderr, is searched for the extract's BEN_NIR_PSA
// values. Release 0.1.0 printed one ("column KQPI... appears twice in the header"). The reject
// file is the one place raw lines go (docs/ingest.md): it is not searched.
#include <gtest/gtest.h>

#include <set>
#include <sstream>

#include <fmt/format.h>

#include "tests/support/test_support.hpp"

namespace snds {
namespace {

namespace fs = std::filesystem;

class NoIdentifierInMessages : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string out;
    ASSERT_EQ(sh(fmt::format("{} generate --patients 300 --seed 5 --quirks none --out ext",
                             test::snds_bin()),
                 &out),
              0)
        << out;
    // The identifiers: IR_BEN_R's first column (canonical order without quirks).
    for (const auto& entry : fs::directory_iterator(dir_ / "ext"))
      if (entry.path().filename().string().starts_with("IR_BEN_R")) ben_ = entry.path();
    std::istringstream lines(test::read_text(ben_));
    std::string line;
    std::getline(lines, line);
    ASSERT_TRUE(line.starts_with("BEN_NIR_PSA;")) << line;
    while (std::getline(lines, line)) ids_.insert(line.substr(0, line.find(';')));
    ASSERT_GT(ids_.size(), 250u);
  }
  int sh(const std::string& command, std::string* out) {
    return test::run_command(fmt::format("cd {} && {} 2>&1", dir_.path().string(), command), out);
  }
  // Runs `args` on the binary, expects `code`, and keeps what it printed.
  void run(const std::string& args, int code) {
    std::string out;
    EXPECT_EQ(sh(test::snds_bin() + " " + args, &out), code) << args << "\n" << out;
    printed_ += out;
  }
  // A copy of the extract with `edit` applied to one table's file, ingested (expecting `code`).
  void ingest_edited(const std::string& name, const std::function<void(const fs::path&)>& edit,
                     int code, const std::string& extra = "") {
    const fs::path copy = dir_ / name;
    fs::copy(dir_ / "ext", copy, fs::copy_options::recursive);
    edit(copy);
    test::write_text(
        dir_ / (name + ".yaml"),
        fmt::format("store: {}_store/\nshards: 3\ninputs: {}/\n{}", name, name, extra));
    run("ingest " + name + ".yaml", code);
  }
  fs::path file_of(const fs::path& folder, const std::string& table) const {
    for (const auto& entry : fs::directory_iterator(folder))
      if (entry.path().filename().string().starts_with(table)) return entry.path();
    return {};
  }
  test::TempDir dir_;
  fs::path ben_;
  std::set<std::string> ids_;
  std::string printed_;
};

TEST_F(NoIdentifierInMessages, NoCommandPrintsAPatientIdentifier) {
  const auto drop_header = [&](const std::string& table) {
    return [&, table](const fs::path& folder) {
      const fs::path f = file_of(folder, table);
      const std::string text = test::read_text(f);
      test::write_text(f, text.substr(text.find('\n') + 1));
    };
  };
  // No header row: line 1 is a patient's row (its identifier, repeated, was quoted).
  ingest_edited("noheader_ben", drop_header("IR_BEN_R"), 3);
  ingest_edited("noheader_prs", drop_header("ER_PRS_F"), 3);
  // A header made of a data row whose identifier appears twice.
  ingest_edited(
      "twice",
      [&](const fs::path& folder) {
        const fs::path f = file_of(folder, "IR_BEN_R");
        const std::string id = *ids_.begin();
        test::write_text(f, id + ";1;" + id + "\n" + test::read_text(f));
      },
      3);
  // Rows that do not parse, over the reject limit, and a quote left open.
  ingest_edited(
      "bad_rows",
      [&](const fs::path& folder) {
        const fs::path f = file_of(folder, "IR_BEN_R");
        std::string text = test::read_text(f);
        for (const auto& id : ids_) text += id + ";x;y;not-a-year;13;999;32/13/2020\n";
        test::write_text(f, text);
      },
      3, "max_reject_ratio: 0.01\n");
  ingest_edited(
      "open_quote",
      [&](const fs::path& folder) {
        const fs::path f = file_of(folder, "IR_BEN_R");
        test::write_text(f, test::read_text(f) + "\"" + *ids_.begin() + ";1;2;1950;01;75;\n");
      },
      3, "max_reject_ratio: 0\n");
  // A duplicated file, a misnamed table.
  ingest_edited(
      "dup", [&](const fs::path& folder) { fs::copy_file(ben_, folder / "IR_BEN_R_copy.csv"); }, 3);
  ingest_edited(
      "misnamed",
      [&](const fs::path& folder) {
        const fs::path f = file_of(folder, "ER_PHA_F");
        fs::rename(f, folder / "ER_PHA_F2020.csv");
      },
      0, "max_reject_ratio: 0.5\n");
  // Jobs on that store: one needing the missing table, one running; inspect.
  test::write_text(dir_ / "disp.yaml",
                   "job: aggregate\nstore: misnamed_store/\noutput: disp/\nsource: dispensing\n"
                   "group_by: [year]\nmeasures: [boxes]\n");
  run("run disp.yaml", 3);
  test::write_text(dir_ / "claims.yaml",
                   "job: aggregate\nstore: misnamed_store/\noutput: claims/\nsource: claim\n"
                   "group_by: [year, sex]\nmeasures: [lines, patients]\n");
  run("run claims.yaml", 0);
  run("inspect misnamed_store/", 0);
  run("inspect misnamed_store/ --json", 0);

  ASSERT_NE(printed_.find("error:"), std::string::npos) << printed_;
  for (const auto& id : ids_)
    ASSERT_EQ(printed_.find(id), std::string::npos) << id << "\n" << printed_;
  // The test can fail: the identifiers are in the inputs and in the reject files.
  EXPECT_NE(test::read_text(dir_ / "bad_rows_store" / "rejects.csv").find(*ids_.begin()),
            std::string::npos);
}

}  // namespace
}  // namespace snds
