// Filter pipeline encoding outside HDF5 (see chunk_encoder.hpp). Each step produces what HDF5's
// filter produces on write: H5Z_filter_shuffle, H5Z_filter_deflate (compress2 into a
// compressBound buffer), the zstd plugin (ZSTD_compress at cd_values[0], core/store/zstd_codec.h),
// the lz4 filter (lz4_filter.hpp) and H5Z_filter_fletcher32 (checksum appended, little-endian).
#include "core/store/chunk_encoder.hpp"

#include <zlib.h>
#include <zstd.h>

#include <cstdint>
#include <cstring>
#include <type_traits>

#include "core/error.hpp"
#include "core/store/chunk_pipeline.hpp"
#include "core/store/lz4_filter.hpp"

namespace snds {

void shuffle_bytes(const char* in, char* out, size_t bytes, size_t width) {
  const size_t n = bytes / width;
  if (width <= 1 || n <= 1) {
    std::memcpy(out, in, bytes);
    return;
  }
  // Element by element, every plane written at once: the planes are `n` apart, and the fixed
  // widths let the compiler unroll the inner loop.
  auto planes = [&](auto w_const) {
    constexpr size_t w = decltype(w_const)::value;
    for (size_t i = 0; i < n; ++i)
      for (size_t j = 0; j < w; ++j) out[j * n + i] = in[i * w + j];
  };
  switch (width) {
    case 2:
      planes(std::integral_constant<size_t, 2>{});
      break;
    case 4:
      planes(std::integral_constant<size_t, 4>{});
      break;
    case 8:
      planes(std::integral_constant<size_t, 8>{});
      break;
    default:
      for (size_t i = 0; i < n; ++i)
        for (size_t j = 0; j < width; ++j) out[j * n + i] = in[i * width + j];
  }
  std::memcpy(out + n * width, in + n * width, bytes - n * width);
}

size_t encode_chunk(const ChunkEncoding& e, std::span<const char> chunk, std::vector<char>& out) {
  thread_local std::vector<char> shuffled;
  const char* cur = chunk.data();
  size_t size = chunk.size();
  if (e.shuffle && e.element_size > 1) {
    shuffle_bytes(cur, scratch_room(shuffled, size), size, e.element_size);
    cur = shuffled.data();
  }
  const size_t tail = e.fletcher32 ? 4 : 0;
  switch (e.compression) {
    case Compression::kNone:
      std::memcpy(scratch_room(out, size + tail), cur, size);
      break;
    case Compression::kLz4: {
      size = h5::lz4_encode(cur, size, scratch_room(out, h5::lz4_encode_bound(size) + tail));
      break;
    }
    case Compression::kZstd: {
      const size_t bound = ZSTD_compressBound(size);
      // The plugin casts its unsigned parameter back to int: negative levels survive.
      const size_t got = ZSTD_compress(scratch_room(out, bound + tail), bound, cur, size, e.level);
      if (ZSTD_isError(got))
        throw internal_error("zstd cannot compress a chunk: {}", ZSTD_getErrorName(got));
      size = got;
      break;
    }
    case Compression::kDeflate: {
      uLongf got = compressBound(static_cast<uLong>(size));
      if (compress2(reinterpret_cast<Bytef*>(scratch_room(out, got + tail)), &got,
                    reinterpret_cast<const Bytef*>(cur), static_cast<uLong>(size), e.level) != Z_OK)
        throw internal_error("deflate cannot compress a chunk of {} bytes", size);
      size = got;
      break;
    }
  }
  if (e.fletcher32) {
    const uint32_t sum = hdf5_fletcher32(out.data(), size);
    for (size_t i = 0; i < 4; ++i) out[size + i] = static_cast<char>((sum >> (8 * i)) & 0xff);
    size += 4;
  }
  return size;
}

}  // namespace snds
