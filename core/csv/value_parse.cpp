// Date, integer and decimal parsers for CSV fields: hand-written scanners over the bytes, because
// the library ones (strtol, std::stod, from_chars for doubles) either depend on the locale,
// allocate, or cannot give exact fixed-point decimals with both '.' and ','.
#include "core/csv/value_parse.hpp"

#include <cstring>

namespace snds {
namespace {

inline bool is_digit(char c) {
  return static_cast<unsigned char>(c - '0') < 10;
}
inline unsigned digit(char c) {
  return static_cast<unsigned>(c - '0');
}

// Counts the digits starting at `p` (at most up to `end`).
inline size_t digit_run(const char* p, const char* end) {
  const char* q = p;
  while (q < end && is_digit(*q)) ++q;
  return static_cast<size_t>(q - p);
}

inline unsigned read_number(const char* p, size_t n) {
  unsigned v = 0;
  for (size_t i = 0; i < n; ++i) v = v * 10 + digit(p[i]);
  return v;
}

// Month number (1-12) of a three-letter English abbreviation in any case, 0 when unknown.
unsigned month_from_name(const char* p) {
  const auto up = [](char c) {
    return static_cast<unsigned>(static_cast<unsigned char>(c) & ~0x20u);
  };
  const unsigned key = up(p[0]) << 16 | up(p[1]) << 8 | up(p[2]);
  constexpr auto k = [](const char* m) {
    return static_cast<unsigned>(m[0]) << 16 | static_cast<unsigned>(m[1]) << 8 |
           static_cast<unsigned>(m[2]);
  };
  constexpr unsigned kMonths[12] = {k("JAN"), k("FEB"), k("MAR"), k("APR"), k("MAY"), k("JUN"),
                                    k("JUL"), k("AUG"), k("SEP"), k("OCT"), k("NOV"), k("DEC")};
  for (unsigned m = 0; m < 12; ++m)
    if (kMonths[m] == key) return m + 1;
  return 0;
}

// A time of day "H:MM", "HH:MM:SS" or "HH:MM:SS.fff" covering exactly [p, end).
bool valid_time(const char* p, const char* end) {
  const size_t h = digit_run(p, end);
  if (h < 1 || h > 2 || read_number(p, h) > 23) return false;
  p += h;
  for (int part = 0; part < 2; ++part) {
    if (p == end) return part == 1;  // seconds are optional
    if (*p != ':' || end - p < 3 || !is_digit(p[1]) || !is_digit(p[2])) return false;
    if (read_number(p + 1, 2) > (part == 0 ? 59u : 60u)) return false;
    p += 3;
  }
  if (p == end) return true;
  if (*p != '.' || p + 1 == end) return false;
  return digit_run(p + 1, end) == static_cast<size_t>(end - p - 1);
}

std::optional<Date> make_date(unsigned y, unsigned m, unsigned d) {
  if (y == 0 || m < 1 || m > 12 || d < 1 || d > days_in_month(static_cast<int>(y), m))
    return std::nullopt;
  if (y == 1600 && m == 1 && d == 1) return kMissingDate;
  return days_from_civil(static_cast<int>(y), m, d);
}

// What may follow the date part: nothing, or a separator then a valid time.
bool valid_rest(const char* p, const char* end) {
  if (p == end) return true;
  if (*p != ':' && *p != ' ' && *p != 'T') return false;
  return valid_time(p + 1, end);
}

// Unsigned magnitude of a run of digits; false when it exceeds `limit`. Leading zeros are free.
inline bool accumulate(const char* p, size_t n, uint64_t limit, uint64_t& out) {
  while (n > 0 && *p == '0') ++p, --n;
  if (n > 19) return false;  // 10^19 > 2^63: certainly over any limit used here
  uint64_t v = 0;
  for (size_t i = 0; i < n; ++i) v = v * 10 + digit(p[i]);  // < 10^19 fits in uint64
  if (v > limit) return false;
  out = v;
  return true;
}

// The common shape of integers and decimals: [sign] digits [('.'|',') digits].
struct NumberParts {
  bool negative = false;
  const char* int_digits = nullptr;
  size_t int_len = 0;
  const char* frac_digits = nullptr;
  size_t frac_len = 0;
};

bool split_number(std::string_view s, NumberParts& n) {
  const char* p = s.data();
  const char* end = p + s.size();
  if (*p == '-' || *p == '+') {
    n.negative = *p == '-';
    ++p;
  }
  n.int_digits = p;
  n.int_len = digit_run(p, end);
  p += n.int_len;
  if (p < end && (*p == '.' || *p == ',')) {
    ++p;
    n.frac_digits = p;
    n.frac_len = digit_run(p, end);
    p += n.frac_len;
  }
  return p == end && n.int_len + n.frac_len > 0;
}

constexpr uint64_t kInt64Max = static_cast<uint64_t>(INT64_MAX);

std::optional<Date> parse_date_any(std::string_view sv) {
  sv = trim_spaces(sv);
  if (sv.empty()) return kMissingDate;
  const char* p = sv.data();
  const char* end = p + sv.size();

  // The hot forms first, by their fixed shapes.
  if (sv.size() == 10) {
    if (p[2] == '/' && p[5] == '/' && is_digit(p[0]) && is_digit(p[1]) && is_digit(p[3]) &&
        is_digit(p[4]) && digit_run(p + 6, end) == 4)
      return make_date(read_number(p + 6, 4), read_number(p + 3, 2), read_number(p, 2));
    if (p[4] == '-' && p[7] == '-' && digit_run(p, p + 4) == 4 && is_digit(p[5]) &&
        is_digit(p[6]) && is_digit(p[8]) && is_digit(p[9]))
      return make_date(read_number(p, 4), read_number(p + 5, 2), read_number(p + 8, 2));
  }

  // The general scanner: the length of the first digit run and the byte after it tell the form.
  const size_t n1 = digit_run(p, end);
  const char* q = p + n1;
  if (q == end) {
    if (n1 != 8) return std::nullopt;  // ddMMyyyy
    return make_date(read_number(p + 4, 4), read_number(p + 2, 2), read_number(p, 2));
  }
  unsigned y, m, d;
  if (*q == '-' && n1 == 4) {  // yyyy-M-d
    y = read_number(p, 4);
    const size_t nm = digit_run(q + 1, end);
    if (nm < 1 || nm > 2) return std::nullopt;
    m = read_number(q + 1, nm);
    q += 1 + nm;
    if (q == end || *q != '-') return std::nullopt;
    const size_t nd = digit_run(q + 1, end);
    if (nd < 1 || nd > 2) return std::nullopt;
    d = read_number(q + 1, nd);
    q += 1 + nd;
  } else if (*q == '/' && n1 >= 1 && n1 <= 2) {  // d/M/yyyy
    d = read_number(p, n1);
    const size_t nm = digit_run(q + 1, end);
    if (nm < 1 || nm > 2) return std::nullopt;
    m = read_number(q + 1, nm);
    q += 1 + nm;
    if (q == end || *q != '/' || digit_run(q + 1, end) != 4) return std::nullopt;
    y = read_number(q + 1, 4);
    q += 5;
  } else if (n1 >= 1 && n1 <= 2 && end - q >= 7) {  // dMONyyyy (SAS DATE9. / DATETIME)
    d = read_number(p, n1);
    m = month_from_name(q);
    if (m == 0 || digit_run(q + 3, end) != 4) return std::nullopt;
    y = read_number(q + 3, 4);
    q += 7;
  } else {
    return std::nullopt;
  }
  if (!valid_rest(q, end)) return std::nullopt;
  return make_date(y, m, d);
}

std::optional<int64_t> parse_int64_any(std::string_view s) {
  s = trim_spaces(s);
  if (s.empty()) return kMissingInt;
  NumberParts n;
  if (!split_number(s, n)) return std::nullopt;
  for (size_t i = 0; i < n.frac_len; ++i)
    if (n.frac_digits[i] != '0') return std::nullopt;
  uint64_t mag = 0;
  if (!accumulate(n.int_digits, n.int_len, kInt64Max, mag)) return std::nullopt;
  return n.negative ? -static_cast<int64_t>(mag) : static_cast<int64_t>(mag);
}

std::optional<int64_t> parse_decimal_any(std::string_view s) {
  s = trim_spaces(s);
  if (s.empty()) return kMissingInt;
  NumberParts n;
  if (!split_number(s, n)) return std::nullopt;
  uint64_t whole = 0;
  if (!accumulate(n.int_digits, n.int_len, kInt64Max / kDecimalScale, whole)) return std::nullopt;
  uint64_t frac = 0;
  for (size_t i = 0; i < 4; ++i) frac = frac * 10 + (i < n.frac_len ? digit(n.frac_digits[i]) : 0);
  // Half away from zero on the magnitude: only the fifth fraction digit decides.
  if (n.frac_len > 4 && n.frac_digits[4] >= '5') ++frac;
  const uint64_t mag = whole * kDecimalScale + frac;
  if (mag > kInt64Max) return std::nullopt;
  return n.negative ? -static_cast<int64_t>(mag) : static_cast<int64_t>(mag);
}

}  // namespace

namespace detail {

bool parse_date_general(std::string_view s, Date& out) {
  const std::optional<Date> d = parse_date_any(s);
  if (d) out = *d;
  return d.has_value();
}

bool parse_int64_general(std::string_view s, int64_t& out) {
  const std::optional<int64_t> v = parse_int64_any(s);
  if (v) out = *v;
  return v.has_value();
}

bool parse_decimal_general(std::string_view s, int64_t& out) {
  const std::optional<int64_t> v = parse_decimal_any(s);
  if (v) out = *v;
  return v.has_value();
}

}  // namespace detail
}  // namespace snds
