// Reading SAS tables through ReadStat (see sas_table.hpp). ReadStat pushes values to callbacks
// for a whole parse; the ingest pulls blocks between its rounds, so the parse runs on a thread of
// its own that waits whenever two blocks are ready and not yet taken.
#include "core/sas/sas_table.hpp"

#include <fcntl.h>
#include <readstat.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <filesystem>
#include <mutex>
#include <thread>

#include "core/date.hpp"
#include "core/error.hpp"

namespace snds {
namespace {

constexpr unsigned kOrderBits = 40;  // as the CSV parser's source order
constexpr Date kSasEpoch = days_from_civil(1960, 1, 1);
constexpr size_t kReadyBlocks = 2;  // blocks read ahead of the consumer

std::string upper(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  return out;
}

void append_number(std::string& out, double d) {
  if (d >= 0 && d < 10 && d == std::trunc(d)) {  // most codes: one digit
    out.push_back(static_cast<char>('0' + static_cast<int>(d)));
    return;
  }
  char buf[400];
  std::to_chars_result r;
  if (d == std::trunc(d) && std::fabs(d) < 9.0e18) {
    r = std::to_chars(buf, buf + sizeof buf, static_cast<int64_t>(d));
  } else {
    r = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::fixed);
  }
  out.append(buf, r.ptr);
}

// Day `days` since 1960-01-01 as YYYY-MM-DD; the number itself when no such date exists (the
// date parser then rejects it, as a CSV date out of range).
// YYYY-MM-DD of the SAS days 0 to 65535 (1960-2139), each made once: an extract's dates repeat
// (every line of a claim, every claim of a day), and making one was a tenth of a SAS ingest.
class DayTexts {
 public:
  bool append(std::string& out, double days) {
    if (!(days >= 0 && days < kDays)) return false;
    const auto i = static_cast<size_t>(days);  // the floor, days being >= 0
    if (text_.empty()) text_.assign(kDays * 10, '\0');
    char* t = &text_[i * 10];
    if (t[0] == '\0') {
      write_iso_date(t, civil_from_days(kSasEpoch + static_cast<Date>(i)));
    }
    out.append(t, 10);
    return true;
  }

