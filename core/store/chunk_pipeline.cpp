// Filter pipeline decoding outside HDF5 (see chunk_pipeline.hpp). Each filter is the exact
// inverse of the one HDF5 ran on write: H5Z_filter_fletcher32 (checksum appended, little-endian),
// H5Z_filter_deflate (a zlib stream), the zstd plugin (one zstd frame, core/store/zstd_codec.h)
// and H5Z_filter_shuffle (byte planes).
#include "core/store/chunk_pipeline.hpp"

#include <zlib.h>
#include <zstd.h>

#include <array>
#include <bit>
#include <cstring>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "core/error.hpp"
#include "core/multiversion.hpp"
#include "core/store/lz4_filter.hpp"
#include "core/store/zstd_filter.hpp"

namespace snds {

std::optional<ChunkPipeline> ChunkPipeline::of(hid_t dcpl, size_t element_size) {
  ChunkPipeline p;
  p.element_size = element_size;
  const int n = H5Pget_nfilters(dcpl);
  if (n < 0 || static_cast<size_t>(n) > kMaxChunkFilters) return std::nullopt;
  for (int k = 0; k < n; ++k) {
    unsigned flags = 0, config = 0;
    size_t cd_n = 0;
    const H5Z_filter_t id =
        H5Pget_filter2(dcpl, static_cast<unsigned>(k), &flags, &cd_n, nullptr, 0, nullptr, &config);
    switch (id) {
      case H5Z_FILTER_SHUFFLE:
        p.filters.push_back(ChunkFilter::kShuffle);
        break;
      case H5Z_FILTER_DEFLATE:
        p.filters.push_back(ChunkFilter::kDeflate);
        break;
      case H5Z_FILTER_FLETCHER32:
        p.filters.push_back(ChunkFilter::kFletcher32);
        break;
      case h5::kZstdFilterId:
        p.filters.push_back(ChunkFilter::kZstd);
        break;
      case h5::kLz4FilterId:
        p.filters.push_back(ChunkFilter::kLz4);
        break;
      default:
        return std::nullopt;
    }
  }
  return p;
}

namespace {

// Sums of one block of at most 256 big-endian 16-bit words: s1 = sum of the words, s2 = sum of
// word i times (n - i), which is what n steps of Fletcher's running sums add to sum2 beyond
// n * sum1. 256 words keep s2 below 2^32; the independent lanes let the compiler vectorise.
SNDS_MULTIVERSION void fletcher_block(const uint8_t* b, uint32_t n, uint32_t* s1, uint32_t* s2) {
  uint32_t a = 0, c = 0;
  for (uint32_t i = 0; i < n; ++i) {
    uint16_t v;  // one 16-bit load and a byte swap: the form the vectoriser recognises
    std::memcpy(&v, b + 2 * size_t{i}, 2);
    const uint32_t w = __builtin_bswap16(v);
    a += w;
    c += (n - i) * w;
  }
  *s1 = a;
  *s2 = c;
}

}  // namespace

// Equal to HDF5's H5_checksum_fletcher32: its folded sums are the sums modulo 65535, kept in
// 1..65535 once positive (a fold never turns a positive sum into 0) and 0 only while every word
// so far was 0. So the sums are taken by blocks, reduced modulo 65535, and represented the same.
uint32_t hdf5_fletcher32(const void* data, size_t len) {
  const auto* b = static_cast<const uint8_t*>(data);
  size_t words = len / 2;
  uint64_t sum1 = 0, sum2 = 0;
  bool any = false;
  auto add_block = [&](uint64_t n, uint32_t s1, uint32_t s2) {
    sum2 = (sum2 + n * sum1 + s2) % 65535;
    sum1 = (sum1 + s1) % 65535;
    any = any || s1 != 0;
  };
  while (words > 0) {
    const auto n = static_cast<uint32_t>(words > 256 ? 256 : words);
    uint32_t s1 = 0, s2 = 0;
    fletcher_block(b, n, &s1, &s2);
    add_block(n, s1, s2);
    b += 2 * size_t{n};
    words -= n;
  }
  if (len % 2 != 0) {
    const uint32_t w = uint32_t{*b} << 8;  // an odd last byte is the high byte of a last word
    add_block(1, w, w);
  }
  const auto fold = [&](uint64_t s) {
    return !any ? uint32_t{0} : s == 0 ? uint32_t{65535} : static_cast<uint32_t>(s);
  };
  return (fold(sum2) << 16) | fold(sum1);
}

namespace {

// Byte planes back to elements: plane j holds byte j of every element; bytes past the last
// whole element were left in place. The common widths interleave 16 elements per step with SSE2
// (baseline x86-64): this runs on every integer column of every shard a job reads.
void unshuffle(const char* in, char* out, size_t bytes, size_t width) {
  const size_t n = bytes / width;
  size_t i = 0;
#if defined(__SSE2__)
  const auto load = [&](size_t plane) {
    return _mm_loadu_si128(reinterpret_cast<const __m128i*>(in + plane * n + i));
  };
  const auto store = [&](size_t at, __m128i v) {
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out + at), v);
  };
  if (width == 2) {
    for (; i + 16 <= n; i += 16) {
      const __m128i a = load(0), b = load(1);
      store(2 * i, _mm_unpacklo_epi8(a, b));
      store(2 * i + 16, _mm_unpackhi_epi8(a, b));
    }
  } else if (width == 4) {
    for (; i + 16 <= n; i += 16) {
      const __m128i a0 = load(0), a1 = load(1), a2 = load(2), a3 = load(3);
      const __m128i lo01 = _mm_unpacklo_epi8(a0, a1), hi01 = _mm_unpackhi_epi8(a0, a1);
      const __m128i lo23 = _mm_unpacklo_epi8(a2, a3), hi23 = _mm_unpackhi_epi8(a2, a3);
      store(4 * i, _mm_unpacklo_epi16(lo01, lo23));
      store(4 * i + 16, _mm_unpackhi_epi16(lo01, lo23));
      store(4 * i + 32, _mm_unpacklo_epi16(hi01, hi23));
      store(4 * i + 48, _mm_unpackhi_epi16(hi01, hi23));
    }
  } else if (width == 8) {
    for (; i + 16 <= n; i += 16) {
      const __m128i a0 = load(0), a1 = load(1), a2 = load(2), a3 = load(3);
      const __m128i a4 = load(4), a5 = load(5), a6 = load(6), a7 = load(7);
      const __m128i lo01 = _mm_unpacklo_epi8(a0, a1), hi01 = _mm_unpackhi_epi8(a0, a1);
      const __m128i lo23 = _mm_unpacklo_epi8(a2, a3), hi23 = _mm_unpackhi_epi8(a2, a3);
      const __m128i lo45 = _mm_unpacklo_epi8(a4, a5), hi45 = _mm_unpackhi_epi8(a4, a5);
      const __m128i lo67 = _mm_unpacklo_epi8(a6, a7), hi67 = _mm_unpackhi_epi8(a6, a7);
      // Bytes 0-3 (x) and 4-7 (y) of elements 0-3, 4-7, 8-11, 12-15.
      const __m128i x0 = _mm_unpacklo_epi16(lo01, lo23), x1 = _mm_unpackhi_epi16(lo01, lo23);
      const __m128i x2 = _mm_unpacklo_epi16(hi01, hi23), x3 = _mm_unpackhi_epi16(hi01, hi23);
      const __m128i y0 = _mm_unpacklo_epi16(lo45, lo67), y1 = _mm_unpackhi_epi16(lo45, lo67);
      const __m128i y2 = _mm_unpacklo_epi16(hi45, hi67), y3 = _mm_unpackhi_epi16(hi45, hi67);
      store(8 * i, _mm_unpacklo_epi32(x0, y0));
      store(8 * i + 16, _mm_unpackhi_epi32(x0, y0));
      store(8 * i + 32, _mm_unpacklo_epi32(x1, y1));
      store(8 * i + 48, _mm_unpackhi_epi32(x1, y1));
      store(8 * i + 64, _mm_unpacklo_epi32(x2, y2));
      store(8 * i + 80, _mm_unpackhi_epi32(x2, y2));
      store(8 * i + 96, _mm_unpacklo_epi32(x3, y3));
      store(8 * i + 112, _mm_unpackhi_epi32(x3, y3));
    }
  }
#endif
  // Other widths (a dictionary's fixed-width strings): eight elements per step, one 8-byte load
  // per plane spread over eight elements, instead of a byte load per byte.
  for (; std::endian::native == std::endian::little && i + 8 <= n; i += 8) {
    char* row = out + i * width;
    for (size_t j = 0; j < width; ++j) {
      uint64_t v = 0;
      std::memcpy(&v, in + j * n + i, 8);
      for (size_t k = 0; k < 8; ++k) row[k * width + j] = static_cast<char>(v >> (8 * k));
    }
  }
  for (; i < n; ++i)
    for (size_t j = 0; j < width; ++j) out[i * width + j] = in[j * n + i];
  std::memcpy(out + n * width, in + n * width, bytes - n * width);
}

}  // namespace

