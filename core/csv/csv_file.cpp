// File reading for the CSV layer: POSIX reads for plain files, DecompressStream for compressed
// ones.
#include "core/csv/csv_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <vector>

#include "core/csv/decompress.hpp"
#include "core/error.hpp"

namespace snds {
namespace {

class Fd {
 public:
  explicit Fd(const std::string& path) : fd_(::open(path.c_str(), O_RDONLY | O_CLOEXEC)) {
    if (fd_ < 0) throw data_error("{}: cannot open ({})", path, std::strerror(errno));
  }
  ~Fd() { ::close(fd_); }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

uint64_t file_size_of(const Fd& fd, const std::string& path) {
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0)
    throw data_error("{}: cannot stat ({})", path, std::strerror(errno));
  return static_cast<uint64_t>(st.st_size);
}

// Reads up to `n` bytes at `offset` into `out`; returns the count (short only at end of file).
size_t pread_full(const Fd& fd, const std::string& path, char* out, size_t n, uint64_t offset) {
  size_t done = 0;
  while (done < n) {
    const ssize_t r = ::pread(fd.get(), out + done, n - done, static_cast<off_t>(offset + done));
    if (r < 0) {
      if (errno == EINTR) continue;
      throw data_error("{}: read failed ({})", path, std::strerror(errno));
    }
    if (r == 0) break;
    done += static_cast<size_t>(r);
  }
  return done;
}

std::string read_whole_stream(const std::string& path, InputCompression format,
                              uint32_t* content_crc = nullptr) {
  DecompressStream in(path, format);
  std::string out(size_t{1} << 20, '\0');
  size_t n = 0;
  for (;;) {
    if (n == out.size()) out.resize(out.size() * 2);
    const size_t got = in.read(out.data() + n, out.size() - n);
    if (got == 0) break;
    n += got;
  }
  out.resize(n);
  if (content_crc != nullptr) *content_crc = in.content_crc32();
  return out;
}

}  // namespace

bool is_gzip_path(std::string_view path) {
  if (path.size() < 3) return false;
  const std::string_view ext = path.substr(path.size() - 3);
  return ext[0] == '.' && (ext[1] == 'g' || ext[1] == 'G') && (ext[2] == 'z' || ext[2] == 'Z');
}

std::string read_file_range(const std::string& path, uint64_t offset, uint64_t length) {
  Fd fd(path);
  const uint64_t size = file_size_of(fd, path);
  if (offset >= size) return {};
  std::string out(static_cast<size_t>(std::min(length, size - offset)), '\0');
  out.resize(pread_full(fd, path, out.data(), out.size(), offset));
  return out;
}

std::string read_gzip_file(const std::string& path, uint32_t* content_crc) {
  return read_whole_stream(path, InputCompression::kGzip, content_crc);
}

std::string read_csv_file(const std::string& path) {
  if (const InputCompression c = input_compression_of(path); c != InputCompression::kNone)
    return read_whole_stream(path, c);
  Fd fd(path);
  const uint64_t size = file_size_of(fd, path);
  std::string out(static_cast<size_t>(size), '\0');
  out.resize(pread_full(fd, path, out.data(), out.size(), 0));
  return out;
}

}  // namespace snds
