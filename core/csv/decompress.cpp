// The three decoders behind DecompressStream. Each reads the file sequentially through one 1 MB
// input buffer (CRC-32 taken as the bytes arrive) and decodes into the caller's buffer, so a
// stream holds about 1 MB plus the codec's own state (32 KB window for zlib, up to 8 MB for
// zstd's largest standard window, about 3.6 MB for bzip2) whatever the file size.
// gzip uses zlib's inflate, not the gz* API, which passes non-gzip bytes through and reports
// truncation only on close.
#include "core/csv/decompress.hpp"

#include <bzlib.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>
#include <zstd_errors.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <vector>

#include "core/error.hpp"

namespace snds {

namespace {

bool ends_with_nocase(std::string_view s, std::string_view suffix) {
  if (s.size() < suffix.size()) return false;
  s.remove_prefix(s.size() - suffix.size());
  for (size_t i = 0; i < s.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(s[i])) != suffix[i]) return false;
  return true;
}

}  // namespace

InputCompression input_compression_of(std::string_view path) {
  if (ends_with_nocase(path, ".gz")) return InputCompression::kGzip;
  if (ends_with_nocase(path, ".zst")) return InputCompression::kZstd;
  if (ends_with_nocase(path, ".bz2")) return InputCompression::kBzip2;
  return InputCompression::kNone;
}

const char* input_compression_name(InputCompression c) {
  switch (c) {
    case InputCompression::kGzip:
      return "gzip";
    case InputCompression::kZstd:
      return "zstd";
    case InputCompression::kBzip2:
      return "bzip2";
    case InputCompression::kNone:
      break;
  }
  return "plain";
}

// The file side, shared by every format: sequential reads into `in_`, CRC-32 of what was read.
class DecompressStream::Decoder {
 public:
  explicit Decoder(const std::string& path)
      : path_(path), fd_(::open(path.c_str(), O_RDONLY | O_CLOEXEC)) {
    if (fd_ < 0) throw data_error("{}: cannot open ({})", path, std::strerror(errno));
    struct stat st {};
    if (::fstat(fd_, &st) != 0) {
      const int e = errno;
      ::close(fd_);
      throw data_error("{}: cannot stat ({})", path, std::strerror(e));
    }
    size_ = static_cast<uint64_t>(st.st_size);
    ::posix_fadvise(fd_, 0, 0, POSIX_FADV_SEQUENTIAL);
  }
  virtual ~Decoder() { ::close(fd_); }
  Decoder(const Decoder&) = delete;
  Decoder& operator=(const Decoder&) = delete;

  virtual size_t decode(char* out, size_t n) = 0;

  uint64_t file_bytes_read() const { return file_read_; }
  uint32_t crc() const { return crc_; }
  uint64_t out_bytes = 0;
  // The CRC-32 of the output: gzip keeps it from its members' checks (tracks_content_crc);
  // DecompressStream::read computes it for the others.
  uint32_t content_crc = static_cast<uint32_t>(crc32(0L, Z_NULL, 0));
  bool tracks_content_crc = false;

 protected:
  // Next piece of the file into `in_` (only when the previous one is consumed); false at EOF.
  bool refill() {
    if (eof_) return false;
    in_.resize(kInBytes);
    size_t done = 0;
    while (done < in_.size()) {
      const ssize_t r = ::read(fd_, in_.data() + done, in_.size() - done);
      if (r < 0) {
        if (errno == EINTR) continue;
        throw data_error("{}: read failed ({})", path_, std::strerror(errno));
      }
      if (r == 0) {
        eof_ = true;
        break;
      }
      done += static_cast<size_t>(r);
    }
    in_.resize(done);
    crc_ = static_cast<uint32_t>(crc32(crc_, in_.data(), static_cast<uInt>(done)));
    file_read_ += done;
    return done > 0;
  }

  static constexpr size_t kInBytes = size_t{1} << 20;
  std::string path_;
  int fd_;
  uint64_t size_ = 0;
  std::vector<unsigned char> in_;
  bool eof_ = false;

 private:
  uint64_t file_read_ = 0;
  uint32_t crc_ = static_cast<uint32_t>(crc32(0L, Z_NULL, 0));
};

namespace {

class PlainDecoder final : public DecompressStream::Decoder {
 public:
  using Decoder::Decoder;
  size_t decode(char* out, size_t n) override {
    size_t done = 0;
    while (done < n) {
      if (pos_ == in_.size()) {
        if (!refill()) break;
        pos_ = 0;
      }
      const size_t k = std::min(n - done, in_.size() - pos_);
      std::memcpy(out + done, in_.data() + pos_, k);
      pos_ += k;
      done += k;
    }
    out_bytes += done;
    return done;
  }

