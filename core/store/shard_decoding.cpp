// Cooperative decoding of a stored shard (see shard_decoding.hpp).
#include "core/store/shard_decoding.hpp"

#include <omp.h>

#include <algorithm>
#include <thread>

namespace snds {

ShardDecoding::ShardDecoding(StoredShard stored) : stored_(std::move(stored)) {
  std::vector<size_t> bytes;
  for (auto& t : stored_.tables)
    for (auto& c : t.columns)
      for (size_t k = 0; k < c.tasks(); ++k) {
        tasks_.emplace_back(&c, k);
        const bool dict = k >= c.chunks.size();
        bytes.push_back(dict ? c.dictionary->chunk_rows * c.dictionary->width
                             : c.chunk_rows * c.element_size);
      }
  // Largest first: with dynamic claiming, the last tasks to finish are the short ones.
  std::vector<size_t> order(tasks_.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return bytes[a] > bytes[b]; });
  std::vector<std::pair<StoredColumnChunks*, size_t>> sorted;
  sorted.reserve(order.size());
  for (const size_t i : order) sorted.push_back(tasks_[i]);
  tasks_ = std::move(sorted);
}

void ShardDecoding::run(size_t task) {
  try {
    decode_stored_chunk(*tasks_[task].first, tasks_[task].second);
  } catch (...) {
    std::lock_guard guard(error_mutex_);
    if (!error_) error_ = std::current_exception();
  }
  done_.fetch_add(1, std::memory_order_release);
}

bool ShardDecoding::run_one() {
  const size_t task = next_.fetch_add(1, std::memory_order_relaxed);
  if (task >= tasks_.size()) return false;
  run(task);
  return true;
}

ShardData ShardDecoding::finish(int threads) {
  const size_t left = tasks_.size() - std::min(tasks_.size(), next_.load());
  const int team = std::max(1, std::min<int>(threads, static_cast<int>(left)));
#pragma omp parallel num_threads(team) if (team > 1)
  while (run_one()) {
  }
  // Tasks another thread claimed may still be running: they are short (one chunk).
  while (done_.load(std::memory_order_acquire) < tasks_.size()) std::this_thread::yield();
  if (error_) std::rethrow_exception(error_);
  ShardData data;
  data.shard = stored_.shard;
  for (auto& t : stored_.tables) {
    Batch batch;
    batch.columns.reserve(t.columns.size());
    for (auto& c : t.columns) batch.columns.push_back(finish_stored_column(std::move(c)));
    data.tables.emplace(t.name, std::move(batch));
  }
  return data;
}

}  // namespace snds
