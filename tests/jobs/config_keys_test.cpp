// The config-key registries (jobs/*/..._keys.cpp) against the code and the docs: every key a
// config reader asks for is declared with the reader's own range and default, every declared key
// is reached by some config of the corpus (configs/ and tests/jobs/config_keys/), and
// docs/reference.md shows exactly the rendered tables. SNDS_UPDATE_REFERENCE=1 rewrites the
// tables in docs/reference.md instead of failing (scripts/update-reference.sh).
#include <gtest/gtest.h>

#include <cstdlib>
#include <map>
#include <set>

#include <fmt/format.h>

#include "jobs/aggregate/aggregate_config.hpp"
#include "jobs/cohort/cohort_config.hpp"
#include "jobs/config_keys.hpp"
#include "jobs/ingest/ingest_config.hpp"
#include "runtime/config.hpp"
#include "tests/support/test_support.hpp"

namespace snds {
namespace {

namespace fs = std::filesystem;

std::vector<fs::path> corpus() {
  std::vector<fs::path> out;
  for (const auto& dir :
       {test::source_dir() / "configs", test::source_dir() / "tests" / "jobs" / "config_keys"})
    for (const auto& e : fs::directory_iterator(dir))
      if (e.path().extension() == ".yaml") out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

// The command a config belongs to, and the keys its reader asked for.
std::pair<std::string, std::vector<KeyRead>> read_keys(const fs::path& file) {
  ConfigMap config = load_config(file.string());
  const std::string job = config.node()["job"].IsDefined() ? config.node()["job"].Scalar() : "";
  KeyRecorder recorder;
  if (job == "aggregate") {
    read_aggregate_config(config);
  } else if (job == "cohort") {
    read_cohort_config(config);
  } else {
    read_ingest_config(config);
  }
  return {job.empty() ? "ingest" : job, recorder.reads()};
}

const KeyTable& table_of(const std::string& command) {
  for (const auto& t : config_key_tables())
    if (t.command == command) return t;
  throw std::runtime_error("no key table for " + command);
}

const KeySpec* spec_of(const KeyTable& table, const std::string& path) {
  for (const auto& k : table.keys)
    if (key_matches(k.key, path)) return &k;
  return nullptr;
}

// "1-36525" -> {1, 36525}; nullopt for a range written in words.
std::optional<std::pair<double, double>> numeric_range(std::string_view range) {
  const size_t dash = range.find('-', 1);
  if (dash == std::string_view::npos) return std::nullopt;
  char* end = nullptr;
  const std::string lo(range.substr(0, dash)), hi(range.substr(dash + 1));
  const double a = std::strtod(lo.c_str(), &end);
  if (*end != '\0') return std::nullopt;
  const double b = std::strtod(hi.c_str(), &end);
  if (*end != '\0' || hi.empty()) return std::nullopt;
  return std::pair{a, b};
}

std::optional<double> numeric_default(std::string_view fallback) {
  if (fallback == "true") return 1.0;
  if (fallback == "false") return 0.0;
  const std::string s(fallback);
  char* end = nullptr;
  const double v = std::strtod(s.c_str(), &end);
  if (s.empty() || *end != '\0') return std::nullopt;
  return v;
}

TEST(ConfigKeys, EveryKeyTheReadersAskForIsDeclaredWithTheReadersRangeAndDefault) {
  for (const auto& file : corpus()) {
    const auto [command, reads] = read_keys(file);
    const KeyTable& table = table_of(command);
    for (const auto& r : reads) {
      const KeySpec* spec = spec_of(table, r.path);
      ASSERT_NE(spec, nullptr) << file << ": the " << command << " reader reads key '" << r.path
                               << "', which its registry (jobs/" << command << "/" << command
                               << "_keys.cpp) does not declare";
      if (r.min && r.max) {
        if (auto range = numeric_range(spec->range)) {
          EXPECT_EQ(range->first, *r.min) << spec->key << ": registry range " << spec->range;
          EXPECT_EQ(range->second, *r.max) << spec->key << ": registry range " << spec->range;
        }
      }
      const auto declared = numeric_default(spec->fallback);
      if (r.fallback && declared) {
        EXPECT_EQ(*declared, *r.fallback) << spec->key << ": registry default " << spec->fallback;
      }
    }
  }
}

TEST(ConfigKeys, EveryDeclaredKeyIsReadBySomeConfigOfTheCorpus) {
  std::map<std::string, std::set<std::string>> reached;
  for (const auto& file : corpus()) {
    const auto [command, reads] = read_keys(file);
    for (const auto& r : reads)
      if (const KeySpec* spec = spec_of(table_of(command), r.path))
        reached[command].insert(std::string(spec->key));
  }
  for (const auto& table : config_key_tables())
    for (const auto& k : table.keys)
      EXPECT_TRUE(reached[std::string(table.command)].count(std::string(k.key)))
          << table.command << " key '" << k.key
          << "' is declared but no config of configs/ or tests/jobs/config_keys/ reaches it: add "
             "one, or the key is dead";
}

TEST(ConfigKeys, DocsReferenceShowsEveryRegistryAsRendered) {
  const fs::path doc = test::source_dir() / "docs" / "reference.md";
  std::string text = test::read_text(doc);
  const bool update = std::getenv("SNDS_UPDATE_REFERENCE") != nullptr;
  for (const auto& table : config_key_tables()) {
    const std::string begin = fmt::format("<!-- keys:{} begin (generated", table.command);
    const std::string end = fmt::format("<!-- keys:{} end -->", table.command);
    const size_t b = text.find(begin);
    ASSERT_NE(b, std::string::npos) << doc << " lacks the marker " << begin;
    const size_t body = text.find('\n', b) + 1;
    const size_t e = text.find(end, body);
    ASSERT_NE(e, std::string::npos) << doc << " lacks the marker " << end;
    const std::string rendered = render_key_table(table);
    if (update) {
      text.replace(body, e - body, rendered);
    } else {
      EXPECT_EQ(text.substr(body, e - body), rendered)
          << "docs/reference.md's " << table.command
          << " key table differs from the registry: run scripts/update-reference.sh";
    }
  }
  if (update) test::write_text(doc, text);
}

TEST(ConfigKeys, APatternMatchesUserChosenNamesAndListItemsOnly) {
  EXPECT_TRUE(key_matches("events.*.atc", "events.statin.atc"));
  EXPECT_TRUE(key_matches("criteria[].window_days", "criteria[3].window_days"));
  EXPECT_TRUE(key_matches("period.start", "period.start"));
  EXPECT_FALSE(key_matches("events.*.atc", "events.statin.icd10"));
  EXPECT_FALSE(key_matches("events.*", "events.statin.atc"));
  EXPECT_FALSE(key_matches("period", "period.start"));
  EXPECT_TRUE(key_matches("delimiters.**", "delimiters.raw/IR_BEN_R.csv"));
  EXPECT_TRUE(key_matches("delimiters.**", "delimiters.ER_PRS_F"));
  EXPECT_FALSE(key_matches("delimiters.**", "delimiters"));
  EXPECT_FALSE(key_matches("delimiters.*", "delimiters.raw/IR_BEN_R.csv"));
}

}  // namespace
}  // namespace snds