 private:
  size_t pos_ = 0;
};

class GzipDecoder final : public DecompressStream::Decoder {
 public:
  explicit GzipDecoder(const std::string& path) : Decoder(path) {
    if (size_ == 0) throw data_error("{}: not a gzip file (it is empty)", path);
    if (inflateInit2(&z_, 16 + MAX_WBITS) != Z_OK) throw internal_error("zlib inflateInit2 failed");
    tracks_content_crc = true;
  }
  ~GzipDecoder() override { inflateEnd(&z_); }

  size_t decode(char* out, size_t n) override {
    size_t produced = 0;
    while (produced < n && !done_) {
      if (z_.avail_in == 0 && refill()) {
        z_.next_in = in_.data();
        z_.avail_in = static_cast<uInt>(in_.size());
      }
      if (between_members_) {  // a member just ended: next comes another member, zeros or EOF
        while (z_.avail_in > 0 && *z_.next_in == 0) ++z_.next_in, --z_.avail_in;  // padding
        if (z_.avail_in == 0) {
          if (eof_) done_ = true;
          continue;
        }
        if (inflateReset(&z_) != Z_OK) throw internal_error("zlib inflateReset failed");
        between_members_ = false;
      }
      z_.next_out = reinterpret_cast<Bytef*>(out + produced);
      z_.avail_out = static_cast<uInt>(std::min<size_t>(n - produced, 1u << 30));
      const uInt before = z_.avail_out;
      const int rc = inflate(&z_, Z_NO_FLUSH);
      produced += before - z_.avail_out;
      out_bytes += before - z_.avail_out;
      if (rc == Z_STREAM_END) {
        ++members_;
        // At a member's end z.adler is its content's CRC-32 (checked against its trailer), and
        // total_out its length (inflateReset starts both over for the next member).
        content_crc = static_cast<uint32_t>(
            crc32_combine(content_crc, z_.adler, static_cast<z_off_t>(z_.total_out)));
        between_members_ = true;
        if (z_.avail_in == 0 && eof_) done_ = true;
      } else if (rc == Z_BUF_ERROR) {
        if (z_.avail_in == 0 && eof_) throw truncated();
      } else if (rc != Z_OK) {
        if (members_ == 0 && out_bytes == 0 && rc == Z_DATA_ERROR && z_.msg != nullptr &&
            std::strcmp(z_.msg, "incorrect header check") == 0)
          throw data_error("{}: not a gzip file", path_);
        throw data_error("{}: corrupt gzip data ({})", path_,
                         z_.msg != nullptr ? z_.msg : "zlib error");
      } else if (z_.avail_in == 0 && eof_ && z_.avail_out != 0) {
        throw truncated();
      }
    }
    if (done_ && members_ == 0) throw data_error("{}: not a gzip file (no gzip member)", path_);
    return produced;
  }

 private:
  Error truncated() const {
    return data_error("{}: truncated gzip file (it ends inside compressed data)", path_);
  }
  z_stream z_{};
  bool between_members_ = false;
  bool done_ = false;
  int members_ = 0;
};

class ZstdDecoder final : public DecompressStream::Decoder {
 public:
  explicit ZstdDecoder(const std::string& path) : Decoder(path), dctx_(ZSTD_createDCtx()) {
    if (size_ == 0) throw data_error("{}: not a zstd file (it is empty)", path);
    if (dctx_ == nullptr) throw internal_error("ZSTD_createDCtx failed");
  }
  ~ZstdDecoder() override { ZSTD_freeDCtx(dctx_); }

  size_t decode(char* out, size_t n) override {
    ZSTD_outBuffer ob{out, n, 0};
    while (ob.pos < n && !done_) {
      if (ib_.pos == ib_.size && refill()) ib_ = ZSTD_inBuffer{in_.data(), in_.size(), 0};
      const bool input_over = ib_.pos == ib_.size && eof_;
      if (input_over && !in_frame_) {  // frames end exactly where the file does
        done_ = true;
        break;
      }
      const size_t before = ob.pos;
      const size_t hint = ZSTD_decompressStream(dctx_, &ob, &ib_);
      if (ZSTD_isError(hint)) {
        if (frames_ == 0 && out_bytes + (ob.pos - before) == 0 &&
            ZSTD_getErrorCode(hint) == ZSTD_error_prefix_unknown)
          throw data_error("{}: not a zstd file", path_);
        throw data_error("{}: corrupt zstd data ({})", path_, ZSTD_getErrorName(hint));
      }
      out_bytes += ob.pos - before;
      // 0: a frame just ended (the next call starts a new one); else inside a frame.
      in_frame_ = hint != 0;
      if (hint == 0) ++frames_;
      // No input left and nothing more came out of the frame's buffers: the file was cut.
      if (input_over && in_frame_ && ob.pos == before)
        throw data_error("{}: truncated zstd file (it ends inside a frame)", path_);
    }
    return ob.pos;
  }

