// File quirks change how an extract is written, never what it holds; `none` gives the plainest
// files; event quirks only add what they are counted for.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>

#include <boost/json.hpp>

#include "jobs/generate/generate_options.hpp"
#include "jobs/generate/generator.hpp"
#include "runtime/communicator.hpp"
#include "tests/jobs/generate/extract_reader.hpp"
#include "tests/support/test_support.hpp"

namespace snds {
namespace {

namespace fs = std::filesystem;

synth::GeneratorOptions options(const std::string& quirks) {
  synth::GeneratorOptions o;
  o.patients = 300;
  o.seed = 21;
  o.first_year = 2021;
  o.last_year = 2022;
  o.quirks = parse_quirks(quirks);
  return o;
}

void generate(const synth::GeneratorOptions& o, const fs::path& dir) {
  run_in_process(1, [&](Communicator& c) { generate_extract(o, dir, c, 1); });
}

std::string all_text(const fs::path& dir, const std::string& prefix) {
  std::string s;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().filename().string().rfind(prefix, 0) == 0) s += test::read_maybe_gzip(e.path());
  return s;
}

const char* kTables[] = {"IR_BEN_R", "ER_PRS_F", "ER_PHA_F", "IR_PHA_R", "T_MCO21B",
                         "T_MCO21C", "T_MCO21D", "T_MCO22B", "T_MCO22C", "T_MCO22D"};

TEST(GenerateQuirks, FileQuirksChangeTheTextButNotTheRows) {
  test::TempDir plain("snds-gen-plain"), dressed("snds-gen-dressed");
  generate(options("none"), plain.path());
  generate(
      options(
          "none,dates=1,missing1600=1,decimal_comma=1,num_enq=1,shuffle=1,extra_columns=1,gzip=1,"
          "quotes=0.3"),
      dressed.path());
  for (const char* table : kTables) {
    const auto a = test::read_table(plain.path(), table);
    const auto b = test::read_table(dressed.path(), table);
    EXPECT_EQ(a.rejected + b.rejected, 0u) << table;
    const auto cols = test::contract_columns(table);
    EXPECT_TRUE(test::row_set(a, cols) == test::row_set(b, cols)) << table;
    for (const auto& f : b.files) EXPECT_TRUE(f.ends_with(".csv.gz")) << f;
  }
  const std::string ben = all_text(dressed.path(), "IR_BEN_R");
  EXPECT_NE(ben.substr(0, ben.find('\n')).find("NUM_ENQ"), std::string::npos);
  EXPECT_NE(ben.find("BEN_IDT_ANO"), std::string::npos);
  EXPECT_TRUE(ben.find("01/01/1600") != std::string::npos ||
              ben.find("01JAN1600:00:00:00") != std::string::npos);
  EXPECT_EQ(ben.find("1600-01-01"), std::string::npos);
  const std::string prs = all_text(dressed.path(), "ER_PRS_F");
  EXPECT_NE(prs.find(",00"), std::string::npos);
  EXPECT_NE(prs.find("\";\""), std::string::npos);
  EXPECT_NE(all_text(dressed.path(), "T_MCO21C").find(":00:00:00"), std::string::npos);
  EXPECT_NE(all_text(dressed.path(), "IR_PHA_R").find("\"\"GE\"\""), std::string::npos);
}

TEST(GenerateQuirks, NoneGivesPlainFilesInTheContractColumnOrder) {
  test::TempDir dir("snds-gen-none");
  generate(options("none"), dir.path());
  for (const char* table : kTables) {
    const std::string text = all_text(dir.path(), table);
    std::string header;
    for (const auto& c : test::contract_columns(table)) header += c + ";";
    // Beyond the reference, what Open Medic's measures and dimensions and the cohort's exposures by
    // pack size read.
    if (std::string_view(table) == "ER_PRS_F") header += "BSE_REM_MNT;PSP_SPE_COD;";
    if (std::string_view(table) == "IR_PHA_R") header += "PHA_CND_TOP;PHA_GRP_GEN;";
    header.back() = '\n';
    EXPECT_EQ(text.substr(0, header.size()), header) << table;
    EXPECT_EQ(text.find('"'), std::string::npos) << table;
    EXPECT_EQ(text.find("1600-01-01"), std::string::npos) << table;  // missing dates are empty
    EXPECT_EQ(text.find("/"), std::string::npos) << table;           // ISO dates only
  }
  const auto j = boost::json::parse(test::read_text(dir / "generate.json")).as_object();
  for (const char* c : {"patients_missing_from_ir_ben_r", "twin_pairs", "info71_lines",
                        "regularisation_lines", "orphan_rows", "unknown_cip_rows", "late_claims",
                        "invalid_stays", "quoted_rows", "malformed_rows"})
    EXPECT_EQ(j.at("counts").at(c).to_number<uint64_t>(), 0u) << c;
  EXPECT_EQ(j.at("counts").at("ir_ben_r_rows").to_number<uint64_t>(), 300u);
}

TEST(GenerateQuirks, EventQuirksOnlyAddTheRowsTheyAreCountedFor) {
  test::TempDir plain("snds-gen-ev0"), events("snds-gen-ev1");
  generate(options("none"), plain.path());
  generate(options("none,info71=0.2,orphans=0.1"), events.path());
  const auto j = boost::json::parse(test::read_text(events.path() / "generate.json")).as_object();
  const auto a = test::read_table(plain.path(), "ER_PRS_F");
  const auto b = test::read_table(events.path(), "ER_PRS_F");
  EXPECT_EQ(b.rows.size(), a.rows.size() + j.at("counts").at("info71_lines").to_number<uint64_t>());
  // Every plain line is still there, keys included.
  const auto cols = test::contract_columns("ER_PRS_F");
  const auto sa = test::row_set(a, cols), sb = test::row_set(b, cols);
  EXPECT_TRUE(std::includes(sb.begin(), sb.end(), sa.begin(), sa.end()));
  const auto pa = test::read_table(plain.path(), "ER_PHA_F");
  const auto pb = test::read_table(events.path(), "ER_PHA_F");
  EXPECT_GT(pb.rows.size(),
            pa.rows.size() + j.at("counts").at("orphan_rows").to_number<uint64_t>());
}

}  // namespace
}  // namespace snds

