// HDF5's filter pipeline run forwards outside HDF5: the exact bytes H5Dwrite's pipeline stores for
// one chunk (byte shuffle, then deflate, zstd or lz4, then the Fletcher-32 checksum). The shard
// writer encodes chunks with it on every OpenMP thread, and its one HDF5 thread only hands the
// finished bytes to H5Dwrite_chunk: compression was most of a shard's write time, on one thread.
// The inverse of chunk_pipeline.hpp's decode_chunk; tests check both against HDF5's own pipeline.
#pragma once

#include <cstddef>
#include <span>
#include <vector>

#include "core/store/shard_format.hpp"

namespace snds {

// The pipeline of one dataset, as column_options() sets its creation properties.
struct ChunkEncoding {
  bool shuffle = false;
  Compression compression = Compression::kNone;
  int level = 0;  // deflate 0-9, zstd's level; lz4 takes none
  bool fletcher32 = false;
  size_t element_size = 1;
};

// Encodes one whole chunk (an edge chunk padded to the chunk's size, as HDF5 stores it) into the
// start of `out` and returns its size. `out` only grows (reused chunk after chunk, it is not
// zero-filled again). Every filter is applied (H5Dwrite_chunk's filter mask 0). Thread-safe.
size_t encode_chunk(const ChunkEncoding& encoding, std::span<const char> chunk,
                    std::vector<char>& out);

// HDF5's H5Z_filter_shuffle: plane j holds byte j of every element; bytes past the last whole
// element stay at the end.
void shuffle_bytes(const char* in, char* out, size_t bytes, size_t width);

}  // namespace snds