 private:
  static constexpr size_t kDays = 65536;
  std::string text_;
};

void append_sas_day(std::string& out, double days, double raw, DayTexts& cache) {
  if (cache.append(out, days)) return;
  if (!std::isfinite(days) || std::fabs(days) > 3.0e6) return append_number(out, raw);
  const CivilDate c = civil_from_days(kSasEpoch + static_cast<Date>(std::floor(days)));
  if (c.year < 1 || c.year > 9999) return append_number(out, raw);
  // By hand: snprintf was a tenth of a SAS ingest's CPU time.
  char buf[10];
  write_iso_date(buf, c);
  out.append(buf, sizeof buf);
}

// Reads readstat_value_t's public fields directly: the accessor functions cost a call into the
// library each, several per value.
void append_cell(std::string& out, SasCell kind, const readstat_value_t& value, DayTexts& days) {
  if (value.type == READSTAT_TYPE_STRING) {
    if (value.v.string_value) out.append(value.v.string_value);
    return;
  }
  // System and special (.A-.Z) missing values alike (NaNs in the file): an empty field, missing
  // as in CSV.
  if (value.is_system_missing || value.is_tagged_missing) return;
  double d;
  switch (value.type) {
    case READSTAT_TYPE_DOUBLE:
      d = value.v.double_value;
      break;
    case READSTAT_TYPE_FLOAT:
      d = static_cast<double>(value.v.float_value);
      break;
    default:
      d = readstat_double_value(value);
  }
  if (std::isnan(d)) return;
  switch (kind) {
    case SasCell::kDays:
      return append_sas_day(out, d, d, days);
    case SasCell::kSeconds:
      return append_sas_day(out, d / 86400.0, d, days);
    case SasCell::kText:
    case SasCell::kNumber:
      return append_number(out, d);
  }
}

std::string readstat_failure(std::string_view path, readstat_error_t e) {
  return fmt::format("{}: cannot be read as a SAS table: {}", path, readstat_error_message(e));
}

// ReadStat's error handler messages can quote a data value (a string it could not convert):
// they are never shown; only the error code's generic message is.
void ignore_error(const char*, void*) {}

struct InfoCtx {
  SasTableInfo info;
  int expected = -1;
  bool rows_known = false;
};

int on_metadata(readstat_metadata_t* m, void* ctx) {
  auto& c = *static_cast<InfoCtx*>(ctx);
  const int rows = readstat_get_row_count(m);
  c.rows_known = rows >= 0;
  c.info.rows = rows > 0 ? static_cast<uint64_t>(rows) : 0;
  c.expected = readstat_get_var_count(m);
  if (const char* e = readstat_get_file_encoding(m)) c.info.encoding = e;
  return c.expected == 0 ? READSTAT_HANDLER_ABORT : READSTAT_HANDLER_OK;
}

int on_variable(int, readstat_variable_t* v, const char*, void* ctx) {
  auto& c = *static_cast<InfoCtx*>(ctx);
  SasVariable var;
  var.name = readstat_variable_get_name(v);
  var.numeric = readstat_variable_get_type(v) != READSTAT_TYPE_STRING;
  if (const char* f = readstat_variable_get_format(v)) var.format = f;
  c.info.variables.push_back(std::move(var));
  // The rows are not wanted: stop once the last variable is known.
  return static_cast<int>(c.info.variables.size()) == c.expected ? READSTAT_HANDLER_ABORT
                                                                 : READSTAT_HANDLER_OK;
}

bool is_datetime_format(std::string_view f) {
  for (std::string_view p :
       {"DATETIME", "DATEAMPM", "DTDATE", "DTMONYY", "DTWKDATX", "DTYEAR", "DTYYQC", "E8601DT",
        "B8601DT", "E8601DZ", "B8601DZ", "IS8601DT", "NLDATM", "MDYAMPM"})
    if (f == p) return true;
  return false;
}

bool is_date_format(std::string_view f) {
  for (std::string_view p :
       {"DATE", "E8601DA", "B8601DA", "IS8601DA", "WEEKDATE", "WEEKDATX", "WORDDATE", "WORDDATX",
        "MONYY", "YYMON", "JULIAN", "NLDATE", "MINGUO", "NENGO"})
    if (f == p) return true;
  // DDMMYY, MMDDYY, YYMMDD, MMYY, YYMM, YYQ and EURDF* with their separator letters.
  for (std::string_view p : {"DDMMYY", "MMDDYY", "YYMMDD", "MMYY", "YYMM", "YYQ", "EURDF"})
    if (f.starts_with(p) && f.size() <= p.size() + 2) return true;
  return false;
}

}  // namespace

std::string_view sas_format_kind(std::string_view format) {
  // ReadStat spells a format as its name then its width ("DATE9", "DDMMYY10", "E8601DA10").
  std::string f = upper(format);
  while (!f.empty() && (std::isdigit(static_cast<unsigned char>(f.back())) || f.back() == '.'))
    f.pop_back();
  if (is_datetime_format(f)) return "datetime";
  if (is_date_format(f)) return "date";
  return "";
}

SasTableInfo read_sas_info(const std::string& path) {
  InfoCtx ctx;
  readstat_parser_t* parser = readstat_parser_init();
  readstat_set_metadata_handler(parser, on_metadata);
  readstat_set_variable_handler(parser, on_variable);
  readstat_set_error_handler(parser, ignore_error);
  const readstat_error_t e = readstat_parse_sas7bdat(parser, path.c_str(), &ctx);
  readstat_parser_free(parser);
  const bool complete =
      ctx.expected >= 0 && static_cast<int>(ctx.info.variables.size()) == ctx.expected;
  if (e != READSTAT_OK && !(e == READSTAT_ERROR_USER_ABORT && complete))
    throw data_error("{}", readstat_failure(path, e));
  if (ctx.info.variables.empty()) throw data_error("{}: the SAS table has no variables", path);
  // ReadStat 1.1.8 counts rows in an int: a table it cannot count would be read as empty.
  if (!ctx.rows_known)
    throw data_error(
        "{}: the SAS table does not say how many rows it holds, or holds more than 2^31 - 1 "
        "(ReadStat's limit): split it into several tables",
        path);
  std::error_code ec;
  ctx.info.file_bytes = std::filesystem::file_size(path, ec);
  if (ec) ctx.info.file_bytes = 0;
  return ctx.info;
}

