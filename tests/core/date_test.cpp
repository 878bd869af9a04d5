// Day numbers round-trip through civil dates and print as ISO.
#include "core/date.hpp"

#include <gtest/gtest.h>

namespace snds {

TEST(Date, EpochIsDayZero) { EXPECT_EQ(days_from_civil(1970, 1, 1), 0); }

TEST(Date, RoundTripsEveryDayOfFourCenturies) {
  for (Date d = days_from_civil(1600, 1, 1); d < days_from_civil(2100, 1, 1); ++d) {
    const CivilDate c = civil_from_days(d);
    ASSERT_EQ(days_from_civil(c.year, c.month, c.day), d);
  }
}

TEST(Date, FormatsIsoAndMonth) {
  EXPECT_EQ(format_iso_date(days_from_civil(2020, 2, 29)), "2020-02-29");
  EXPECT_EQ(format_year_month(days_from_civil(2021, 12, 31)), "2021-12");
  EXPECT_EQ(format_iso_date(kMissingDate), "");
}

TEST(Date, KnowsLeapYears) {
  EXPECT_EQ(days_in_month(2020, 2), 29u);
  EXPECT_EQ(days_in_month(1900, 2), 28u);
  EXPECT_EQ(days_in_month(2000, 2), 29u);
}

}  // namespace snds
