// Parsing of `snds-batch generate`'s options: quirk lists, years, rates, --gzip and --format.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/error.hpp"
#include "jobs/args.hpp"
#include "jobs/generate/generate_options.hpp"

namespace snds::synth {
namespace {

TEST(GeneratorOptionsParsing, QuirkListsYearsAndRates) {
  auto q = parse_quirks("none,dates=1,gzip");
  EXPECT_EQ(q.rate(Quirk::kDates), 1.0);
  EXPECT_EQ(q.rate(Quirk::kGzip), quirk_info(Quirk::kGzip).default_rate);
  EXPECT_EQ(q.rate(Quirk::kOrphans), 0.0);
  q = parse_quirks("malformed=0.001,all");
  EXPECT_EQ(q.rate(Quirk::kMalformed), quirk_info(Quirk::kMalformed).default_rate);
  EXPECT_EQ(parse_quirks("").rates, QuirkSettings::defaults().rates);
  EXPECT_EQ(QuirkSettings::defaults().scaled(100).rate(Quirk::kDates), 1.0);
  try {
    parse_quirks("orphan=0.1");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::kUsage);
    EXPECT_NE(std::string(e.what()).find("did you mean 'orphans'"), std::string::npos) << e.what();
  }
  EXPECT_THROW(parse_quirks("dates=2"), Error);
  EXPECT_THROW(parse_quirks("dates=x"), Error);
  EXPECT_EQ(parse_years("2019-2022"), std::make_pair(2019, 2022));
  EXPECT_EQ(parse_years("2021"), std::make_pair(2021, 2021));
  EXPECT_THROW(parse_years("2022-2019"), Error);
  EXPECT_THROW(parse_years("1999-2001"), Error);
  EXPECT_THROW(parse_years("20x9"), Error);

  const Args args("generate",
                  {"--patients", "10", "--seed", "-3", "--out", "x", "--quirk-rate", "0", "--gzip"},
                  ArgSpec{{"patients", "seed", "out", "years", "quirks", "quirk-rate"}, {"gzip"}});
  const auto r = parse_generate_args(args);
  EXPECT_EQ(r.options.patients, 10u);
  EXPECT_EQ(r.options.seed, static_cast<uint64_t>(-3));
  EXPECT_EQ(r.options.quirks.rate(Quirk::kGzip), 1.0);
  EXPECT_EQ(r.options.quirks.rate(Quirk::kTwins), 0.0);
  EXPECT_FALSE(r.sas7bdat);

  const ArgSpec with_format{{"patients", "seed", "out", "format"}, {"gzip"}};
  EXPECT_TRUE(
      parse_generate_args(
          Args("generate", {"--patients", "1", "--seed", "1", "--out", "x", "--format", "sas7bdat"},
               with_format))
          .sas7bdat);
  for (const std::vector<std::string>& bad :
       {std::vector<std::string>{"--format", "sas"},
        std::vector<std::string>{"--format", "sas7bdat", "--gzip"}}) {
    std::vector<std::string> argv = {"--patients", "1", "--seed", "1", "--out", "x"};
    argv.insert(argv.end(), bad.begin(), bad.end());
    try {
      parse_generate_args(Args("generate", argv, with_format));
      FAIL() << bad[1];
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ExitCode::kUsage);
      EXPECT_NE(std::string(e.what()).find("--"), std::string::npos) << e.what();
    }
  }
}

}  // namespace
}  // namespace snds::synth
