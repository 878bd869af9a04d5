// Streamed decompression of compressed input extracts (.csv.gz, .csv.zst, .csv.bz2): a file is
// inflated in pieces of the caller's size, never held whole, so a compressed extract costs no
// more memory than a plain one. Concatenated members/frames/streams (pigz, bgzip, `cat a.gz
// b.gz`, pzstd, pbzip2) are read one after the other; zero padding after the last gzip member is
// ignored. Every failure is a data_error naming the file: not that format, corrupt, truncated.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace snds {

enum class InputCompression { kNone, kGzip, kZstd, kBzip2 };

// By the file name's last extension, any case: ".gz", ".zst", ".bz2"; kNone otherwise.
InputCompression input_compression_of(std::string_view path);
// The format's name in messages: "gzip", "zstd", "bzip2", "plain".
const char* input_compression_name(InputCompression c);

class DecompressStream {
 public:
  // Opens `path`, decoded as `format` (kNone reads the bytes as they are). data_error when the
  // file cannot be opened or is empty (for a compressed format).
  DecompressStream(const std::string& path, InputCompression format);
  explicit DecompressStream(const std::string& path)
      : DecompressStream(path, input_compression_of(path)) {}
  ~DecompressStream();
  DecompressStream(const DecompressStream&) = delete;
  DecompressStream& operator=(const DecompressStream&) = delete;

  // Writes up to `n` decompressed bytes to `out` and returns how many: fewer than `n` only at the
  // end of the data, 0 once it is over. Throws data_error for bad data.
  size_t read(char* out, size_t n);
  // Reads until `n` bytes are skipped or the data ends; returns the count skipped.
  uint64_t skip(uint64_t n);

  // Bytes of the file (compressed) consumed so far, and their CRC-32: once read() returned 0,
  // the whole file's size and CRC as stored on disk.
  uint64_t file_bytes_read() const;
  uint32_t file_crc32() const;
  // Decompressed bytes returned so far, and their CRC-32 (the content's, for duplicate and
  // resume checks: gzip's comes free from each member's check, the others' is computed).
  uint64_t bytes_out() const;
  uint32_t content_crc32() const;

  // The decoder interface the formats implement (in decompress.cpp).
  class Decoder;

 private:
  std::unique_ptr<Decoder> decoder_;
};

}  // namespace snds
