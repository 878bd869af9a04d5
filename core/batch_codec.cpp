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

template <typename T>
IntPlan plan_ints(const T* v, size_t n) {
  // Missing is the type's minimum: it never raises the maximum, and is skipped for the minimum.
  constexpr T kMissing = std::numeric_limits<T>::min();
  T lo = std::numeric_limits<T>::max(), hi = kMissing;
  for (size_t i = 0; i < n; ++i) {
    hi = std::max(hi, v[i]);
    lo = std::min(lo, v[i] == kMissing ? std::numeric_limits<T>::max() : v[i]);
  }
  if (hi == kMissing) return {};  // none, or all missing
  const uint64_t range = static_cast<uint64_t>(static_cast<int64_t>(hi)) -
                         static_cast<uint64_t>(static_cast<int64_t>(lo));
  // The all-ones value of a width is missing, so the range must stay below it.
  if (range < 0xFFu) return {1, lo};
  if (range < 0xFFFFu) return {2, lo};
  if (range < 0xFFFFFFFFu) return {4, lo};
  return {8, 0};  // int64 only: a Date's range always fits in 4 bytes
}

size_t int_payload(const IntPlan& p, size_t n, size_t raw_size) {
  if (p.width == 0) return 0;
  if (p.width == 8) return n * raw_size;
  return sizeof(int64_t) + n * p.width;
}

template <typename T, typename U>
void put_offsets(const T* v, size_t n, int64_t base, char* out) {
  constexpr T kMissing = std::numeric_limits<T>::min();
  constexpr U kNone = std::numeric_limits<U>::max();
  for (size_t i = 0; i < n; ++i) {
    const U u = v[i] == kMissing
                    ? kNone
                    : static_cast<U>(static_cast<uint64_t>(static_cast<int64_t>(v[i])) -
                                     static_cast<uint64_t>(base));
    std::memcpy(out + i * sizeof(U), &u, sizeof(U));
  }
}

