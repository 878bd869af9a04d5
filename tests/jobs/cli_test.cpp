// The command line as users meet it: help, version, unknown commands and options, exit codes.
#include <gtest/gtest.h>

#include "tests/support/test_support.hpp"

namespace snds {

TEST(Cli, VersionAndHelp) {
  std::string out;
  EXPECT_EQ(test::run_command(test::snds_bin() + " --version", &out), 0);
  EXPECT_NE(out.find("snds-batch "), std::string::npos);
  EXPECT_EQ(test::run_command(test::snds_bin() + " --help", &out), 0);
  for (const char* cmd : {"generate", "ingest", "run", "validate", "inspect"}) EXPECT_NE(out.find(cmd), std::string::npos);
  EXPECT_EQ(test::run_command(test::snds_bin() + " generate --help", &out), 0);
  EXPECT_NE(out.find("--patients"), std::string::npos);
}

TEST(Cli, UnknownCommandSuggestsTheClosest) {
  std::string out;
  EXPECT_EQ(test::run_command(test::snds_bin() + " ingset x.yaml", &out), 2);
  EXPECT_NE(out.find("did you mean 'ingest'"), std::string::npos) << out;
}

TEST(Cli, NoCommandIsBadUsage) {
  EXPECT_EQ(test::run_command(test::snds_bin()), 2);
}

}  // namespace snds