namespace snds {
namespace {

TEST(GenerateQuirks, PersonsHaveTwoPseudoNirsSharingABenIdtAnoAndTheirCareSplitByDate) {
  test::TempDir dir("snds-gen-persons");
  generate(options("none,persons=0.2,placeholder_nir=0.05"), dir.path());
  const auto ben = test::read_table(dir.path(), "IR_BEN_R");
  const size_t nir = ben.col("BEN_NIR_PSA"), id = ben.col("BEN_IDT_ANO");
  std::map<std::string, std::set<std::string>> nirs_of_id;
  std::map<std::string, std::string> id_of_nir;
  for (const auto& r : ben.rows) {
    ASSERT_FALSE(r[id].empty());  // BEN_IDT_ANO in every file, on every row
    nirs_of_id[r[id]].insert(r[nir]);
    id_of_nir[r[nir]] = r[id];
  }
  size_t linked = 0;
  for (const auto& [i, n] : nirs_of_id) linked += n.size() > 1 ? 1 : 0;
  EXPECT_GT(linked, 30u);
  EXPECT_LT(linked, 90u);
  // A linked person's claims: first pseudo-NIR strictly before the second's, per person.
  const auto prs = test::read_table(dir.path(), "ER_PRS_F");
  const size_t pn = prs.col("BEN_NIR_PSA"), day = prs.col("EXE_SOI_DTD");
  std::map<std::string, std::pair<std::string, std::string>> span;  // nir -> first, last date
  for (const auto& r : prs.rows) {
    auto [it, fresh] = span.emplace(r[pn], std::pair{r[day], r[day]});
    if (!fresh) {
      it->second.first = std::min(it->second.first, r[day]);
      it->second.second = std::max(it->second.second, r[day]);
    }
  }
  size_t both = 0;
  for (const auto& [i, n] : nirs_of_id) {
    if (n.size() != 2) continue;
    // The second pseudo-NIR is the one whose care starts later.
    std::vector<std::pair<std::string, std::string>> s;
    for (const auto& x : n)
      if (span.count(x)) s.push_back(span.at(x));
    if (s.size() != 2) continue;
    ++both;
    std::sort(s.begin(), s.end());
    EXPECT_LT(s[0].second, s[1].first);
  }
  EXPECT_GT(both, 10u);
  const auto j = boost::json::parse(test::read_text(dir.path() / "generate.json")).as_object();
  EXPECT_EQ(j.at("counts").at("persons_with_two_pseudo_nirs").to_number<uint64_t>(), linked);
  EXPECT_EQ(j.at("counts").at("ir_ben_r_rows").to_number<uint64_t>(), ben.rows.size());
  EXPECT_GT(j.at("counts").at("placeholder_nir_stays").to_number<uint64_t>(), 0u);
  const std::string c = all_text(dir.path(), "T_MCO2");
  EXPECT_TRUE(c.find("XXXXXXXXXXXXXXXXD") != std::string::npos ||
              c.find("xxxxxxxxxxxxxxxxx") != std::string::npos);
}

}  // namespace
}  // namespace snds
