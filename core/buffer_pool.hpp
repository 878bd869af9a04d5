// Column buffers of finished shards, kept for the next shard's columns. A job reads shard after
// shard with the same columns, so the buffers it needs next are the ones it just released: taking
// them back skips the zero-filling that std::vector::resize does and the page faults of fresh
// memory (together about a twentieth of a job's CPU time, all of it on the read-ahead thread).
// Bounded (kMaxBytes); thread-safe. The contents of a taken buffer are unspecified: callers
// overwrite every element (the shard reader decodes whole chunks into them).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/shard_data.hpp"

namespace snds::buffer_pool {

inline constexpr size_t kMaxBytes = size_t{256} << 20;

// A vector of exactly `n` elements, recycled when one large enough is pooled.
std::vector<char> take_bytes(size_t n);
std::vector<int32_t> take_int32(size_t n);
std::vector<int64_t> take_int64(size_t n);

// Hands buffers back (ignored when the pool is full or the buffer is small).
void give(std::vector<char>&& v);
void give(std::vector<int32_t>&& v);
void give(std::vector<int64_t>&& v);
// Every column buffer of a shard's tables (the shard is left empty).
void recycle(ShardData&& shard);

// Bytes currently pooled (tests, diagnostics).
size_t pooled_bytes();

}  // namespace snds::buffer_pool
