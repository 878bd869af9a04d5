// Dictionary-form partials and rank 0's merge of them (see coded_groups.hpp).
#include "core/aggregate/coded_groups.hpp"

#include <algorithm>
#include <numeric>

#include "core/error.hpp"
#include "core/hash.hpp"
#include "core/serialize.hpp"

namespace snds {

void CodedGroups::add(std::span<const uint32_t> group_codes, const GroupMeasures& m) {
  if (group_codes.size() != columns())
    throw internal_error("a group of {} codes in a partial of {} columns", group_codes.size(),
                         columns());
  codes.insert(codes.end(), group_codes.begin(), group_codes.end());
  measures.push_back(m);
}

std::vector<char> CodedGroups::serialize() const {
  std::vector<char> out;
  ByteWriter w(out);
  w.put<uint64_t>(columns());
  for (const auto& column : values) {
    w.put<uint64_t>(column.size());
    for (const auto& v : column) w.put_string(v);
  }
  w.put_vector(codes);
  w.put_vector(measures);
  return out;
}

CodedGroups CodedGroups::deserialize(const std::vector<char>& bytes) {
  ByteReader r(bytes);
  const auto columns = r.get<uint64_t>();
  if (columns > r.remaining()) throw internal_error("a partial announces too many columns");
  CodedGroups g(columns);
  for (auto& column : g.values) {
    const auto n = r.get<uint64_t>();
    if (n > r.remaining()) throw internal_error("a partial announces too many values");
    column.reserve(n);
    for (uint64_t i = 0; i < n; ++i) column.push_back(r.get_string());
  }
  g.codes = r.get_vector<uint32_t>();
  g.measures = r.get_vector<GroupMeasures>();
  if (!r.done()) throw internal_error("trailing bytes after an aggregate partial");
  if (g.codes.size() != g.measures.size() * columns)
    throw internal_error("a partial of {} groups holds {} codes", g.measures.size(),
                         g.codes.size());
  for (size_t i = 0; i < g.codes.size(); ++i)
    if (g.codes[i] >= g.values[i % columns].size())
      throw internal_error("a partial holds a code outside its column's values");
  return g;
}

std::vector<GroupRow> CodedGroups::sorted_rows() const {
  GroupMerger merger(columns());
  merger.merge(*this);
  return merger.sorted_rows();
}

CodedGroups to_coded(const GroupTable& table) {
  CodedGroups out(table.columns());
  std::vector<boost::unordered_flat_map<std::string, uint32_t>> ids(table.columns());
  std::vector<uint32_t> codes(table.columns());
  table.for_each([&](std::string_view key, const GroupMeasures& m) {
    const std::vector<std::string> values = GroupTable::decode_key(key, table.columns());
    for (size_t c = 0; c < values.size(); ++c) {
      auto [it, fresh] = ids[c].try_emplace(values[c], static_cast<uint32_t>(out.values[c].size()));
      if (fresh) out.values[c].push_back(values[c]);
      codes[c] = it->second;
    }
    out.add(codes, m);
  });
  return out;
}

uint32_t GroupMerger::Dictionary::id(std::string_view value) {
  auto it = ids.find(value);
  if (it != ids.end()) return it->second;
  const auto next = static_cast<uint32_t>(values.size());
  values.emplace_back(value);
  ids.emplace(std::string(value), next);
  return next;
}

void GroupMerger::merge(const CodedGroups& part) {
  if (part.columns() != columns_)
    throw internal_error("merging a partial of {} columns into a table of {}", part.columns(),
                         columns_);
  // The partial's codes in this table's codes, column by column.
  std::vector<std::vector<uint32_t>> to_mine(columns_);
  for (size_t c = 0; c < columns_; ++c) {
    to_mine[c].reserve(part.values[c].size());
    for (const auto& v : part.values[c]) to_mine[c].push_back(dictionaries_[c].id(v));
  }
  std::vector<uint32_t> key(columns_);
  for (size_t g = 0; g < part.size(); ++g) {
    const uint32_t* from = part.codes.data() + g * columns_;
    uint64_t h = 0x9e3779b97f4a7c15ULL;
    for (size_t c = 0; c < columns_; ++c) {
      key[c] = to_mine[c][from[c]];
      h = mix64(h ^ key[c]) + c;
    }
    measures_[group_of(key.data(), h)].add(part.measures[g]);
  }
}

uint32_t GroupMerger::group_of(const uint32_t* codes, uint64_t hash) {
  if (2 * (measures_.size() + 1) > slots_.size()) grow();
  const size_t mask = slots_.size() - 1;
  for (size_t s = hash & mask;; s = (s + 1) & mask) {
    const uint32_t g = slots_[s];
    if (g == kEmpty) {
      const auto fresh = static_cast<uint32_t>(measures_.size());
      slots_[s] = fresh;
      codes_.insert(codes_.end(), codes, codes + columns_);
      measures_.emplace_back();
      hashes_.push_back(hash);
      return fresh;
    }
    if (hashes_[g] == hash &&
        std::equal(codes, codes + columns_, codes_.data() + size_t{g} * columns_))
      return g;
  }
}

void GroupMerger::grow() {
  slots_.assign(std::max<size_t>(1024, slots_.size() * 2), kEmpty);
  const size_t mask = slots_.size() - 1;
  for (size_t g = 0; g < hashes_.size(); ++g) {
    size_t s = hashes_[g] & mask;
    while (slots_[s] != kEmpty) s = (s + 1) & mask;
    slots_[s] = static_cast<uint32_t>(g);
  }
}

std::vector<GroupRow> GroupMerger::sorted_rows() const {
  // Each column's codes ranked by their values' byte order: comparing ranks is then comparing
  // values, with no string compared during the sort itself.
  std::vector<std::vector<uint32_t>> rank(columns_);
  for (size_t c = 0; c < columns_; ++c) {
    const auto& values = dictionaries_[c].values;
    std::vector<uint32_t> order(values.size());
    std::iota(order.begin(), order.end(), 0u);
    std::sort(order.begin(), order.end(),
              [&](uint32_t a, uint32_t b) { return values[a] < values[b]; });
    rank[c].resize(values.size());
    for (size_t i = 0; i < order.size(); ++i) rank[c][order[i]] = static_cast<uint32_t>(i);
  }
  const size_t n = measures_.size();
  std::vector<uint32_t> ranked(n * columns_);
  for (size_t g = 0; g < n; ++g)
    for (size_t c = 0; c < columns_; ++c)
      ranked[g * columns_ + c] = rank[c][codes_[g * columns_ + c]];
  std::vector<uint32_t> order(n);
  std::iota(order.begin(), order.end(), 0u);
  const size_t k = columns_;
  std::sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) {
    const uint32_t* x = ranked.data() + size_t{a} * k;
    const uint32_t* y = ranked.data() + size_t{b} * k;
    return std::lexicographical_compare(x, x + k, y, y + k);
  });
  std::vector<GroupRow> rows;
  rows.reserve(n);
  for (const uint32_t g : order) {
    GroupRow row;
    row.values.reserve(columns_);
    for (size_t c = 0; c < columns_; ++c)
      row.values.push_back(dictionaries_[c].values[codes_[size_t{g} * columns_ + c]]);
    row.measures = measures_[g];
    rows.push_back(std::move(row));
  }
  return rows;
}

}  // namespace snds
