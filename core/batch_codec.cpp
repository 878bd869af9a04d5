// Compact batch encoding. Layout: u32 column count, u64 rows; per column: u16 name length, name,
// u8 type, u8 width, then
//   integers/decimals/dates: width 0: every value missing, nothing follows; 1, 2, 4: i64 base,
//     then rows values (value - base) as unsigned of that width, all ones = missing; 8 (integers
//     only): the int64 values as they are;
//   strings: rows lengths of `width` bytes (1, 2, 4 or 8), u64 byte count, the bytes.
// Little-endian, unaligned; producer and consumer are the same binary.
#include "core/batch_codec.hpp"

#include <algorithm>
#include <cstring>
#include <limits>
#include <span>
#include <string>
#include <type_traits>
#include <vector>

#include "core/error.hpp"

namespace snds {

EncodedBatch::EncodedBatch(size_t size, uint64_t rows, uint64_t decoded_bytes)
    : data_(std::make_unique_for_overwrite<char[]>(size)),
      size_(size),
      rows_(rows),
      decoded_bytes_(decoded_bytes) {}

namespace {

// The width (0, 1, 2, 4; 8 = as they are) and base of the values of one numeric column.
struct IntPlan {
  uint8_t width = 0;
  int64_t base = 0;
};

// The rows a batch is encoded with, in order: all of them, or a selection (routing).
struct AllRows {
  size_t n;
  size_t size() const { return n; }
  size_t operator[](size_t i) const { return i; }
};
struct PickedRows {
  std::span<const uint32_t> rows;
  size_t size() const { return rows.size(); }
  size_t operator[](size_t i) const { return rows[i]; }
};

// The plan of values in [lo, hi] (hi the type's minimum: none, or all missing).
template <typename T>
IntPlan plan_range(T lo, T hi) {
  if (hi == std::numeric_limits<T>::min()) return {};
  const uint64_t range = static_cast<uint64_t>(static_cast<int64_t>(hi)) -
                         static_cast<uint64_t>(static_cast<int64_t>(lo));
  // The all-ones value of a width is missing, so the range must stay below it.
  if (range < 0xFFu) return {1, lo};
  if (range < 0xFFFFu) return {2, lo};
  if (range < 0xFFFFFFFFu) return {4, lo};
  return {8, 0};  // int64 only: a Date's range always fits in 4 bytes
}

// The width of string lengths up to `longest`.
uint8_t length_width(uint64_t longest) {
  return longest <= 0xFFu ? 1 : longest <= 0xFFFFu ? 2 : longest <= 0xFFFFFFFFu ? 4 : 8;
}

// A column the encoders can take: as many rows as the batch, a name its u16 length holds.
void check_column(const Column& col, size_t rows) {
  if (col.size() != rows)
    throw internal_error("column {} has {} rows in a batch of {}", col.name, col.size(), rows);
  if (col.name.size() > std::numeric_limits<uint16_t>::max())
    throw internal_error("column name of {} bytes in a batch", col.name.size());
}

template <typename T, typename Rows>
IntPlan plan_ints(const T* v, const Rows& rows) {
  // Missing is the type's minimum: it never raises the maximum, and is skipped for the minimum.
  constexpr T kMissing = std::numeric_limits<T>::min();
  T lo = std::numeric_limits<T>::max(), hi = kMissing;
  for (size_t i = 0; i < rows.size(); ++i) {
    const T x = v[rows[i]];
    hi = std::max(hi, x);
    lo = std::min(lo, x == kMissing ? std::numeric_limits<T>::max() : x);
  }
  return plan_range(lo, hi);
}

size_t int_payload(const IntPlan& p, size_t n, size_t raw_size) {
  if (p.width == 0) return 0;
  if (p.width == 8) return n * raw_size;
  return sizeof(int64_t) + n * p.width;
}

template <typename T, typename U, typename Rows>
void put_offsets(const T* v, const Rows& rows, int64_t base, char* out) {
  constexpr T kMissing = std::numeric_limits<T>::min();
  constexpr U kNone = std::numeric_limits<U>::max();
  for (size_t i = 0; i < rows.size(); ++i) {
    const T x = v[rows[i]];
    const U u = x == kMissing ? kNone
                              : static_cast<U>(static_cast<uint64_t>(static_cast<int64_t>(x)) -
                                               static_cast<uint64_t>(base));
    std::memcpy(out + i * sizeof(U), &u, sizeof(U));
  }
}

template <typename T, typename Rows>
char* put_ints(const IntPlan& p, const T* v, const Rows& rows, char* out) {
  const size_t n = rows.size();
  switch (p.width) {
    case 0:
      return out;
    case 8:
      if constexpr (std::is_same_v<Rows, AllRows>) {
        std::memcpy(out, v, n * sizeof(T));
      } else {
        for (size_t i = 0; i < n; ++i) std::memcpy(out + i * sizeof(T), &v[rows[i]], sizeof(T));
      }
      return out + n * sizeof(T);
    default:
      std::memcpy(out, &p.base, sizeof p.base);
      out += sizeof p.base;
      if (p.width == 1) put_offsets<T, uint8_t>(v, rows, p.base, out);
      if (p.width == 2) put_offsets<T, uint16_t>(v, rows, p.base, out);
      if (p.width == 4) put_offsets<T, uint32_t>(v, rows, p.base, out);
      return out + n * p.width;
  }
}

template <typename T, typename U>
void get_offsets(const char* in, size_t n, int64_t base, T* v) {
  constexpr T kMissing = std::numeric_limits<T>::min();
  constexpr U kNone = std::numeric_limits<U>::max();
  for (size_t i = 0; i < n; ++i) {
    U u;
    std::memcpy(&u, in + i * sizeof(U), sizeof(U));
    v[i] = u == kNone ? kMissing
                      : static_cast<T>(static_cast<int64_t>(static_cast<uint64_t>(base) + u));
  }
}

// String lengths' width (1, 2, 4 or 8 bytes) and their sum, over the encoded rows.
struct Lengths {
  uint8_t width = 1;
  uint64_t bytes = 0;
};

template <typename Rows>
Lengths plan_lengths(const uint64_t* offsets, const Rows& rows) {
  uint64_t longest = 0, bytes = 0;
  for (size_t i = 0; i < rows.size(); ++i) {
    const uint64_t len = offsets[rows[i] + 1] - offsets[rows[i]];
    longest = std::max(longest, len);
    bytes += len;
  }
  return {length_width(longest), bytes};
}

template <typename U, typename Rows>
void put_lengths(const uint64_t* offsets, const Rows& rows, char* out) {
  for (size_t i = 0; i < rows.size(); ++i) {
    const U len = static_cast<U>(offsets[rows[i] + 1] - offsets[rows[i]]);
    std::memcpy(out + i * sizeof(U), &len, sizeof(U));
  }
}

// A column's values in plain form, whatever form it came in (narrow integers, string codes),
// indexed by the batch's own row numbers.
struct ColumnPlan {
  const Column* column = nullptr;
  IntPlan ints;
  const int64_t* int_values = nullptr;
  std::vector<int64_t> widened;
  StringColumn decoded;  // an encoded (codes) string column, decoded
  const StringColumn* strings = nullptr;
  Lengths lengths;
  size_t size = 0;  // encoded bytes, name and header included
};

template <typename Rows>
EncodedBatch encode_rows(const Batch& b, const Rows& rows) {
  const size_t all = b.rows();
  const size_t n = rows.size();
  std::vector<ColumnPlan> plans(b.columns.size());
  size_t total = sizeof(uint32_t) + sizeof(uint64_t);
  for (size_t c = 0; c < b.columns.size(); ++c) {
    const Column& col = b.columns[c];
    ColumnPlan& p = plans[c];
    p.column = &col;
    check_column(col, all);
    p.size = sizeof(uint16_t) + col.name.size() + 2;
    switch (col.type) {
      case ColumnType::kInt64:
      case ColumnType::kDecimal:
        p.int_values = int_values(col, p.widened);
        p.ints = plan_ints(p.int_values, rows);
        p.size += int_payload(p.ints, n, sizeof(int64_t));
        break;
      case ColumnType::kDate:
        p.ints = plan_ints(col.dates.data(), rows);
        p.size += int_payload(p.ints, n, sizeof(Date));
        break;
      case ColumnType::kString:
        if (col.encoded) {
          p.decoded.reserve(all, 0);
          for (size_t i = 0; i < all; ++i) p.decoded.push_back(col.string_at(i));
          p.strings = &p.decoded;
        } else {
          p.strings = &col.strings;
        }
        p.lengths = plan_lengths(p.strings->offsets().data(), rows);
        p.size += n * p.lengths.width + sizeof(uint64_t) + p.lengths.bytes;
        break;
    }
    total += p.size;
  }
  // What decoding costs: Batch::byte_size() of the rows in plain columns.
  uint64_t decoded = 0;
  if constexpr (std::is_same_v<Rows, AllRows>) {
    decoded = b.byte_size();
  } else {
    for (const ColumnPlan& p : plans) {
      // Column::byte_size() counts the one offset of an empty string arena: the dictionary's,
      // and the values' for a column of another type.
      const ColumnType type = p.column->type;
      decoded += sizeof(uint64_t) * (type == ColumnType::kString ? 1 : 2);
      decoded += type == ColumnType::kString ? p.lengths.bytes + (n + 1) * sizeof(uint64_t)
                 : type == ColumnType::kDate ? n * sizeof(Date)
                                             : n * sizeof(int64_t);
    }
  }
  EncodedBatch out(total, n, decoded);
  char* w = out.data();
  const auto ncols = static_cast<uint32_t>(b.columns.size());
  const auto count = static_cast<uint64_t>(n);
  std::memcpy(w, &ncols, sizeof ncols);
  w += sizeof ncols;
  std::memcpy(w, &count, sizeof count);
  w += sizeof count;
  for (ColumnPlan& p : plans) {
    const Column& col = *p.column;
    const auto name_len = static_cast<uint16_t>(col.name.size());
    std::memcpy(w, &name_len, sizeof name_len);
    w += sizeof name_len;
    std::memcpy(w, col.name.data(), name_len);
    w += name_len;
    *w++ = static_cast<char>(col.type);
    switch (col.type) {
      case ColumnType::kInt64:
      case ColumnType::kDecimal:
        *w++ = static_cast<char>(p.ints.width);
        w = put_ints(p.ints, p.int_values, rows, w);
        break;
      case ColumnType::kDate:
        *w++ = static_cast<char>(p.ints.width);
        w = put_ints(p.ints, col.dates.data(), rows, w);
        break;
      case ColumnType::kString: {
        *w++ = static_cast<char>(p.lengths.width);
        const uint64_t* offsets = p.strings->offsets().data();
        switch (p.lengths.width) {
          case 1:
            put_lengths<uint8_t>(offsets, rows, w);
            break;
          case 2:
            put_lengths<uint16_t>(offsets, rows, w);
            break;
          case 4:
            put_lengths<uint32_t>(offsets, rows, w);
            break;
          default:
            put_lengths<uint64_t>(offsets, rows, w);
        }
        w += n * p.lengths.width;
        std::memcpy(w, &p.lengths.bytes, sizeof p.lengths.bytes);
        w += sizeof p.lengths.bytes;
        const char* bytes = p.strings->bytes().data();
        if constexpr (std::is_same_v<Rows, AllRows>) {
          if (p.lengths.bytes) std::memcpy(w, bytes, p.lengths.bytes);
          w += p.lengths.bytes;
        } else {
          for (size_t i = 0; i < n; ++i) {
            const uint64_t len = offsets[rows[i] + 1] - offsets[rows[i]];
            std::memcpy(w, bytes + offsets[rows[i]], len);
            w += len;
          }
        }
        break;
      }
    }
  }
  if (w != out.data() + total) throw internal_error("compact batch encoding size mismatch");
  return out;
}

}  // namespace

EncodedBatch encode_compact(const Batch& b) {
  return encode_rows(b, AllRows{b.rows()});
}

EncodedBatch encode_compact(const Batch& b, std::span<const uint32_t> rows) {
  return encode_rows(b, PickedRows{rows});
}

namespace {

// encode_parts: the plans of every part at once, then one sequential pass per column that
// scatters each value to its part's cursor. Reading the column in order is what makes it faster
// than encoding each part from its picked rows: those reads jump through the whole batch once
// per part and miss the cache on most values.

// The (lo, hi) of each part's values, missing skipped, as plan_ints takes them; then its plan.
template <typename T>
std::vector<IntPlan> plan_int_parts(const T* v, std::span<const uint32_t> part, size_t parts) {
  constexpr T kMissing = std::numeric_limits<T>::min();
  std::vector<T> lo(parts, std::numeric_limits<T>::max()), hi(parts, kMissing);
  for (size_t i = 0; i < part.size(); ++i) {
    const T x = v[i];
    const uint32_t k = part[i];
    hi[k] = std::max(hi[k], x);
    lo[k] = std::min(lo[k], x == kMissing ? std::numeric_limits<T>::max() : x);
  }
  std::vector<IntPlan> plans(parts);
  for (size_t k = 0; k < parts; ++k) plans[k] = plan_range(lo[k], hi[k]);
  return plans;
}

// One value at its part's cursor, at that part's width (0: nothing is written).
template <typename T>
inline void put_scattered(T x, const IntPlan& plan, char*& w) {
  constexpr T kMissing = std::numeric_limits<T>::min();
  const uint64_t off =
      static_cast<uint64_t>(static_cast<int64_t>(x)) - static_cast<uint64_t>(plan.base);
  switch (plan.width) {
    case 1: {
      const uint8_t u = x == kMissing ? uint8_t{0xFF} : static_cast<uint8_t>(off);
      std::memcpy(w, &u, 1);
      w += 1;
      break;
    }
    case 2: {
      const uint16_t u = x == kMissing ? uint16_t{0xFFFF} : static_cast<uint16_t>(off);
      std::memcpy(w, &u, 2);
      w += 2;
      break;
    }
    case 4: {
      const uint32_t u = x == kMissing ? uint32_t{0xFFFFFFFF} : static_cast<uint32_t>(off);
      std::memcpy(w, &u, 4);
      w += 4;
      break;
    }
    case 8:
      std::memcpy(w, &x, sizeof(T));
      w += sizeof(T);
      break;
    default:
      break;
  }
}

// The same when every part has width U: no switch per value.
template <typename T, typename U>
void scatter_uniform(const T* v, std::span<const uint32_t> part, const std::vector<IntPlan>& plans,
                     std::vector<char*>& w) {
  constexpr T kMissing = std::numeric_limits<T>::min();
  constexpr U kNone = std::numeric_limits<U>::max();
  for (size_t i = 0; i < part.size(); ++i) {
    const T x = v[i];
    const uint32_t k = part[i];
    U u;
    if constexpr (sizeof(U) == sizeof(T) && sizeof(T) == 8) {
      u = static_cast<U>(x);  // width 8: the values as they are
    } else {
      u = x == kMissing ? kNone
                        : static_cast<U>(static_cast<uint64_t>(static_cast<int64_t>(x)) -
                                         static_cast<uint64_t>(plans[k].base));
    }
    std::memcpy(w[k], &u, sizeof(U));
    w[k] += sizeof(U);
  }
}

// `rows`: each part's row count (a part without rows writes nothing, whatever its width).
template <typename T>
void scatter_ints(const T* v, std::span<const uint32_t> part, const std::vector<IntPlan>& plans,
                  const std::vector<uint64_t>& rows, std::vector<char*>& w) {
  uint8_t first = 0;
  bool uniform = true, seen = false;
  for (size_t k = 0; k < plans.size(); ++k) {
    if (rows[k] == 0) continue;
    if (!seen) first = plans[k].width;
    uniform = uniform && plans[k].width == first;
    seen = true;
  }
  if (uniform) {
    switch (first) {
      case 0:
        return;
      case 1:
        return scatter_uniform<T, uint8_t>(v, part, plans, w);
      case 2:
        return scatter_uniform<T, uint16_t>(v, part, plans, w);
      case 4:
        return scatter_uniform<T, uint32_t>(v, part, plans, w);
      default:
        if constexpr (sizeof(T) == 8) return scatter_uniform<T, uint64_t>(v, part, plans, w);
    }
  }
  for (size_t i = 0; i < part.size(); ++i) put_scattered(v[i], plans[part[i]], w[part[i]]);
}

template <typename U>
inline void put_length(uint64_t len, char*& w) {
  const auto u = static_cast<U>(len);
  std::memcpy(w, &u, sizeof(U));
  w += sizeof(U);
}

}  // namespace

std::vector<EncodedBatch> encode_parts(const Batch& b, std::span<const uint32_t> part_of_row,
                                       size_t parts) {
  const size_t all = b.rows();
  if (part_of_row.size() != all)
    throw internal_error("{} part numbers for a batch of {} rows", part_of_row.size(), all);
  std::vector<uint64_t> rows(parts, 0);
  for (const uint32_t k : part_of_row) {
    if (k >= parts) throw internal_error("part {} of {}", k, parts);
    ++rows[k];
  }
  // Per column, per part: the integer plan or the string lengths' plan, and its encoded size.
  struct ColumnParts {
    const Column* column = nullptr;
    const int64_t* int_values = nullptr;
    std::vector<int64_t> widened;
    StringColumn decoded;
    const StringColumn* strings = nullptr;
    std::vector<IntPlan> ints;
    std::vector<Lengths> lengths;
  };
  std::vector<ColumnParts> cols(b.columns.size());
  std::vector<size_t> total(parts, sizeof(uint32_t) + sizeof(uint64_t));
  std::vector<uint64_t> decoded(parts, 0);
  for (size_t c = 0; c < b.columns.size(); ++c) {
    const Column& col = b.columns[c];
    ColumnParts& cp = cols[c];
    cp.column = &col;
    check_column(col, all);
    const size_t head = sizeof(uint16_t) + col.name.size() + 2;
    switch (col.type) {
      case ColumnType::kInt64:
      case ColumnType::kDecimal:
        cp.int_values = int_values(col, cp.widened);
        cp.ints = plan_int_parts(cp.int_values, part_of_row, parts);
        for (size_t k = 0; k < parts; ++k) {
          total[k] += head + int_payload(cp.ints[k], rows[k], sizeof(int64_t));
          decoded[k] += 2 * sizeof(uint64_t) + rows[k] * sizeof(int64_t);
        }
        break;
      case ColumnType::kDate:
        cp.ints = plan_int_parts(col.dates.data(), part_of_row, parts);
        for (size_t k = 0; k < parts; ++k) {
          total[k] += head + int_payload(cp.ints[k], rows[k], sizeof(Date));
          decoded[k] += 2 * sizeof(uint64_t) + rows[k] * sizeof(Date);
        }
        break;
      case ColumnType::kString: {
        if (col.encoded) {
          cp.decoded.reserve(all, 0);
          for (size_t i = 0; i < all; ++i) cp.decoded.push_back(col.string_at(i));
          cp.strings = &cp.decoded;
        } else {
          cp.strings = &col.strings;
        }
        const uint64_t* off = cp.strings->offsets().data();
        std::vector<uint64_t> longest(parts, 0), bytes(parts, 0);
        for (size_t i = 0; i < all; ++i) {
          const uint64_t len = off[i + 1] - off[i];
          const uint32_t k = part_of_row[i];
          longest[k] = std::max(longest[k], len);
          bytes[k] += len;
        }
        cp.lengths.resize(parts);
        for (size_t k = 0; k < parts; ++k) {
          const uint8_t width = length_width(longest[k]);
          cp.lengths[k] = {width, bytes[k]};
          total[k] += head + rows[k] * width + sizeof(uint64_t) + bytes[k];
          decoded[k] += sizeof(uint64_t) + bytes[k] + (rows[k] + 1) * sizeof(uint64_t);
        }
        break;
      }
    }
  }
  std::vector<EncodedBatch> out;
  out.reserve(parts);
  std::vector<char*> w(parts);
  const auto ncols = static_cast<uint32_t>(b.columns.size());
  for (size_t k = 0; k < parts; ++k) {
    out.emplace_back(total[k], rows[k], decoded[k]);
    w[k] = out[k].data();
    std::memcpy(w[k], &ncols, sizeof ncols);
    w[k] += sizeof ncols;
    std::memcpy(w[k], &rows[k], sizeof rows[k]);
    w[k] += sizeof rows[k];
  }
  std::vector<char*> bw(parts);  // strings: each part's byte run, after its lengths
  for (ColumnParts& cp : cols) {
    const Column& col = *cp.column;
    const auto name_len = static_cast<uint16_t>(col.name.size());
    const bool is_string = col.type == ColumnType::kString;
    for (size_t k = 0; k < parts; ++k) {
      char*& o = w[k];
      std::memcpy(o, &name_len, sizeof name_len);
      o += sizeof name_len;
      std::memcpy(o, col.name.data(), name_len);
      o += name_len;
      *o++ = static_cast<char>(col.type);
      *o++ = static_cast<char>(is_string ? cp.lengths[k].width : cp.ints[k].width);
      if (is_string) {
        bw[k] = o + rows[k] * cp.lengths[k].width;
        std::memcpy(bw[k], &cp.lengths[k].bytes, sizeof(uint64_t));
        bw[k] += sizeof(uint64_t);
      } else if (cp.ints[k].width != 0 && cp.ints[k].width != 8) {
        std::memcpy(o, &cp.ints[k].base, sizeof(int64_t));
        o += sizeof(int64_t);
      }
    }
    switch (col.type) {
      case ColumnType::kInt64:
      case ColumnType::kDecimal:
        scatter_ints(cp.int_values, part_of_row, cp.ints, rows, w);
        break;
      case ColumnType::kDate:
        scatter_ints(col.dates.data(), part_of_row, cp.ints, rows, w);
        break;
      case ColumnType::kString: {
        const uint64_t* off = cp.strings->offsets().data();
        const char* bytes = cp.strings->bytes().data();
        for (size_t i = 0; i < all; ++i) {
          const uint32_t k = part_of_row[i];
          const uint64_t len = off[i + 1] - off[i];
          switch (cp.lengths[k].width) {
            case 1:
              put_length<uint8_t>(len, w[k]);
              break;
            case 2:
              put_length<uint16_t>(len, w[k]);
              break;
            case 4:
              put_length<uint32_t>(len, w[k]);
              break;
            default:
              put_length<uint64_t>(len, w[k]);
          }
          std::memcpy(bw[k], bytes + off[i], len);
          bw[k] += len;
        }
        for (size_t k = 0; k < parts; ++k) w[k] = bw[k];
        break;
      }
    }
  }
  for (size_t k = 0; k < parts; ++k)
    if (w[k] != out[k].data() + total[k])
      throw internal_error("compact batch encoding size mismatch (part {})", k);
  return out;
}

namespace {

class Cursor {
 public:
  Cursor(const char* p, size_t size) : p_(p), end_(p + size) {}
  const char* take(uint64_t n) {
    if (static_cast<uint64_t>(end_ - p_) < n)
      throw internal_error("truncated compact batch encoding");
    const char* at = p_;
    p_ += n;
    return at;
  }
  template <typename T>
  T get() {
    T v;
    std::memcpy(&v, take(sizeof(T)), sizeof(T));
    return v;
  }
  bool done() const { return p_ == end_; }

