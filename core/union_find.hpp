// Union-find over dense ids whose root is the smallest id of its component, so a component is
// named the same way whatever the order of the unions (deterministic answers on any layout).
#pragma once

#include <algorithm>
#include <cstdint>
#include <numeric>
#include <vector>

namespace snds {

struct UnionFind {
  std::vector<uint32_t> parent;
  explicit UnionFind(size_t n) : parent(n) { std::iota(parent.begin(), parent.end(), 0u); }
  uint32_t find(uint32_t x) {
    while (parent[x] != x) x = parent[x] = parent[parent[x]];  // path halving
    return x;
  }
  void unite(uint32_t a, uint32_t b) {
    a = find(a);
    b = find(b);
    if (a != b) parent[std::max(a, b)] = std::min(a, b);
  }
};

}  // namespace snds
