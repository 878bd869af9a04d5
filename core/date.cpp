// Formatting of day numbers as ISO dates (the parsers live in core/csv/value_parse.cpp).
#include "core/date.hpp"

#include <fmt/format.h>

namespace snds {

std::string format_iso_date(Date d) {
  if (d == kMissingDate) return {};
  const CivilDate c = civil_from_days(d);
  return fmt::format("{:04d}-{:02d}-{:02d}", c.year, c.month, c.day);
}

std::string format_year_month(Date d) {
  if (d == kMissingDate) return {};
  const CivilDate c = civil_from_days(d);
  return fmt::format("{:04d}-{:02d}", c.year, c.month);
}

}  // namespace snds
