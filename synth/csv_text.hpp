// Fast CSV text for the generator: a growable char buffer written through raw pointers, and
// hand-rolled field writers (integers, cents, the three SNDS date forms). A row reserves its
// worst-case size once, then fields are written with no bounds check and no allocation.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>
#include <string_view>

#include "core/date.hpp"

namespace snds::synth {

class CharBuf {
 public:
  CharBuf() = default;
  CharBuf(CharBuf&&) noexcept = default;
  CharBuf& operator=(CharBuf&&) noexcept = default;

  // A pointer with at least `n` writable bytes after the current end.
  char* reserve(size_t n) {
    if (cap_ - size_ < n) grow(n);
    return data_.get() + size_;
  }
  // Marks everything up to `end` (from reserve()) as written.
  void commit(const char* end) { size_ = static_cast<size_t>(end - data_.get()); }
  void append(std::string_view s) {
    char* p = reserve(s.size());
    std::memcpy(p, s.data(), s.size());
    size_ += s.size();
  }
  void clear() { size_ = 0; }
  const char* data() const { return data_.get(); }
  size_t size() const { return size_; }
  std::string_view view() const { return {data_.get(), size_}; }

 private:
  void grow(size_t n) {
    size_t cap = cap_ ? cap_ * 2 : 1 << 16;
    while (cap - size_ < n) cap *= 2;
    std::unique_ptr<char[]> d(new char[cap]);
    if (size_) std::memcpy(d.get(), data_.get(), size_);
    data_ = std::move(d);
    cap_ = cap;
  }

  std::unique_ptr<char[]> data_;
  size_t size_ = 0;
  size_t cap_ = 0;
};

enum class DateForm : uint8_t { kIso, kDmy, kSas };  // 2020-03-15, 15/03/2020, 15MAR2020:00:00:00

namespace text {

inline constexpr char kDigitPairs[] =
    "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
    "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
    "8081828384858687888990919293949596979899";

inline char* put_str(char* p, std::string_view s) {
  std::memcpy(p, s.data(), s.size());
  return p + s.size();
}

// Short strings (codes of a few characters): a plain loop beats a call to memcpy.
inline char* put_short(char* p, std::string_view s) {
  for (size_t i = 0; i < s.size(); ++i) p[i] = s[i];
  return p + s.size();
}

// Fixed-width fields (BEN_NIR_PSA, CIP13, FINESS...): a constant-size copy the compiler inlines.
template <size_t N>
inline char* put_fixed(char* p, const char* s) {
  std::memcpy(p, s, N);
  return p + N;
}

inline int count_digits(uint64_t v) {
  int n = 1;
  for (;;) {
    if (v < 10) return n;
    if (v < 100) return n + 1;
    if (v < 1000) return n + 2;
    if (v < 10000) return n + 3;
    v /= 10000;
    n += 4;
  }
}

inline char* put_u64(char* p, uint64_t v) {
  if (v < 10) {
    *p = static_cast<char>('0' + v);
    return p + 1;
  }
  if (v < 100) {
    std::memcpy(p, kDigitPairs + v * 2, 2);
    return p + 2;
  }
  char* const end = p + count_digits(v);
  char* q = end;
  while (v >= 100) {
    q -= 2;
    std::memcpy(q, kDigitPairs + (v % 100) * 2, 2);
    v /= 100;
  }
  if (v >= 10) {
    std::memcpy(q - 2, kDigitPairs + v * 2, 2);
  } else {
    q[-1] = static_cast<char>('0' + v);
  }
  return end;
}

inline char* put_i64(char* p, int64_t v) {
  if (v < 0) {
    *p++ = '-';
    return put_u64(p, static_cast<uint64_t>(-(v + 1)) + 1);
  }
  return put_u64(p, static_cast<uint64_t>(v));
}

// `v` on exactly `width` digits, zero-padded (v must fit).
inline char* put_padded(char* p, uint64_t v, int width) {
  for (int i = width - 1; i >= 0; --i) {
    p[i] = static_cast<char>('0' + v % 10);
    v /= 10;
  }
  return p + width;
}

inline char* put_2digits(char* p, unsigned v) {
  p[0] = kDigitPairs[v * 2];
  p[1] = kDigitPairs[v * 2 + 1];
  return p + 2;
}

// An amount in cents with 2 decimals: "-12.30" or "-12,30".
inline char* put_cents(char* p, int64_t cents, bool comma) {
  if (cents < 0) {
    *p++ = '-';
    cents = -cents;
  }
  p = put_u64(p, static_cast<uint64_t>(cents / 100));
  *p++ = comma ? ',' : '.';
  return put_2digits(p, static_cast<unsigned>(cents % 100));
}

inline char* put_civil(char* p, int y, unsigned m, unsigned d, DateForm form) {
  static constexpr char kMonths[] = "JANFEBMARAPRMAYJUNJULAUGSEPOCTNOVDEC";
  switch (form) {
    case DateForm::kIso:
      p = put_padded(p, static_cast<uint64_t>(y), 4);
      *p++ = '-';
      p = put_2digits(p, m);
      *p++ = '-';
      return put_2digits(p, d);
    case DateForm::kDmy:
      p = put_2digits(p, d);
      *p++ = '/';
      p = put_2digits(p, m);
      *p++ = '/';
      return put_padded(p, static_cast<uint64_t>(y), 4);
    case DateForm::kSas:
      p = put_2digits(p, d);
      std::memcpy(p, kMonths + (m - 1) * 3, 3);
      p = put_padded(p + 3, static_cast<uint64_t>(y), 4);
      return put_str(p, ":00:00:00");
  }
  return p;
}

// Preformatted dates of 1990-2080 in the three forms, one 32-byte slot per day: put_date copies a
// whole slot (rows reserve enough room) and advances by the form's length.
struct DateTable {
  static constexpr int kFirstYear = 1990, kLastYear = 2080;
  static constexpr size_t kSlot = 32;
  Date first = 0;
  uint32_t days = 0;
  std::unique_ptr<char[]> text[3];
};
// Built on first use (csv_text.cpp): only `generate` needs it, and every other command would pay
// its 6 MB and few milliseconds at start-up.
const DateTable& date_table();
inline constexpr size_t kDateLength[3] = {10, 10, 18};

// A date in the file's form; a missing date as 1600-01-01 in that form, or nothing.
inline char* put_date(char* p, Date d, DateForm form, bool missing_as_1600) {
  if (d == kMissingDate) return missing_as_1600 ? put_civil(p, 1600, 1, 1, form) : p;
  const DateTable& table = date_table();
  const auto offset = static_cast<uint32_t>(d - table.first);
  const auto f = static_cast<size_t>(form);
  if (offset < table.days) {
    std::memcpy(p, table.text[f].get() + offset * DateTable::kSlot, DateTable::kSlot);
    return p + kDateLength[f];
  }
  const CivilDate c = civil_from_days(d);
  return put_civil(p, c.year, c.month, c.day, form);
}

}  // namespace text
}  // namespace snds::synth
