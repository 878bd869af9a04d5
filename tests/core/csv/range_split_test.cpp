// Byte-range splitting: counts, record starts from quote parity, and the rule that any split into
// K ranges yields exactly the records of one sequential pass (random CSVs, K = 1..8).
#include "core/csv/range_split.hpp"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "core/csv/tokenizer.hpp"
#include "tests/support/test_support.hpp"

namespace snds {
namespace {

TEST(CsvRangeScan, CountsNewlinesAndQuotesOfAnyLength) {
  std::mt19937 rng(7);
  const char alphabet[] = {'a', ';', '\n', '"', '\r', 'z'};
  for (size_t n : {0u, 1u, 15u, 16u, 17u, 4079u, 4080u, 4081u, 10000u, 70000u}) {
    std::string s(n, 'x');
    for (auto& c : s) c = alphabet[rng() % 6];
    RangeScan naive;
    for (char c : s) {
      naive.newlines += c == '\n';
      naive.quotes += c == '"';
    }
    const RangeScan got = scan_range(s.data(), s.size());
    EXPECT_EQ(got.newlines, naive.newlines) << n;
    EXPECT_EQ(got.quotes, naive.quotes) << n;
  }
}

TEST(CsvRecordStart, ZeroStaysZeroAndALineStartIsItself) {
  const std::string s = "a;b\nc;d\n";
  EXPECT_EQ(find_record_start(s.data(), s.size(), 0, false), 0u);
  EXPECT_EQ(find_record_start(s.data(), s.size(), 4, false), 4u);
  EXPECT_EQ(find_record_start(s.data(), s.size(), 1, false), 4u);
  EXPECT_EQ(find_record_start(s.data(), s.size(), 5, false), 8u);  // none left: the size
}

TEST(CsvRecordStart, NewlinesInsideQuotesDoNotStartRecords) {
  const std::string s = "a;\"x\ny\";b\nc\n";
  //                     0 1 2 3 4 5 6 7 8 9 10
  // Offset 5 ('y') is inside quotes: the record start is after the `\n` at 9.
  EXPECT_EQ(find_record_start(s.data(), s.size(), 5, true), 10u);
  // Offset 5 right after a quoted newline would be a start only if that newline were outside.
  EXPECT_EQ(find_record_start(s.data(), s.size(), 5, false), 5u);
}

// A random CSV body with quoted fields holding `;`, `""`, `\n` and `\r\n`, CRLF endings, blank
// lines, and sometimes a last line without newline or an unterminated quote.
std::string random_csv(std::mt19937& rng, int records) {
  std::string s;
  const auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<unsigned>(n)); };
  for (int r = 0; r < records; ++r) {
    const int fields = 1 + pick(5);
    for (int f = 0; f < fields; ++f) {
      if (f > 0) s += ';';
      switch (pick(6)) {
        case 0:
          break;  // empty
        case 1:
          s += "\"a;b\"";
          break;
        case 2:
          s += "\"l1\nl2\r\nl3\"";
          break;
        case 3:
          s += "\"q\"\"q\"";
          break;
        case 4:
          s += "x\"y;z\"w";
          break;  // quotes mid-field
        default:
          s += std::to_string(rng() % 100000);
          break;
      }
    }
    s += pick(3) == 0 ? "\r\n" : "\n";
    if (pick(10) == 0) s += "\n";  // a blank line
  }
  switch (pick(4)) {
    case 0:
      s += "last;line";
      break;  // no final newline
    case 1:
      s += "bad;\"open\nrest";
      break;  // unterminated quote
    default:
      break;
  }
  return s;
}

struct Rec {
  std::vector<std::string> fields;
  uint64_t line;
  size_t offset;  // from the start of the whole buffer
  bool error;
  bool operator==(const Rec&) const = default;
};

std::vector<Rec> records_of(const std::string& s, size_t begin, size_t end, uint64_t line) {
  Tokenizer tok(s.data() + begin, end - begin, line);
  CsvRecord r;
  std::vector<Rec> out;
  while (tok.next(r)) {
    Rec x{{}, r.line, begin + r.offset, r.error != nullptr};
    for (auto f : r.fields) x.fields.emplace_back(f);
    out.push_back(std::move(x));
  }
  return out;
}