void decode_chunk(const ChunkPipeline& pipeline, std::span<const char> stored, uint32_t filter_mask,
                  std::span<char> out, const std::string& where) {
  // Decoding order: the reverse of the write order, skipped filters left out. The last step that
  // produces bytes writes straight into `out`; the steps before it use two scratch buffers per
  // thread, reused chunk after chunk.
  // At most 32 filters (the mask's bits); a fixed array: this runs for every chunk.
  std::array<ChunkFilter, 32> step_list{};
  size_t count = 0;
  for (size_t k = std::min<size_t>(pipeline.filters.size(), 32); k-- > 0;)
    if (((filter_mask >> k) & 1u) == 0) step_list[count++] = pipeline.filters[k];
  const std::span<const ChunkFilter> steps(step_list.data(), count);
  size_t last_producer = steps.size();
  for (size_t k = 0; k < steps.size(); ++k)
    if (steps[k] != ChunkFilter::kFletcher32) last_producer = k;

  thread_local std::vector<char> a, b;
  thread_local ZSTD_DCtx* zstd = ZSTD_createDCtx();  // freed with the thread (OS reclaims)
  const char* cur = stored.data();
  size_t size = stored.size();
  bool into_a = true;
  for (size_t k = 0; k < steps.size(); ++k) {
    const bool final_step = k == last_producer;
    std::vector<char>& scratch = into_a ? a : b;
    char* dst = nullptr;
    size_t capacity = 0;
    switch (steps[k]) {
      case ChunkFilter::kFletcher32: {
        if (size < 4) throw data_error("a chunk of {} is too short for its checksum", where);
        size -= 4;
        uint32_t stored_sum = 0;
        for (int i = 3; i >= 0; --i)
          stored_sum = (stored_sum << 8) | static_cast<uint8_t>(cur[size + static_cast<size_t>(i)]);
        if (stored_sum != hdf5_fletcher32(cur, size))
          throw data_error("a chunk of {} fails its checksum (the file is corrupt)", where);
        continue;  // the data is the same bytes, shorter
      }
      case ChunkFilter::kZstd: {
        const unsigned long long n = ZSTD_getFrameContentSize(cur, size);
        if (n == ZSTD_CONTENTSIZE_ERROR || n == ZSTD_CONTENTSIZE_UNKNOWN)
          throw data_error(
              "a chunk of {} is not a zstd frame with its size recorded (the file is corrupt)",
              where);
        if (final_step && n != out.size())
          throw data_error(
              "a chunk of {} holds {} bytes where {} were expected (the file is corrupt)", where, n,
              out.size());
        dst = final_step ? out.data() : scratch_room(scratch, static_cast<size_t>(n));
        capacity = static_cast<size_t>(n);
        const size_t got = ZSTD_decompressDCtx(zstd, dst, capacity, cur, size);
        if (ZSTD_isError(got) || got != n)
          throw data_error("a chunk of {} does not decompress with zstd (the file is corrupt)",
                           where);
        size = got;
        break;
      }
      case ChunkFilter::kLz4: {
        // Shuffle keeps sizes: the decoded size is always the chunk's, which lz4_decode checks
        // against the stream's header.
        dst = final_step ? out.data() : scratch_room(scratch, out.size());
        if (!h5::lz4_decode(cur, size, dst, out.size()))
          throw data_error(
              "a chunk of {} is not an lz4 stream of {} bytes that decompresses (the file is "
              "corrupt)",
              where, out.size());
        size = out.size();
        break;
      }
      case ChunkFilter::kDeflate: {
        // A deflated chunk decodes to at most the chunk's size (shuffle keeps sizes).
        dst = final_step ? out.data() : scratch_room(scratch, out.size());
        uLongf got = out.size();
        if (uncompress(reinterpret_cast<Bytef*>(dst), &got, reinterpret_cast<const Bytef*>(cur),
                       size) != Z_OK)
          throw data_error("a chunk of {} does not decompress with deflate (the file is corrupt)",
                           where);
        size = got;
        break;
      }
      case ChunkFilter::kShuffle:
        if (final_step && size != out.size())
          throw data_error(
              "a chunk of {} holds {} bytes where {} were expected (the file is corrupt)", where,
              size, out.size());
        dst = final_step ? out.data() : scratch_room(scratch, size);
        if (pipeline.element_size > 1) {
          unshuffle(cur, dst, size, pipeline.element_size);
        } else {
          std::memcpy(dst, cur, size);
        }
        break;
    }
    cur = dst;
    into_a = !into_a;
  }
  if (size != out.size())
    throw data_error(
        "a chunk of {} decodes to {} bytes where {} were expected (the file is corrupt)", where,
        size, out.size());
  if (cur != out.data()) std::memcpy(out.data(), cur, size);
}

}  // namespace snds
