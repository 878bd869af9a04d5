// Margin masks and the relations margins create.
#include "core/aggregate/margins.hpp"

#include <algorithm>
#include <map>
#include <string>
#include <string_view>
#include <tuple>

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

namespace {

// The general form, on string keys: for tables whose value ids do not fit in 64 bits.
std::vector<MarginRelation> relations_by_string(const std::vector<GroupRow>& rows,
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

unsigned bits_for(size_t distinct) {
  unsigned b = 0;
  while (b < 64 && (uint64_t{1} << b) < distinct) ++b;
  return b;
}

}  // namespace

// The same relations as relations_by_string, with each row packed into one integer: every
// column's values get small ids (0 for ALL), so that finding a row's parent is a mask and one
// hash lookup, and relations are grouped by sorting (parent, unit, child) triples instead of
// filling a tree of vectors.
std::vector<MarginRelation> margin_relations(const std::vector<GroupRow>& rows,
                                             const std::vector<Dimension>& group_by) {
  const Units u = collapse_units(group_by);
  const size_t columns = group_by.size();
  std::vector<uint64_t> key(rows.size(), 0);
  std::vector<uint64_t> field(columns);  // per column: its bits in the key
  unsigned shift = 0;
  for (size_t c = 0; c < columns; ++c) {
    boost::unordered_flat_map<std::string_view, uint64_t> ids;
    ids.emplace(kAllValue, 0);
    std::vector<uint64_t> id(rows.size());
    for (size_t i = 0; i < rows.size(); ++i)
      id[i] = ids.try_emplace(rows[i].values[c], ids.size()).first->second;
    const unsigned bits = bits_for(ids.size());
    if (shift + bits > 64) return relations_by_string(rows, group_by);
    for (size_t i = 0; i < rows.size(); ++i) key[i] |= id[i] << shift;
    field[c] = bits == 0 ? 0 : (bits == 64 ? ~uint64_t{0} : (uint64_t{1} << bits) - 1) << shift;
    shift += bits;
  }
  // Per unit: its columns' bits; a unit is all ALL when they are all zero, none ALL when each
  // of its columns is non-zero.
  std::vector<uint64_t> unit_field(u.mask.size(), 0);
  std::vector<std::vector<uint64_t>> unit_columns(u.mask.size());
  for (size_t unit = 0; unit < u.mask.size(); ++unit)
    for (size_t c = 0; c < columns; ++c)
      if (u.mask[unit] >> c & 1) {
        unit_field[unit] |= field[c];
        unit_columns[unit].push_back(field[c]);
      }
  auto none_all_packed = [&](uint64_t k, size_t unit) {
    for (const uint64_t f : unit_columns[unit])
      if ((k & f) == 0) return false;
    return true;
  };
  boost::unordered_flat_map<uint64_t, uint32_t> index;
  index.reserve(rows.size());
  for (uint32_t i = 0; i < rows.size(); ++i) index.emplace(key[i], i);

  struct Link {
    uint32_t parent, unit, child;
  };
  std::vector<Link> links;
  links.reserve(rows.size() * 2);
  for (uint32_t i = 0; i < rows.size(); ++i) {
    const uint64_t k = key[i];
    auto link = [&](size_t unit) {
      const auto it = index.find(k & ~unit_field[unit]);
      if (it != index.end()) links.push_back({it->second, static_cast<uint32_t>(unit), i});
    };
    for (const size_t unit : u.independent)
      if (none_all_packed(k, unit)) link(unit);
    for (size_t j = u.hierarchy.size(); j-- > 0;) {
      const size_t unit = u.hierarchy[j];
      if ((k & unit_field[unit]) == 0) continue;  // this level is ALL
      if (none_all_packed(k, unit)) link(unit);
      break;
    }
  }
  std::sort(links.begin(), links.end(), [](const Link& a, const Link& b) {
    return std::tie(a.parent, a.unit, a.child) < std::tie(b.parent, b.unit, b.child);
  });
  std::vector<MarginRelation> out;
  for (size_t at = 0; at < links.size();) {
    size_t end = at;
    while (end < links.size() && links[end].parent == links[at].parent &&
           links[end].unit == links[at].unit)
      ++end;
    MarginRelation rel;
    rel.parent = links[at].parent;
    rel.children.reserve(end - at);
    for (size_t j = at; j < end; ++j) rel.children.push_back(links[j].child);
    out.push_back(std::move(rel));
    at = end;
  }
  return out;
}

}  // namespace snds
