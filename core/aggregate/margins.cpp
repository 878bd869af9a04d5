// Margin masks and the relations margins create.
#include "core/aggregate/margins.hpp"

#include <algorithm>
#include <map>
#include <string>

#include <boost/unordered/unordered_flat_map.hpp>

#include "core/hash.hpp"

namespace snds {
namespace {

// Collapse units: each column outside the ATC family alone; ATC-family columns of one level
// together. `hierarchy` lists the family's units coarsest first.
struct Units {
  std::vector<uint64_t> mask;       // per unit: its columns
  std::vector<size_t> hierarchy;    // unit indexes, coarsest level first
  std::vector<size_t> independent;  // unit indexes
};

Units collapse_units(const std::vector<Dimension>& group_by) {
  Units u;
  std::map<int, size_t> unit_of_level;
  for (size_t c = 0; c < group_by.size(); ++c) {
    const int level = hierarchy_level(group_by[c]);
    if (level < 0) {
      u.independent.push_back(u.mask.size());
      u.mask.push_back(uint64_t{1} << c);
      continue;
    }
    auto [it, fresh] = unit_of_level.try_emplace(level, u.mask.size());
    if (fresh) u.mask.push_back(0);
    u.mask[it->second] |= uint64_t{1} << c;
  }
  for (const auto& [level, unit] : unit_of_level) u.hierarchy.push_back(unit);
  return u;
}

bool is_all(const GroupRow& r, uint64_t columns) {
  for (size_t c = 0; c < r.values.size(); ++c)
    if ((columns >> c & 1) && r.values[c] != kAllValue) return false;
  return true;
}
bool none_all(const GroupRow& r, uint64_t columns) {
  for (size_t c = 0; c < r.values.size(); ++c)
    if ((columns >> c & 1) && r.values[c] == kAllValue) return false;
  return true;
}

std::string row_key(const GroupRow& r, uint64_t collapse) {
  std::string key;
  for (size_t c = 0; c < r.values.size(); ++c)
    GroupTable::append_key_value(key, (collapse >> c & 1) ? kAllValue : r.values[c]);
  return key;
}

}  // namespace

std::vector<uint64_t> margin_masks(const std::vector<Dimension>& group_by) {
  const Units u = collapse_units(group_by);
  std::vector<uint64_t> out;
  const size_t h = u.hierarchy.size();
  const size_t k = u.independent.size();
  // kept = how many hierarchy levels stay (h: all, 0: none); then every subset of the others.
  for (size_t kept = h + 1; kept-- > 0;) {
    uint64_t hier = 0;
    for (size_t i = kept; i < h; ++i) hier |= u.mask[u.hierarchy[i]];
    for (uint64_t subset = 0; subset < (uint64_t{1} << k); ++subset) {
      uint64_t m = hier;
      for (size_t i = 0; i < k; ++i)
        if (subset >> i & 1) m |= u.mask[u.independent[i]];
      out.push_back(m);
    }
  }
  return out;
}

std::vector<MarginRelation> margin_relations(const std::vector<GroupRow>& rows,
                                             const std::vector<Dimension>& group_by) {
  const Units u = collapse_units(group_by);
  boost::unordered_flat_map<std::string, uint32_t, StringKeyHash, StringKeyEq> index;
  index.reserve(rows.size());
  for (uint32_t i = 0; i < rows.size(); ++i) index.emplace(row_key(rows[i], 0), i);

  // Child side: a row's unit that is not collapsed and may be (a hierarchy unit only when it is
  // the finest one not collapsed, every finer one being ALL); its parent has that unit at ALL.
  // Relations are keyed by (parent, unit).
  std::map<std::pair<uint32_t, size_t>, std::vector<uint32_t>> children;
  for (uint32_t i = 0; i < rows.size(); ++i) {
    const GroupRow& r = rows[i];
    auto link = [&](size_t unit) {
      const auto it = index.find(row_key(r, u.mask[unit]));
      if (it != index.end()) children[{it->second, unit}].push_back(i);
    };
    for (const size_t unit : u.independent)
      if (none_all(r, u.mask[unit])) link(unit);
    // The finest hierarchy level that is not ALL.
    for (size_t j = u.hierarchy.size(); j-- > 0;) {
      const uint64_t m = u.mask[u.hierarchy[j]];
      if (is_all(r, m)) continue;
      if (none_all(r, m)) link(u.hierarchy[j]);
      break;
    }
  }
  std::vector<MarginRelation> out;
  out.reserve(children.size());
  for (auto& [key, kids] : children) out.push_back({key.first, std::move(kids)});
  return out;
}

}  // namespace snds
