// Strict configs: typed values with defaults, and errors that name file, line, key and a fix.
#include "runtime/config.hpp"

#include <gtest/gtest.h>

#include <fmt/format.h>

#include "core/error.hpp"
#include "tests/support/test_support.hpp"

namespace snds {

static std::string usage_message(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::kUsage);
    return e.what();
  }
  ADD_FAILURE() << "expected a usage error";
  return {};
}

TEST(Config, ReadsTypedValuesWithDefaults) {
  test::TempDir dir;
  test::write_text(dir / "c.yaml",
                   "store: s/\nshards: 7\nperiod: {start: 2019-01-01, end: 2019-12-31}\ngroup_by: "
                   "[atc, month]\n");
  ConfigMap m = load_config((dir / "c.yaml").string());
  EXPECT_EQ(m.required_string("store"), "s/");
  EXPECT_EQ(m.optional_int("shards", 64, 1, 100000), 7);
  EXPECT_EQ(m.optional_int("missing", 64, 1, 100000), 64);
  ConfigMap p = m.required_map("period");
  EXPECT_EQ(p.required_date("start"), days_from_civil(2019, 1, 1));
  EXPECT_EQ(m.string_list("group_by", true), (std::vector<std::string>{"atc", "month"}));
  EXPECT_NO_THROW(m.finish());
}

TEST(Config, UnknownKeyNamesFileLineAndClosestKey) {
  test::TempDir dir;
  const auto path = (dir / "c.yaml").string();
  test::write_text(path, "store: s/\n\ngruop_by: [atc]\n");
  ConfigMap m = load_config(path);
  m.required_string("store");
  m.string_list("group_by", false);
  const std::string msg = usage_message([&] { m.finish(); });
  EXPECT_EQ(msg, path + ":3: unknown key 'gruop_by' (did you mean 'group_by'?)");
}

TEST(Config, NestedUnknownKeyGivesItsPath) {
  test::TempDir dir;
  const auto path = (dir / "c.yaml").string();
  test::write_text(path, "period:\n  start: 2019-01-01\n  ned: 2019-02-01\n");
  ConfigMap m = load_config(path);
  ConfigMap p = m.required_map("period");
  p.required_date("start");
  p.has("end");
  const std::string msg = usage_message([&] { p.finish(); });
  EXPECT_NE(msg.find(":3: unknown key 'period.ned' (did you mean 'period.end'?)"),
            std::string::npos)
      << msg;
}

TEST(Config, BadValuesAreUsageErrors) {
  test::TempDir dir;
  const auto path = (dir / "c.yaml").string();
  test::write_text(path, "shards: many\nstart: 2019-02-30\n");
  ConfigMap m = load_config(path);
  EXPECT_NE(usage_message([&] {
              m.optional_int("shards", 1, 1, 10);
            }).find(":1: shards: expected an integer"),
            std::string::npos);
  EXPECT_NE(usage_message([&] { m.required_date("start"); }).find(":2: start: expected a date"),
            std::string::npos);
  EXPECT_NE(usage_message([&] { m.required_string("store"); }).find("store: is required"),
            std::string::npos);
}

TEST(Config, SyntaxErrorAndMissingFile) {
  test::TempDir dir;
  const auto path = (dir / "c.yaml").string();
  test::write_text(path, "a: [1, 2\n");
  EXPECT_NE(usage_message([&] { load_config(path); }).find("invalid YAML"), std::string::npos);
  EXPECT_NE(
      usage_message([&] { load_config((dir / "nope.yaml").string()); }).find("does not exist"),
      std::string::npos);
}

TEST(Config, ClosestMatchIgnoresUnrelatedWords) {
  EXPECT_EQ(closest_match("shard", {"shards", "store"}), "shards");
  EXPECT_EQ(closest_match("xylophone", {"shards", "store"}), "");
}

TEST(Config, NonFiniteNumbersAreRejected) {
  test::TempDir dir;
  const auto path = (dir / "c.yaml").string();
  for (const char* v : {"nan", "NaN", "inf", "-inf", "infinity"}) {
    test::write_text(path, fmt::format("max_reject_ratio: {}\n", v));
    ConfigMap m = load_config(path);
    const std::string msg =
        usage_message([&] { m.optional_double("max_reject_ratio", 0.001, 0.0, 1e300); });
    EXPECT_NE(msg.find("c.yaml:1: max_reject_ratio: expected a finite number"), std::string::npos)
        << msg;
  }
}

TEST(Config, DuplicateKeyNamesFileLineAndKey) {
  test::TempDir dir;
  const auto path = (dir / "c.yaml").string();
  test::write_text(path, "store: a/\nshards: 4\nstore: b/\n");
  std::string msg = usage_message([&] { load_config(path); });
  EXPECT_NE(msg.find("c.yaml:3: duplicate key 'store' (first given at line 1)"), std::string::npos)
      << msg;
  test::write_text(path, "period:\n  start: 2019-01-01\n  end: 2019-12-31\n  start: 2020-01-01\n");
  msg = usage_message([&] { load_config(path); });
  EXPECT_NE(msg.find("c.yaml:4: duplicate key 'period.start'"), std::string::npos) << msg;
}

}  // namespace snds
