// One gzip member built from independently compressed chunks, as pigz does: each chunk is raw
// deflate ending on a sync flush (byte-aligned, not final), so threads compress chunks in parallel
// and the writer concatenates them in order, then closes the member with an empty final block,
// the combined CRC-32 and the length. Any gzip reader sees one ordinary member.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <zlib.h>

namespace snds::synth {

class ChunkDeflater {
 public:
  explicit ChunkDeflater(int level = 1);
  ~ChunkDeflater();
  ChunkDeflater(const ChunkDeflater&) = delete;
  ChunkDeflater& operator=(const ChunkDeflater&) = delete;

  // Compresses `in` into `out` (replaced); returns the CRC-32 of `in`.
  uint32_t deflate(std::string_view in, std::string& out);

 private:
  z_stream stream_{};
};

class GzipMember {
 public:
  // The 10-byte gzip header.
  static std::string header();
  // Accounts for a chunk written after the previous ones.
  void add(uint32_t crc, uint64_t length);
  // The empty final deflate block, then CRC-32 and length (mod 2^32), little-endian.
  std::string trailer() const;

 private:
  uint32_t crc_ = 0;
  uint64_t length_ = 0;
};

}  // namespace snds::synth
