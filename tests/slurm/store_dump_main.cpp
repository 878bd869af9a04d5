// snds-store-dump STORE [--per-shard]: prints the logical content of a store (every row of every
// table, one line each, in a fixed order; see tests/support/store_dump.hpp) so that the shell
// tests of tests/slurm can check that two stores written by different jobs hold the same rows.
#include <cstdio>
#include <cstring>
#include <exception>
#include <string>

#include "tests/support/store_dump.hpp"

int main(int argc, char** argv) {
  if (argc < 2 || argc > 3 || (argc == 3 && std::strcmp(argv[2], "--per-shard") != 0)) {
    std::fprintf(stderr, "usage: snds-store-dump STORE [--per-shard]\n");
    return 2;
  }
  try {
    const std::string dump = snds::test::dump_store(argv[1], argc == 3);
    std::fwrite(dump.data(), 1, dump.size(), stdout);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "snds-store-dump: %s\n", e.what());
    return 1;
  }
  return 0;
}
