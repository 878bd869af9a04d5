// The phase metrics say what each phase put through the all-to-all shuffle: rounds, bytes each
// rank sent to the others, its largest round; a phase that shuffled nothing says nothing. Every
// phase has each rank's CPU seconds.
#include <gtest/gtest.h>

#include <string>

#include "runtime/bucket_store.hpp"
#include "runtime/exchange.hpp"
#include "runtime/metrics.hpp"
#include "tests/support/test_support.hpp"

namespace snds {
namespace {

Batch rows(int count) {
  Batch b;
  b.columns.emplace_back("k", ColumnType::kString);
  for (int i = 0; i < count; ++i) b.columns[0].strings.push_back("key" + std::to_string(i));
  return b;
}

// Rank r sends (r + 1) x 100 rows to every rank in round 1 and 10 rows in round 2, inside the
// phase "shuffle"; the phase "quiet" exchanges nothing.
boost::json::array shuffle(int ranks) {
  boost::json::array out;
  run_in_process(ranks, [&](Communicator& comm) {
    test::TempDir scratch("snds-metrics-exchange");
    BucketStore store(uint64_t{1} << 30, scratch.path());
    Metrics m;
    m.begin_phase("quiet");
    m.end_phase(0, 0);
    m.begin_phase("shuffle");
    for (int count : {(comm.rank() + 1) * 100, 10}) {
      Outbox outbox(comm.size());
      for (int d = 0; d < comm.size(); ++d) outbox.add(d, 0, "T", rows(count));
      exchange(comm, outbox, store);
    }
    m.end_phase(0, 0);
    auto j = m.gather(comm);
    if (comm.is_master()) out = std::move(j);
  });
  return out;
}

TEST(MetricsExchange, EachPhaseCountsItsRoundsAndTheBytesEachRankSent) {
  const auto phases = shuffle(2);
  ASSERT_EQ(phases.size(), 2u);
  EXPECT_FALSE(phases[0].as_object().contains("exchange"));
  for (const auto& p : phases) {  // every phase: the CPU time of each rank's process
    const auto& cpu = p.at("cpu_s_per_rank").as_array();
    ASSERT_EQ(cpu.size(), 2u);
    for (const auto& c : cpu) EXPECT_GE(c.to_number<double>(), 0.0);
  }
  const auto& e = phases[1].at("exchange").as_object();
  EXPECT_EQ(e.at("rounds").to_number<uint64_t>(), 2u);
  const auto& sent = e.at("bytes_sent_per_rank").as_array();
  const auto& largest = e.at("largest_round_bytes_per_rank").as_array();
  ASSERT_EQ(sent.size(), 2u);
  // Rank 1 sent twice the rows of rank 0 in the first round, and that round is its largest.
  EXPECT_GT(sent[1].to_number<uint64_t>(), sent[0].to_number<uint64_t>());
  EXPECT_EQ(e.at("bytes_sent").to_number<uint64_t>(),
            sent[0].to_number<uint64_t>() + sent[1].to_number<uint64_t>());
  for (size_t r = 0; r < 2; ++r) {
    EXPECT_GT(largest[r].to_number<uint64_t>(), sent[r].to_number<uint64_t>() / 2);
    EXPECT_LT(largest[r].to_number<uint64_t>(), sent[r].to_number<uint64_t>());
  }
}

TEST(MetricsExchange, OneRankSendsNothingOverTheNetwork) {
  const auto phases = shuffle(1);
  const auto& e = phases[1].at("exchange").as_object();
  EXPECT_EQ(e.at("rounds").to_number<uint64_t>(), 2u);
  EXPECT_EQ(e.at("bytes_sent").to_number<uint64_t>(), 0u);
}

}  // namespace
}  // namespace snds
