// Per-rank storage of shuffled row batches, keyed by bucket (a shard, or a join partition) and
// table, under a memory budget. Rows are held in their compact encoding (core/batch_codec.hpp:
// about the CSV's size, against 2.3x for typed batches), which is also what arrives from the
// exchange and what a spill writes. Past the budget, the largest in-memory buckets are appended
// to spill files in a scratch folder; take() brings a bucket back whole (memory + spill), decoded
// on the rank's OpenMP threads, for processing. This is what keeps an ingest's memory bounded
// whatever the data size: only one bucket at a time must fit in memory, and the error for one
// that does not names the setting.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/batch_codec.hpp"
#include "core/column.hpp"

namespace snds {

class BucketStore {
 public:
  // `budget_bytes`: encoded bytes kept in memory before spilling; `scratch`: folder for spill
  // files (created; its files are removed by the destructor); `threads`: the OpenMP threads that
  // compress spills and decode take()s (called from outside parallel regions).
  BucketStore(uint64_t budget_bytes, std::filesystem::path scratch, int threads = 1);
  ~BucketStore();
  BucketStore(const BucketStore&) = delete;
  BucketStore& operator=(const BucketStore&) = delete;

  void add(uint32_t bucket, const std::string& table, EncodedBatch&& rows);
  // Encodes `rows` here (tests and small callers; the ingest encodes on its parse threads).
  void add(uint32_t bucket, const std::string& table, const Batch& rows);
  // Every row of the bucket, decoded, per table: the rows of the batches in the order they were
  // added (spilled ones first), consecutive batches of the same columns (names and types) made
  // one batch; the bucket is then empty.
  std::map<std::string, std::vector<Batch>> take(uint32_t bucket);
  // Buckets holding data, ascending.
  std::vector<uint32_t> buckets() const;
  // Decoded bytes of the rows the bucket holds, in memory and spilled: what take() brings back.
  uint64_t bucket_bytes(uint32_t bucket) const;
  // Spills the largest in-memory buckets other than `keep` until `bytes` more fit under the
  // budget, or no other bucket is left in memory: room for the work on a bucket about to be taken
  // (the join and the write phases, `bytes` counting its decoded rows), so that it and the rest of
  // the store stay within the budget.
  void make_room(uint64_t bytes, uint32_t keep);

  // Encoded bytes held in memory, written to spill files, and the most held at once.
  uint64_t memory_bytes() const { return memory_bytes_; }
  uint64_t spilled_bytes() const { return spilled_bytes_; }
  uint64_t peak_memory_bytes() const { return peak_bytes_; }
  uint64_t budget_bytes() const { return budget_; }

 private:
  struct Entry {
    std::vector<std::pair<std::string, EncodedBatch>> batches;
    uint64_t bytes = 0;    // encoded, in memory
    uint64_t decoded = 0;  // decoded size of everything it holds, spilled part included
    bool has_spill = false;
  };
  void spill_down_to(uint64_t target);
  void spill(uint32_t bucket, Entry& e);
  std::filesystem::path spill_file(uint32_t bucket) const;

  uint64_t budget_;
  std::filesystem::path scratch_;
  int threads_;
  std::unordered_map<uint32_t, Entry> entries_;
  uint64_t memory_bytes_ = 0;
  uint64_t spilled_bytes_ = 0;
  uint64_t peak_bytes_ = 0;
};

}  // namespace snds
