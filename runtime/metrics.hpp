// Per-phase metrics (wall time, rows, bytes, peak RSS per rank) that jobs put in manifest.json.
// Each rank records its own phases; `gather()` collects them on rank 0 as JSON with a per-rank
// breakdown (the histogram operators read to see skew) and totals.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include <boost/json.hpp>

#include "runtime/communicator.hpp"

namespace snds {

// Peak resident set size of this process, in bytes.
uint64_t peak_rss_bytes();
// The process's resident memory now (/proc/self/statm); 0 where it cannot be read.
uint64_t current_rss_bytes();

struct PhaseRecord {
  std::string name;
  double wall_s = 0;
  uint64_t rows = 0;
  uint64_t bytes = 0;
  uint64_t peak_rss = 0;
  // The all-to-all shuffle during the phase (runtime/exchange.hpp): rounds, bytes this rank sent
  // to the others, the most it sent in one round.
  uint64_t rounds = 0;
  uint64_t sent_bytes = 0;
  uint64_t largest_round = 0;
  // CPU seconds (user + system) of the rank's process during the phase, all its threads: on a
  // loaded machine, the work done apart from the waiting (Open MPI's busy waits count as work).
  double cpu_s = 0;
};

class Metrics {
 public:
  // Starts timing a phase; end_phase() closes it with the counts this rank processed.
  void begin_phase(const std::string& name);
  void end_phase(uint64_t rows, uint64_t bytes);
  const std::vector<PhaseRecord>& phases() const { return phases_; }

  // Collective: every rank calls it with the same phase list. Returns on rank 0 a JSON array
  // of {name, wall_s (max over ranks), rows, bytes (sums), peak_rss_per_rank, rows_per_rank},
  // and for a phase that shuffled rows, `exchange`: {rounds, bytes_sent (sum over ranks),
  // bytes_sent_per_rank, largest_round_bytes_per_rank}; cpu_s_per_rank for every phase.
  boost::json::array gather(Communicator& comm) const;

 private:
  std::vector<PhaseRecord> phases_;
  std::chrono::steady_clock::time_point start_;
  double cpu_at_start_ = 0;
  uint64_t rounds_at_start_ = 0;
  uint64_t sent_at_start_ = 0;
};

}  // namespace snds
