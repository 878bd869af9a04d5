// The LZ4 filter (lz4_filter.hpp): HDF5's callback for writes and H5Dread, and the decoder the
// jobs' read path shares with it.
#include "core/store/lz4_filter.hpp"

#include <lz4.h>

#include <cstdint>
#include <cstring>

#include "core/error.hpp"

namespace snds::h5 {
namespace {

// A chunk is one block unless the writer asked for smaller ones (cd_values[0], bytes).
constexpr uint64_t kDefaultBlock = uint64_t{1} << 30;

uint64_t get_be(const char* p, int bytes) {
  uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v = (v << 8) | static_cast<uint8_t>(p[i]);
  return v;
}

void put_be(char* p, uint64_t v, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) {
    p[i] = static_cast<char>(v & 0xff);
    v >>= 8;
  }
}

// The decoded size a chunk announces, or 0 when it is too short to hold a header.
uint64_t announced_size(const char* in, size_t in_size) {
  return in_size < 12 ? 0 : get_be(in, 8);
}

size_t encode(const char* in, size_t n, uint64_t block, char* out) {
  block = block == 0 || block > n ? n : block;
  put_be(out, n, 8);
  put_be(out + 8, block, 4);
  size_t at = 12;
  for (size_t done = 0; done < n;) {
    const size_t len = static_cast<size_t>(std::min<uint64_t>(block, n - done));
    const int bound = LZ4_compressBound(static_cast<int>(len));
    const int got = LZ4_compress_default(in + done, out + at + 4, static_cast<int>(len), bound);
    if (got <= 0 || static_cast<size_t>(got) >= len) {  // not smaller: stored as is
      std::memcpy(out + at + 4, in + done, len);
      put_be(out + at, len, 4);
      at += 4 + len;
    } else {
      put_be(out + at, static_cast<uint64_t>(got), 4);
      at += 4 + static_cast<size_t>(got);
    }
    done += len;
  }
  return at;
}

size_t lz4_filter(unsigned int flags, size_t cd_nelmts, const unsigned int cd_values[],
                  size_t nbytes, size_t* buf_size, void** buf) {
  const char* in = static_cast<const char*>(*buf);
  void* out = nullptr;
  size_t out_size = 0;
  if ((flags & H5Z_FLAG_REVERSE) != 0) {
    const uint64_t size = announced_size(in, nbytes);
    if (size == 0 || size > (uint64_t{1} << 40)) return 0;
    out = H5allocate_memory(size, false);
    if (out == nullptr) return 0;
    if (!lz4_decode(in, nbytes, static_cast<char*>(out), size)) {
      H5free_memory(out);
      return 0;
    }
    out_size = size;
    *buf_size = size;
  } else {
    if (nbytes == 0 || nbytes > static_cast<size_t>(LZ4_MAX_INPUT_SIZE)) return 0;
    const uint64_t block = cd_nelmts > 0 && cd_values[0] > 0 ? cd_values[0] : kDefaultBlock;
    const uint64_t b = block > nbytes ? nbytes : block;
    const size_t blocks = (nbytes + b - 1) / b;
    const size_t capacity =
        12 + blocks * (4 + static_cast<size_t>(LZ4_compressBound(static_cast<int>(b))));
    out = H5allocate_memory(capacity, false);
    if (out == nullptr) return 0;
    out_size = encode(in, nbytes, block, static_cast<char*>(out));
    *buf_size = capacity;
  }
  H5free_memory(*buf);
  *buf = out;
  return out_size;
}

const H5Z_class2_t kLz4Class = {
    H5Z_CLASS_T_VERS,
    kLz4FilterId,
    1,
    1,
    "HDF5 lz4 filter; see http://www.hdfgroup.org/services/contributions.html",
    nullptr,
    nullptr,
    lz4_filter,
};

}  // namespace

bool lz4_decode(const char* in, size_t in_size, char* out, size_t out_size) {
  if (in_size < 12 || get_be(in, 8) != out_size) return false;
  uint64_t block = get_be(in + 8, 4);
  if (block == 0 && out_size > 0) return false;
  if (block > out_size) block = out_size;
  size_t at = 12;
  for (size_t done = 0; done < out_size;) {
    const size_t len = static_cast<size_t>(std::min<uint64_t>(block, out_size - done));
    if (in_size - at < 4) return false;
    const size_t stored = static_cast<size_t>(get_be(in + at, 4));
    at += 4;
    if (stored > in_size - at) return false;
    if (stored == len) {
      std::memcpy(out + done, in + at, len);
    } else if (LZ4_decompress_safe(in + at, out + done, static_cast<int>(stored),
                                   static_cast<int>(len)) != static_cast<int>(len)) {
      return false;
    }
    at += stored;
    done += len;
  }
  return at == in_size;
}

size_t lz4_encode_bound(size_t n) {
  return 12 + 4 + static_cast<size_t>(LZ4_compressBound(static_cast<int>(n)));
}

size_t lz4_encode(const char* in, size_t n, char* out) {
  return encode(in, n, kDefaultBlock, out);
}

// Registering again replaces the class (see register_zstd_filter).
void register_lz4_filter() {
  if (H5Zregister(&kLz4Class) < 0)
    throw internal_error("cannot register the lz4 HDF5 filter (id {})", kLz4FilterId);
}

}  // namespace snds::h5
