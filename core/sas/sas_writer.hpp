// Writing SAS tables (.sas7bdat) through ReadStat's writer: what the generator's
// `--format sas7bdat` and the tests use to make SAS inputs at any scale. ReadStat writes the
// machine's byte order (little-endian here), encoding code UTF-8, 64-bit layout, uncompressed or
// RLE-compressed rows (RDC is read, never written).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace snds {

struct SasWriteColumn {
  std::string name;
  bool numeric = false;
  std::string format;  // "DATE9" for dates (days since 1960-01-01), "" otherwise
  size_t width = 1;    // strings: bytes per value (1-32767); values longer are an error
};

class SasTableWriter {
 public:
  // Creates `path` (replaced) for exactly `rows` rows. data_error naming the file on failure.
  SasTableWriter(const std::string& path, std::vector<SasWriteColumn> columns, uint64_t rows,
                 bool compress_rows = false);
  ~SasTableWriter();
  SasTableWriter(const SasTableWriter&) = delete;
  SasTableWriter& operator=(const SasTableWriter&) = delete;

  // One row: a value (or missing) for every column, in order, between begin_row and end_row.
  void begin_row();
  void number(size_t column, double value);
  void string(size_t column, std::string_view value);
  void missing(size_t column);
  void end_row();
  // Writes the last page and closes the file; every announced row must have been written.
  void finish();

  struct State;

 private:
  std::unique_ptr<State> state_;
};

// Days since 1960-01-01, SAS's date origin, of a day number of core/date.hpp (days since 1970).
inline constexpr double sas_days(int32_t days_since_1970) {
  return static_cast<double>(days_since_1970) + 3653.0;
}

}  // namespace snds
