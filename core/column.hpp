// The in-memory columnar batch shared by ingest, the store and the jobs.
// Four physical types: Int64 (codes, counts), Decimal (int64 fixed point, 4 decimals, so sums are
// exact and identical whatever the merge order), Date (int32 days) and String (one byte arena plus
// offsets: no per-value allocation). Missing: kMissingInt for Int64/Decimal, kMissingDate, "".
#pragma once

#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/date.hpp"

namespace snds {

enum class ColumnType : uint8_t { kInt64 = 0, kDecimal = 1, kDate = 2, kString = 3 };

const char* column_type_name(ColumnType t);
// The word users read for a type in messages and docs: "integer", "decimal", "date", "string".
const char* column_type_word(ColumnType t);

inline constexpr int64_t kMissingInt = INT64_MIN;
inline constexpr int64_t kDecimalScale = 10000;  // Decimal values are stored times 10^4.

// "12.5" for 125000; trailing zeros trimmed, integers printed without a point; "" when missing.
std::string format_decimal(int64_t scaled);

class StringColumn {
 public:
  size_t size() const { return offsets_.empty() ? 0 : offsets_.size() - 1; }
  std::string_view at(size_t i) const {
    return {bytes_.data() + offsets_[i], static_cast<size_t>(offsets_[i + 1] - offsets_[i])};
  }
  void push_back(std::string_view s) {
    start();
    bytes_.append(s);
    offsets_.push_back(bytes_.size());
  }
  // Appends the selected strings of `other` (one allocation).
  void append_gathered(const StringColumn& other, std::span<const uint32_t> rows);
  // Appends every string of `other`.
  void append_all(const StringColumn& other);
  void reserve(size_t rows, size_t bytes) {
    offsets_.reserve(rows + 1);
    start();
    bytes_.reserve(bytes);
  }
  void clear() {
    bytes_.clear();
    offsets_.clear();
  }
  const std::string& bytes() const { return bytes_; }
  // size() + 1 entries, the first 0.
  const std::vector<uint64_t>& offsets() const {
    static const std::vector<uint64_t> kNone{0};
    return offsets_.empty() ? kNone : offsets_;
  }
  // Rebuilds from raw parts (deserialisation, HDF5 reads).
  void assign(std::string bytes, std::vector<uint64_t> offsets) {
    bytes_ = std::move(bytes);
    offsets_ = std::move(offsets);
  }

 private:
  // Empty until the first value: every column holds two of these (values and dictionary), most
  // of them never used, and an empty vector allocates nothing.
  void start() {
    if (offsets_.empty()) offsets_.push_back(0);
  }

  std::string bytes_;
  std::vector<uint64_t> offsets_;  // size() + 1 entries once a value is in, else none
};

struct Column {
  std::string name;
  ColumnType type = ColumnType::kString;
  std::vector<int64_t> ints;  // kInt64, kDecimal
  std::vector<Date> dates;    // kDate
  StringColumn strings;       // kString, decoded
  // kString as the store keeps it, when a reader asked for codes (ShardReadOptions): `codes`
  // index `dictionary`, which is sorted in byte order (codes compare as their strings do), and
  // `strings` stays empty. Only the jobs' read path makes these; string_at() reads either form,
  // the row-moving methods below want decoded columns.
  std::vector<int32_t> codes;
  StringColumn dictionary;
  bool encoded = false;
  // kInt64/kDecimal as the store keeps it, when a reader asked for narrow integers
  // (ShardReadOptions::keep_narrow_ints): size() values of `narrow_width` bytes (1, 2 or 4,
  // little-endian, signed), the type's minimum standing for kMissingInt; `ints` stays empty.
  // Extractors read either form through int_values()/widen_ints() below: a narrow column is
  // an eighth to a half of the memory to fill, fault in and stream through.
  std::vector<char> narrow;
  uint8_t narrow_width = 0;

  Column() = default;
  Column(std::string n, ColumnType t) : name(std::move(n)), type(t) {}

  size_t size() const;
  size_t byte_size() const;
  std::string_view string_at(size_t i) const {
    return encoded ? dictionary.at(static_cast<size_t>(codes[i])) : strings.at(i);
  }
  // Appends row `i` of `other` (same type) to this column.
  void append_from(const Column& other, size_t i);
  void append_missing();
  // Appends rows of `other` (same type) selected by `rows`, in that order.
  void gather_from(const Column& other, std::span<const uint32_t> rows);
  void reserve(size_t rows);
};

// A stored integer as int64: a narrow type's minimum stands for kMissingInt.
template <typename T>
constexpr int64_t widen_value(T v) {
  if constexpr (sizeof(T) < sizeof(int64_t))
    if (v == std::numeric_limits<T>::min()) return kMissingInt;
  return static_cast<int64_t>(v);
}

// Calls f(values) with an int64/decimal column's values as they sit in memory (const int8_t*,
// int16_t*, int32_t* or int64_t*), for loops that compare values without widening them first.
template <typename F>
decltype(auto) visit_stored_ints(const Column& c, F&& f) {
  switch (c.narrow_width) {
    case 1:
      return f(reinterpret_cast<const int8_t*>(c.narrow.data()));
    case 2:
      return f(reinterpret_cast<const int16_t*>(c.narrow.data()));
    case 4:
      return f(reinterpret_cast<const int32_t*>(c.narrow.data()));
    default:
      return f(c.ints.data());
  }
}

// `n` narrow signed integers of `width` bytes (1, 2 or 4; the type's minimum is missing) as
// int64 (missing: kMissingInt): the store's narrowed form widened, by columns and the reader.
void widen_narrow(const char* narrow, size_t width, size_t n, int64_t* out);
// Rows [begin, end) of an int64/decimal column, in either form, as int64 (missing: kMissingInt).
void widen_ints(const Column& c, size_t begin, size_t end, int64_t* out);
// Rows `rows` (any order) of an int64/decimal column, in either form, as int64.
void gather_ints(const Column& c, std::span<const uint32_t> rows, int64_t* out);
// Row `i` of an int64/decimal column, in either form (a switch per call: not for hot loops).
int64_t int_at(const Column& c, size_t i);
// The whole int64/decimal column as int64: `c.ints` itself, or a narrow column widened into
// `scratch`.
const int64_t* int_values(const Column& c, std::vector<int64_t>& scratch);

// A set of equally long columns: one table's rows (a parse batch, a shard's table, a shuffle
// block).
struct Batch {
  std::vector<Column> columns;

  size_t rows() const { return columns.empty() ? 0 : columns.front().size(); }
  size_t byte_size() const;
  // Index of the named column, or -1.
  int find(std::string_view name) const;
  const Column& at(std::string_view name) const;  // throws internal_error when absent
  Column& at(std::string_view name);
  // An empty batch with the same column names and types.
  Batch empty_like() const;
  // Appends all rows of `other`, matching columns by name; columns absent from `other` get
  // missing values, columns absent from this batch are added (back-filled with missing).
  void append(const Batch& other);
  // A new batch holding the selected rows, in order.
  Batch gather(std::span<const uint32_t> rows) const;
};

}  // namespace snds
