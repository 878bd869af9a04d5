// Dates as int32 day numbers since 1970-01-01 (proleptic Gregorian), the store's date type.
// SNDS writes "missing" as 1600-01-01; parsers map it to kMissingDate.
#pragma once

#include <cstdint>
#include <string>

namespace snds {

using Date = int32_t;
inline constexpr Date kMissingDate = INT32_MIN;

// Days since 1970-01-01 of a civil date (Howard Hinnant's algorithm, valid far outside SNDS use).
constexpr Date days_from_civil(int y, unsigned m, unsigned d) noexcept {
  y -= m <= 2 ? 1 : 0;
  const int era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return static_cast<Date>(era * 146097 + static_cast<int>(doe) - 719468);
}

struct CivilDate {
  int year;
  unsigned month;
  unsigned day;
};

constexpr CivilDate civil_from_days(Date z) noexcept {
  const int zz = z + 719468;
  const int era = (zz >= 0 ? zz : zz - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(zz - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int y = static_cast<int>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  return {y + (m <= 2 ? 1 : 0), m, d};
}

constexpr bool is_leap_year(int y) noexcept {
  return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

constexpr unsigned days_in_month(int y, unsigned m) noexcept {
  constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && is_leap_year(y) ? 29 : kDays[m - 1];
}

inline constexpr Date kSndsMissingSentinel = days_from_civil(1600, 1, 1);

// "YYYY-MM-DD"; empty string for kMissingDate.
std::string format_iso_date(Date d);
// Writes "YYYY-MM-DD" (10 bytes, no terminator) for years 0-9999, without formatting machinery:
// for readers that print dates per value (SAS tables).
inline void write_iso_date(char* out, const CivilDate& c) noexcept {
  const auto y = static_cast<unsigned>(c.year);
  out[0] = static_cast<char>('0' + y / 1000);
  out[1] = static_cast<char>('0' + y / 100 % 10);
  out[2] = static_cast<char>('0' + y / 10 % 10);
  out[3] = static_cast<char>('0' + y % 10);
  out[4] = '-';
  out[5] = static_cast<char>('0' + c.month / 10);
  out[6] = static_cast<char>('0' + c.month % 10);
  out[7] = '-';
  out[8] = static_cast<char>('0' + c.day / 10);
  out[9] = static_cast<char>('0' + c.day % 10);
}
// "YYYY-MM".
std::string format_year_month(Date d);
inline int year_of(Date d) {
  return civil_from_days(d).year;
}

}  // namespace snds
