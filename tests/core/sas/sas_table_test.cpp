// SAS tables read as CSV files are: a SAS table written by ReadStat (plain or RLE-compressed,
// UTF-8 or ISO-8859-1) gives the rows, typed values, rejects and input order its CSV twin gives;
// dates and datetimes with or without a SAS format, 01JAN1600 and SAS missing values are read as
// the reference says; numeric codes are written without a fraction; row ranges cover the table.
#include "core/sas/sas_table.hpp"

#include <gtest/gtest.h>

#include <zlib.h>

#include <cmath>
#include <limits>

#include "core/error.hpp"
#include "core/sas/sas_writer.hpp"
#include "tests/support/test_support.hpp"

namespace snds {
namespace {

constexpr double kMissing = std::numeric_limits<double>::quiet_NaN();

// IR_BEN_R with BEN_RNG_GEM and BEN_SEX_COD numeric (SAS habit), a DATE9. death date.
std::vector<SasWriteColumn> ben_columns(const std::string& date_format = "DATE9") {
  return {{"BEN_NIR_PSA", false, "", 17},        {"BEN_RNG_GEM", true, "", 0},
          {"BEN_SEX_COD", true, "", 0},          {"BEN_NAI_ANN", true, "BEST12", 0},
          {"BEN_NAI_MOI", true, "", 0},          {"BEN_RES_DPT", false, "", 3},
          {"BEN_DCD_DTE", true, date_format, 0}, {"COMMENT", false, "", 12}};
}

struct BenRow {
  std::string nir;
  double rng, sex, year, month;
  std::string dpt;
  double death;  // SAS days or seconds
  std::string comment;
};

void write_ben(const std::string& path, const std::vector<BenRow>& rows, bool rle,
               const std::string& date_format = "DATE9") {
  SasTableWriter w(path, ben_columns(date_format), rows.size(), rle);
  for (const auto& r : rows) {
    w.begin_row();
    w.string(0, r.nir);
    const double nums[] = {r.rng, r.sex, r.year, r.month};
    for (size_t i = 0; i < 4; ++i)
      std::isnan(nums[i]) ? w.missing(i + 1) : w.number(i + 1, nums[i]);
    w.string(5, r.dpt);
    std::isnan(r.death) ? w.missing(6) : w.number(6, r.death);
    w.string(7, r.comment);
    w.end_row();
  }
  w.finish();
}

const std::vector<BenRow> kRows = {
    {"AAAAAAAAAAAAAAAAA", 1, 2, 1950, 3, "075", sas_days(days_from_civil(2020, 3, 15)), "été"},
    {"BBBBBBBBBBBBBBBBB", 1, 1, 1960, 12, "2A", kMissing, ""},
    {"CCCCCCCCCCCCCCCCC", 2, 2, 2001, 7, "13", sas_days(days_from_civil(1600, 1, 1)), "x;y\"z"},
};

const std::string kCsvTwin =
    "BEN_NIR_PSA;BEN_RNG_GEM;BEN_SEX_COD;BEN_NAI_ANN;BEN_NAI_MOI;BEN_RES_DPT;BEN_DCD_DTE;COMMENT\n"
    "AAAAAAAAAAAAAAAAA;1;2;1950;3;075;15/03/2020;été\n"
    "BBBBBBBBBBBBBBBBB;1;1;1960;12;2A;;\n"
    "CCCCCCCCCCCCCCCCC;2;2;2001;7;13;01/01/1600;\"x;y\"\"z\"\n";

void expect_same_rows(const ParseResult& a, const ParseResult& b) {
  ASSERT_EQ(a.rows.rows(), b.rows.rows());
  ASSERT_EQ(a.rows.columns.size(), b.rows.columns.size());
  for (size_t c = 0; c < a.rows.columns.size(); ++c) {
    const Column& x = a.rows.columns[c];
    const Column& y = b.rows.columns[c];
    EXPECT_EQ(x.name, y.name);
    ASSERT_EQ(x.type, y.type) << x.name;
    EXPECT_EQ(x.ints, y.ints) << x.name;
    EXPECT_EQ(x.dates, y.dates) << x.name;
    for (size_t r = 0; r < x.size() && x.type == ColumnType::kString; ++r)
      EXPECT_EQ(x.strings.at(r), y.strings.at(r)) << x.name << " row " << r;
  }
}

TEST(SasTable, ReadsTheRowsItsCsvTwinGivesPlainOrCompressed) {
  test::TempDir dir;
  const ParseResult csv =
      parse_csv_buffer(TableKind::kIrBenR, kCsvTwin.data(), kCsvTwin.size(), 3, "t.csv");
  for (bool rle : {false, true}) {
    const std::string path = (dir / "IR_BEN_R.sas7bdat").string();
    write_ben(path, kRows, rle);
    const SasTableInfo info = read_sas_info(path);
    EXPECT_EQ(info.rows, 3u);
    ASSERT_EQ(info.variables.size(), 8u);
    EXPECT_EQ(info.variables[6].format, "DATE9");
    const ParseResult sas = parse_sas_file(table_spec(TableKind::kIrBenR), path, 3);
    EXPECT_TRUE(sas.rejects.empty());
    EXPECT_EQ(sas.rows_read, 3u);
    expect_same_rows(sas, csv);
    EXPECT_EQ(sas.rows.at("BEN_SEX_COD").strings.at(0), "2");      // a numeric code, no ".000000"
    EXPECT_EQ(sas.rows.at("BEN_DCD_DTE").dates[2], kMissingDate);  // 01JAN1600
    EXPECT_EQ(sas.rows.at("BEN_DCD_DTE").dates[1], kMissingDate);  // SAS missing
    EXPECT_EQ(sas.source_order,
              (std::vector<uint64_t>{(3ull << 40) | 0, (3ull << 40) | 1, (3ull << 40) | 2}));
  }
}

TEST(SasTable, DatesWithoutFormatAndDatetimesFollowTheFormatOrTheSchema) {
  test::TempDir dir;
  const std::string path = (dir / "IR_BEN_R.sas7bdat").string();
  const double day = sas_days(days_from_civil(2021, 12, 31));
  // No format: the schema types BEN_DCD_DTE as a date, so the number counts days.
  write_ben(path, {{"A", 1, 1, 1950, 1, "075", day, ""}}, false, "");
  EXPECT_EQ(parse_sas_file(table_spec(TableKind::kIrBenR), path, 0).rows.at("BEN_DCD_DTE").dates[0],
            days_from_civil(2021, 12, 31));
  // DATETIME20.: seconds since 1960, the day kept.
  write_ben(path, {{"A", 1, 1, 1950, 1, "075", day * 86400 + 3600 * 13.5, ""}}, false,
            "DATETIME20");
  EXPECT_EQ(parse_sas_file(table_spec(TableKind::kIrBenR), path, 0).rows.at("BEN_DCD_DTE").dates[0],
            days_from_civil(2021, 12, 31));
  EXPECT_EQ(sas_format_kind("DDMMYY10"), "date");
  EXPECT_EQ(sas_format_kind("E8601DA10."), "date");
  EXPECT_EQ(sas_format_kind("DATETIME20"), "datetime");
  EXPECT_EQ(sas_format_kind("BEST12"), "");
  EXPECT_EQ(sas_format_kind("$CHAR17"), "");
}

TEST(SasTable, FileNamesMapToTablesInAnyCase) {
  EXPECT_EQ(table_for_file("DCIR/ir_ben_r.SAS7BDAT")->name, "IR_BEN_R");
  EXPECT_EQ(table_for_file("ER_PRS_F_2019_part1.sas7bdat")->name, "ER_PRS_F");
  EXPECT_EQ(table_for_file("t_mco19c.sas7bdat")->name, "T_MCO19C");
  EXPECT_FALSE(table_for_file("IR_BEN_R.sas7bcat"));  // a format catalog, not a table
}

TEST(SasTable, DatetimeColumnsOfTheSchemaWithoutFormatCountSeconds) {
  // T_MCOaaC.EXE_SOI_DTD is a schema datetime: an unformatted number there counts seconds.
  test::TempDir dir;
  const std::string path = (dir / "T_MCO20C.sas7bdat").string();
  std::vector<SasWriteColumn> cols;
  for (const char* n : {"ETA_NUM", "RSA_NUM", "NIR_ANO_17"}) cols.push_back({n, false, "", 17});
  cols.push_back({"EXE_SOI_DTD", true, "", 0});
  cols.push_back({"EXE_SOI_DTF", true, "", 0});
  for (const char* n :
       {"NIR_RET", "NAI_RET", "SEX_RET", "SEJ_RET", "FHO_RET", "PMS_RET", "DAT_RET"})
    cols.push_back({n, false, "", 1});
  SasTableWriter w(path, cols, 1);
  w.begin_row();
  w.string(0, "1");
  w.string(1, "2");
  w.string(2, "N");
  w.number(3, sas_days(days_from_civil(2020, 5, 4)) * 86400.0 + 7200);
  w.number(4, sas_days(days_from_civil(2020, 5, 9)) * 86400.0);
  for (size_t i = 5; i < cols.size(); ++i) w.string(i, "0");
  w.end_row();
  w.finish();
  const ParseResult r = parse_sas_file(*find_table_spec("T_MCOaaC"), path, 0);
  ASSERT_EQ(r.rows.rows(), 1u);
  EXPECT_EQ(r.rows.at("EXE_SOI_DTD").dates[0], days_from_civil(2020, 5, 4));
  EXPECT_EQ(r.rows.at("EXE_SOI_DTF").dates[0], days_from_civil(2020, 5, 9));
}

TEST(SasTable, AValueThatDoesNotFitItsColumnIsARejectNamingFileRowAndColumn) {
  test::TempDir dir;
  const std::string path = (dir / "IR_BEN_R.sas7bdat").string();
  std::vector<BenRow> rows = kRows;
  rows[1].rng = 1.5;   // BEN_RNG_GEM is an integer
  rows[2].sex = 7.25;  // BEN_SEX_COD: the schema's integer
  write_ben(path, rows, false);
  const ParseResult r = parse_sas_file(table_spec(TableKind::kIrBenR), path, 0);
  EXPECT_EQ(r.rows_read, 3u);
  EXPECT_EQ(r.rows.rows(), 1u);
  ASSERT_EQ(r.rejects.size(), 2u);
  EXPECT_EQ(r.rejects[0].file, path);
  EXPECT_EQ(r.rejects[0].line, 2u);  // the second data row
  EXPECT_NE(r.rejects[0].reason.find("column BEN_RNG_GEM: bad integer"), std::string::npos)
      << r.rejects[0].reason;
  EXPECT_EQ(r.rejects[1].line, 3u);
  EXPECT_NE(r.rejects[1].reason.find("column BEN_SEX_COD"), std::string::npos);
  EXPECT_EQ(r.source_order, std::vector<uint64_t>{0});
}

TEST(SasTable, RowRangesReadInBlocksCoverTheTableOnce) {
  test::TempDir dir;
  const std::string path = (dir / "IR_BEN_R.sas7bdat").string();
  std::vector<BenRow> rows;
  for (int i = 0; i < 5000; ++i)
    rows.push_back({std::string(17, static_cast<char>('A' + i % 26)), 1.0 + i % 3, 1, 1950, 1,
                    std::to_string(i % 100), sas_days(days_from_civil(2020, 1, 1) + i), ""});
  for (bool rle : {false, true}) {
    write_ben(path, rows, rle);
    const SasTableInfo info = read_sas_info(path);
    const HeaderMap header = sas_header_map(table_spec(TableKind::kIrBenR), info, path);
    const auto cells = sas_cells(info, header);
    const std::string whole = test::read_text(path);
    const auto expected_crc = static_cast<uint32_t>(
        crc32(0L, reinterpret_cast<const Bytef*>(whole.data()), static_cast<uInt>(whole.size())));
    std::vector<uint64_t> order;
    const uint64_t cuts[] = {0, 1, 1777, 4999, 5000};
    for (size_t k = 0; k + 1 < std::size(cuts); ++k) {
      SasRowReader reader(path, cells, cuts[k], cuts[k + 1], 300);
      SasBlock b;
      while (reader.next(b)) {
        EXPECT_LE(b.rows, 300u);
        const ParseResult p = parse_sas_block(header, b, 1, path);
        EXPECT_TRUE(p.rejects.empty());
        order.insert(order.end(), p.source_order.begin(), p.source_order.end());
      }
      EXPECT_EQ(reader.file_crc32(), expected_crc);
      EXPECT_EQ(reader.file_bytes(), whole.size());
    }
    ASSERT_EQ(order.size(), rows.size());
    for (size_t i = 0; i < order.size(); ++i) EXPECT_EQ(order[i], (1ull << 40) | i);
  }
}

TEST(SasTable, ATableWithoutRowsReadsAsAHeaderOnlyCsvFile) {
  test::TempDir dir;
  const std::string path = (dir / "IR_BEN_R.sas7bdat").string();
  write_ben(path, {}, false);
  const SasTableInfo info = read_sas_info(path);
  EXPECT_EQ(info.rows, 0u);
  EXPECT_EQ(info.variables.size(), 8u);
  const ParseResult r = parse_sas_file(table_spec(TableKind::kIrBenR), path, 0);
  EXPECT_EQ(r.rows_read, 0u);
  EXPECT_EQ(r.rows.columns.size(), 8u);
}

TEST(SasTable, AReaderStoppedEarlyLeavesCleanly) {
  test::TempDir dir;
  const std::string path = (dir / "IR_BEN_R.sas7bdat").string();
  std::vector<BenRow> rows(2000, kRows[0]);
  write_ben(path, rows, false);
  const SasTableInfo info = read_sas_info(path);
  const HeaderMap header = sas_header_map(table_spec(TableKind::kIrBenR), info, path);
  SasRowReader reader(path, sas_cells(info, header), 0, info.rows, 10);
  SasBlock b;
  EXPECT_TRUE(reader.next(b));
}

// ISO-8859-1: ReadStat's writer marks its files UTF-8 (encoding code 20 at byte 70 of the
// header); a Latin-1 file is the same file with Latin-1 bytes and code 29.
TEST(SasTable, Iso88591StringsAreConvertedToUtf8) {
  test::TempDir dir;
  const std::string path = (dir / "IR_BEN_R.sas7bdat").string();
  std::vector<BenRow> rows = {kRows[0]};
  rows[0].comment = "\xE9t\xE9";  // "été" in ISO-8859-1
  write_ben(path, rows, false);
  std::string bytes = test::read_text(path);
  ASSERT_EQ(bytes[70], 20);
  bytes[70] = 29;
  test::write_text(path, bytes);
  const SasTableInfo info = read_sas_info(path);
  EXPECT_EQ(info.encoding, "ISO-8859-1");
  const ParseResult r = parse_sas_file(table_spec(TableKind::kIrBenR), path, 0);
  ASSERT_EQ(r.rows.rows(), 1u);
  EXPECT_EQ(r.rows.at("COMMENT").strings.at(0), "\xC3\xA9t\xC3\xA9");
}

TEST(SasTable, AFileThatIsNotASasTableIsADataErrorNamingIt) {
  test::TempDir dir;
  const std::string path = (dir / "IR_BEN_R.sas7bdat").string();
  test::write_text(path, "BEN_NIR_PSA;BEN_RNG_GEM\nAAAAAAAAAAAAAAAAA;1\n");
  try {
    read_sas_info(path);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::kData);
    EXPECT_NE(std::string(e.what()).find(path + ": cannot be read as a SAS table"),
              std::string::npos)
        << e.what();
    EXPECT_EQ(std::string(e.what()).find("AAAAAAAA"), std::string::npos);
  }
}

}  // namespace
}  // namespace snds
