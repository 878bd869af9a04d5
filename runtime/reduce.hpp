// Reductions over ranks of small structs with named fields. A collective that carries several
// counters at once used to be a vector whose slots meant different things at each call site
// (the failure flag at [3] in one loop and [2] in the next); here each counter is a field, and
// the whole struct still travels as one allreduce.
#pragma once

#include <cstdint>
#include <cstring>
#include <span>
#include <type_traits>
#include <vector>

#include "runtime/communicator.hpp"

namespace snds {

// Structs whose every field is a uint64_t (nested such structs included): no padding, so their
// bytes are consecutive words, summed word by word.
template <typename T>
concept Uint64Fields = std::is_trivially_copyable_v<T> &&
                               std::has_unique_object_representations_v<T> && sizeof(T) %
                               sizeof(uint64_t) ==
                           0 &&
                       alignof(T) == alignof(uint64_t);

// Sums each field of each struct over ranks, in place, on every rank (one allreduce).
template <Uint64Fields T>
void sum_fields(Communicator& comm, std::span<T> values) {
  std::vector<uint64_t> words(values.size_bytes() / sizeof(uint64_t));
  if (!values.empty()) std::memcpy(words.data(), values.data(), values.size_bytes());
  comm.allreduce_sum(words);
  if (!values.empty())
    std::memcpy(static_cast<void*>(values.data()), words.data(), values.size_bytes());
}

template <Uint64Fields T>
T sum_fields(Communicator& comm, T value) {
  sum_fields(comm, std::span<T>(&value, 1));
  return value;
}

// What the ranks agree on before each round of a phase they run in step (every rank takes part
// in every round's exchange, with or without work of its own). Each field is summed over ranks.
struct RoundStatus {
  uint64_t work_left = 0;  // work not yet started (ranges, partitions, shards)
  uint64_t done = 0;       // progress so far (bytes read, shards written)
  uint64_t stopping = 0;   // ranks that saw a stop request (SIGTERM, SIGUSR1)
  uint64_t failed = 0;     // ranks whose share of an earlier round failed

  bool any_left() const { return work_left > 0; }
  bool any_stopping() const { return stopping > 0; }
  bool any_failed() const { return failed > 0; }
};

inline RoundStatus agree_on_round(Communicator& comm, const RoundStatus& mine) {
  return sum_fields(comm, mine);
}

}  // namespace snds
