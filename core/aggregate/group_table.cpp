// Group keys, merging, sorting and the partial's wire format.
#include "core/aggregate/group_table.hpp"

#include <algorithm>
#include <cstring>

#include "core/error.hpp"
#include "core/hash.hpp"
#include "core/serialize.hpp"

namespace snds {

void GroupTable::append_key_value(std::string& key, std::string_view value) {
  if (value.size() < 255) {
    key.push_back(static_cast<char>(value.size()));
  } else {
    key.push_back(static_cast<char>(255));
    const auto n = static_cast<uint32_t>(value.size());
    key.append(reinterpret_cast<const char*>(&n), sizeof n);
  }
  key.append(value);
}

std::vector<std::string> GroupTable::decode_key(std::string_view key, size_t columns) {
  std::vector<std::string> out;
  out.reserve(columns);
  size_t at = 0;
  for (size_t c = 0; c < columns; ++c) {
    if (at >= key.size()) throw internal_error("group key too short while decoding");
    size_t n = static_cast<unsigned char>(key[at++]);
    if (n == 255) {
      uint32_t big;
      if (at + sizeof big > key.size()) throw internal_error("group key too short while decoding");
      std::memcpy(&big, key.data() + at, sizeof big);
      at += sizeof big;
      n = big;
    }
    if (at + n > key.size()) throw internal_error("group key too short while decoding");
    out.emplace_back(key.substr(at, n));
    at += n;
  }
  if (at != key.size()) throw internal_error("group key too long while decoding");
  return out;
}

void GroupTable::add(const std::vector<std::string_view>& values, const GroupMeasures& m) {
  if (values.size() != columns_)
    throw internal_error("group of {} values in a table of {} columns", values.size(), columns_);
  std::string key;
  for (const auto v : values) append_key_value(key, v);
  add_encoded(key, m);
}

void GroupTable::add_encoded(std::string_view key, const GroupMeasures& m) {
  auto it = groups_.find(key);
  if (it == groups_.end()) it = groups_.emplace(std::string(key), GroupMeasures{}).first;
  it->second.add(m);
}

void GroupTable::add_encoded(std::string&& key, const GroupMeasures& m) {
  auto [it, fresh] = groups_.try_emplace(std::move(key));
  it->second.add(m);
}

void GroupTable::merge(GroupTable&& other) {
  if (other.columns_ != columns_)
    throw internal_error("merging group tables of {} and {} columns", other.columns_, columns_);
  if (empty()) {
    groups_ = std::move(other.groups_);
  } else {
    groups_.reserve(groups_.size() + other.size() / 2);
    // Flat maps cannot extract nodes: keys are moved out in place, then `other` is cleared at
    // once, with no lookup in between (its moved-from keys are never hashed again).
    for (auto& [k, m] : other.groups_) add_encoded(std::move(const_cast<std::string&>(k)), m);
  }
  other.groups_.clear();
}

void GroupTable::merge(const GroupTable& other) {
  if (other.columns_ != columns_)
    throw internal_error("merging group tables of {} and {} columns", other.columns_, columns_);
  for (const auto& [k, m] : other.groups_) add_encoded(k, m);
}

std::vector<GroupRow> GroupTable::sorted_rows() const {
  std::vector<GroupRow> rows;
  rows.reserve(size());
  for (const auto& [k, m] : groups_) rows.push_back(GroupRow{decode_key(k, columns_), m, false});
  // Column by column, each compared as bytes (std::string compares as unsigned char).
  std::sort(rows.begin(), rows.end(),
            [](const GroupRow& a, const GroupRow& b) { return a.values < b.values; });
  return rows;
}

std::vector<char> GroupTable::serialize() const {
  std::vector<char> out;
  ByteWriter w(out);
  w.put<uint64_t>(columns_);
  w.put<uint64_t>(size());
  for (const auto& [k, m] : groups_) {
    w.put_string(k);
    w.put(m);
  }
  return out;
}

GroupTable GroupTable::deserialize(const std::vector<char>& bytes) {
  ByteReader r(bytes);
  GroupTable t(r.get<uint64_t>());
  const auto n = r.get<uint64_t>();
  if (n > r.remaining()) throw internal_error("a group table partial announces too many groups");
  t.groups_.reserve(n);
  for (uint64_t i = 0; i < n; ++i) {
    std::string k = r.get_string();
    const auto m = r.get<GroupMeasures>();
    t.groups_[std::move(k)].add(m);
  }
  if (!r.done()) throw internal_error("trailing bytes after a group table partial");
  return t;
}

}  // namespace snds