 private:
  ZSTD_DCtx* dctx_;
  ZSTD_inBuffer ib_{nullptr, 0, 0};
  bool in_frame_ = false;
  bool done_ = false;
  int frames_ = 0;
};

class Bzip2Decoder final : public DecompressStream::Decoder {
 public:
  explicit Bzip2Decoder(const std::string& path) : Decoder(path) {
    if (size_ == 0) throw data_error("{}: not a bzip2 file (it is empty)", path);
    init();
  }
  ~Bzip2Decoder() override { BZ2_bzDecompressEnd(&bz_); }

  size_t decode(char* out, size_t n) override {
    size_t produced = 0;
    while (produced < n && !done_) {
      if (bz_.avail_in == 0 && refill()) {
        bz_.next_in = reinterpret_cast<char*>(in_.data());
        bz_.avail_in = static_cast<unsigned>(in_.size());
      }
      if (between_streams_) {  // pbzip2 and `cat` give several streams one after the other
        if (bz_.avail_in == 0) {
          if (eof_) done_ = true;
          continue;
        }
        BZ2_bzDecompressEnd(&bz_);
        char* next = bz_.next_in;
        const unsigned avail = bz_.avail_in;
        init();
        bz_.next_in = next;
        bz_.avail_in = avail;
        between_streams_ = false;
      }
      bz_.next_out = out + produced;
      bz_.avail_out = static_cast<unsigned>(std::min<size_t>(n - produced, 1u << 30));
      const unsigned before = bz_.avail_out;
      const int rc = BZ2_bzDecompress(&bz_);
      produced += before - bz_.avail_out;
      out_bytes += before - bz_.avail_out;
      // No input left and nothing more came out of libbz2's block buffer: the file was cut.
      if (rc == BZ_OK && bz_.avail_in == 0 && eof_ && bz_.avail_out == before)
        throw data_error("{}: truncated bzip2 file (it ends inside compressed data)", path_);
      if (rc == BZ_STREAM_END) {
        ++streams_;
        between_streams_ = true;
      } else if (rc == BZ_DATA_ERROR_MAGIC && streams_ == 0) {
        throw data_error("{}: not a bzip2 file", path_);
      } else if (rc == BZ_DATA_ERROR_MAGIC) {
        done_ = true;  // trailing garbage after whole streams: bzip2 -d warns and ignores it too
      } else if (rc != BZ_OK) {
        throw data_error("{}: corrupt bzip2 data (libbz2 error {})", path_, rc);
      }
    }
    return produced;
  }

 private:
  void init() {
    bz_ = bz_stream{};
    if (BZ2_bzDecompressInit(&bz_, 0, 0) != BZ_OK)
      throw internal_error("libbz2 BZ2_bzDecompressInit failed");
  }
  bz_stream bz_{};
  bool between_streams_ = false;
  bool done_ = false;
  int streams_ = 0;
};

}  // namespace

DecompressStream::DecompressStream(const std::string& path, InputCompression format) {
  switch (format) {
    case InputCompression::kGzip:
      decoder_ = std::make_unique<GzipDecoder>(path);
      break;
    case InputCompression::kZstd:
      decoder_ = std::make_unique<ZstdDecoder>(path);
      break;
    case InputCompression::kBzip2:
      decoder_ = std::make_unique<Bzip2Decoder>(path);
      break;
    case InputCompression::kNone:
      decoder_ = std::make_unique<PlainDecoder>(path);
      break;
  }
}

DecompressStream::~DecompressStream() = default;

size_t DecompressStream::read(char* out, size_t n) {
  if (n == 0) return 0;
  const size_t got = decoder_->decode(out, n);
  if (!decoder_->tracks_content_crc)
    decoder_->content_crc = static_cast<uint32_t>(
        crc32(decoder_->content_crc, reinterpret_cast<const Bytef*>(out), static_cast<uInt>(got)));
  return got;
}

uint64_t DecompressStream::skip(uint64_t n) {
  std::vector<char> scratch(static_cast<size_t>(std::min<uint64_t>(n, uint64_t{1} << 16)));
  uint64_t done = 0;
  while (done < n) {
    const size_t got =
        read(scratch.data(), static_cast<size_t>(std::min<uint64_t>(n - done, scratch.size())));
    if (got == 0) break;
    done += got;
  }
  return done;
}

uint64_t DecompressStream::file_bytes_read() const {
  return decoder_->file_bytes_read();
}
uint32_t DecompressStream::file_crc32() const {
  return decoder_->crc();
}
uint64_t DecompressStream::bytes_out() const {
  return decoder_->out_bytes;
}
uint32_t DecompressStream::content_crc32() const {
  return decoder_->content_crc;
}

}  // namespace snds