HeaderMap sas_header_map(const TableSpec& spec, const SasTableInfo& info,
                         std::string_view file_name, std::vector<std::string>* missing) {
  std::vector<std::string_view> names;
  for (const auto& v : info.variables) names.push_back(v.name);
  return make_header_map(spec, names, file_name, missing);
}

std::vector<SasCell> sas_cells(const SasTableInfo& info, const HeaderMap& header) {
  std::vector<SasCell> out;
  for (size_t f = 0; f < info.variables.size(); ++f) {
    const SasVariable& v = info.variables[f];
    if (!v.numeric) {
      out.push_back(SasCell::kText);
      continue;
    }
    const int c = f < header.field_column.size() ? header.field_column[f] : -1;
    const HeaderColumn* col = c < 0 ? nullptr : &header.columns[static_cast<size_t>(c)];
    if (col && (col->type == ColumnType::kInt64 || col->type == ColumnType::kDecimal)) {
      out.push_back(SasCell::kNumber);  // a count or code, whatever format it is shown with
      continue;
    }
    const std::string_view kind = sas_format_kind(v.format);
    if (kind == "datetime") {
      out.push_back(SasCell::kSeconds);
    } else if (kind == "date") {
      out.push_back(SasCell::kDays);
    } else if (col && col->type == ColumnType::kDate) {
      // No date format: the schema's type says what the number counts.
      const ColumnSpec* spec = header.spec ? find_column(*header.spec, col->name) : nullptr;
      const bool datetime = spec && spec->schema_type.starts_with("datetime");
      out.push_back(datetime ? SasCell::kSeconds : SasCell::kDays);
    } else {
      out.push_back(SasCell::kNumber);
    }
  }
  return out;
}

// ---- SasRowReader ----------------------------------------------------------------------------

struct SasRowReader::State {
  std::string path;
  std::vector<SasCell> cells;
  uint64_t first = 0, last = 0;
  size_t block_rows = 1;

  std::mutex mu;
  std::condition_variable cv;
  std::deque<SasBlock> ready;
  bool done = false;
  bool stop = false;
  std::exception_ptr error;
  std::thread thread;

  SasBlock filling;
  uint64_t rows_read = 0;
  DayTexts days;
  // The file as ReadStat reads it: CRC32 of its first `crc_pos` bytes, grown by every read that
  // continues the checksummed prefix (ReadStat reads the pages in order, after a few seeks).
  int fd = -1;
  uint64_t pos = 0;
  uint64_t crc_pos = 0;
  uint32_t crc = 0;
  uint64_t size = 0;
  bool checksum = true;

  void feed(const char* buf, uint64_t at, uint64_t n) {
    if (!checksum || at > crc_pos || at + n <= crc_pos) return;
    const uint64_t skip = crc_pos - at;
    crc = static_cast<uint32_t>(
        crc32(crc, reinterpret_cast<const Bytef*>(buf + skip), static_cast<uInt>(n - skip)));
    crc_pos = at + n;
  }

  // Hands the filled block over; false when the reader is being stopped.
  bool hand_over() {
    std::unique_lock lock(mu);
    cv.wait(lock, [&] { return stop || ready.size() < kReadyBlocks; });
    if (stop) return false;
    filling.file_bytes = pos;
    const uint64_t next_row = filling.first_row + filling.rows;
    const size_t text_bytes = filling.text.size(), cells_count = filling.ends.size();
    ready.push_back(std::move(filling));
    filling = SasBlock{};
    filling.first_row = next_row;
    filling.columns = cells.size();
    // The next block about as large as this one: no regrowth copies.
    filling.text.reserve(text_bytes + text_bytes / 8);
    filling.ends.reserve(cells_count);
    cv.notify_all();
    return true;
  }

  void run();
};