template <typename T>
char* put_ints(const IntPlan& p, const T* v, size_t n, char* out) {
  switch (p.width) {
    case 0:
      return out;
    case 8:
      std::memcpy(out, v, n * sizeof(T));
      return out + n * sizeof(T);
    default:
      std::memcpy(out, &p.base, sizeof p.base);
      out += sizeof p.base;
      if (p.width == 1) put_offsets<T, uint8_t>(v, n, p.base, out);
      if (p.width == 2) put_offsets<T, uint16_t>(v, n, p.base, out);
      if (p.width == 4) put_offsets<T, uint32_t>(v, n, p.base, out);
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

// String lengths' width: 1, 2, 4 or 8 bytes.
uint8_t length_width(const uint64_t* offsets, size_t n) {
  uint64_t longest = 0;
  for (size_t i = 0; i < n; ++i) longest = std::max(longest, offsets[i + 1] - offsets[i]);
  if (longest <= 0xFFu) return 1;
  if (longest <= 0xFFFFu) return 2;
  if (longest <= 0xFFFFFFFFu) return 4;
  return 8;
}

template <typename U>
void put_lengths(const uint64_t* offsets, size_t n, char* out) {
  for (size_t i = 0; i < n; ++i) {
    const U len = static_cast<U>(offsets[i + 1] - offsets[i]);
    std::memcpy(out + i * sizeof(U), &len, sizeof(U));
  }
}

template <typename U>
uint64_t get_lengths(const char* in, size_t n, uint64_t* offsets) {
  uint64_t at = 0;
  offsets[0] = 0;
  for (size_t i = 0; i < n; ++i) {
    U len;
    std::memcpy(&len, in + i * sizeof(U), sizeof(U));
    at += len;
    offsets[i + 1] = at;
  }
  return at;
}

// A column's values in plain form, whatever form it came in (narrow integers, string codes).
struct ColumnPlan {
  const Column* column = nullptr;
  IntPlan ints;
  const int64_t* int_values = nullptr;
  std::vector<int64_t> widened;
  StringColumn decoded;  // an encoded (codes) string column, decoded
  const StringColumn* strings = nullptr;
  uint8_t length_width = 1;
  size_t size = 0;  // encoded bytes, name and header included
};

}  // namespace

EncodedBatch encode_compact(const Batch& b) {
  const size_t n = b.rows();
  std::vector<ColumnPlan> plans(b.columns.size());
  size_t total = sizeof(uint32_t) + sizeof(uint64_t);
  for (size_t c = 0; c < b.columns.size(); ++c) {
    const Column& col = b.columns[c];
    ColumnPlan& p = plans[c];
    p.column = &col;
    if (col.size() != n)
      throw internal_error("column {} has {} rows in a batch of {}", col.name, col.size(), n);
    if (col.name.size() > std::numeric_limits<uint16_t>::max())
      throw internal_error("column name of {} bytes in a batch", col.name.size());
    p.size = sizeof(uint16_t) + col.name.size() + 2;
    switch (col.type) {
      case ColumnType::kInt64:
      case ColumnType::kDecimal:
        p.int_values = int_values(col, p.widened);
        p.ints = plan_ints(p.int_values, n);
        p.size += int_payload(p.ints, n, sizeof(int64_t));
        break;
      case ColumnType::kDate:
        p.ints = plan_ints(col.dates.data(), n);
        p.size += int_payload(p.ints, n, sizeof(Date));
        break;
      case ColumnType::kString:
        if (col.encoded) {
          p.decoded.reserve(n, 0);
          for (size_t i = 0; i < n; ++i) p.decoded.push_back(col.string_at(i));
          p.strings = &p.decoded;
        } else {
          p.strings = &col.strings;
        }
        p.length_width = n ? length_width(p.strings->offsets().data(), n) : 1;
        p.size += n * p.length_width + sizeof(uint64_t) + (n ? p.strings->offsets()[n] : 0);
        break;
    }
    total += p.size;
  }
  EncodedBatch out(total, n, b.byte_size());
  char* w = out.data();
  const auto ncols = static_cast<uint32_t>(b.columns.size());
  const auto rows = static_cast<uint64_t>(n);
  std::memcpy(w, &ncols, sizeof ncols);
  w += sizeof ncols;
  std::memcpy(w, &rows, sizeof rows);
  w += sizeof rows;
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
        w = put_ints(p.ints, p.int_values, n, w);
        break;
      case ColumnType::kDate:
        *w++ = static_cast<char>(p.ints.width);
        w = put_ints(p.ints, col.dates.data(), n, w);
        break;
      case ColumnType::kString: {
        *w++ = static_cast<char>(p.length_width);
        const uint64_t* offsets = p.strings->offsets().data();
        switch (p.length_width) {
          case 1:
            put_lengths<uint8_t>(offsets, n, w);
            break;
          case 2:
            put_lengths<uint16_t>(offsets, n, w);
            break;
          case 4:
            put_lengths<uint32_t>(offsets, n, w);
            break;
          default:
            put_lengths<uint64_t>(offsets, n, w);
        }
        w += n * p.length_width;
        const uint64_t bytes = n ? offsets[n] : 0;
        std::memcpy(w, &bytes, sizeof bytes);
        w += sizeof bytes;
        if (bytes) std::memcpy(w, p.strings->bytes().data(), bytes);
        w += bytes;
        break;
      }
    }
  }
  if (w != out.data() + total) throw internal_error("compact batch encoding size mismatch");
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

template <typename T>
void get_ints(Cursor& r, uint8_t width, size_t n, std::vector<T>& out) {
  out.resize(n);
  switch (width) {
    case 0:
      std::fill(out.begin(), out.end(), std::numeric_limits<T>::min());
      return;
    case 1:
    case 2:
    case 4: {
      const auto base = r.get<int64_t>();
      const char* in = r.take(static_cast<uint64_t>(n) * width);
      if (width == 1) get_offsets<T, uint8_t>(in, n, base, out.data());
      if (width == 2) get_offsets<T, uint16_t>(in, n, base, out.data());
      if (width == 4) get_offsets<T, uint32_t>(in, n, base, out.data());
      return;
    }
    case 8:
      if (sizeof(T) == 8) {
        std::memcpy(out.data(), r.take(static_cast<uint64_t>(n) * sizeof(T)), n * sizeof(T));
        return;
      }
      [[fallthrough]];
    default:
      throw internal_error("corrupt compact batch encoding (integer width {})", width);
  }
}

}  // namespace

