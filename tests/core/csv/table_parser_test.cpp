// Typed parsing of a table's CSV: header mapping (NUM_ENQ, shuffled columns, extras, duplicates,
// missing required columns), typed values, BOM and CRLF, and rejects with file, line and reason.
#include "core/csv/table_parser.hpp"

#include <gtest/gtest.h>

#include <string>

#include "core/csv/range_split.hpp"
#include "core/error.hpp"

namespace snds {
namespace {

const std::string kPhaHeader =
    "DCT_ORD_NUM;FLX_DIS_DTD;FLX_EMT_NUM;FLX_EMT_ORD;FLX_EMT_TYP;FLX_TRT_DTD;ORG_CLE_NUM;"
    "PRS_ORD_NUM;REM_TYP_AFF;PHA_PRS_C13;PHA_ACT_QSN";

ParseResult parse(TableKind kind, const std::string& text, const std::string& file = "t.csv") {
  return parse_csv_buffer(kind, text.data(), text.size(), 0, file);
}

std::string error_of(TableKind kind, const std::string& text, const std::string& file = "t.csv") {
  try {
    parse(kind, text, file);
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::kData);
    return e.what();
  }
  return "no error";
}

TEST(CsvTable, ParsesTypedColumnsOfAPharmacyFile) {
  const std::string text = kPhaHeader +
                           "\n1;01/02/2020;2;3;1;15/01/2020;01C;4;0;3400930000001;2\n"
                           "5;2020-02-01;6;7;1;15JAN2020:00:00:00;01C;8;0;3400930000002;-1,5\n";
  const ParseResult r = parse(TableKind::kErPhaF, text);
  EXPECT_TRUE(r.rejects.empty());
  EXPECT_EQ(r.rows_read, 2u);
  ASSERT_EQ(r.rows.rows(), 2u);
  EXPECT_EQ(r.rows.at("DCT_ORD_NUM").ints[1], 5);
  EXPECT_EQ(r.rows.at("FLX_DIS_DTD").dates[0], days_from_civil(2020, 2, 1));
  EXPECT_EQ(r.rows.at("FLX_DIS_DTD").dates[1], days_from_civil(2020, 2, 1));
  EXPECT_EQ(r.rows.at("FLX_TRT_DTD").dates[1], days_from_civil(2020, 1, 15));
  EXPECT_EQ(r.rows.at("ORG_CLE_NUM").strings.at(0), "01C");
  EXPECT_EQ(r.rows.at("PHA_PRS_C13").strings.at(1), "3400930000002");
  EXPECT_EQ(r.rows.at("PHA_ACT_QSN").ints[0], 20000);
  EXPECT_EQ(r.rows.at("PHA_ACT_QSN").ints[1], -15000);
}

TEST(CsvTable, NumEnqNamesThePatientKey) {
  const std::string ben =
      "NUM_ENQ;BEN_RNG_GEM;BEN_SEX_COD;BEN_NAI_ANN;BEN_NAI_MOI;BEN_RES_DPT;BEN_DCD_DTE\n"
      "AAAAAAAAAAAAAAAAA;1;2;1950;3;075;01/01/1600\n";
  const ParseResult r = parse(TableKind::kIrBenR, ben);
  ASSERT_EQ(r.rows.rows(), 1u);
  EXPECT_EQ(r.rows.at("BEN_NIR_PSA").strings.at(0), "AAAAAAAAAAAAAAAAA");
  EXPECT_EQ(r.rows.at("BEN_DCD_DTE").dates[0], kMissingDate);
  EXPECT_EQ(r.rows.find("NUM_ENQ"), -1);

  const std::string mco =
      "ETA_NUM;RSA_NUM;NUM_ENQ;EXE_SOI_DTD;EXE_SOI_DTF;NIR_RET;NAI_RET;SEX_RET;SEJ_RET;FHO_RET;"
      "PMS_RET;DAT_RET\n"
      "123;1;BBBBBBBBBBBBBBBBB;02JAN2020:00:00:00;05JAN2020:00:00:00;0;0;0;0;0;0;0\n";
  const ParseResult m = parse(TableKind::kMcoC, mco);
  ASSERT_EQ(m.rows.rows(), 1u);
  EXPECT_EQ(m.rows.at("NIR_ANO_17").strings.at(0), "BBBBBBBBBBBBBBBBB");
}

TEST(CsvTable, ShuffledColumnsAndExtrasGiveTheSameCanonicalColumns) {
  const std::string a = "PHA_CIP_C13;PHA_ATC_C07\n3400930000001;C10AA05\n";
  const std::string b = "ZZ_EXTRA;PHA_ATC_C07;AA_EXTRA;PHA_CIP_C13\nz;N02BE01;a;3400930000002\n";
  ParseResult ra = parse(TableKind::kIrPhaR, a);
  const ParseResult rb = parse(TableKind::kIrPhaR, b);
  ASSERT_EQ(rb.rows.columns.size(), 4u);
  EXPECT_EQ(rb.rows.columns[0].name, "PHA_CIP_C13");  // catalog order first
  EXPECT_EQ(rb.rows.columns[1].name, "PHA_ATC_C07");
  EXPECT_EQ(rb.rows.columns[2].name, "AA_EXTRA");  // then extras by name, as strings
  EXPECT_EQ(rb.rows.columns[3].name, "ZZ_EXTRA");
  EXPECT_EQ(rb.rows.columns[3].type, ColumnType::kString);
  EXPECT_EQ(rb.rows.at("PHA_CIP_C13").strings.at(0), "3400930000002");
  EXPECT_EQ(rb.rows.at("ZZ_EXTRA").strings.at(0), "z");
  ra.rows.append(rb.rows);
  ASSERT_EQ(ra.rows.rows(), 2u);
  EXPECT_EQ(ra.rows.at("PHA_ATC_C07").strings.at(1), "N02BE01");
  EXPECT_EQ(ra.rows.at("AA_EXTRA").strings.at(0), "");
}

TEST(CsvTable, HeaderNamesAreTrimmedAndUpperCased) {
  const ParseResult r = parse(TableKind::kIrPhaR, " pha_cip_c13 ;\"PHA_ATC_C07\"\n1;C\n");
  ASSERT_EQ(r.rows.rows(), 1u);
  EXPECT_EQ(r.rows.at("PHA_CIP_C13").strings.at(0), "1");
}

TEST(CsvTable, MissingRequiredColumnRefusesTheFileNamingIt) {
  const std::string header = kPhaHeader.substr(0, kPhaHeader.rfind(';'));
  EXPECT_EQ(error_of(TableKind::kErPhaF, header + "\n", "ER_PHA_F_2020.csv"),
            "ER_PHA_F_2020.csv: column PHA_ACT_QSN is missing from the header");
}

TEST(CsvTable, DuplicateHeaderNameRefusesTheFile) {
  EXPECT_EQ(error_of(TableKind::kIrPhaR, "PHA_CIP_C13;PHA_ATC_C07;PHA_CIP_C13\n"),
            "t.csv: column PHA_CIP_C13 appears twice in the header");
  // NUM_ENQ and BEN_NIR_PSA name the same column.
  EXPECT_EQ(error_of(TableKind::kIrBenR,
                     "NUM_ENQ;BEN_NIR_PSA;BEN_RNG_GEM;BEN_SEX_COD;BEN_NAI_ANN;BEN_NAI_MOI;"
                     "BEN_RES_DPT;BEN_DCD_DTE\n"),
            "t.csv: column BEN_NIR_PSA appears twice in the header");
}

TEST(CsvTable, HeaderErrorsNeverQuoteAFieldThatIsNoColumnName) {
  // A file without its header row: line 1 is a patient's row, whose values repeat (the "1"s, the
  // identifier as BEN_NIR_PSA and in a free-text field) and must not reach the message (#12).
  const std::string row = "KQPIZZ0123456789;1;1;1950;01;75;;KQPIZZ0123456789\n";
  const std::string message = error_of(TableKind::kIrBenR, row + row);
  EXPECT_EQ(message,
            "t.csv: fields 2 and 3 of the header have the same name and none of its 8 fields is a "
            "column of IR_BEN_R: is the header row missing?");
  // Two unknown extra columns of the same name are named by position.
  EXPECT_EQ(error_of(TableKind::kIrPhaR, "PHA_CIP_C13;PHA_ATC_C07;X77;X77\n"),
            "t.csv: fields 3 and 4 of the header have the same name");
}

TEST(CsvTable, EmptyFileIsRefused) {
  EXPECT_EQ(error_of(TableKind::kIrPhaR, ""), "t.csv: the file is empty (no header row)");
  EXPECT_EQ(error_of(TableKind::kIrPhaR, "\xEF\xBB\xBF\r\n"),
            "t.csv: the file is empty (no header row)");
}

TEST(CsvTable, SkipsTheBomAndReadsCrlf) {
  const std::string text = "\xEF\xBB\xBFPHA_CIP_C13;PHA_ATC_C07\r\n1;A\r\n2;B\r\n\r\n";
  const ParseResult r = parse(TableKind::kIrPhaR, text);
  EXPECT_TRUE(r.rejects.empty());
  ASSERT_EQ(r.rows.rows(), 2u);
  EXPECT_EQ(r.rows.at("PHA_ATC_C07").strings.at(1), "B");
}

TEST(CsvTable, FinalLineWithoutNewlineAndTrailingBlankLinesAreFine) {
  const ParseResult r = parse(TableKind::kIrPhaR, "PHA_CIP_C13;PHA_ATC_C07\n1;A\n2;B");
  EXPECT_EQ(r.rows.rows(), 2u);
  const ParseResult q = parse(TableKind::kIrPhaR, "PHA_CIP_C13;PHA_ATC_C07\n1;A\n\n\n");
  EXPECT_EQ(q.rows.rows(), 1u);
  EXPECT_EQ(q.rows_read, 1u);
  EXPECT_TRUE(q.rejects.empty());
}

TEST(CsvTable, QuotedValuesAreUnquotedAndTrimmed) {
  const ParseResult r = parse(
      TableKind::kIrPhaR, "PHA_CIP_C13;PHA_ATC_C07;PHA_LIB\n\"1\";\" C10 \";\"a;\"\"b\"\"\nc\"\n");
  ASSERT_EQ(r.rows.rows(), 1u);
  EXPECT_EQ(r.rows.at("PHA_ATC_C07").strings.at(0), "C10");
  EXPECT_EQ(r.rows.at("PHA_LIB").strings.at(0), "a;\"b\"\nc");
}

TEST(CsvTable, WrongFieldCountIsRejectedWithLineAndRaw) {
  const std::string text = "PHA_CIP_C13;PHA_ATC_C07\n1;A\n2;B;extra\n3\n4;D\n";
  const ParseResult r = parse(TableKind::kIrPhaR, text, "IR_PHA_R.csv");
  EXPECT_EQ(r.rows_read, 4u);
  EXPECT_EQ(r.rows.rows(), 2u);
  ASSERT_EQ(r.rejects.size(), 2u);
  EXPECT_EQ(r.rejects[0].file, "IR_PHA_R.csv");
  EXPECT_EQ(r.rejects[0].line, 3u);
  EXPECT_EQ(r.rejects[0].reason, "3 fields, expected 2");
  EXPECT_EQ(r.rejects[0].raw, "2;B;extra");
  EXPECT_EQ(r.rejects[1].line, 4u);
  EXPECT_EQ(r.rejects[1].reason, "1 fields, expected 2");
  EXPECT_EQ(r.rows.at("PHA_CIP_C13").strings.at(1), "4");
}

TEST(CsvTable, BadDateAndBadNumbersAreRejectedNamingTheColumn) {
  const std::string text = kPhaHeader +
                           "\n1;01/02/2020;2;3;1;32/13/2020;01C;4;0;340;2\n"
                           "x;01/02/2020;2;3;1;15/01/2020;01C;4;0;340;2\n"
                           "1;01/02/2020;2;3;1;15/01/2020;01C;4;0;340;2.5.1\n"
                           "1;01/02/2020;2;3;1;15/01/2020;01C;4.5;0;340;2\n"
                           "1;01/02/2020;2;3;1;15/01/2020;01C;4;0;340;2\n";
  const ParseResult r = parse(TableKind::kErPhaF, text);
  EXPECT_EQ(r.rows_read, 5u);
  EXPECT_EQ(r.rows.rows(), 1u);
  ASSERT_EQ(r.rejects.size(), 4u);
  EXPECT_EQ(r.rejects[0].reason, "column FLX_TRT_DTD: bad date '32/13/2020'");
  EXPECT_EQ(r.rejects[0].line, 2u);
  EXPECT_EQ(r.rejects[1].reason, "column DCT_ORD_NUM: bad integer 'x'");
  EXPECT_EQ(r.rejects[2].reason, "column PHA_ACT_QSN: bad decimal '2.5.1'");
  EXPECT_EQ(r.rejects[3].reason, "column PRS_ORD_NUM: bad integer '4.5'");
  EXPECT_EQ(r.rejects[3].line, 5u);
  // A rejected record leaves no partial row: every column has the one good row.
  for (const Column& c : r.rows.columns) EXPECT_EQ(c.size(), 1u) << c.name;
}

TEST(CsvTable, EmptyTypedFieldsAreMissingNotRejected) {
  const std::string text = kPhaHeader + "\n;;;;;;;;;;\n";
  const ParseResult r = parse(TableKind::kErPhaF, text);
  EXPECT_TRUE(r.rejects.empty());
  ASSERT_EQ(r.rows.rows(), 1u);
  EXPECT_EQ(r.rows.at("DCT_ORD_NUM").ints[0], kMissingInt);
  EXPECT_EQ(r.rows.at("PHA_ACT_QSN").ints[0], kMissingInt);
  EXPECT_EQ(r.rows.at("FLX_DIS_DTD").dates[0], kMissingDate);
}

TEST(CsvTable, UnterminatedQuoteIsRejected) {
  const ParseResult r = parse(TableKind::kIrPhaR, "PHA_CIP_C13;PHA_ATC_C07\n1;A\n2;\"B\n3;C\n");
  EXPECT_EQ(r.rows.rows(), 1u);
  ASSERT_EQ(r.rejects.size(), 1u);
  EXPECT_EQ(r.rejects[0].reason, "unterminated quote");
  EXPECT_EQ(r.rejects[0].line, 3u);
  EXPECT_EQ(r.rows_read, 2u);
}

TEST(CsvTable, EmptyHeaderNameFromATrailingSemicolonIsNotStored) {
  const ParseResult r = parse(TableKind::kIrPhaR, "PHA_CIP_C13;PHA_ATC_C07;\n1;A;\n2;B\n");
  EXPECT_EQ(r.rows.columns.size(), 2u);
  EXPECT_EQ(r.rows.rows(), 1u);
  ASSERT_EQ(r.rejects.size(), 1u);
  EXPECT_EQ(r.rejects[0].reason, "2 fields, expected 3");
}

TEST(CsvTable, SourceOrderIsFileIndexAndByteOffset) {
  const std::string text = "PHA_CIP_C13;PHA_ATC_C07\n1;A\nbad\n2;B\n";
  const ParseResult r = parse_csv_buffer(TableKind::kIrPhaR, text.data(), text.size(), 3, "f");
  ASSERT_EQ(r.source_order.size(), 2u);
  EXPECT_EQ(r.source_order[0], (uint64_t{3} << 40) | 24u);
  EXPECT_EQ(r.source_order[1], (uint64_t{3} << 40) | 32u);
}

TEST(CsvTable, RangesParsedApartAppendToTheSequentialResult) {
  std::string text = kPhaHeader + "\n";
  for (int i = 0; i < 500; ++i)
    text += std::to_string(i) + ";01/02/2020;2;3;1;" + (i % 50 == 7 ? "bad" : "15/01/2020") +
            ";\"0;\n1C\";4;0;\"340\";" + std::to_string(i % 7) + ",5\r\n";
  const ParseResult whole = parse_csv_buffer(TableKind::kErPhaF, text.data(), text.size(), 1, "f");
  const CsvHeader h = read_header(TableKind::kErPhaF, text.data(), text.size(), "f");
  for (unsigned k : {2u, 3u, 7u}) {
    Batch rows = h.map.empty_batch();
    std::vector<uint64_t> order;
    std::vector<Reject> rejects;
    uint64_t read = 0;
    for (const RecordRange& rr :
         split_record_ranges(text.data(), text.size(), h.body_offset, h.body_line, k)) {
      ParseResult p = parse_records(h.map, text.data() + rr.begin, rr.end - rr.begin, rr.begin,
                                    rr.first_line, 1, "f");
      rows.append(p.rows);
      order.insert(order.end(), p.source_order.begin(), p.source_order.end());
      rejects.insert(rejects.end(), p.rejects.begin(), p.rejects.end());
      read += p.rows_read;
    }
    EXPECT_EQ(read, whole.rows_read);
    EXPECT_EQ(order, whole.source_order);
    ASSERT_EQ(rejects.size(), whole.rejects.size());
    for (size_t i = 0; i < rejects.size(); ++i) EXPECT_EQ(rejects[i].line, whole.rejects[i].line);
    ASSERT_EQ(rows.rows(), whole.rows.rows());
    EXPECT_EQ(rows.at("PHA_ACT_QSN").ints, whole.rows.at("PHA_ACT_QSN").ints);
    EXPECT_EQ(rows.at("ORG_CLE_NUM").strings.bytes(), whole.rows.at("ORG_CLE_NUM").strings.bytes());
  }
  EXPECT_EQ(whole.rejects.size(), 10u);
  EXPECT_EQ(whole.rejects[0].line, 2u + 7 * 2);  // two physical lines per record
}

}  // namespace
}  // namespace snds

namespace snds {

TEST(CsvTable, ANulByteInATextFieldRejectsTheRow) {
  std::string text = "PHA_CIP_C13;PHA_ATC_C07\n3400930000001;C10AA01\n3400930000002;C10";
  text += '\0';
  text += "AA05\n";
  const ParseResult r =
      parse_csv_buffer(TableKind::kIrPhaR, text.data(), text.size(), 0, "IR_PHA_R.csv");
  EXPECT_EQ(r.rows.rows(), 1u);
  ASSERT_EQ(r.rejects.size(), 1u);
  EXPECT_EQ(r.rejects[0].line, 3u);
  EXPECT_NE(r.rejects[0].reason.find("PHA_ATC_C07"), std::string::npos);
}

}  // namespace snds