namespace {

int io_open(const char* path, void* ctx) {
  auto& s = *static_cast<SasRowReader::State*>(ctx);
  s.fd = ::open(path, O_RDONLY | O_CLOEXEC);
  s.pos = 0;
  return s.fd;
}

int io_close(void* ctx) {
  auto& s = *static_cast<SasRowReader::State*>(ctx);
  const int r = s.fd >= 0 ? ::close(s.fd) : 0;
  s.fd = -1;
  return r;
}

readstat_off_t io_seek(readstat_off_t offset, readstat_io_flags_t whence, void* ctx) {
  auto& s = *static_cast<SasRowReader::State*>(ctx);
  const int w = whence == READSTAT_SEEK_SET   ? SEEK_SET
                : whence == READSTAT_SEEK_CUR ? SEEK_CUR
                                              : SEEK_END;
  const off_t r = ::lseek(s.fd, offset, w);
  if (r >= 0) s.pos = static_cast<uint64_t>(r);
  return r;
}

ssize_t io_read(void* buf, size_t n, void* ctx) {
  auto& s = *static_cast<SasRowReader::State*>(ctx);
  size_t done = 0;
  while (done < n) {
    const ssize_t r = ::read(s.fd, static_cast<char*>(buf) + done, n - done);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return done > 0 ? static_cast<ssize_t>(done) : r;
    if (r == 0) break;
    done += static_cast<size_t>(r);
  }
  s.feed(static_cast<const char*>(buf), s.pos, done);
  s.pos += done;
  return static_cast<ssize_t>(done);
}

readstat_error_t io_update(long, readstat_progress_handler, void*, void*) {
  return READSTAT_OK;
}

int on_row_value(int, readstat_variable_t* variable, readstat_value_t value, void* ctx) {
  auto& s = *static_cast<SasRowReader::State*>(ctx);
  const auto col = static_cast<size_t>(variable->index);
  SasBlock& b = s.filling;
  append_cell(b.text, col < s.cells.size() ? s.cells[col] : SasCell::kText, value, s.days);
  b.ends.push_back(static_cast<uint32_t>(b.text.size()));
  if (col + 1 == s.cells.size()) {
    ++b.rows;
    ++s.rows_read;
    if (b.rows == s.block_rows || b.text.size() > (size_t{1} << 31)) {
      if (!s.hand_over()) return READSTAT_HANDLER_ABORT;
    }
  }
  return READSTAT_HANDLER_OK;
}

}  // namespace

void SasRowReader::State::run() {
  try {
    filling.first_row = first;
    filling.columns = cells.size();
    if (last > first) {
      readstat_parser_t* parser = readstat_parser_init();
      readstat_set_value_handler(parser, on_row_value);
      readstat_set_error_handler(parser, ignore_error);
      readstat_set_open_handler(parser, io_open);
      readstat_set_close_handler(parser, io_close);
      readstat_set_seek_handler(parser, io_seek);
      readstat_set_read_handler(parser, io_read);
      readstat_set_update_handler(parser, io_update);
      readstat_set_io_ctx(parser, this);
      readstat_set_row_offset(parser, static_cast<long>(first));
      readstat_set_row_limit(parser, static_cast<long>(last - first));
      const readstat_error_t e = readstat_parse_sas7bdat(parser, path.c_str(), this);
      readstat_parser_free(parser);
      {
        std::lock_guard lock(mu);
        if (stop) return;
      }
      if (e != READSTAT_OK)
        throw data_error("{} (at data row {})", readstat_failure(path, e), first + rows_read + 1);
      if (rows_read != last - first)
        throw data_error("{}: {} rows read where the SAS table announces {}", path,
                         first + rows_read, last);
    }
    if (filling.rows > 0 && !hand_over()) return;
    if (checksum) {
      // The rest of the file for its checksum (the trailing pages ReadStat did not need).
      const int fd2 = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
      if (fd2 < 0) throw data_error("{}: cannot be read", path);
      std::string buf(size_t{1} << 20, '\0');
      for (;;) {
        const ssize_t r = ::pread(fd2, buf.data(), buf.size(), static_cast<off_t>(crc_pos));
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) break;
        feed(buf.data(), crc_pos, static_cast<uint64_t>(r));
      }
      ::close(fd2);
      size = crc_pos;
    }
  } catch (...) {
    std::lock_guard lock(mu);
    error = std::current_exception();
  }
  std::lock_guard lock(mu);
  done = true;
  cv.notify_all();
}

