// The value parsers: every date form of the extracts and the 1600-01-01 sentinel in each, integers
// and fixed-point decimals with '.' or ',', and what they refuse.
#include "core/csv/value_parse.hpp"

#include <gtest/gtest.h>

namespace snds {
namespace {

constexpr Date kMar15 = days_from_civil(2020, 3, 15);

TEST(CsvDate, ReadsIsoSlashSasAndEightDigitForms) {
  EXPECT_EQ(parse_date("2020-03-15"), kMar15);
  EXPECT_EQ(parse_date("15/03/2020"), kMar15);
  EXPECT_EQ(parse_date("15MAR2020:00:00:00"), kMar15);
  EXPECT_EQ(parse_date("15032020"), kMar15);
}

TEST(CsvDate, AcceptsAnyFormInAnyValueOrder) {
  // Detection is per value, not per file.
  for (const char* s : {"15/03/2020", "2020-03-15", "15mar2020:00:00:00", "15032020", "15/03/2020"})
    EXPECT_EQ(parse_date(s), kMar15) << s;
}

TEST(CsvDate, SasDatetimeKeepsTheDayWhateverTheTime) {
  EXPECT_EQ(parse_date("15MAR2020:23:59:59"), kMar15);
  EXPECT_EQ(parse_date("15MAR2020:08:30:00.250"), kMar15);
  EXPECT_EQ(parse_date("15Mar2020"), kMar15);  // SAS DATE9.
  EXPECT_EQ(parse_date("02JAN2007:00:00:00"), days_from_civil(2007, 1, 2));
  EXPECT_EQ(parse_date("31DEC1999:12:00:00"), days_from_civil(1999, 12, 31));
  EXPECT_EQ(parse_date("2020-03-15 10:11:12"), kMar15);
  EXPECT_EQ(parse_date("2020-03-15T10:11"), kMar15);
}

TEST(CsvDate, ReadsEveryMonthName) {
  const char* names[] = {"JAN", "FEB", "MAR", "APR", "MAY", "JUN",
                         "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"};
  for (unsigned m = 1; m <= 12; ++m)
    EXPECT_EQ(parse_date(std::string("01") + names[m - 1] + "2021:00:00:00"),
              days_from_civil(2021, m, 1))
        << names[m - 1];
}

TEST(CsvDate, SentinelIsMissingInEveryForm) {
  for (const char* s : {"1600-01-01", "01/01/1600", "01JAN1600:00:00:00", "01JAN1600", "01011600",
                        "1/1/1600", "01jan1600:12:00:00"})
    EXPECT_EQ(parse_date(s), kMissingDate) << s;
}

TEST(CsvDate, EmptyOrBlankIsMissing) {
  EXPECT_EQ(parse_date(""), kMissingDate);
  EXPECT_EQ(parse_date("   "), kMissingDate);
}

TEST(CsvDate, TrimsSpacesAndAcceptsShortDayAndMonth) {
  EXPECT_EQ(parse_date("  2020-03-15 "), kMar15);
  EXPECT_EQ(parse_date("5/3/2020"), days_from_civil(2020, 3, 5));
  EXPECT_EQ(parse_date("2020-3-5"), days_from_civil(2020, 3, 5));
  EXPECT_EQ(parse_date("5MAR2020"), days_from_civil(2020, 3, 5));
}

TEST(CsvDate, OtherDatesOf1600AreRealDates) {
  EXPECT_EQ(parse_date("1600-01-02"), days_from_civil(1600, 1, 2));
}

TEST(CsvDate, RejectsImpossibleDates) {
  for (const char* s : {"2019-02-29", "2019-02-30", "32/01/2020", "00/01/2020", "15/13/2020",
                        "2020-00-10", "30FEB2020:00:00:00", "31042020", "0000-01-01"})
    EXPECT_FALSE(parse_date(s).has_value()) << s;
  EXPECT_EQ(parse_date("2020-02-29"), days_from_civil(2020, 2, 29));
  EXPECT_EQ(parse_date("29/02/2000"), days_from_civil(2000, 2, 29));
  EXPECT_FALSE(parse_date("29/02/1900").has_value());
}

TEST(CsvDate, RejectsGarbage) {
  for (const char* s : {"abc",
                        "2020",
                        "2020-03",
                        "15/03/20",
                        "15MAR20",
                        "15XYZ2020",
                        "2020/03/15",
                        "20200315",
                        "1503202",
                        "150320201",
                        "15MAR2020:25:00:00",
                        "15MAR2020:",
                        "15MAR2020:00:61:00",
                        "2020-03-15x",
                        "15/03/2020 12",
                        "--",
                        "15-03-2020",
                        "2020-003-15",
                        "+2020-03-15",
                        "15MAR2020::00:00:00",
                        "15MAR2020:00:00:00."})
    EXPECT_FALSE(parse_date(s).has_value()) << s;
}

TEST(CsvInt, ReadsSignsLeadingZerosAndZeroFractions) {
  EXPECT_EQ(parse_int64("42"), 42);
  EXPECT_EQ(parse_int64("-42"), -42);
  EXPECT_EQ(parse_int64("+42"), 42);
  EXPECT_EQ(parse_int64("0007"), 7);
  EXPECT_EQ(parse_int64("3.0"), 3);
  EXPECT_EQ(parse_int64("3,00"), 3);
  EXPECT_EQ(parse_int64("-0"), 0);
  EXPECT_EQ(parse_int64(" 12 "), 12);
  EXPECT_EQ(parse_int64("9223372036854775807"), INT64_MAX);
  EXPECT_EQ(parse_int64("-9223372036854775807"), -INT64_MAX);
  EXPECT_EQ(parse_int64("000000000000000000000000001"), 1);
}

TEST(CsvInt, EmptyIsMissing) {
  EXPECT_EQ(parse_int64(""), kMissingInt);
  EXPECT_EQ(parse_int64("  "), kMissingInt);
}

TEST(CsvInt, RejectsFractionsGarbageAndOverflow) {
  for (const char* s :
       {"3.5", "3,01", "abc", "1e5", "12a", "-", "+", ".", "1 000", "1.000,0", "--1",
        "9223372036854775808", "-9223372036854775808", "99999999999999999999", "0x10", "1_000"})
    EXPECT_FALSE(parse_int64(s).has_value()) << s;
}

TEST(CsvDecimal, ReadsPointAndCommaExactly) {
  EXPECT_EQ(parse_decimal("12.5"), 125000);
  EXPECT_EQ(parse_decimal("12,5"), 125000);
  EXPECT_EQ(parse_decimal("-0.25"), -2500);
  EXPECT_EQ(parse_decimal("-0,25"), -2500);
  EXPECT_EQ(parse_decimal("3"), 30000);
  EXPECT_EQ(parse_decimal("+1.0001"), 10001);
  EXPECT_EQ(parse_decimal(".5"), 5000);
  EXPECT_EQ(parse_decimal("7."), 70000);
  EXPECT_EQ(parse_decimal(" 1,5 "), 15000);
  EXPECT_EQ(parse_decimal("0.1"), 1000);  // exact, unlike a double
}

TEST(CsvDecimal, RoundsBeyondFourDigitsHalfAwayFromZero) {
  EXPECT_EQ(parse_decimal("0.00005"), 1);
  EXPECT_EQ(parse_decimal("-0.00005"), -1);
  EXPECT_EQ(parse_decimal("0.000049999"), 0);
  EXPECT_EQ(parse_decimal("1.23456"), 12346);
  EXPECT_EQ(parse_decimal("1,23454"), 12345);
  EXPECT_EQ(parse_decimal("0.99995"), 10000);
  EXPECT_EQ(parse_decimal("-2.99999"), -30000);
}

TEST(CsvDecimal, EmptyIsMissing) {
  EXPECT_EQ(parse_decimal(""), kMissingInt);
}

TEST(CsvDecimal, RejectsGarbageSeparatorsAndOverflow) {
  for (const char* s :
       {"abc", "1.2.3", "1,000.50", "1.000,50", "1 000", "1e3", "12a", "-", ".", ",", "--1", "1.5x",
        "922337203685478", "99999999999999999999", "922337203685477.5808"})
    EXPECT_FALSE(parse_decimal(s).has_value()) << s;
  EXPECT_EQ(parse_decimal("922337203685477.5807"), INT64_MAX);
  EXPECT_EQ(parse_decimal("-922337203685477.5807"), -INT64_MAX);
}

}  // namespace
}  // namespace snds
