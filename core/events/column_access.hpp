// Typed access to a shard table's columns for the extractors: the store's types come from the
// catalog, so a column of another type means a reader bug, reported as an internal error.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "core/column.hpp"
#include "core/error.hpp"
#include "core/events/events.hpp"

namespace snds::events_detail {

inline const Column& typed_column(const Batch& batch, std::string_view table, std::string_view name,
                                  ColumnType type) {
  const int i = batch.find(name);
  if (i < 0) throw internal_error("shard table {} has no column {}", table, name);
  const Column& c = batch.columns[static_cast<size_t>(i)];
  if (c.type != type)
    throw internal_error("shard table {} column {} is {}, expected {}", table, name,
                         column_type_name(c.type), column_type_name(type));
  return c;
}

// A string column in either of its in-memory forms (decoded, or codes and dictionary as the
// store keeps them): the extractors read both, so jobs can skip the expansion.
class Strings {
 public:
  explicit Strings(const Column& c) : c_(&c) {}
  std::string_view at(size_t i) const { return c_->string_at(i); }

 private:
  const Column* c_;
};

inline Strings typed_strings(const Batch& batch, std::string_view table, std::string_view name) {
  return Strings(typed_column(batch, table, name, ColumnType::kString));
}

// A string column as dense ids ordered like its strings: the store's codes as they are, or, for a
// decoded column (hand-made shards), ids assigned here. Extractors resolve each distinct value
// once (a patient, an ATC, a validity test) and then work on integers per row.
struct OrderedIds {
  const int32_t* id = nullptr;           // per row
  std::vector<std::string_view> values;  // per id: distinct, in byte order
  std::vector<uint32_t> owned;           // backs `id` for a decoded column
};
OrderedIds ordered_ids(const Column& c);

// For each value of `from`, the id of the same value in `to`, or -1 (both sorted, distinct).
std::vector<int32_t> translate_ids(const std::vector<std::string_view>& from,
                                   const std::vector<std::string_view>& to);

// Missing numbers count as 0 in sums (the line itself still counts).
inline int64_t or_zero(int64_t v) {
  return v == kMissingInt ? 0 : v;
}

inline constexpr int64_t kInfoOnlyDpnQlf = 71;

// Caches the last (nir, rank) lookup: rows are stored sorted by patient, so this resolves about
// one hash lookup per patient instead of one per row.
class PatientLookup {
 public:
  explicit PatientLookup(const PatientIndex& index) : index_(index) {}
  int64_t find(std::string_view nir, int64_t rank) {
    if (valid_ && rank == rank_ && nir == nir_) return last_;
    nir_ = nir;
    rank_ = rank;
    valid_ = true;
    last_ = index_.find(nir, rank);
    return last_;
  }

 private:
  const PatientIndex& index_;
  std::string_view nir_;
  int64_t rank_ = 0;
  int64_t last_ = -1;
  bool valid_ = false;
};

}  // namespace snds::events_detail
