// The shard file's header (store format 4): the file's attributes and where its chunk directory
// lies, in the first bytes of the file, HDF5's "user block", which HDF5 reserves at creation and
// never reads. A job's reader takes everything it needs from the header and the directory with
// two pread() calls and never opens the file through HDF5 (H5Fopen alone allocated and cleared
// its metadata cache, about a twentieth of a short job's CPU). The file stays an ordinary HDF5
// file: h5py, h5dump and the HDF5 path of the reader skip the user block. docs/store-format.md
// section 2.8 describes the layout.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "core/store/shard_format.hpp"

namespace snds {

// The user block's size (a power of two of at least 512, as HDF5 requires).
inline constexpr size_t kShardHeaderBytes = 1024;

struct ShardHeader {
  uint64_t directory_address = 0;  // the chunk directory dataset's bytes, as in the file
  uint64_t directory_size = 0;
  FileAttributes attributes;  // every attribute of the root group, the format version included

  // Little-endian bytes ending with a Fletcher-32 checksum; nullopt when they would not fit in
  // kShardHeaderBytes (the file then has no header and is read through HDF5).
  std::optional<std::vector<char>> serialise() const;
  // nullopt when `bytes` (the user block) holds no header this reader knows: no magic (a file
  // written before format 4, or by another program), a bad checksum, a truncated header.
  static std::optional<ShardHeader> parse(std::span<const char> bytes);
};

}  // namespace snds