TEST(CsvRangeSplit, AnySplitGivesTheRecordsOfASequentialParse) {
  std::mt19937 rng(20240315);
  for (int trial = 0; trial < 150; ++trial) {
    const std::string s = random_csv(rng, 1 + static_cast<int>(rng() % 60));
    // A header line first, as in a file: ranges start after it.
    const std::string file = "H1;H2\r\n" + s;
    const size_t body = 7;
    const std::vector<Rec> expected = records_of(file, body, file.size(), 2);
    for (unsigned k = 1; k <= 8; ++k) {
      const auto ranges = split_record_ranges(file.data(), file.size(), body, 2, k);
      ASSERT_EQ(ranges.size(), k);
      EXPECT_EQ(ranges.front().begin, body);
      EXPECT_EQ(ranges.back().end, file.size());
      std::vector<Rec> got;
      for (size_t i = 0; i < ranges.size(); ++i) {
        if (i > 0) {
          EXPECT_EQ(ranges[i].begin, ranges[i - 1].end);
        }
        auto part = records_of(file, ranges[i].begin, ranges[i].end, ranges[i].first_line);
        got.insert(got.end(), part.begin(), part.end());
      }
      ASSERT_EQ(got, expected) << "trial " << trial << ", k " << k;
    }
  }
}

TEST(CsvRangeSplit, ManualRecipeWithPrefixSumsMatchesTheHelper) {
  // The recipe of range_split.hpp, as a caller spreading raw ranges over ranks would run it.
  std::mt19937 rng(99);
  const std::string s = random_csv(rng, 300);
  const unsigned k = 5;
  std::vector<size_t> cut;
  for (unsigned i = 0; i <= k; ++i) cut.push_back(s.size() * i / k);
  std::vector<RangeScan> scans;
  for (unsigned i = 0; i < k; ++i)
    scans.push_back(scan_range(s.data() + cut[i], cut[i + 1] - cut[i]));
  uint64_t quotes = 0, newlines = 0;
  std::vector<Rec> got;
  std::vector<size_t> starts;
  std::vector<uint64_t> lines;
  for (unsigned i = 0; i < k; ++i) {
    const size_t st = find_record_start(s.data(), s.size(), cut[i], quotes % 2 == 1);
    starts.push_back(st);
    lines.push_back(1 + newlines + scan_range(s.data() + cut[i], st - cut[i]).newlines);
    quotes += scans[i].quotes;
    newlines += scans[i].newlines;
  }
  starts.push_back(s.size());
  for (unsigned i = 0; i < k; ++i) {
    auto part = records_of(s, starts[i], starts[i + 1], lines[i]);
    got.insert(got.end(), part.begin(), part.end());
  }
  EXPECT_EQ(got, records_of(s, 0, s.size(), 1));
}

// A range's owned records are read past its end up to the next record start, however far a
// quoted field carries them (beyond the first megabyte of look-ahead too).
TEST(CsvFileRangeRecords, ReadOnPastTheEndToTheNextRecordStart) {
  test::TempDir dir;
  const std::string header = "a;b\n";
  const std::string long_field(3u << 20, 'x');  // longer than the look-ahead
  const std::string text = header + "1;2\n3;\"q\n" + long_field + "\"\n5;6\n7;8\n";
  test::write_text(dir / "t.csv", text);
  const auto path = (dir / "t.csv").string();
  const uint64_t body = header.size();
  const uint64_t mid = body + 8;  // inside the quoted field of the second record
  const uint64_t size = text.size();
  const FileRangeRecords first = read_range_records(path, size, body, mid, true, false, true);
  EXPECT_EQ(first.lead, 0u);
  EXPECT_EQ(first.text.substr(first.start, first.cut - first.start),
            text.substr(body, text.find("5;6") - body));
  const FileRangeRecords rest = read_range_records(path, size, mid, size, false, true, false);
  EXPECT_EQ(rest.lead, 1u);
  EXPECT_EQ(rest.text.substr(rest.start, rest.cut - rest.start), "5;6\n7;8\n");
}

}  // namespace
}  // namespace snds