 private:
  const char* p_;
  const char* end_;
};

}  // namespace

CompactIndex index_compact(const char* data, size_t size) {
  Cursor r(data, size);
  const auto ncols = r.get<uint32_t>();
  const auto rows = r.get<uint64_t>();
  if (rows > size) throw internal_error("corrupt compact batch encoding (rows)");
  CompactIndex idx;
  idx.rows = rows;
  idx.cols.resize(ncols);
  for (CompactIndex::Col& c : idx.cols) {
    const auto name_len = r.get<uint16_t>();
    c.name = std::string_view(r.take(name_len), name_len);
    const auto type = r.get<uint8_t>();
    c.width = r.get<uint8_t>();
    if (type > static_cast<uint8_t>(ColumnType::kString))
      throw internal_error("corrupt compact batch encoding (column type {})", type);
    c.type = static_cast<ColumnType>(type);
    if (c.type == ColumnType::kString) {
      if (c.width != 1 && c.width != 2 && c.width != 4 && c.width != 8)
        throw internal_error("corrupt compact batch encoding (length width {})", c.width);
      c.values = r.take(rows * c.width);
      c.string_bytes = r.get<uint64_t>();
      c.arena = r.take(c.string_bytes);
      continue;
    }
    const size_t value_size = c.type == ColumnType::kDate ? sizeof(Date) : sizeof(int64_t);
    if (c.width == 1 || c.width == 2 || c.width == 4) {
      c.base = r.get<int64_t>();
      c.values = r.take(rows * c.width);
    } else if (c.width == 8 && value_size == 8) {
      c.values = r.take(rows * 8);
    } else if (c.width != 0) {
      throw internal_error("corrupt compact batch encoding (integer width {})", c.width);
    }
  }
  if (!r.done()) throw internal_error("corrupt compact batch encoding (trailing bytes)");
  return idx;
}

bool same_layout(const CompactIndex& a, const CompactIndex& b) {
  if (a.cols.size() != b.cols.size()) return false;
  for (size_t j = 0; j < a.cols.size(); ++j)
    if (a.cols[j].type != b.cols[j].type || a.cols[j].name != b.cols[j].name) return false;
  return true;
}

namespace {

template <typename T>
void put_values(const CompactIndex::Col& c, size_t n, T* out) {
  switch (c.width) {
    case 0:
      std::fill(out, out + n, std::numeric_limits<T>::min());
      return;
    case 1:
      get_offsets<T, uint8_t>(c.values, n, c.base, out);
      return;
    case 2:
      get_offsets<T, uint16_t>(c.values, n, c.base, out);
      return;
    case 4:
      get_offsets<T, uint32_t>(c.values, n, c.base, out);
      return;
    default:
      std::memcpy(out, c.values, n * sizeof(T));  // width 8: int64 only (index_compact checked)
  }
}

// Lengths of width U into offsets[1..n], running on from offsets[0] (the bytes before).
template <typename U>
uint64_t append_lengths(const char* in, size_t n, uint64_t* offsets) {
  uint64_t at = offsets[0];
  for (size_t i = 0; i < n; ++i) {
    U len;
    std::memcpy(&len, in + i * sizeof(U), sizeof(U));
    at += len;
    offsets[i + 1] = at;
  }
  return at - offsets[0];
}

}  // namespace

void decode_column(std::span<const CompactIndex> pieces, size_t j, Column& out) {
  if (pieces.empty()) return;
  const CompactIndex::Col& first = pieces.front().cols.at(j);
  out.name = std::string(first.name);
  out.type = first.type;
  uint64_t rows = 0, bytes = 0;
  for (const CompactIndex& p : pieces) {
    rows += p.rows;
    bytes += p.cols[j].string_bytes;
  }
  const auto n = static_cast<size_t>(rows);
  uint64_t at = 0;
  const auto put_all = [&](auto& values) {  // int64 or Date values, piece after piece
    values.resize(n);
    for (const CompactIndex& p : pieces) {
      put_values(p.cols[j], static_cast<size_t>(p.rows), values.data() + at);
      at += p.rows;
    }
  };
  switch (out.type) {
    case ColumnType::kInt64:
    case ColumnType::kDecimal:
      put_all(out.ints);
      return;
    case ColumnType::kDate:
      put_all(out.dates);
      return;
    case ColumnType::kString: {
      if (n == 0) return;
      std::vector<uint64_t> offsets(n + 1);
      std::string arena;
      arena.resize(bytes);
      for (const CompactIndex& p : pieces) {
        const CompactIndex::Col& c = p.cols[j];
        const auto m = static_cast<size_t>(p.rows);
        uint64_t* o = offsets.data() + at;
        uint64_t total = 0;
        if (c.width == 1) total = append_lengths<uint8_t>(c.values, m, o);
        if (c.width == 2) total = append_lengths<uint16_t>(c.values, m, o);
        if (c.width == 4) total = append_lengths<uint32_t>(c.values, m, o);
        if (c.width == 8) total = append_lengths<uint64_t>(c.values, m, o);
        if (total != c.string_bytes)
          throw internal_error("corrupt compact batch encoding (string bytes)");
        if (total) std::memcpy(arena.data() + o[0], c.arena, total);
        at += p.rows;
      }
      out.strings.assign(std::move(arena), std::move(offsets));
      return;
    }
  }
}

Batch decode_compact(std::span<const CompactIndex> pieces) {
  Batch b;
  if (pieces.empty()) return b;
  for (const CompactIndex& p : pieces)
    if (!same_layout(p, pieces.front()))
      throw internal_error("compact batches of different columns decoded as one");
  b.columns.resize(pieces.front().cols.size());
  for (size_t j = 0; j < b.columns.size(); ++j) decode_column(pieces, j, b.columns[j]);
  return b;
}

Batch decode_compact(const char* data, size_t size) {
  const CompactIndex one = index_compact(data, size);
  return decode_compact(std::span<const CompactIndex>(&one, 1));
}

}  // namespace snds
