// Typed parsing of one SNDS table's CSV records into a Batch (reference section 2).
//
// A file is read as: header (read_header: BOM skipped, names mapped to the table's typed columns),
// then ranges of whole records (range_split.hpp) parsed independently by parse_records, each into
// its own Batch with the same columns in the same canonical order, so batches of one file, and of
// files of the same table with other column orders, append cleanly (Batch::append).
// Every data record ends up either as a stored row or as a Reject (file, line, reason): never
// dropped. Values are trimmed of surrounding spaces; an empty value is missing. String values are
// stored as UTF-8: a byte that is no UTF-8 is replaced by U+FFFD, and the value counted.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/catalog.hpp"
#include "core/column.hpp"

namespace snds {

struct HeaderColumn {
  std::string name;  // canonical: upper case, NUM_ENQ mapped to the table's patient key
  ColumnType type;   // the catalog's type; String for columns the catalog does not know
  bool known;        // in the table's catalog entry
  ValueRule rule = ValueRule::kNone;  // the schema's type, checked beyond `type`'s parse
};

// How the fields of one file's records map to Batch columns.
struct HeaderMap {
  const TableSpec* spec = nullptr;    // the table's catalog entry
  std::string file;                   // file name, for messages
  std::vector<HeaderColumn> columns;  // Batch columns: catalog order, then extras sorted by name
  // Per header field (in file order): index into `columns`, or -1 for a field with an empty header
  // name (a trailing `;` on every line), which is checked for count but not stored.
  std::vector<int> field_column;
  char delimiter = ';';  // the file's field delimiter (delimiter.hpp)

  size_t field_count() const { return field_column.size(); }
  Batch empty_batch() const;  // no rows, the columns above
};

// Builds the map from the header's fields. Header names are trimmed and upper-cased; NUM_ENQ is
// mapped by canonical_column_name. Throws data_error naming the file when a name appears twice.
// Required columns of the table absent from the header are appended to `*missing` when given
// (the caller reports every file's at once); otherwise they are a data_error naming the file and
// all of them ("<file>: columns PHA_ACT_QSN, PHA_PRS_C13 are missing from the header").
HeaderMap make_header_map(const TableSpec& spec, std::span<const std::string_view> header_fields,
                          std::string_view file_name, std::vector<std::string>* missing = nullptr);
inline HeaderMap make_header_map(TableKind kind, std::span<const std::string_view> header_fields,
                                 std::string_view file_name,
                                 std::vector<std::string>* missing = nullptr) {
  return make_header_map(table_spec(kind), header_fields, file_name, missing);
}

struct CsvHeader {
  HeaderMap map;
  size_t body_offset = 0;  // offset of the first byte after the header record
  uint64_t body_line = 2;  // physical line number of that byte
};

// Reads the header at the start of a file's bytes (a UTF-8 BOM and blank lines before it are
// skipped). `data` must hold at least the whole header line. The delimiter is `delimiter`, or
// when 0 the one sniffed from the header (delimiter.hpp). data_error on an empty file or an
// unterminated quote in the header, and as make_header_map.
CsvHeader read_header(const TableSpec& spec, const char* data, size_t size,
                      std::string_view file_name, char delimiter = 0,
                      std::vector<std::string>* missing = nullptr);
inline CsvHeader read_header(TableKind kind, const char* data, size_t size,
                             std::string_view file_name, char delimiter = 0,
                             std::vector<std::string>* missing = nullptr) {
  return read_header(table_spec(kind), data, size, file_name, delimiter, missing);
}

struct Reject {
  std::string file;
  uint64_t line = 0;   // physical line of the record's first byte
  std::string reason;  // "12 fields, expected 15", "column EXE_SOI_DTD: bad date '32/13/2020'"
  std::string raw;     // the record's text, for the reject file only (never logged); capped
};

struct ParseResult {
  Batch rows;
  std::vector<Reject> rejects;
  uint64_t rows_read = 0;  // data records seen: rows.rows() + rejects.size()
  // String values of stored rows that held bytes which are no UTF-8, stored with each such byte
  // replaced by U+FFFD (utf8.hpp): counted per file in the store's manifest.
  uint64_t invalid_utf8_values = 0;
  // Per stored row: (file_index << 40) | byte offset of its record in the file. Sorting by it
  // gives the input order whatever the split into ranges, ranks and threads.
  std::vector<uint64_t> source_order;
};

// Longest `raw` kept in a Reject; longer records are cut (an unterminated quote can swallow the
// rest of a file).
inline constexpr size_t kMaxRejectRawBytes = 64 * 1024;

// Types records, field by field, into `out.rows`: the typing and reject rules of reference
// section 2, shared by the CSV parser below and the SAS reader (core/sas), so a value is stored,
// or refused, the same way whatever file format carried it. One per thread and range.
class RecordTyper {
 public:
  // `estimate`: the rows expected (sizes the columns). `out.rows` is reset to header's columns.
  RecordTyper(const HeaderMap& header, ParseResult& out, size_t estimate);
  ~RecordTyper();
  RecordTyper(const RecordTyper&) = delete;
  RecordTyper& operator=(const RecordTyper&) = delete;
  // Appends the record as a row and returns true, or leaves the batch as it was and sets
  // `reason` ("column EXE_SOI_DTD: bad date '32/13/2020'"). `fields` must have
  // header.field_count() entries (the caller checks the count).
  bool add(std::span<const std::string_view> fields, std::string& reason);

 private:
  struct Plan;
  Plan* plan_;
};

// Parses the whole records of data[0, size) (a record-aligned range of the file body: see
// range_split.hpp), where data[0] is at byte `base_offset` of the file and on line `first_line`.
// Thread-safe (no shared state); requires file_index < 2^24 and base_offset + size < 2^40.
ParseResult parse_records(const HeaderMap& header, const char* data, size_t size,
                          uint64_t base_offset, uint64_t first_line, uint32_t file_index,
                          std::string_view file_name);

// Header then all records of a whole file held in memory, in one thread (delimiter as
// read_header).
ParseResult parse_csv_buffer(const TableSpec& spec, const char* data, size_t size,
                             uint32_t file_index, std::string_view file_name, char delimiter = 0);
inline ParseResult parse_csv_buffer(TableKind kind, const char* data, size_t size,
                                    uint32_t file_index, std::string_view file_name,
                                    char delimiter = 0) {
  return parse_csv_buffer(table_spec(kind), data, size, file_index, file_name, delimiter);
}

}  // namespace snds
