// SAS tables (.sas7bdat) read through ReadStat into the same typed batches as CSV files.
//
// A SAS table is read like a CSV file: its variables are the header (make_header_map), and each
// row becomes one text field per variable, typed by the CSV parser's RecordTyper, so a value is
// stored or rejected by the same rules whatever format carried it. What the text is:
//   - character variables: the string, converted from the file's encoding to UTF-8 by ReadStat;
//   - numeric variables with a SAS date format (DATE9., DDMMYY10., E8601DA....), and numeric
//     variables with no such format in a column the schema types as a date: days since
//     1960-01-01, written as YYYY-MM-DD (01JAN1600, SAS's form of the SNDS missing date, then
//     reads as missing, as in CSV); with a datetime format (DATETIME20....), or no format in a
//     column the schema types as a datetime: seconds since 1960-01-01, the day kept;
//   - other numbers: the shortest decimal that reads back as the same double, with no exponent
//     and no trailing zeros (a code 3.0 is "3", never "3.000000"); SAS missing values are empty.
// Rows are read in ranges [first, last) so several ranks share a large table (ReadStat's
// row_offset: a rank reads the pages before its range too, but types none of their rows).
// Each row's input order is (file index << 40) | row number, the CSV order's analogue, and a
// reject names the file and the row number (1 = first data row) in its `line`.
#pragma once

#include <cstdint>
#include <exception>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/csv/table_parser.hpp"

namespace snds {

struct SasVariable {
  std::string name;
  bool numeric = false;
  std::string format;  // "DATE9", "DATETIME20", "" (ReadStat's spelling: name then width)
};

struct SasTableInfo {
  std::vector<SasVariable> variables;
  uint64_t rows = 0;
  std::string encoding;     // the file's ("UTF-8", "WINDOWS-1252"...), as ReadStat names it
  uint64_t file_bytes = 0;  // size of the file
};

// Reads the variables and row count (not the rows). data_error naming the file when it is not
// a readable SAS table.
SasTableInfo read_sas_info(const std::string& path);

// How a variable's values become text (see the file comment).
enum class SasCell : uint8_t { kText = 0, kNumber = 1, kDays = 2, kSeconds = 3 };

// "date", "datetime" or "" for a SAS format name as ReadStat gives it ("DDMMYY10" is a date).
std::string_view sas_format_kind(std::string_view format);

// Per variable of `info` (in file order, which is the header map's field order), how its values
// become text for the typed column `header` maps it to.
std::vector<SasCell> sas_cells(const SasTableInfo& info, const HeaderMap& header);

// The header map of a SAS table: its variable names as the header (missing columns as
// make_header_map). The delimiter is unused.
HeaderMap sas_header_map(const TableSpec& spec, const SasTableInfo& info,
                         std::string_view file_name, std::vector<std::string>* missing = nullptr);

// Rows of a SAS table as text cells, `columns` per row, row-major.
struct SasBlock {
  uint64_t first_row = 0;  // row number (0-based) of the block's first row in the file
  size_t rows = 0;
  size_t columns = 0;
  std::string text;            // the cells' bytes, one after the other
  std::vector<uint32_t> ends;  // per cell, the end of its bytes in `text`
  uint64_t file_bytes = 0;     // bytes of the file read when the block was cut (progress)

  std::string_view cell(size_t row, size_t column) const {
    const size_t i = row * columns + column;
    const uint32_t begin = i == 0 ? 0 : ends[i - 1];
    return {text.data() + begin, ends[i] - begin};
  }
};

// Reads rows [first, last) of a SAS table in one pass, on a thread of its own, and hands them
// over in blocks of `block_rows` rows (at most two blocks held ahead of the reader), so a table
// of any size is read once in bounded memory. With `checksum`, the file's CRC32 is taken as it is
// read.
class SasRowReader {
 public:
  SasRowReader(std::string path, std::vector<SasCell> cells, uint64_t first, uint64_t last,
               size_t block_rows, bool checksum = true);
  ~SasRowReader();  // stops the reading thread
  SasRowReader(const SasRowReader&) = delete;
  SasRowReader& operator=(const SasRowReader&) = delete;

  // The next block; false after the last one. data_error naming the file on a read failure.
  bool next(SasBlock& out);
  // After next() returned false, with `checksum`: CRC32 and size of the whole file (the part of
  // it ReadStat did not need is read for the checksum).
  uint32_t file_crc32() const;
  uint64_t file_bytes() const;

  struct State;

 private:
  std::unique_ptr<State> state_;
};

// Types a block into rows of `header`'s columns (thread-safe, like parse_records).
ParseResult parse_sas_block(const HeaderMap& header, const SasBlock& block, uint32_t file_index,
                            std::string_view file_name);

// A whole SAS table, in one thread (tests, small referentials).
ParseResult parse_sas_file(const TableSpec& spec, const std::string& path, uint32_t file_index);

}  // namespace snds
