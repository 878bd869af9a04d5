// Ingest under mpirun (np = 1..4): the store holds the same content as a one-rank ingest.
#include <gtest/gtest.h>

#include <omp.h>

#include "jobs/ingest/ingest_config.hpp"
#include "jobs/ingest/ingest_run.hpp"
#include "runtime/communicator.hpp"
#include "tests/support/mini_extract.hpp"
#include "tests/support/store_dump.hpp"
#include "tests/support/test_support.hpp"

namespace snds {
namespace fs = std::filesystem;

TEST(IngestMpi, SameContentAsOneRank) {
  Communicator& world = mpi_world();
  // One folder shared by the ranks, named by rank 0.
  std::unique_ptr<test::TempDir> dir;
  Bytes name;
  if (world.is_master()) {
    dir = std::make_unique<test::TempDir>("ingest-mpi");
    test::write_mini_extract(dir->path() / "in", 250, 3, true);
    test::write_ingest_config(dir->path() / "c.yaml", dir->path() / "in", dir->path() / "store", 7);
    const std::string p = dir->path().string();
    name.assign(p.begin(), p.end());
  }
  world.broadcast(name, 0);
  const fs::path root(std::string(name.begin(), name.end()));
  ConfigMap m = load_config((root / "c.yaml").string());
  const IngestConfig c = read_ingest_config(m);
  CommandContext ctx{world, 2};
  ASSERT_EQ(run_ingest(c, ctx, false), 0);
  world.barrier();
  if (world.is_master()) {
    test::write_ingest_config(root / "ref.yaml", root / "in", root / "ref", 3);
    ConfigMap rm = load_config((root / "ref.yaml").string());
    const IngestConfig rc = read_ingest_config(rm);
    run_in_process(1, [&](Communicator& comm) {
      CommandContext one{comm, 1};
      run_ingest(rc, one, false);
    });
    EXPECT_EQ(test::dump_store(root / "store"), test::dump_store(root / "ref"));
  }
  world.barrier();
}

}  // namespace snds