SasRowReader::SasRowReader(std::string path, std::vector<SasCell> cells, uint64_t first,
                           uint64_t last, size_t block_rows, bool checksum)
    : state_(std::make_unique<State>()) {
  State& s = *state_;
  s.checksum = checksum;
  s.path = std::move(path);
  s.cells = std::move(cells);
  s.first = first;
  s.last = std::max(first, last);
  s.block_rows = std::max<size_t>(1, block_rows);
  s.crc = static_cast<uint32_t>(crc32(0L, Z_NULL, 0));
  s.thread = std::thread([&s] { s.run(); });
}

SasRowReader::~SasRowReader() {
  {
    std::lock_guard lock(state_->mu);
    state_->stop = true;
    state_->cv.notify_all();
  }
  state_->thread.join();
}

bool SasRowReader::next(SasBlock& out) {
  State& s = *state_;
  std::unique_lock lock(s.mu);
  s.cv.wait(lock, [&] { return s.done || !s.ready.empty(); });
  if (!s.ready.empty()) {
    out = std::move(s.ready.front());
    s.ready.pop_front();
    s.cv.notify_all();
    return true;
  }
  if (s.error) std::rethrow_exception(s.error);
  return false;
}

uint32_t SasRowReader::file_crc32() const {
  return state_->crc;
}

uint64_t SasRowReader::file_bytes() const {
  return state_->size;
}

ParseResult parse_sas_block(const HeaderMap& header, const SasBlock& block, uint32_t file_index,
                            std::string_view file_name) {
  if (file_index >= (1u << (64 - kOrderBits)))
    throw internal_error("file index {} is over the source-order limit", file_index);
  if (block.first_row + block.rows >= (uint64_t{1} << kOrderBits))
    throw data_error("{}: SAS tables over 2^40 rows are not supported", file_name);
  if (block.columns != header.field_count())
    throw internal_error("{}: a SAS block of {} columns for a header of {}", file_name,
                         block.columns, header.field_count());
  ParseResult res;
  RecordTyper typer(header, res, block.rows);
  res.source_order.reserve(block.rows);
  const uint64_t order_base = uint64_t{file_index} << kOrderBits;
  std::vector<std::string_view> fields(block.columns);
  std::string reason;
  for (size_t r = 0; r < block.rows; ++r) {
    for (size_t c = 0; c < block.columns; ++c) fields[c] = block.cell(r, c);
    ++res.rows_read;
    const uint64_t row = block.first_row + r;
    if (typer.add(fields, reason)) {
      res.source_order.push_back(order_base | row);
      continue;
    }
    Reject j;
    j.file = std::string(file_name);
    j.line = row + 1;
    j.reason = std::move(reason);
    for (size_t c = 0; c < block.columns; ++c) {
      if (c > 0) j.raw += ';';
      j.raw += fields[c];
    }
    if (j.raw.size() > kMaxRejectRawBytes) j.raw.resize(kMaxRejectRawBytes);
    res.rejects.push_back(std::move(j));
  }
  return res;
}

ParseResult parse_sas_file(const TableSpec& spec, const std::string& path, uint32_t file_index) {
  const SasTableInfo info = read_sas_info(path);
  const HeaderMap header = sas_header_map(spec, info, path);
  SasRowReader reader(path, sas_cells(info, header), 0, info.rows, 1 << 16);
  ParseResult all;
  all.rows = header.empty_batch();
  SasBlock b;
  while (reader.next(b)) {
    ParseResult part = parse_sas_block(header, b, file_index, path);
    all.rows.append(part.rows);
    all.rejects.insert(all.rejects.end(), part.rejects.begin(), part.rejects.end());
    all.rows_read += part.rows_read;
    all.invalid_utf8_values += part.invalid_utf8_values;
    all.source_order.insert(all.source_order.end(), part.source_order.begin(),
                            part.source_order.end());
  }
  return all;
}

}  // namespace snds
