// The record splitter: fields, quotes (with `;`, `""` and newlines inside), line endings, line
// numbers, blank lines and the unterminated quote.
#include "core/csv/tokenizer.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace snds {
namespace {

struct Rec {
  std::vector<std::string> fields;
  uint64_t line;
  size_t offset;
  std::string raw;
  std::string error;
};

std::vector<Rec> tokenize(const std::string& text, uint64_t first_line = 1) {
  Tokenizer tok(text.data(), text.size(), first_line);
  CsvRecord r;
  std::vector<Rec> out;
  while (tok.next(r)) {
    Rec x{{}, r.line, r.offset, std::string(r.raw), r.error ? r.error : ""};
    for (auto f : r.fields) x.fields.emplace_back(f);
    out.push_back(std::move(x));
  }
  return out;
}

using Fields = std::vector<std::string>;

TEST(CsvTokenizer, SplitsFieldsOnSemicolonsAndRecordsOnNewlines) {
  auto r = tokenize("a;b;c\n1;;3\n");
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0].fields, (Fields{"a", "b", "c"}));
  EXPECT_EQ(r[1].fields, (Fields{"1", "", "3"}));
  EXPECT_EQ(r[1].line, 2u);
  EXPECT_EQ(r[1].offset, 6u);
  EXPECT_EQ(r[1].raw, "1;;3");
}

TEST(CsvTokenizer, EmptyLastFieldIsAField) {
  auto r = tokenize("a;\n;\n");
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0].fields, (Fields{"a", ""}));
  EXPECT_EQ(r[1].fields, (Fields{"", ""}));
}

TEST(CsvTokenizer, QuotedFieldsMayHoldSemicolonsQuotesAndNewlines) {
  auto r = tokenize("\"a;b\";\"say \"\"hi\"\"\";\"two\nlines\";\"\"\nnext;x\n");
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0].fields, (Fields{"a;b", "say \"hi\"", "two\nlines", ""}));
  EXPECT_EQ(r[0].line, 1u);
  EXPECT_EQ(r[1].fields, (Fields{"next", "x"}));
  EXPECT_EQ(r[1].line, 3u);  // physical line: the quoted newline counts
}

TEST(CsvTokenizer, QuotesMidFieldToggleAsEverywhere) {
  auto r = tokenize("ab\"c;d\"e;\"x\"y\n");
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].fields, (Fields{"abc;de", "xy"}));
}

TEST(CsvTokenizer, CrLfLineEndingsAreNotData) {
  auto r = tokenize("a;b\r\n1;\"2\"\r\n\"x\r\ny\";z\r\n");
  ASSERT_EQ(r.size(), 3u);
  EXPECT_EQ(r[0].fields, (Fields{"a", "b"}));
  EXPECT_EQ(r[0].raw, "a;b");
  EXPECT_EQ(r[1].fields, (Fields{"1", "2"}));
  EXPECT_EQ(r[2].fields, (Fields{"x\r\ny", "z"}));  // inside quotes, \r\n is data
  EXPECT_EQ(r[2].line, 3u);
}

TEST(CsvTokenizer, LoneCarriageReturnInsideAFieldIsData) {
  auto r = tokenize("a\rb;c\n");
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].fields, (Fields{"a\rb", "c"}));
}

TEST(CsvTokenizer, FinalLineWithoutNewlineIsARecord) {
  auto r = tokenize("a;b\n1;2");
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[1].fields, (Fields{"1", "2"}));
  auto q = tokenize("a;b\r\n\"1\";2\r");
  ASSERT_EQ(q.size(), 2u);
  EXPECT_EQ(q[1].fields, (Fields{"1", "2"}));
  EXPECT_EQ(q[1].raw, "\"1\";2");
}

TEST(CsvTokenizer, BlankLinesAreSkippedNotRecords) {
  auto r = tokenize("a\n\n\r\nb\n\n\n");
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[1].fields, (Fields{"b"}));
  EXPECT_EQ(r[1].line, 4u);
  EXPECT_TRUE(tokenize("").empty());
  EXPECT_TRUE(tokenize("\n\r\n").empty());
}

TEST(CsvTokenizer, UnterminatedQuoteEndsInOneBadRecord) {
  auto r = tokenize("a;b\n1;\"open\n2;3\n");
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0].error, "");
  EXPECT_EQ(r[1].error, "unterminated quote");
  EXPECT_EQ(r[1].line, 2u);
  EXPECT_EQ(r[1].raw, "1;\"open\n2;3\n");
}

TEST(CsvTokenizer, LineNumbersStartAtTheGivenLine) {
  auto r = tokenize("x\ny\n", 41);
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0].line, 41u);
  EXPECT_EQ(r[1].line, 42u);
}

TEST(CsvTokenizer, EscapedFieldsStayValidWhenScratchGrows) {
  // Many fields needing unescaping in one record: earlier views must survive later copies.
  std::string text;
  Fields expected;
  for (int i = 0; i < 200; ++i) {
    std::string v(static_cast<size_t>(i % 37 + 1), static_cast<char>('a' + i % 26));
    text += "\"" + v + "\"\"\"" + (i + 1 < 200 ? ";" : "\n");
    expected.push_back(v + "\"");
  }
  auto r = tokenize(text);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].fields, expected);
}

}  // namespace
}  // namespace snds