namespace {

template <typename T>
IntPlan plan_picked(const T* v, std::span<const uint32_t> rows) {
  constexpr T kMissing = std::numeric_limits<T>::min();
  T lo = std::numeric_limits<T>::max(), hi = kMissing;
  for (const uint32_t r : rows) {
    hi = std::max(hi, v[r]);
    lo = std::min(lo, v[r] == kMissing ? std::numeric_limits<T>::max() : v[r]);
  }
  if (hi == kMissing) return {};
  const uint64_t range = static_cast<uint64_t>(static_cast<int64_t>(hi)) -
                         static_cast<uint64_t>(static_cast<int64_t>(lo));
  if (range < 0xFFu) return {1, lo};
  if (range < 0xFFFFu) return {2, lo};
  if (range < 0xFFFFFFFFu) return {4, lo};
  return {8, 0};
}

template <typename T, typename U>
void put_picked_offsets(const T* v, std::span<const uint32_t> rows, int64_t base, char* out) {
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

template <typename T>
char* put_picked_ints(const IntPlan& p, const T* v, std::span<const uint32_t> rows, char* out) {
  const size_t n = rows.size();
  switch (p.width) {
    case 0:
      return out;
    case 8:
      for (size_t i = 0; i < n; ++i) std::memcpy(out + i * sizeof(T), &v[rows[i]], sizeof(T));
      return out + n * sizeof(T);
    default:
      std::memcpy(out, &p.base, sizeof p.base);
      out += sizeof p.base;
      if (p.width == 1) put_picked_offsets<T, uint8_t>(v, rows, p.base, out);
      if (p.width == 2) put_picked_offsets<T, uint16_t>(v, rows, p.base, out);
      if (p.width == 4) put_picked_offsets<T, uint32_t>(v, rows, p.base, out);
      return out + n * p.width;
  }
}

template <typename U>
void put_picked_lengths(const uint64_t* offsets, std::span<const uint32_t> rows, char* out) {
  for (size_t i = 0; i < rows.size(); ++i) {
    const U len = static_cast<U>(offsets[rows[i] + 1] - offsets[rows[i]]);
    std::memcpy(out + i * sizeof(U), &len, sizeof(U));
  }
}

}  // namespace

EncodedBatch encode_compact(const Batch& b, std::span<const uint32_t> rows) {
  // Columns in another form than plain values (codes, narrow integers) go the long way.
  for (const Column& c : b.columns)
    if (c.encoded || c.narrow_width != 0) return encode_compact(b.gather(rows));
  const size_t n = rows.size();
  const size_t all = b.rows();
  struct Plan {
    IntPlan ints;
    uint8_t length_width = 1;
    uint64_t bytes = 0;
  };
  std::vector<Plan> plans(b.columns.size());
  size_t total = sizeof(uint32_t) + sizeof(uint64_t);
  uint64_t decoded = 0;  // Batch::byte_size() of the gathered rows
  for (size_t c = 0; c < b.columns.size(); ++c) {
    const Column& col = b.columns[c];
    Plan& p = plans[c];
    if (col.size() != all)
      throw internal_error("column {} has {} rows in a batch of {}", col.name, col.size(), all);
    if (col.name.size() > std::numeric_limits<uint16_t>::max())
      throw internal_error("column name of {} bytes in a batch", col.name.size());
    total += sizeof(uint16_t) + col.name.size() + 2;
    // Column::byte_size() counts the one offset of an empty string arena: the dictionary's, and
    // the values' for a column of another type.
    decoded += sizeof(uint64_t) * (col.type == ColumnType::kString ? 1 : 2);
    switch (col.type) {
      case ColumnType::kInt64:
      case ColumnType::kDecimal:
        p.ints = plan_picked(col.ints.data(), rows);
        total += int_payload(p.ints, n, sizeof(int64_t));
        decoded += n * sizeof(int64_t);
        break;
      case ColumnType::kDate:
        p.ints = plan_picked(col.dates.data(), rows);
        total += int_payload(p.ints, n, sizeof(Date));
        decoded += n * sizeof(Date);
        break;
      case ColumnType::kString: {
        const uint64_t* offsets = col.strings.offsets().data();
        uint64_t longest = 0;
        for (const uint32_t r : rows) {
          const uint64_t len = offsets[r + 1] - offsets[r];
          longest = std::max(longest, len);
          p.bytes += len;
        }
        p.length_width = longest <= 0xFFu         ? 1
                         : longest <= 0xFFFFu     ? 2
                         : longest <= 0xFFFFFFFFu ? 4
                                                  : 8;
        total += n * p.length_width + sizeof(uint64_t) + p.bytes;
        decoded += p.bytes + (n + 1) * sizeof(uint64_t);
        break;
      }
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
  for (size_t c = 0; c < b.columns.size(); ++c) {
    const Column& col = b.columns[c];
    const Plan& p = plans[c];
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
        w = put_picked_ints(p.ints, col.ints.data(), rows, w);
        break;
      case ColumnType::kDate:
        *w++ = static_cast<char>(p.ints.width);
        w = put_picked_ints(p.ints, col.dates.data(), rows, w);
        break;
      case ColumnType::kString: {
        *w++ = static_cast<char>(p.length_width);
        const uint64_t* offsets = col.strings.offsets().data();
        switch (p.length_width) {
          case 1:
            put_picked_lengths<uint8_t>(offsets, rows, w);
            break;
          case 2:
            put_picked_lengths<uint16_t>(offsets, rows, w);
            break;
          case 4:
            put_picked_lengths<uint32_t>(offsets, rows, w);
            break;
          default:
            put_picked_lengths<uint64_t>(offsets, rows, w);
        }
        w += n * p.length_width;
        std::memcpy(w, &p.bytes, sizeof p.bytes);
        w += sizeof p.bytes;
        const char* bytes = col.strings.bytes().data();
        for (const uint32_t r : rows) {
          const uint64_t len = offsets[r + 1] - offsets[r];
          std::memcpy(w, bytes + offsets[r], len);
          w += len;
        }
        break;
      }
    }
  }
  if (w != out.data() + total) throw internal_error("compact batch encoding size mismatch");
  return out;
}

Batch decode_compact(const char* data, size_t size) {
  Cursor r(data, size);
  const auto ncols = r.get<uint32_t>();
  const auto rows = r.get<uint64_t>();
  if (rows > size) throw internal_error("corrupt compact batch encoding (rows)");
  const auto n = static_cast<size_t>(rows);
  Batch b;
  b.columns.resize(ncols);
  for (Column& c : b.columns) {
    const auto name_len = r.get<uint16_t>();
    c.name.assign(r.take(name_len), name_len);
    const auto type = r.get<uint8_t>();
    const auto width = r.get<uint8_t>();
    if (type > static_cast<uint8_t>(ColumnType::kString))
      throw internal_error("corrupt compact batch encoding (column type {})", type);
    c.type = static_cast<ColumnType>(type);
    switch (c.type) {
      case ColumnType::kInt64:
      case ColumnType::kDecimal:
        get_ints(r, width, n, c.ints);
        break;
      case ColumnType::kDate:
        get_ints(r, width, n, c.dates);
        break;
      case ColumnType::kString: {
        if (width != 1 && width != 2 && width != 4 && width != 8)
          throw internal_error("corrupt compact batch encoding (length width {})", width);
        const char* lengths = r.take(static_cast<uint64_t>(n) * width);
        std::vector<uint64_t> offsets;
        uint64_t total = 0;
        if (n) {
          offsets.resize(n + 1);
          if (width == 1) total = get_lengths<uint8_t>(lengths, n, offsets.data());
          if (width == 2) total = get_lengths<uint16_t>(lengths, n, offsets.data());
          if (width == 4) total = get_lengths<uint32_t>(lengths, n, offsets.data());
          if (width == 8) total = get_lengths<uint64_t>(lengths, n, offsets.data());
        }
        const auto bytes = r.get<uint64_t>();
        if (bytes != total) throw internal_error("corrupt compact batch encoding (string bytes)");
        std::string arena(r.take(bytes), bytes);
        c.strings.assign(std::move(arena), std::move(offsets));
        break;
      }
    }
  }
  if (!r.done()) throw internal_error("corrupt compact batch encoding (trailing bytes)");
  return b;
}

}  // namespace snds
