// Chunked gzip with zlib (see gzip_chunks.hpp).
#include "synth/gzip_chunks.hpp"

#include "core/error.hpp"

namespace snds::synth {

ChunkDeflater::ChunkDeflater(int level) {
  // Negative window bits: raw deflate, no zlib or gzip wrapper (GzipMember writes the wrapper).
  if (deflateInit2(&stream_, level, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) != Z_OK)
    throw internal_error("generator: zlib deflateInit2 failed");
}

ChunkDeflater::~ChunkDeflater() {
  deflateEnd(&stream_);
}

uint32_t ChunkDeflater::deflate(std::string_view in, std::string& out) {
  deflateReset(&stream_);
  out.resize(deflateBound(&stream_, static_cast<uLong>(in.size())) + 64);
  stream_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  stream_.avail_in = static_cast<uInt>(in.size());
  size_t produced = 0;
  for (;;) {
    stream_.next_out = reinterpret_cast<Bytef*>(out.data() + produced);
    stream_.avail_out = static_cast<uInt>(out.size() - produced);
    const int rc = ::deflate(&stream_, Z_SYNC_FLUSH);
    if (rc != Z_OK && rc != Z_BUF_ERROR)
      throw internal_error("generator: zlib deflate failed ({})", rc);
    produced = out.size() - stream_.avail_out;
    if (stream_.avail_in == 0 && stream_.avail_out > 0) break;
    out.resize(out.size() * 2);
  }
  out.resize(produced);
  return static_cast<uint32_t>(
      crc32(0L, reinterpret_cast<const Bytef*>(in.data()), static_cast<uInt>(in.size())));
}

std::string GzipMember::header() {
  // Magic, deflate, no flags, no mtime (reproducible bytes), no extra flags, OS = Unix.
  return std::string("\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03", 10);
}

void GzipMember::add(uint32_t crc, uint64_t length) {
  crc_ = static_cast<uint32_t>(crc32_combine(crc_, crc, static_cast<z_off_t>(length)));
  length_ += length;
}

std::string GzipMember::trailer() const {
  std::string t("\x03\x00", 2);  // a final, empty, fixed-Huffman block
  for (int i = 0; i < 4; ++i) t += static_cast<char>((crc_ >> (8 * i)) & 0xff);
  const auto isize = static_cast<uint32_t>(length_ & 0xffffffffULL);
  for (int i = 0; i < 4; ++i) t += static_cast<char>((isize >> (8 * i)) & 0xff);
  return t;
}

}  // namespace snds::synth
