// The CSV record splitter: turns an in-memory buffer of delimited text (`;` by default; `,`, `|`
// or tab as sniffed from a file's header, see delimiter.hpp) into records of fields
// (string_views), honouring double quotes, with the physical line number of each record.
//
// Quote rule (the one the parallel range splitter in range_split.hpp relies on): every `"` byte
// toggles the "inside quotes" state, wherever it appears. Inside quotes `;`, `\r` and `\n` are
// data; outside, `;` ends a field and `\n` (or `\r\n`) ends a record. In a field's value a `""`
// inside quotes stands for one `"`, and the quotes themselves are dropped ("a;b" -> a;b,
// "say ""hi""" -> say "hi"). So a record ends at the first `\n` preceded (from the record start)
// by an even number of quotes, which is what lets a range know where records start.
//
// Lines holding nothing (`\n` or `\r\n` alone) are skipped: they are not records. A buffer that
// ends inside quotes yields a last record carrying the error "unterminated quote".
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace snds {

inline constexpr char kCsvDelimiter = ';';

struct CsvRecord {
  // The record's fields, unescaped. Valid until the next call to Tokenizer::next (they live in the
  // tokenizer and point into the input buffer, or into its scratch for unescaped fields).
  std::span<const std::string_view> fields;
  uint64_t line = 0;            // physical line number of the record's first byte
  size_t offset = 0;            // offset of the record's first byte from the start of the buffer
  std::string_view raw;         // the record's bytes, without its line terminator
  const char* error = nullptr;  // null, or why the record is malformed ("unterminated quote")
};

class Tokenizer {
 public:
  // Reads `data[0, size)`, whose first byte is on physical line `first_line`, splitting fields on
  // `delimiter` (the rule above, with `delimiter` for `;`). The buffer must outlive the
  // tokenizer; it should start at a record start (see range_split.hpp).
  Tokenizer(const char* data, size_t size, uint64_t first_line = 1, char delimiter = kCsvDelimiter);

  // Reads the next record into `rec`; false (and `rec` untouched) when the input is exhausted.
  bool next(CsvRecord& rec);

  // Offset of the first byte not yet consumed, and its physical line number.
  size_t position() const { return pos_; }
  uint64_t line() const { return line_; }

 private:
  // Reads a field containing quotes from offset `p`; returns where it ends (`;`, `\n`, `\r\n`, a
  // final `\r` or the end of the buffer). Sets `error` when the buffer ends inside quotes.
  size_t quoted_field(size_t p, const char*& error);
  void add_field(const char* p, size_t n) {
    if (count_ == fields_.size()) fields_.resize(fields_.size() * 2);
    fields_[count_++] = std::string_view(p, n);
  }

  const char* data_;
  size_t size_;
  size_t pos_ = 0;
  uint64_t line_;
  char delimiter_;
  // A bitmask of the special bytes in the 64 bytes from block_ (bit i: data_[block_ + i]),
  // computed with SIMD; scanning fields is then a count of trailing zeros per field. The scan
  // only moves forward, so block_ <= pos_ always.
  size_t block_ = 0;
  uint64_t mask_ = 0;
  std::vector<std::string_view> fields_ = std::vector<std::string_view>(32);  // size = capacity
  size_t count_ = 0;     // fields of the current record
  std::string scratch_;  // unescaped values of this record's quoted fields
  struct Escaped {
    size_t field, begin, length;
  };
  std::vector<Escaped> escaped_;  // fields whose value lives in scratch_
};

}  // namespace snds
