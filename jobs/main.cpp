// snds-batch: the one binary. Everything lives in jobs/cli.cpp so that tests can drive it.
#include "jobs/commands.hpp"

int main(int argc, char** argv) { return snds::cli_main(argc, argv); }
