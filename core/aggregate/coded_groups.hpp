// A shard's aggregate partial in dictionary form, and rank 0's table that merges partials.
//
// A shard's groups share few distinct values per column (a few hundred ATC codes, some 50
// months, 2 sexes, 11 age bands) but number thousands, so the partial carries each column's
// values once and every group as a row of 32-bit codes into them: no per-group string is built,
// sent, hashed or compared on the way to rank 0. Rank 0 translates a partial's dictionaries into
// its own (a few hundred lookups), then merges the groups on integer keys; strings reappear only
// in the sorted rows of the output. Measures are integers, so sums do not depend on the merge
// order, and the sort (by the values' byte order, column by column) does not depend on the codes.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <boost/unordered/unordered_flat_map.hpp>

#include "core/aggregate/group_table.hpp"

namespace snds {

struct CodedGroups {
  explicit CodedGroups(size_t columns = 0) : values(columns) {}

  size_t columns() const { return values.size(); }
  size_t size() const { return measures.size(); }
  bool empty() const { return measures.empty(); }

  // Appends a group: one code per column, each indexing that column's `values`.
  void add(std::span<const uint32_t> group_codes, const GroupMeasures& m);

  // Wire format (same binary on both ends, core/serialize.hpp); deserialize checks every code.
  std::vector<char> serialize() const;
  static CodedGroups deserialize(const std::vector<char>& bytes);

  // The groups merged (equal value rows add up) and sorted as the output is: tests, small tools.
  std::vector<GroupRow> sorted_rows() const;

  std::vector<std::vector<std::string>> values;  // per column: the values codes point to
  std::vector<uint32_t> codes;                   // size() rows of columns() codes
  std::vector<GroupMeasures> measures;           // per group
};

// The same groups in dictionary form (a string-keyed table from the generic extractors' path).
CodedGroups to_coded(const GroupTable& table);

// Rank 0's merged table.
class GroupMerger {
 public:
  explicit GroupMerger(size_t columns) : columns_(columns), dictionaries_(columns) {}

  size_t columns() const { return columns_; }
  size_t size() const { return measures_.size(); }

  void merge(const CodedGroups& part);
  // Rows sorted by the group values, column by column, in byte order.
  std::vector<GroupRow> sorted_rows() const;

 private:
  struct Dictionary {
    std::vector<std::string> values;
    boost::unordered_flat_map<std::string, uint32_t, StringKeyHash, StringKeyEq> ids;
    uint32_t id(std::string_view value);
  };

  // The group of `codes` (columns() of them), created with zero measures when new.
  uint32_t group_of(const uint32_t* codes, uint64_t hash);
  void grow();

  size_t columns_;
  std::vector<Dictionary> dictionaries_;
  std::vector<uint32_t> codes_;  // size() rows of columns() codes
  std::vector<GroupMeasures> measures_;
  // Open addressing on group indexes (kEmpty: free), linear probing, at most half full; a slot's
  // group is compared through codes_, so keys are never stored twice. hashes_ keeps each group's
  // hash for growing without rehashing the codes.
  static constexpr uint32_t kEmpty = 0xffffffffu;
  std::vector<uint32_t> slots_;
  std::vector<uint64_t> hashes_;
};

}  // namespace snds
