// The decoding of one stored shard (StoredShard: chunks copied out of the file, not decoded) as a
// set of independent tasks, one per chunk, that any threads may run: the read-ahead I/O thread
// starts on them while it has nothing to read, and the rank's OpenMP team finishes them when it
// takes the shard (finish). No task calls HDF5. The decoded shard does not depend on who ran
// which task.
#pragma once

#include <atomic>
#include <cstddef>
#include <exception>
#include <mutex>
#include <utility>
#include <vector>

#include "core/shard_data.hpp"
#include "core/store/shard_reader.hpp"

namespace snds {

class ShardDecoding {
 public:
  explicit ShardDecoding(StoredShard stored);
  ShardDecoding(const ShardDecoding&) = delete;
  ShardDecoding& operator=(const ShardDecoding&) = delete;

  // Claims the next task and runs it; false when every task is claimed. Thread-safe.
  bool run_one();
  bool tasks_left() const { return next_.load(std::memory_order_relaxed) < tasks_.size(); }
  // Runs the unclaimed tasks on `threads` OpenMP threads, waits for those other threads are
  // running, rethrows the first task error and returns the shard. Once, by one thread.
  ShardData finish(int threads);

 private:
  void run(size_t task);

  StoredShard stored_;
  std::vector<std::pair<StoredColumnChunks*, size_t>> tasks_;  // largest first
  std::atomic<size_t> next_{0};
  std::atomic<size_t> done_{0};
  std::mutex error_mutex_;
  std::exception_ptr error_;
};

}  // namespace snds
