// File reading for the CSV layer: POSIX reads for plain files, zlib's inflate (not the gz* API,
// which passes non-gzip bytes through and reports truncation only on close) for gzip files.
#include "core/csv/csv_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <vector>

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
  Fd fd(path);
  const uint64_t in_size = file_size_of(fd, path);
  if (in_size == 0) throw data_error("{}: not a gzip file (it is empty)", path);
  constexpr size_t kChunk = size_t{1} << 20;
  std::vector<unsigned char> in(kChunk);
  std::string out;
  out.resize(static_cast<size_t>(std::max<uint64_t>(in_size * 4, kChunk)));
  size_t produced = 0;

  z_stream z{};
  if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK) throw internal_error("zlib inflateInit2 failed");
  struct Guard {
    z_stream* z;
    ~Guard() { inflateEnd(z); }
  } guard{&z};

  uint64_t read_at = 0;
  bool eof = false;
  bool between_members = false;  // a member just ended: next comes another member, zeros or EOF
  int members = 0;
  uLong crc = crc32(0L, Z_NULL, 0);
  for (;;) {
    if (z.avail_in == 0 && !eof) {
      const size_t n = pread_full(fd, path, reinterpret_cast<char*>(in.data()), in.size(), read_at);
      read_at += n;
      eof = n < in.size();
      z.next_in = in.data();
      z.avail_in = static_cast<uInt>(n);
    }
    if (between_members) {
      while (z.avail_in > 0 && *z.next_in == 0) ++z.next_in, --z.avail_in;  // padding
      if (z.avail_in == 0) {
        if (eof) break;
        continue;
      }
      if (inflateReset(&z) != Z_OK) throw internal_error("zlib inflateReset failed");
      between_members = false;
    }
    if (produced == out.size()) out.resize(out.size() * 2);
    z.next_out = reinterpret_cast<Bytef*>(out.data() + produced);
    z.avail_out = static_cast<uInt>(std::min<size_t>(out.size() - produced, 1u << 30));
    const uInt before = z.avail_out;
    const int rc = inflate(&z, Z_NO_FLUSH);
    produced += before - z.avail_out;
    if (rc == Z_STREAM_END) {
      ++members;
      // After a gzip member's end, z.adler is its content's CRC32 (checked against the trailer).
      crc = crc32_combine(crc, z.adler, static_cast<z_off_t>(z.total_out));
      between_members = true;
      if (z.avail_in == 0 && eof) break;
    } else if (rc == Z_BUF_ERROR) {
      if (z.avail_in == 0 && eof)
        throw data_error("{}: truncated gzip file (it ends inside compressed data)", path);
    } else if (rc != Z_OK) {
      if (members == 0 && produced == 0 && rc == Z_DATA_ERROR && z.msg != nullptr &&
          std::strcmp(z.msg, "incorrect header check") == 0)
        throw data_error("{}: not a gzip file", path);
      throw data_error("{}: corrupt gzip data ({})", path, z.msg != nullptr ? z.msg : "zlib error");
    } else if (z.avail_in == 0 && eof && z.avail_out != 0) {
      throw data_error("{}: truncated gzip file (it ends inside compressed data)", path);
    }
  }
  if (members == 0) throw data_error("{}: not a gzip file (no gzip member)", path);
  out.resize(produced);
  if (content_crc) *content_crc = static_cast<uint32_t>(crc);
  return out;
}

std::string read_csv_file(const std::string& path) {
  if (is_gzip_path(path)) return read_gzip_file(path);
  Fd fd(path);
  const uint64_t size = file_size_of(fd, path);
  std::string out(static_cast<size_t>(size), '\0');
  out.resize(pread_full(fd, path, out.data(), out.size(), 0));
  return out;
}

}  // namespace snds
