// Parsers for the typed values of SNDS CSV fields (reference section 2): dates in any of the
// extract forms, integers and fixed-point decimals. Hot-path code: no locale, no allocation, no
// exceptions; every function is a pure function of its argument (safe from any thread).
//
// Common rules: spaces and tabs around a value are ignored; an empty (or all-space) value is
// missing (kMissingDate / kMissingInt); anything else that does not parse is refused.
#pragma once

#include <array>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string_view>

#include "core/column.hpp"
#include "core/date.hpp"

namespace snds {

namespace detail {
// The complete scanners behind the inline fast paths below.
bool parse_date_general(std::string_view s, Date& out);
bool parse_int64_general(std::string_view s, int64_t& out);
bool parse_decimal_general(std::string_view s, int64_t& out);
inline unsigned digit_value(char c) {
  return static_cast<unsigned char>(c - '0');
}  // >9: no digit

// Day numbers of 1 January of the years 1900..2156, and the days before each month (plain and
// leap years): the fast path turns a civil date into a day number with two lookups.
inline constexpr int kTableFirstYear = 1900;
inline constexpr auto kYearStarts = [] {
  std::array<Date, 257> a{};
  for (int i = 0; i < 257; ++i)
    a[static_cast<size_t>(i)] = days_from_civil(kTableFirstYear + i, 1, 1);
  return a;
}();
inline constexpr uint16_t kDaysBeforeMonth[2][13] = {
    {0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334, 365},
    {0, 31, 60, 91, 121, 152, 182, 213, 244, 274, 305, 335, 366}};

// True when each of the 8 bytes of x is an ASCII digit (a byte over 0xF9 fails on its own, so the
// carry it may pass to the next byte cannot turn a failure into a success).
inline bool eight_digits(uint64_t x) {
  return ((x & 0xF0F0F0F0F0F0F0F0ull) |
          (((x + 0x0606060606060606ull) & 0xF0F0F0F0F0F0F0F0ull) >> 4)) == 0x3333333333333333ull;
}

// Day number of a valid date of 1900..2155, or false (then the general scanner decides).
inline bool table_date(unsigned y, unsigned m, unsigned d, Date& out) {
  const unsigned i = y - kTableFirstYear;
  if (i >= 256 || m - 1 >= 12 || d == 0) return false;
  const bool leap = kYearStarts[i + 1] - kYearStarts[i] == 366;
  const uint16_t* before = kDaysBeforeMonth[leap];
  if (d > static_cast<unsigned>(before[m] - before[m - 1])) return false;
  out = kYearStarts[i] + before[m - 1] + static_cast<Date>(d) - 1;
  return true;
}
}  // namespace detail

// `s` without leading and trailing spaces and tabs.
inline std::string_view trim_spaces(std::string_view s) {
  size_t b = 0, e = s.size();
  while (b < e && (s[b] == ' ' || s[b] == '\t')) ++b;
  while (e > b && (s[e - 1] == ' ' || s[e - 1] == '\t')) --e;
  return s.substr(b, e - b);
}

// Each parser comes in two forms with the same rules: one returning std::optional, and one for hot
// loops writing to `out` and returning false where the other gives nullopt (GCC passes an
// optional<int64_t> through memory, which costs a store-forwarding stall per value).

// A date in any of these forms, detected per value:
//   2020-03-15, 15/03/2020 (day and month may have 1 or 2 digits), 15MAR2020 (month name in any
//   case), 15032020 (ddMMyyyy, 8 digits), each optionally followed by a time after ':', ' ' or 'T'
//   (15MAR2020:13:45:00, 2020-03-15 00:00:00, 15/03/2020T08:30; seconds may have a fraction).
// The time is checked then dropped. 1600-01-01 in any form is the SNDS "missing" sentinel and
// gives kMissingDate, as does an empty value. Impossible dates (2019-02-30) and two-digit years
// are refused.
inline bool parse_date(std::string_view s, Date& out) {
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  // Inline fast path for dd/MM/yyyy (DCIR) and yyyy-MM-dd: the first 8 bytes checked and
  // converted as one word. Other forms, the sentinel and odd cases go to the general scanner.
  if (s.size() == 10) {
    uint64_t w;
    std::memcpy(&w, s.data(), 8);
    const unsigned y8 = detail::digit_value(s[8]), y9 = detail::digit_value(s[9]);
    const auto byte = [](uint64_t v, int i) {
      return static_cast<unsigned>((v >> (8 * i)) & 0xFF);
    };
    constexpr uint64_t kSlashes = uint64_t{'/'} << 16 | uint64_t{'/'} << 40;  // bytes 2 and 5
    constexpr uint64_t kDashes = uint64_t{'-'} << 32 | uint64_t{'-'} << 56;   // bytes 4 and 7
    constexpr uint64_t kZeros = 0x3030303030303030ull;
    if (y8 <= 9 && y9 <= 9) {
      if ((w & (uint64_t{0xFF} << 16 | uint64_t{0xFF} << 40)) == kSlashes) {
        const uint64_t x = w ^ kSlashes ^ (kZeros & (uint64_t{0xFF} << 16 | uint64_t{0xFF} << 40));
        if (detail::eight_digits(x)) {
          const uint64_t v = x - kZeros;
          if (detail::table_date(byte(v, 6) * 1000 + byte(v, 7) * 100 + y8 * 10 + y9,
                                 byte(v, 3) * 10 + byte(v, 4), byte(v, 0) * 10 + byte(v, 1), out))
            return true;
        }
      } else if ((w & (uint64_t{0xFF} << 32 | uint64_t{0xFF} << 56)) == kDashes) {
        const uint64_t x = w ^ kDashes ^ (kZeros & (uint64_t{0xFF} << 32 | uint64_t{0xFF} << 56));
        if (detail::eight_digits(x)) {
          const uint64_t v = x - kZeros;
          if (detail::table_date(
                  byte(v, 0) * 1000 + byte(v, 1) * 100 + byte(v, 2) * 10 + byte(v, 3),
                  byte(v, 5) * 10 + byte(v, 6), y8 * 10 + y9, out))
            return true;
        }
      }
    }
  }
#endif
  return detail::parse_date_general(s, out);
}

// A whole number: optional sign, digits (leading zeros allowed), optionally a '.' or ',' followed
// by zeros only ("3.0", "3,00", "3." all give 3). Refuses "3.5", exponents, thousands separators
// and values outside [-(2^63-1), 2^63-1] (INT64_MIN is kMissingInt). Empty gives kMissingInt.
inline bool parse_int64(std::string_view s, int64_t& out) {
  // Inline fast path: 1 to 18 plain digits cannot overflow.
  if (!s.empty() && s.size() <= 18) {
    uint64_t v = 0;
    size_t i = 0;
    for (; i < s.size(); ++i) {
      const unsigned d = detail::digit_value(s[i]);
      if (d > 9) break;
      v = v * 10 + d;
    }
    if (i == s.size()) {
      out = static_cast<int64_t>(v);
      return true;
    }
  }
  return detail::parse_int64_general(s, out);
}

// A decimal as int64 scaled by kDecimalScale (10^4): optional sign, digits, optionally '.' or ','
// and fraction digits ("12,5", "-0.25", ".5", "7."). Up to 4 fraction digits are exact; more are
// rounded half away from zero ("0.00005" -> 1, "-0.00005" -> -1). Refuses garbage, exponents,
// thousands separators ("1.000,50", "1 000") and magnitudes over (2^63-1) / 10^4 units.
// Empty gives kMissingInt.
inline bool parse_decimal(std::string_view s, int64_t& out) {
  // Inline fast path: [-]digits[(.|,)0-4 digits] with at most 14 integer digits (no overflow).
  const size_t int_start = !s.empty() && s[0] == '-' ? 1 : 0;
  if (s.size() > int_start && s.size() <= 20) {
    uint64_t whole = 0;
    size_t i = int_start;
    for (; i < s.size() && detail::digit_value(s[i]) <= 9; ++i)
      whole = whole * 10 + detail::digit_value(s[i]);
    const size_t int_len = i - int_start;
    if (int_len >= 1 && int_len <= 14) {
      uint64_t frac = 0;
      size_t frac_len = 0;
      bool ok = i == s.size();
      if (!ok && (s[i] == ',' || s[i] == '.') && s.size() - i - 1 <= 4) {
        ok = true;
        for (size_t j = i + 1; j < s.size(); ++j) {
          const unsigned d = detail::digit_value(s[j]);
          ok = ok && d <= 9;
          frac = frac * 10 + d;
          ++frac_len;
        }
      }
      if (ok) {
        constexpr uint64_t kPow[5] = {10000, 1000, 100, 10, 1};
        const int64_t v = static_cast<int64_t>(whole * kDecimalScale + frac * kPow[frac_len]);
        out = int_start == 1 ? -v : v;
        return true;
      }
    }
  }
  return detail::parse_decimal_general(s, out);
}

inline std::optional<Date> parse_date(std::string_view s) {
  Date d;
  return parse_date(s, d) ? std::optional<Date>(d) : std::nullopt;
}
inline std::optional<int64_t> parse_int64(std::string_view s) {
  int64_t v;
  return parse_int64(s, v) ? std::optional<int64_t>(v) : std::nullopt;
}
inline std::optional<int64_t> parse_decimal(std::string_view s) {
  int64_t v;
  return parse_decimal(s, v) ? std::optional<int64_t>(v) : std::nullopt;
}

}  // namespace snds
