// The column buffer pool (buffer_pool.hpp): best-fit by capacity, one list per element type.
#include "core/buffer_pool.hpp"

#include <map>
#include <mutex>

namespace snds::buffer_pool {
namespace {

// Buffers smaller than this are cheaper to allocate afresh than to track.
constexpr size_t kMinBytes = size_t{64} << 10;

struct Pool {
  std::mutex mu;
  size_t bytes = 0;
  std::multimap<size_t, std::vector<char>> chars;
  std::multimap<size_t, std::vector<int32_t>> int32s;
  std::multimap<size_t, std::vector<int64_t>> int64s;
};

Pool& pool() {
  static Pool* p = new Pool;  // never destroyed: buffers may come back during exit
  return *p;
}

template <typename T>
std::vector<T> take(std::multimap<size_t, std::vector<T>>& list, size_t n) {
  {
    Pool& p = pool();
    std::lock_guard lock(p.mu);
    // The smallest pooled buffer that holds n elements, if not wastefully larger.
    auto it = list.lower_bound(n);
    if (it != list.end() && it->first <= 2 * n + 1024) {
      std::vector<T> v = std::move(it->second);
      list.erase(it);
      p.bytes -= v.capacity() * sizeof(T);
      // Shrinking initialises nothing; growing within the capacity (a column a little longer
      // than the one the buffer last held) zero-fills only the difference.
      v.resize(n);
      return v;
    }
  }
  // A new buffer gets an eighth more room than asked: the same column of the next shards is a
  // little longer about half the time, and would otherwise find no pooled buffer to fit.
  std::vector<T> v;
  v.reserve(n + n / 8);
  v.resize(n);
  return v;
}

template <typename T>
void give(std::multimap<size_t, std::vector<T>>& list, std::vector<T>&& v) {
  const size_t bytes = v.capacity() * sizeof(T);
  if (bytes < kMinBytes) return;
  Pool& p = pool();
  std::lock_guard lock(p.mu);
  if (p.bytes + bytes > kMaxBytes) return;
  // Filed by capacity, its size left as it is: filling it up to the capacity here would zero
  // the spare room of every buffer at every shard.
  p.bytes += bytes;
  list.emplace(v.capacity(), std::move(v));
}

}  // namespace

std::vector<char> take_bytes(size_t n) {
  return take(pool().chars, n);
}
std::vector<int32_t> take_int32(size_t n) {
  return take(pool().int32s, n);
}
std::vector<int64_t> take_int64(size_t n) {
  return take(pool().int64s, n);
}

void give(std::vector<char>&& v) {
  give(pool().chars, std::move(v));
}
void give(std::vector<int32_t>&& v) {
  give(pool().int32s, std::move(v));
}
void give(std::vector<int64_t>&& v) {
  give(pool().int64s, std::move(v));
}

void recycle(ShardData&& shard) {
  for (auto& [name, batch] : shard.tables)
    for (Column& c : batch.columns) {
      give(std::move(c.ints));
      give(std::move(c.narrow));
      give(std::move(c.dates));
      give(std::move(c.codes));
    }
  shard.tables.clear();
}

size_t pooled_bytes() {
  Pool& p = pool();
  std::lock_guard lock(p.mu);
  return p.bytes;
}

}  // namespace snds::buffer_pool
