// Dense ordered ids for string columns (column_access.hpp), shared by the extractors.
#include "core/events/column_access.hpp"

#include <algorithm>
#include <bit>
#include <cstdint>
#include <cstring>
#include <numeric>

namespace snds::events_detail {

OrderedIds ordered_ids(const Column& c) {
  OrderedIds out;
  if (c.encoded) {
    out.values.resize(c.dictionary.size());
    for (size_t i = 0; i < out.values.size(); ++i) out.values[i] = c.dictionary.at(i);
    out.id = c.codes.data();
    return out;
  }
  const size_t n = c.strings.size();
  std::vector<uint32_t> order(n);
  std::iota(order.begin(), order.end(), 0u);
  std::sort(order.begin(), order.end(),
            [&](uint32_t a, uint32_t b) { return c.strings.at(a) < c.strings.at(b); });
  out.owned.assign(n, 0);
  for (const uint32_t r : order) {
    if (out.values.empty() || out.values.back() != c.strings.at(r))
      out.values.push_back(c.strings.at(r));
    out.owned[r] = static_cast<uint32_t>(out.values.size() - 1);
  }
  out.id = reinterpret_cast<const int32_t*>(out.owned.data());
  return out;
}

namespace {

// std::string_view::compare's order (unsigned bytes, then length), eight bytes at a time: the
// values merged here (NIRs, establishment and stay numbers) are short and mostly differ early,
// where a call to memcmp per comparison cost more than the comparison.
int compare_bytes(std::string_view a, std::string_view b) {
  const size_t n = std::min(a.size(), b.size());
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    uint64_t x = 0, y = 0;
    std::memcpy(&x, a.data() + i, 8);
    std::memcpy(&y, b.data() + i, 8);
    if (x != y) {
      if constexpr (std::endian::native == std::endian::little) {
        x = __builtin_bswap64(x);  // the first byte most significant
        y = __builtin_bswap64(y);
      }
      return x < y ? -1 : 1;
    }
  }
  for (; i < n; ++i)
    if (a[i] != b[i])
      return static_cast<unsigned char>(a[i]) < static_cast<unsigned char>(b[i]) ? -1 : 1;
  return a.size() < b.size() ? -1 : (a.size() > b.size() ? 1 : 0);
}

}  // namespace

std::vector<int32_t> translate_ids(const std::vector<std::string_view>& from,
                                   const std::vector<std::string_view>& to) {
  std::vector<int32_t> out(from.size(), -1);
  // One three-way comparison per step (these merges run per dictionary of every shard).
  size_t i = 0, j = 0;
  while (i < from.size() && j < to.size()) {
    const int c = compare_bytes(from[i], to[j]);
    if (c < 0) {
      ++i;
    } else if (c > 0) {
      ++j;
    } else {
      out[i++] = static_cast<int32_t>(j++);
    }
  }
  return out;
}

}  // namespace snds::events_detail
