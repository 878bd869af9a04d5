// Seeded random inputs: mutated and truncated CSV buffers never crash or hang the parser, and every
// record is accounted for as a stored row or a reject; random values round-trip their formats.
#include <gtest/gtest.h>

#include <cstdio>
#include <random>
#include <string>

#include "core/csv/table_parser.hpp"
#include "core/csv/tokenizer.hpp"
#include "core/csv/value_parse.hpp"
#include "core/error.hpp"

namespace snds {
namespace {

std::string valid_pharmacy_csv(std::mt19937& rng, int rows) {
  std::string s =
      "DCT_ORD_NUM;FLX_DIS_DTD;FLX_EMT_NUM;FLX_EMT_ORD;FLX_EMT_TYP;FLX_TRT_DTD;ORG_CLE_NUM;"
      "PRS_ORD_NUM;REM_TYP_AFF;PHA_PRS_C13;PHA_ACT_QSN;EXTRA\n";
  for (int i = 0; i < rows; ++i) {
    s += std::to_string(rng() % 1000) + ";" + std::to_string(1 + rng() % 28) + "/0" +
         std::to_string(1 + rng() % 9) + "/2020;1;2;3;2020-01-0" + std::to_string(1 + rng() % 9) +
         ";\"0;1\";4;0;34009" + std::to_string(rng() % 100000) + ";" +
         std::to_string(static_cast<int>(rng() % 7) - 3) + ",5;\"x\"\"\ny\"\r\n";
  }
  return s;
}

// Counts the records a tokenizer sees after the header: what the parser must account for.
uint64_t records_after_header(const std::string& s, size_t body, uint64_t line) {
  Tokenizer tok(s.data() + body, s.size() - body, line);
  CsvRecord r;
  uint64_t n = 0;
  while (tok.next(r)) ++n;
  return n;
}

TEST(CsvFuzz, MutatedAndTruncatedBuffersAreFullyAccountedFor) {
  std::mt19937 rng(424242);
  const char bytes[] = {';', '"', '\n', '\r', 'a', '1', ',', '.', '/', '-', ' ', '\0', '\xEF'};
  int parsed = 0;
  for (int trial = 0; trial < 3000; ++trial) {
    std::string s = valid_pharmacy_csv(rng, 1 + static_cast<int>(rng() % 12));
    const int mutations = static_cast<int>(rng() % 6);
    for (int m = 0; m < mutations; ++m) {
      const size_t at = rng() % s.size();
      switch (rng() % 3) {
        case 0:
          s[at] = bytes[rng() % sizeof(bytes)];
          break;
        case 1:
          s.insert(at, 1, bytes[rng() % sizeof(bytes)]);
          break;
        default:
          s.erase(at, 1);
          break;
      }
    }
    if (rng() % 3 == 0) s.resize(rng() % (s.size() + 1));  // truncated anywhere
    try {
      const ParseResult r = parse_csv_buffer(TableKind::kErPhaF, s.data(), s.size(), 0, "fuzz");
      const CsvHeader h = read_header(TableKind::kErPhaF, s.data(), s.size(), "fuzz");
      ASSERT_EQ(r.rows_read, records_after_header(s, h.body_offset, h.body_line));
      ASSERT_EQ(r.rows_read, r.rows.rows() + r.rejects.size());
      ASSERT_EQ(r.source_order.size(), r.rows.rows());
      for (const Column& c : r.rows.columns) ASSERT_EQ(c.size(), r.rows.rows());
      for (const Reject& j : r.rejects) ASSERT_FALSE(j.reason.empty());
      ++parsed;
    } catch (const Error& e) {
      ASSERT_EQ(e.code(), ExitCode::kData) << e.what();  // a broken header refuses the file
    }
  }
  EXPECT_GT(parsed, 1000);
}

TEST(CsvFuzz, RandomBytesNeverCrashTheTokenizer) {
  std::mt19937 rng(5);
  const char bytes[] = {';', '"', '\n', '\r', 'x'};
  for (int trial = 0; trial < 3000; ++trial) {
    std::string s(rng() % 200, 'x');
    for (auto& c : s) c = bytes[rng() % sizeof(bytes)];
    Tokenizer tok(s.data(), s.size());
    CsvRecord r;
    size_t last_end = 0;
    int records = 0;
    while (tok.next(r)) {
      ASSERT_GE(r.offset, last_end);
      ASSERT_LE(r.offset + r.raw.size(), s.size());
      last_end = r.offset + r.raw.size();
      ASSERT_LE(++records, 200);
    }
    ASSERT_EQ(tok.position(), s.size());
  }
}

TEST(CsvFuzz, RandomDecimalsRoundTripTheirFormat) {
  std::mt19937_64 rng(11);
  for (int i = 0; i < 20000; ++i) {
    const int64_t v = static_cast<int64_t>(rng() >> (1 + rng() % 63)) * (rng() % 2 ? 1 : -1);
    if (v == kMissingInt) continue;
    std::string text = format_decimal(v);
    EXPECT_EQ(parse_decimal(text), v) << text;
    for (auto& c : text)
      if (c == '.') c = ',';
    EXPECT_EQ(parse_decimal(text), v) << text;
    if (v % kDecimalScale == 0) {
      EXPECT_EQ(parse_int64(text), v / kDecimalScale) << text;
    }
  }
}

TEST(CsvFuzz, RandomDatesRoundTripEveryForm) {
  std::mt19937 rng(12);
  const char* months[] = {"JAN", "FEB", "MAR", "APR", "MAY", "JUN",
                          "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"};
  for (int i = 0; i < 20000; ++i) {
    const Date d = days_from_civil(1900, 1, 1) + static_cast<Date>(rng() % 80000);
    const CivilDate c = civil_from_days(d);
    char buf[64];
    EXPECT_EQ(parse_date(format_iso_date(d)), d);
    std::snprintf(buf, sizeof buf, "%02u/%02u/%04d", c.day, c.month, c.year);
    EXPECT_EQ(parse_date(buf), d) << buf;
    std::snprintf(buf, sizeof buf, "%02u%s%04d:%02u:%02u:%02u", c.day, months[c.month - 1], c.year,
                  static_cast<unsigned>(rng() % 24), static_cast<unsigned>(rng() % 60),
                  static_cast<unsigned>(rng() % 60));
    EXPECT_EQ(parse_date(buf), d) << buf;
    std::snprintf(buf, sizeof buf, "%02u%02u%04d", c.day, c.month, c.year);
    EXPECT_EQ(parse_date(buf), d) << buf;
  }
}

}  // namespace
}  // namespace snds
