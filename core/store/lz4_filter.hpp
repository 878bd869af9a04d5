// The LZ4 HDF5 filter (registered id 32004), in-process, in the stream format of the public
// H5Z-LZ4 plugin that h5py/hdf5plugin and Debian's hdf5-filter-plugin (libh5lz4.so) load: a
// chunk is its decoded size (8 bytes, big-endian), a block size (4 bytes, big-endian), then
// per block its stored size (4 bytes, big-endian) and the block, LZ4-compressed or, when that
// would not be smaller, as is. LZ4 decodes two to three times faster than zstd at a somewhat
// larger size: the store codec for jobs that read the same store many times
// (docs/store-format.md section 3).
#pragma once

#include <hdf5.h>

#include <cstddef>

namespace snds::h5 {

inline constexpr H5Z_filter_t kLz4FilterId = 32004;

// Registers the filter with the HDF5 library (idempotent; h5::init() calls it).
void register_lz4_filter();

// Decodes one filtered chunk into `out` (exactly its decoded size). False when the bytes are
// not a well-formed LZ4 chunk of that size. Thread-safe, no HDF5 call.
bool lz4_decode(const char* in, size_t in_size, char* out, size_t out_size);

// The most bytes lz4_encode writes for `n` input bytes (one block per chunk, as the filter
// writes without a block size parameter).
size_t lz4_encode_bound(size_t n);
// Encodes `n` bytes as the filter does on write (one block); returns the bytes written to `out`,
// which holds lz4_encode_bound(n). Thread-safe, no HDF5 call.
size_t lz4_encode(const char* in, size_t n, char* out);

}  // namespace snds::h5
