// Splitting one CSV buffer (or file) into byte ranges that threads or ranks parse independently
// and that together give exactly the records of a sequential parse.
//
// Convention: a raw range [a, b) owns every record whose first byte lies in [a, b); that record
// may run past b. A record starts at offset 0 and right after each `\n` that lies outside quotes
// (tokenizer.hpp: every `"` toggles the quote state). Whether offset `a` is inside quotes is the
// parity of the number of `"` in [0, a) (or in [s, a) from any record start s, such as the first
// byte after the header). The recipe, for ranges cut at arbitrary offsets a_0 < a_1 < ... < a_K:
//   1. scan_range() each raw piece [a_i, a_{i+1}) (in parallel): newline and quote counts;
//   2. exclusive prefix sums give, at each a_i, the quote parity and the newline count before it;
//   3. s_i = find_record_start(data, size, a_i, odd parity) is the first record start >= a_i;
//   4. piece i parses the whole records of [s_i, s_{i+1}) with a Tokenizer whose first line is
//      1 + (newlines before a_i) + (newlines in [a_i, s_i)).
// A reader of file ranges holding [a_i, a_{i+1}) must read on past a_{i+1} until s_{i+1} is found
// (its last record may end there): find_record_start returning the buffer size means "read more",
// unless the buffer ends at the end of the file.
// split_record_ranges() does all of this over an in-memory buffer; read_range_records() reads
// one range of a file with its look-ahead.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace snds {

struct RangeScan {
  uint64_t newlines = 0;  // `\n` bytes in the range
  uint64_t quotes = 0;    // `"` bytes in the range
};

// Counts newlines and quotes in [p, p + n) (SIMD where available; several GB/s).
RangeScan scan_range(const char* p, size_t n);

// The first record start at or after `offset` in data[0, size), given whether `offset` lies inside
// quotes (odd number of `"` before it). 0 stays 0; returns `size` when no record starts in
// [offset, size). The scan never passes the end of the record holding `offset`.
size_t find_record_start(const char* data, size_t size, size_t offset, bool in_quotes_at_offset);

// A range of whole records: [begin, end) of the buffer, the first byte on line `first_line`.
struct RecordRange {
  size_t begin = 0;
  size_t end = 0;
  uint64_t first_line = 1;
};

// Splits data[begin, size) into `parts` (>= 1) consecutive ranges of whole records of about
// equal byte size; `begin` must be a record start (0, or the offset after the header) on line
// `begin_line`. Ranges may be empty when a record is longer than a part. Concatenating the
// records of the ranges gives exactly those of one Tokenizer over data[begin, size).
std::vector<RecordRange> split_record_ranges(const char* data, size_t size, size_t begin,
                                             uint64_t begin_line, unsigned parts);

// The whole records a reader of the raw range [begin, end) of a plain file owns, read from the
// file: `text` holds the file's bytes from begin - lead on, past `end` as far as the last owned
// record runs (a megabyte of look-ahead first, doubled until a record start is found or the
// file ends), and the records are text[start, cut). `lead` is 1 unless `begin` is the file's
// first record (find_record_start looks at the byte before an offset). `in_quotes` and
// `next_in_quotes`: the quote state at `begin` and at `end` (scan_range's parity).
struct FileRangeRecords {
  std::string text;
  size_t lead = 0;
  size_t start = 0;
  size_t cut = 0;
};
FileRangeRecords read_range_records(const std::string& path, uint64_t file_size, uint64_t begin,
                                    uint64_t end, bool first_record, bool in_quotes,
                                    bool next_in_quotes);

}  // namespace snds
