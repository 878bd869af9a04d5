// translate_ids merges two sorted, distinct value lists in byte order: every value of the first
// finds its place in the second, or -1, exactly as std::string_view's order says.
#include "core/events/column_access.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <set>
#include <string>
#include <vector>

namespace snds {
namespace {

std::vector<std::string_view> views(const std::set<std::string>& s) {
  return {s.begin(), s.end()};  // std::set<std::string> is in byte order
}

TEST(TranslateIds, FindsEveryCommonValueWhateverItsLengthOrBytes) {
  std::mt19937 rng(7);
  // Lengths around the 8-byte steps, bytes above 0x7f, prefixes of one another.
  const std::string alphabet = std::string("AB09az") + '\x80' + '\xff';
  auto random_value = [&] {
    std::string v(rng() % 20, 'A');
    for (char& c : v) c = alphabet[rng() % alphabet.size()];
    return v;
  };
  for (int round = 0; round < 50; ++round) {
    std::set<std::string> from, to;
    for (int i = 0; i < 200; ++i) {
      const std::string v = random_value();
      if (rng() % 3 != 0) from.insert(v);
      if (rng() % 3 != 0) to.insert(v);
      if (rng() % 4 == 0) to.insert(v + "x");  // a longer value after its prefix
    }
    const auto f = views(from), t = views(to);
    const std::vector<int32_t> ids = events_detail::translate_ids(f, t);
    ASSERT_EQ(ids.size(), f.size());
    for (size_t i = 0; i < f.size(); ++i) {
      const auto it = std::lower_bound(t.begin(), t.end(), f[i]);
      const int32_t expected =
          it != t.end() && *it == f[i] ? static_cast<int32_t>(it - t.begin()) : -1;
      ASSERT_EQ(ids[i], expected) << "round " << round << ", value " << i;
    }
  }
}

}  // namespace
}  // namespace snds
