// One round of the all-to-all shuffle: every rank sends each peer the (bucket, table, rows)
// batches it routed to it, and files what it receives into its BucketStore. Rows travel in their
// compact encoding (core/batch_codec.hpp), made by the caller's threads: a round copies bytes,
// it encodes and decodes nothing. Rounds are
// collective (every rank calls exchange() the same number of times, with an empty outbox if it
// has nothing); keeping each round's outbox small bounds the memory in flight.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/batch_codec.hpp"
#include "core/column.hpp"
#include "runtime/bucket_store.hpp"
#include "runtime/communicator.hpp"

namespace snds {

class Outbox {
 public:
  explicit Outbox(int ranks) : parts_(static_cast<size_t>(ranks)) {}
  void add(int dest, uint32_t bucket, const std::string& table, EncodedBatch&& rows);
  // Encodes `rows` here (tests and small callers).
  void add(int dest, uint32_t bucket, const std::string& table, const Batch& rows) {
    add(dest, bucket, table, encode_compact(rows));
  }
  // Encoded bytes held.
  uint64_t bytes() const { return bytes_; }
  bool empty() const { return bytes_ == 0 && count_ == 0; }
  struct Part {
    uint32_t bucket;
    std::string table;
    EncodedBatch rows;
  };
  // The wire buffers, one per rank; clears.
  std::vector<Bytes> take_encoded();
  // Removes and returns the parts addressed to `rank` (not copied to a buffer).
  std::vector<Part> take_local(int rank);

 private:
  std::vector<std::vector<Part>> parts_;
  uint64_t bytes_ = 0;
  uint64_t count_ = 0;
};

struct ExchangeStats {
  uint64_t bytes_sent = 0;
  uint64_t bytes_received = 0;
};

// Collective. Sends `outbox` (emptied) and adds what arrives to `store`.
ExchangeStats exchange(Communicator& comm, Outbox& outbox, BucketStore& store);

// This rank's exchange() calls so far (counted per thread: the rank's communicating thread):
// rounds, bytes sent to other ranks, and the most bytes one round sent since the last
// reset_largest_round(). The phase metrics (runtime/metrics.hpp)
// take their differences, so that a manifest says what each phase put through the network.
struct ExchangeTotals {
  uint64_t rounds = 0;
  uint64_t bytes_sent = 0;
  uint64_t largest_round = 0;
};
ExchangeTotals exchange_totals();
void reset_largest_round();

}  // namespace snds
