// ReadStat's writer behind SasTableWriter (see sas_writer.hpp).
#include "core/sas/sas_writer.hpp"

#include <fcntl.h>
#include <readstat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/error.hpp"

namespace snds {

struct SasTableWriter::State {
  std::string path;
  int fd = -1;
  int write_errno = 0;
  readstat_writer_t* writer = nullptr;
  std::vector<readstat_variable_t*> variables;
  std::vector<size_t> widths;
  std::string scratch;
  bool finished = false;

  void check(readstat_error_t e) const {
    if (e != READSTAT_OK)
      throw data_error("{}: cannot write the SAS table: {}", path,
                       write_errno ? std::strerror(write_errno) : readstat_error_message(e));
  }
};

namespace {

ssize_t write_bytes(const void* data, size_t len, void* ctx) {
  auto& s = *static_cast<SasTableWriter::State*>(ctx);
  size_t done = 0;
  while (done < len) {
    const ssize_t n = ::write(s.fd, static_cast<const char*>(data) + done, len - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      s.write_errno = errno;
      return -1;
    }
    done += static_cast<size_t>(n);
  }
  return static_cast<ssize_t>(len);
}

}  // namespace

SasTableWriter::SasTableWriter(const std::string& path, std::vector<SasWriteColumn> columns,
                               uint64_t rows, bool compress_rows)
    : state_(std::make_unique<State>()) {
  State& s = *state_;
  s.path = path;
  s.fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (s.fd < 0) throw data_error("{}: cannot write: {}", path, std::strerror(errno));
  s.writer = readstat_writer_init();
  readstat_set_data_writer(s.writer, write_bytes);
  if (compress_rows) s.check(readstat_writer_set_compression(s.writer, READSTAT_COMPRESS_ROWS));
  for (const auto& c : columns) {
    const size_t width = c.numeric ? 8 : std::max<size_t>(1, c.width);
    readstat_variable_t* v = readstat_add_variable(
        s.writer, c.name.c_str(), c.numeric ? READSTAT_TYPE_DOUBLE : READSTAT_TYPE_STRING, width);
    if (!c.format.empty()) readstat_variable_set_format(v, c.format.c_str());
    s.variables.push_back(v);
    s.widths.push_back(c.numeric ? 0 : width);
  }
  s.check(readstat_begin_writing_sas7bdat(s.writer, &s, static_cast<long>(rows)));
}

SasTableWriter::~SasTableWriter() {
  State& s = *state_;
  if (s.writer) readstat_writer_free(s.writer);
  if (s.fd >= 0) ::close(s.fd);
  if (!s.finished) ::unlink(s.path.c_str());
}

void SasTableWriter::begin_row() {
  state_->check(readstat_begin_row(state_->writer));
}

void SasTableWriter::number(size_t column, double value) {
  state_->check(readstat_insert_double_value(state_->writer, state_->variables[column], value));
}

void SasTableWriter::string(size_t column, std::string_view value) {
  State& s = *state_;
  if (value.size() > s.widths[column])
    throw internal_error("{}: a value of {} bytes in column {} of width {}", s.path, value.size(),
                         column, s.widths[column]);
  s.scratch.assign(value);
  s.check(readstat_insert_string_value(s.writer, s.variables[column], s.scratch.c_str()));
}

void SasTableWriter::missing(size_t column) {
  state_->check(readstat_insert_missing_value(state_->writer, state_->variables[column]));
}

void SasTableWriter::end_row() {
  state_->check(readstat_end_row(state_->writer));
}

void SasTableWriter::finish() {
  State& s = *state_;
  s.check(readstat_end_writing(s.writer));
  if (::close(s.fd) != 0) {
    s.fd = -1;
    throw data_error("{}: cannot write: {}", s.path, std::strerror(errno));
  }
  s.fd = -1;
  s.finished = true;
}

}  // namespace snds
