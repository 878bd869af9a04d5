// The generator under mpirun (np = 1..4): the ranks share the parts out, and every file is the one
// a single process writes, byte for byte (and so is every row, parsed).
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include <boost/json.hpp>

#include "jobs/generate/generator.hpp"
#include "runtime/communicator.hpp"
#include "tests/jobs/generate/extract_reader.hpp"
#include "tests/support/test_support.hpp"

namespace snds {
namespace {

TEST(GenerateMpi, EveryRankCountWritesTheRowsOfASingleProcess) {
  Communicator& c = mpi_world();
  synth::GeneratorOptions o;
  o.patients = 300;
  o.seed = 99;
  o.first_year = 2021;
  o.last_year = 2022;
  o.quirks = synth::QuirkSettings::defaults().scaled(5);
  o.part_patients = 64;  // five parts: at 4 ranks, one rank writes two

  // Rank 0 owns the scratch folders; the others learn the path.
  std::unique_ptr<test::TempDir> dir, reference;
  Bytes path;
  if (c.is_master()) {
    dir = std::make_unique<test::TempDir>("snds-gen-mpi");
    const std::string p = dir->path().string();
    path.assign(p.begin(), p.end());
  }
  c.broadcast(path, 0);
  const std::filesystem::path out(std::string(path.begin(), path.end()));
  generate_extract(o, out, c, 1);

  if (c.is_master()) {
    reference = std::make_unique<test::TempDir>("snds-gen-mpi-ref");
    run_in_process(1,
                   [&](Communicator& local) { generate_extract(o, reference->path(), local, 1); });
    const auto j = boost::json::parse(test::read_text(out / "generate.json")).as_object();
    EXPECT_EQ(j.at("run").at("ranks").to_number<int>(), c.size());
    for (const auto& [name, info] : j.at("tables").as_object()) {
      const std::string table(name);
      const auto mine = test::read_table(out, table);
      const auto ref = test::read_table(reference->path(), table);
      EXPECT_EQ(mine.files.size(), table == "IR_PHA_R" ? 1u : 5u) << table;
      EXPECT_EQ(mine.rejected, ref.rejected) << table;
      EXPECT_EQ(mine.rows.size(), info.at("rows").to_number<uint64_t>()) << table;
      const auto cols = test::contract_columns(table);
      EXPECT_TRUE(test::row_set(mine, cols) == test::row_set(ref, cols)) << table;
    }
    std::vector<std::string> names, ref_names;
    for (const auto& e : std::filesystem::directory_iterator(out))
      names.push_back(e.path().filename().string());
    for (const auto& e : std::filesystem::directory_iterator(reference->path()))
      ref_names.push_back(e.path().filename().string());
    std::sort(names.begin(), names.end());
    std::sort(ref_names.begin(), ref_names.end());
    EXPECT_EQ(names, ref_names);
    for (const auto& name : names) {
      if (name == "generate.json") continue;
      EXPECT_TRUE(test::read_text(out / name) == test::read_text(reference->path() / name))
          << name << " differs from the single process's";
    }
  }
  c.barrier();
}

}  // namespace
}  // namespace snds
