// In-process ranks are threads of one process, and Debian's HDF5 is not thread-safe: shard
// writers and readers used from several threads at once must still give back exact data (the
// store serialises its HDF5 calls under one process-wide lock).
#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

#include "core/store/shard_reader.hpp"
#include "core/store/shard_writer.hpp"
#include "tests/core/store/store_test_util.hpp"
#include "tests/support/test_support.hpp"

namespace snds {
namespace {

Batch batch_for(int rank) {
  Batch b;
  b.columns.emplace_back("ID", ColumnType::kString);
  b.columns.emplace_back("N", ColumnType::kInt64);
  for (int i = 0; i < 3000; ++i) {
    b.columns[0].strings.push_back("r" + std::to_string(rank) + "-" + std::to_string(i % 50));
    b.columns[1].ints.push_back(rank * 100000 + i);
  }
  return b;
}

TEST(ShardThreads, WritersAndReadersOnSeveralThreadsAtOnceKeepTheirData) {
  test::TempDir dir;
  constexpr int kThreads = 4;
  std::vector<std::string> failures(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      try {
        for (int round = 0; round < 5; ++round) {
          const auto path = dir / ("shard_" + std::to_string(t) + ".h5");
          const Batch written = batch_for(t + round);
          ShardWriterOptions options =
              ShardWriterOptions::with(round % 2 == 0 ? Compression::kDeflate : Compression::kZstd);
          options.chunk_rows = 512;
          {
            ShardWriter w(path, {{"shard", int64_t{t}}}, options);
            w.write_table("T", written);
            w.close();
          }
          const Batch back = ShardReader(path).read_table("T");
          if (back.at("N").ints != written.at("N").ints ||
              test::strings_of(back.at("ID")) != test::strings_of(written.at("ID")))
            failures[static_cast<size_t>(t)] = "data differ in round " + std::to_string(round);
        }
      } catch (const std::exception& e) {
        failures[static_cast<size_t>(t)] = e.what();
      }
    });
  }
  for (auto& th : threads) th.join();
  for (int t = 0; t < kThreads; ++t)
    EXPECT_EQ(failures[static_cast<size_t>(t)], "") << "thread " << t;
}

}  // namespace
}  // namespace snds
