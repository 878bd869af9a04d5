// Delimiters other than `;` (contract section 8, "Deliveries"): the tokenizer splits on the one
// it is given with the same quote rule (a quoted delimiter is data, whatever the delimiter), and a
// file's delimiter is the one that splits its header into the most column names of its table.
#include "core/csv/delimiter.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/csv/table_parser.hpp"
#include "core/csv/tokenizer.hpp"
#include "core/error.hpp"

namespace snds {
namespace {

std::vector<std::vector<std::string>> tokenize(const std::string& text, char d) {
  Tokenizer tok(text.data(), text.size(), 1, d);
  CsvRecord r;
  std::vector<std::vector<std::string>> out;
  while (tok.next(r)) out.emplace_back(r.fields.begin(), r.fields.end());
  return out;
}

using Records = std::vector<std::vector<std::string>>;

TEST(CsvDelimiter, EachDelimiterSplitsFieldsWithTheSameQuoteRule) {
  for (const char d : kCsvDelimiters) {
    SCOPED_TRACE(delimiter_name(d));
    const std::string s(1, d);
    // A long unquoted record crosses the tokenizer's 64-byte blocks.
    const std::string long_field(100, 'x');
    const std::string text = "a" + s + "\"b" + s + "c;,|\"" + s + "\r\n" + long_field + s +
                             "\"say \"\"hi\"\"\"" + s + "1.5\n";
    EXPECT_EQ(tokenize(text, d),
              (Records{{"a", "b" + s + "c;,|", ""}, {long_field, "say \"hi\"", "1.5"}}));
  }
  // Other delimiters are data.
  EXPECT_EQ(tokenize("a,b;c|d\te\n", '|'), (Records{{"a,b;c", "d\te"}}));
}

TEST(CsvDelimiter, TheHeaderSaysWhichDelimiterAFileUses) {
  const std::string cols[] = {"BEN_NIR_PSA", "BEN_RNG_GEM", "BEN_SEX_COD", "BEN_NAI_ANN",
                              "BEN_NAI_MOI", "BEN_RES_DPT", "BEN_DCD_DTE"};
  for (const char d : kCsvDelimiters) {
    std::string header;
    for (const auto& c : cols) header += (header.empty() ? "" : std::string(1, d)) + c;
    header += "\nA" + std::string(1, d) + "1;2,3|4\n";
    EXPECT_EQ(sniff_delimiter(TableKind::kIrBenR, header.data(), header.size()), d)
        << delimiter_name(d);
    const CsvHeader h = read_header(TableKind::kIrBenR, header.data(), header.size(), "f.csv");
    EXPECT_EQ(h.map.delimiter, d);
    EXPECT_EQ(h.map.field_count(), 7u);
  }
  // Quoted names, lower case and NUM_ENQ count; a comma inside a quoted name does not.
  const std::string quoted = "\"num_enq\",\"PHA_CIP_C13;x\",\"BEN_RNG_GEM\"\n";
  EXPECT_EQ(sniff_delimiter(TableKind::kIrBenR, quoted.data(), quoted.size()), ',');
  // No delimiter gives a known name: `;`, and the header is refused for its missing columns.
  const std::string unknown = "X,Y\n";
  EXPECT_EQ(sniff_delimiter(TableKind::kIrBenR, unknown.data(), unknown.size()), ';');
  // Forced, the delimiter is not sniffed.
  const std::string comma = "PHA_CIP_C13,PHA_ATC_C07\n";
  EXPECT_THROW(read_header(TableKind::kIrPhaR, comma.data(), comma.size(), "f.csv", ';'), Error);
}

TEST(CsvDelimiter, EveryMissingColumnOfAHeaderIsNamed) {
  const std::string text = "PHA_PRS_C13;DCT_ORD_NUM\n";
  std::vector<std::string> missing;
  read_header(TableKind::kErPhaF, text.data(), text.size(), "f.csv", 0, &missing);
  EXPECT_EQ(missing, (std::vector<std::string>{"FLX_DIS_DTD", "FLX_EMT_NUM", "FLX_EMT_ORD",
                                               "FLX_EMT_TYP", "FLX_TRT_DTD", "ORG_CLE_NUM",
                                               "PRS_ORD_NUM", "REM_TYP_AFF", "PHA_ACT_QSN"}));
  try {
    read_header(TableKind::kErPhaF, text.data(), text.size(), "f.csv");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("f.csv: columns FLX_DIS_DTD, FLX_EMT_NUM, "),
              std::string::npos)
        << e.what();
    EXPECT_NE(std::string(e.what()).find("PHA_ACT_QSN are missing"), std::string::npos);
  }
  EXPECT_EQ(parse_delimiter("tab"), '\t');
  EXPECT_EQ(parse_delimiter("\t"), '\t');
  EXPECT_EQ(parse_delimiter(","), ',');
  EXPECT_EQ(parse_delimiter("pipe"), '|');
  EXPECT_FALSE(parse_delimiter(":"));
}

}  // namespace
}  // namespace snds
