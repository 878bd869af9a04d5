// Aggregated groups keyed by their group-column values (strings as printed), with every measure
// kept (the spec picks which to print): a shard's table on the string-key path (hospital stays,
// claim lines, and dispensing specs too wide for a packed key), handed to rank 0 in dictionary
// form (coded_groups.hpp, to_coded). Merging only adds integers (counts, and decimals as int64
// scaled by 10^4), so the result is exact and independent of merge order; distinct patients add
// up because a patient lives in exactly one shard.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <boost/unordered/unordered_flat_map.hpp>

#include "core/aggregate/aggregate_spec.hpp"
#include "core/hash.hpp"

namespace snds {

struct GroupMeasures {
  int64_t lines = 0;
  int64_t boxes = 0;   // scaled by 10^4
  int64_t amount = 0;  // scaled by 10^4
  int64_t days = 0;
  uint64_t patients = 0;
  int64_t base = 0;  // scaled by 10^4

  void add(const GroupMeasures& o) {
    lines += o.lines;
    boxes += o.boxes;
    amount += o.amount;
    days += o.days;
    patients += o.patients;
    base += o.base;
  }
  bool operator==(const GroupMeasures&) const = default;
};

// One measure of a group, in its stored unit (boxes, amount and base scaled by 10^4): what the
// outputs write and disclosure control checks.
inline int64_t measure_value(Measure m, const GroupMeasures& v) {
  switch (m) {
    case Measure::kLines:
      return v.lines;
    case Measure::kBoxes:
      return v.boxes;
    case Measure::kPatients:
      return static_cast<int64_t>(v.patients);
    case Measure::kAmount:
      return v.amount;
    case Measure::kDays:
      return v.days;
    case Measure::kBase:
      return v.base;
  }
  return 0;
}

struct GroupRow {
  std::vector<std::string> values;  // one per group column
  GroupMeasures measures;
  // Set by apply_disclosure: 0 published, 1 primary (under min_patients), 2 secondary.
  uint8_t suppressed = 0;
};

class GroupTable {
 public:
  explicit GroupTable(size_t columns = 0) : columns_(columns) {}

  size_t columns() const { return columns_; }
  size_t size() const { return groups_.size(); }
  bool empty() const { return size() == 0; }

  // Adds `m` to the group of `values` (columns() values).
  void add(const std::vector<std::string_view>& values, const GroupMeasures& m);
  // Adds to the group whose key encode_key() built.
  void add_encoded(std::string_view key, const GroupMeasures& m);
  void add_encoded(std::string&& key, const GroupMeasures& m);
  void merge(const GroupTable& other);
  void merge(GroupTable&& other);  // moves other's keys (it is left empty)
  void reserve(size_t groups) { groups_.reserve(groups); }

  // Rows sorted by the group values, column by column, in byte order.
  std::vector<GroupRow> sorted_rows() const;
  // Calls f(encoded key, measures) for every group, in no particular order.
  template <typename F>
  void for_each(F&& f) const {
    for (const auto& [k, m] : groups_) f(std::string_view(k), m);
  }

  // A byte form of the table (same binary on both ends, core/serialize.hpp).
  std::vector<char> serialize() const;
  static GroupTable deserialize(const std::vector<char>& bytes);

  // The key of a group: each value as [length][bytes], length on 1 byte (255: 4 more bytes).
  static void append_key_value(std::string& key, std::string_view value);
  static std::vector<std::string> decode_key(std::string_view key, size_t columns);

 private:
  size_t columns_;
  boost::unordered_flat_map<std::string, GroupMeasures, StringKeyHash, StringKeyEq> groups_;
};

}  // namespace snds
