// HDF5's filter pipeline run backwards outside HDF5, on chunks read raw with H5Dread_chunk. This
// is what lets a rank decode a shard on all its OpenMP threads while HDF5 itself (not
// thread-safe here) is called by one thread only: that thread copies the compressed chunks out of
// the file, the threads verify, decompress and unshuffle them in memory. It knows the filters
// the shard writer uses (shuffle, deflate, zstd, lz4, fletcher32); a dataset with any other filter
// is read through H5Dread instead (ChunkPipeline::of returns nothing).
#pragma once

#include <hdf5.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <boost/container/static_vector.hpp>

namespace snds {

enum class ChunkFilter : uint8_t { kShuffle, kDeflate, kZstd, kFletcher32, kLz4 };

// At most this many filters in a pipeline this decoder takes (the writer uses at most three).
inline constexpr size_t kMaxChunkFilters = 8;

struct ChunkPipeline {
  // In the order HDF5 applied them on write. Held inline: a pipeline is copied for every column
  // of every shard a job reads, and a heap vector made that an allocation each time.
  boost::container::static_vector<ChunkFilter, kMaxChunkFilters> filters;
  size_t element_size = 1;

  // The pipeline of a dataset creation property list; nullopt when it holds a filter this
  // decoder does not know. Calls HDF5: the HDF5 thread only.
  static std::optional<ChunkPipeline> of(hid_t dcpl, size_t element_size);
};

// Decodes one stored chunk into `out`, which must be exactly the chunk's decoded size.
// `filter_mask` is H5Dread_chunk's: bit k set means filter k was skipped for this chunk. A bad
// checksum, a stream that does not decompress or decompresses to another size is a data_error
// naming `where`. Thread-safe (no HDF5 call).
void decode_chunk(const ChunkPipeline& pipeline, std::span<const char> stored, uint32_t filter_mask,
                  std::span<char> out, const std::string& where);

// HDF5's Fletcher-32 over `len` bytes (big-endian 16-bit words, an odd last byte padded).
uint32_t hdf5_fletcher32(const void* data, size_t len);

// Makes `v` hold at least `n` bytes and returns its data. Scratch buffers only grow: resizing
// them down for a narrow column's chunk and up again for a wide one's would zero-fill the
// difference each time.
inline char* scratch_room(std::vector<char>& v, size_t n) {
  if (v.size() < n) v.resize(n);
  return v.data();
}

}  // namespace snds
