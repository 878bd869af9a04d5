// Column and Batch operations: appends, gathers and the decimal formatter.
#include "core/column.hpp"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <limits>

#include "core/error.hpp"
#include "core/multiversion.hpp"

namespace snds {

const char* column_type_name(ColumnType t) {
  switch (t) {
    case ColumnType::kInt64:
      return "int64";
    case ColumnType::kDecimal:
      return "decimal";
    case ColumnType::kDate:
      return "date";
    case ColumnType::kString:
      return "string";
  }
  return "?";
}

const char* column_type_word(ColumnType t) {
  return t == ColumnType::kInt64 ? "integer" : column_type_name(t);
}

std::string format_decimal(int64_t scaled) {
  if (scaled == kMissingInt) return {};
  const bool negative = scaled < 0;
  const uint64_t mag =
      negative ? uint64_t(0) - static_cast<uint64_t>(scaled) : static_cast<uint64_t>(scaled);
  const uint64_t whole = mag / kDecimalScale;
  uint64_t frac = mag % kDecimalScale;
  std::string out = negative ? "-" : "";
  out += std::to_string(whole);
  if (frac != 0) {
    char digits[5] = {'0', '0', '0', '0', 0};
    for (int i = 3; i >= 0; --i) {
      digits[i] = static_cast<char>('0' + frac % 10);
      frac /= 10;
    }
    int len = 4;
    while (len > 0 && digits[len - 1] == '0') --len;
    out += '.';
    out.append(digits, static_cast<size_t>(len));
  }
  return out;
}

void StringColumn::append_gathered(const StringColumn& other, std::span<const uint32_t> rows) {
  // Sizes first, then one allocation and straight copies: gathers are the shuffle's hot loop.
  size_t bytes = 0;
  for (uint32_t r : rows) bytes += other.offsets_[r + 1] - other.offsets_[r];
  const size_t base = bytes_.size();
  bytes_.resize(base + bytes);
  start();
  const size_t first = offsets_.size();
  offsets_.resize(first + rows.size());
  uint64_t* ends = offsets_.data() + first;
  char* out = bytes_.data() + base;
  uint64_t at = base;
  for (size_t k = 0; k < rows.size(); ++k) {
    const uint32_t r = rows[k];
    const uint64_t len = other.offsets_[r + 1] - other.offsets_[r];
    std::memcpy(out, other.bytes_.data() + other.offsets_[r], len);
    out += len;
    at += len;
    ends[k] = at;
  }
}

void StringColumn::append_all(const StringColumn& other) {
  const uint64_t base = bytes_.size();
  bytes_.append(other.bytes_);
  start();
  offsets_.reserve(offsets_.size() + other.size());
  for (size_t i = 1; i < other.offsets_.size(); ++i) offsets_.push_back(base + other.offsets_[i]);
}

size_t Column::size() const {
  switch (type) {
    case ColumnType::kInt64:
    case ColumnType::kDecimal:
      return narrow_width ? narrow.size() / narrow_width : ints.size();
    case ColumnType::kDate:
      return dates.size();
    case ColumnType::kString:
      return encoded ? codes.size() : strings.size();
  }
  return 0;
}

size_t Column::byte_size() const {
  return ints.size() * sizeof(int64_t) + narrow.size() + dates.size() * sizeof(Date) +
         strings.bytes().size() + strings.offsets().size() * sizeof(uint64_t) +
         codes.size() * sizeof(int32_t) + dictionary.bytes().size() +
         dictionary.offsets().size() * sizeof(uint64_t);
}

namespace {

template <typename N>
inline void widen_loop(const N* v, size_t n, int64_t* out) {
  for (size_t i = 0; i < n; ++i) out[i] = widen_value(v[i]);
}

// One function per width, multiversioned (core/multiversion.hpp): these run on every integer
// value a job reads.
SNDS_MULTIVERSION void widen8(const int8_t* v, size_t n, int64_t* out) {
  widen_loop(v, n, out);
}
SNDS_MULTIVERSION void widen16(const int16_t* v, size_t n, int64_t* out) {
  widen_loop(v, n, out);
}
SNDS_MULTIVERSION void widen32(const int32_t* v, size_t n, int64_t* out) {
  widen_loop(v, n, out);
}

}  // namespace

void widen_narrow(const char* narrow, size_t width, size_t n, int64_t* out) {
  switch (width) {
    case 1:
      widen8(reinterpret_cast<const int8_t*>(narrow), n, out);
      break;
    case 2:
      widen16(reinterpret_cast<const int16_t*>(narrow), n, out);
      break;
    default:
      widen32(reinterpret_cast<const int32_t*>(narrow), n, out);
      break;
  }
}

void widen_ints(const Column& c, size_t begin, size_t end, int64_t* out) {
  if (c.narrow_width == 0) {
    std::copy(c.ints.begin() + static_cast<std::ptrdiff_t>(begin),
              c.ints.begin() + static_cast<std::ptrdiff_t>(end), out);
    return;
  }
  widen_narrow(c.narrow.data() + begin * c.narrow_width, c.narrow_width, end - begin, out);
}

void gather_ints(const Column& c, std::span<const uint32_t> rows, int64_t* out) {
  visit_stored_ints(c, [&](const auto* v) {
    for (size_t k = 0; k < rows.size(); ++k) out[k] = widen_value(v[rows[k]]);
  });
}

int64_t int_at(const Column& c, size_t i) {
  int64_t v = 0;
  widen_ints(c, i, i + 1, &v);
  return v;
}

const int64_t* int_values(const Column& c, std::vector<int64_t>& scratch) {
  if (c.narrow_width == 0) return c.ints.data();
  scratch.resize(c.size());
  widen_ints(c, 0, scratch.size(), scratch.data());
  return scratch.data();
}

void Column::append_from(const Column& other, size_t i) {
  switch (type) {
    case ColumnType::kInt64:
    case ColumnType::kDecimal:
      ints.push_back(other.ints[i]);
      break;
    case ColumnType::kDate:
      dates.push_back(other.dates[i]);
      break;
    case ColumnType::kString:
      strings.push_back(other.strings.at(i));
      break;
  }
}

void Column::append_missing() {
  switch (type) {
    case ColumnType::kInt64:
    case ColumnType::kDecimal:
      ints.push_back(kMissingInt);
      break;
    case ColumnType::kDate:
      dates.push_back(kMissingDate);
      break;
    case ColumnType::kString:
      strings.push_back({});
      break;
  }
}

void Column::gather_from(const Column& other, std::span<const uint32_t> rows) {
  if (type == ColumnType::kString) reserve(size() + rows.size());
  switch (type) {
    case ColumnType::kInt64:
    case ColumnType::kDecimal: {
      // Sized once, then plain stores: a push_back per row checks capacity every time.
      const size_t base = ints.size();
      ints.resize(base + rows.size());
      int64_t* out = ints.data() + base;
      for (size_t k = 0; k < rows.size(); ++k) out[k] = other.ints[rows[k]];
      break;
    }
    case ColumnType::kDate: {
      const size_t base = dates.size();
      dates.resize(base + rows.size());
      Date* out = dates.data() + base;
      for (size_t k = 0; k < rows.size(); ++k) out[k] = other.dates[rows[k]];
      break;
    }
    case ColumnType::kString:
      strings.append_gathered(other.strings, rows);
      break;
  }
}

void Column::reserve(size_t rows) {
  switch (type) {
    case ColumnType::kInt64:
    case ColumnType::kDecimal:
      ints.reserve(rows);
      break;
    case ColumnType::kDate:
      dates.reserve(rows);
      break;
    case ColumnType::kString:
      strings.reserve(rows, 0);
      break;
  }
}

size_t Batch::byte_size() const {
  size_t total = 0;
  for (const auto& c : columns) total += c.byte_size();
  return total;
}

int Batch::find(std::string_view name) const {
  for (size_t i = 0; i < columns.size(); ++i)
    if (columns[i].name == name) return static_cast<int>(i);
  return -1;
}

const Column& Batch::at(std::string_view name) const {
  const int i = find(name);
  if (i < 0) throw internal_error("column {} is missing from a batch", name);
  return columns[static_cast<size_t>(i)];
}

Column& Batch::at(std::string_view name) {
  const int i = find(name);
  if (i < 0) throw internal_error("column {} is missing from a batch", name);
  return columns[static_cast<size_t>(i)];
}

Batch Batch::empty_like() const {
  Batch b;
  b.columns.reserve(columns.size());
  for (const auto& c : columns) b.columns.emplace_back(c.name, c.type);
  return b;
}

void Batch::append(const Batch& other) {
  const size_t before = rows();
  const size_t added = other.rows();
  for (const auto& oc : other.columns) {
    if (find(oc.name) < 0) {
      Column c(oc.name, oc.type);
      for (size_t i = 0; i < before; ++i) c.append_missing();
      columns.push_back(std::move(c));
    }
  }
  for (auto& c : columns) {
    const int j = other.find(c.name);
    if (j < 0) {
      for (size_t i = 0; i < added; ++i) c.append_missing();
      continue;
    }
    const Column& oc = other.columns[static_cast<size_t>(j)];
    if (oc.type != c.type)
      throw internal_error("column {} is {} in one batch and {} in another", c.name,
                           column_type_name(c.type), column_type_name(oc.type));
    switch (c.type) {
      case ColumnType::kInt64:
      case ColumnType::kDecimal:
        c.ints.insert(c.ints.end(), oc.ints.begin(), oc.ints.end());
        break;
      case ColumnType::kDate:
        c.dates.insert(c.dates.end(), oc.dates.begin(), oc.dates.end());
        break;
      case ColumnType::kString:
        c.strings.append_all(oc.strings);
        break;
    }
  }
}

Batch Batch::gather(std::span<const uint32_t> rows) const {
  Batch b = empty_like();
  for (size_t i = 0; i < columns.size(); ++i) b.columns[i].gather_from(columns[i], rows);
  return b;
}

}  // namespace snds
