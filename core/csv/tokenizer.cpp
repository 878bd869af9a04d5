// The record splitter. The hot path is an unquoted field: the next `;`, `\n` or `"` comes from a
// per-64-byte bitmask of those bytes (SSE2 compares), and the field is a view into the input.
// Quoted fields without `""` are views too; only fields that need unescaping are copied, into a
// per-record scratch string.
#include "core/csv/tokenizer.hpp"

#include <algorithm>
#include <array>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace snds {
namespace {

// True when `p` is where a field ends outside quotes: the delimiter, `\n`, `\r\n`, a final `\r`,
// the end.
inline bool at_field_end(const char* p, const char* end, char delimiter) {
  if (p == end) return true;
  const char c = *p;
  return c == delimiter || c == '\n' || (c == '\r' && (p + 1 == end || p[1] == '\n'));
}

}  // namespace

size_t Tokenizer::quoted_field(size_t fs, const char*& error) {
  const char* const end = data_ + size_;
  const char* const start = data_ + fs;
  // Common case: the whole field is one quoted run without `""`: a view of its inside.
  if (*start == '"') {
    const void* q = std::memchr(start + 1, '"', static_cast<size_t>(end - start - 1));
    if (q != nullptr) {
      const char* close = static_cast<const char*>(q);
      if (at_field_end(close + 1, end, delimiter_)) {
        line_ += static_cast<uint64_t>(std::count(start + 1, close, '\n'));
        add_field(start + 1, static_cast<size_t>(close - start - 1));
        return static_cast<size_t>(close + 1 - data_);
      }
    }
  }
  // General case: unescape into scratch; the view is made once the record is complete, since
  // scratch may still grow (and move).
  const size_t begin = scratch_.size();
  bool in_quotes = false;
  const char* p = start;
  while (p < end) {
    const char c = *p;
    if (in_quotes) {
      if (c == '"') {
        if (p + 1 < end && p[1] == '"') {
          scratch_ += '"';
          p += 2;
        } else {
          in_quotes = false;
          ++p;
        }
        continue;
      }
      if (c == '\n') ++line_;
      scratch_ += c;
      ++p;
    } else {
      if (c == '"') {
        in_quotes = true;
        ++p;
        continue;
      }
      if (at_field_end(p, end, delimiter_)) break;
      scratch_ += c;
      ++p;
    }
  }
  if (in_quotes) error = "unterminated quote";
  escaped_.push_back({count_, begin, scratch_.size() - begin});
  add_field(nullptr, 0);
  return static_cast<size_t>(p - data_);
}

// Bit i set when data[offset + i] is the delimiter, `\n` or `"`, for the (up to) 64 bytes from
// offset.
inline uint64_t special_mask(const char* data, size_t size, size_t offset, char delim) {
#if defined(__SSE2__)
  if (offset + 64 <= size) {
    const __m128i delimiter = _mm_set1_epi8(delim);
    const __m128i newline = _mm_set1_epi8('\n');
    const __m128i quote = _mm_set1_epi8('"');
    uint64_t m = 0;
    for (int k = 0; k < 4; ++k) {
      const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(data + offset + 16 * k));
      const __m128i hit =
          _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, delimiter), _mm_cmpeq_epi8(v, newline)),
                       _mm_cmpeq_epi8(v, quote));
      m |= static_cast<uint64_t>(static_cast<uint32_t>(_mm_movemask_epi8(hit))) << (16 * k);
    }
    return m;
  }
#endif
  uint64_t m = 0;
  const size_t n = std::min<size_t>(64, size - offset);
  for (size_t i = 0; i < n; ++i)
    if (const char c = data[offset + i]; c == delim || c == '\n' || c == '"') m |= uint64_t{1} << i;
  return m;
}

Tokenizer::Tokenizer(const char* data, size_t size, uint64_t first_line, char delimiter)
    : data_(data),
      size_(size),
      line_(first_line),
      delimiter_(delimiter),
      mask_(special_mask(data, size, 0, delimiter)) {}

bool Tokenizer::next(CsvRecord& rec) {
  size_t p = pos_;
  // Skip lines holding nothing.
  for (;;) {
    if (p == size_) {
      pos_ = size_;
      return false;
    }
    if (data_[p] == '\n') {
      ++p;
      ++line_;
    } else if (data_[p] == '\r' && (p + 1 == size_ || data_[p + 1] == '\n')) {
      ++p;
    } else {
      break;
    }
  }

  count_ = 0;
  rec.error = nullptr;
  scratch_.clear();
  escaped_.clear();
  const size_t rs = p;
  rec.offset = rs;
  rec.line = line_;

  // The field loop works on locals: stores of field views could alias the members otherwise, and
  // the compiler would reload every one of them per field.
  const char* const data = data_;
  const size_t size = size_;
  const char delimiter = delimiter_;
  size_t block = block_;
  uint64_t m = mask_;  // the special bytes of [block, block + 64) not consumed yet
  {
    const size_t rel = p - block;  // drop the bits before p (skipped blank lines)
    if (rel >= 64) {
      block = p;
      m = special_mask(data, size, p, delimiter);
    } else {
      m &= ~uint64_t{0} << rel;
    }
  }
  std::string_view* out = fields_.data();
  size_t capacity = fields_.size();
  size_t n = 0;
  for (;;) {  // one field per turn, from p
    while (m == 0) {
      block += 64;
      if (block >= size) break;
      m = special_mask(data, size, block, delimiter);
    }
    const size_t q = m != 0 ? block + static_cast<size_t>(__builtin_ctzll(m)) : size;
    m &= m - 1;
    const char c = q < size ? data[q] : '\n';  // the end of the buffer ends the record
    if (c == delimiter || c == '\n') {
      if (n == capacity) {
        fields_.resize(capacity * 2);
        out = fields_.data();
        capacity = fields_.size();
      }
      if (c == delimiter) {
        out[n++] = std::string_view(data + p, q - p);
        p = q + 1;
        continue;
      }
      const size_t fe = q > p && data[q - 1] == '\r' ? q - 1 : q;
      out[n++] = std::string_view(data + p, fe - p);
      p = q;
      break;
    }
    count_ = n;
    p = quoted_field(p, rec.error);  // c == '"'
    n = count_;
    out = fields_.data();
    capacity = fields_.size();
    block = p;
    m = p < size ? special_mask(data, size, p, delimiter) : 0;
    if (p < size && data[p] == delimiter) {
      m &= m - 1;
      ++p;
      continue;
    }
    break;
  }
  block_ = block;
  mask_ = m;
  count_ = n;

  // p is at the record's end: `\n`, `\r\n`, a final `\r`, or the end of the buffer.
  size_t re = p;
  if (rec.error == nullptr && re > rs && (re == size_ || data_[re] == '\n') &&
      data_[re - 1] == '\r')
    --re;
  rec.raw = std::string_view(data_ + rs, re - rs);
  if (p < size_ && data_[p] == '\r') ++p;
  if (p < size_) {  // at '\n'
    ++p;
    ++line_;
  }
  pos_ = p;
  for (const Escaped& e : escaped_)
    fields_[e.field] = std::string_view(scratch_.data() + e.begin, e.length);
  rec.fields = std::span<const std::string_view>(fields_.data(), count_);
  return true;
}

}  // namespace snds
