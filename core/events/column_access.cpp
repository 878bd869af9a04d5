// Dense ordered ids for string columns (column_access.hpp), shared by the extractors.
#include "core/events/column_access.hpp"

#include <algorithm>
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

std::vector<int32_t> translate_ids(const std::vector<std::string_view>& from,
                                   const std::vector<std::string_view>& to) {
  std::vector<int32_t> out(from.size(), -1);
  // One three-way comparison per step (these merges run per dictionary of every shard).
  size_t i = 0, j = 0;
  while (i < from.size() && j < to.size()) {
    const int c = from[i].compare(to[j]);
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
