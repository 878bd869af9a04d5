// A shard's chunk directory (store format 3): every table's row count and columns, and for every
// column dataset (values and dictionaries) its filter pipeline and where each of its chunks sits in
// the file. The writer records it as it writes and stores it last, in one small dataset; a reader
// that finds it reads chunks with pread() and never opens the column datasets through HDF5, whose
// per-dataset metadata work (open, property lists, chunk index) cost more than decoding the data
// of a typical shard. docs/store-format.md section 2.7 describes the layout.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/column.hpp"
#include "core/store/chunk_pipeline.hpp"

namespace snds {

// The directory's dataset, at the file's root ("." keeps it out of the table names).
inline constexpr const char* kChunkDirectoryName = ".chunk_directory";

struct DirectoryChunk {
  uint64_t address = 0;  // byte offset in the file
  uint64_t size = 0;     // stored (filtered) bytes
  uint32_t mask = 0;     // H5Dread_chunk's filter mask: bit k set = filter k skipped
};

// One dataset: a column's values (integers `element_size` bytes wide) or a string column's
// dictionary (fixed-width strings `element_size` bytes wide).
struct DirectoryDataset {
  uint64_t rows = 0;
  uint64_t chunk_rows = 0;
  ChunkPipeline pipeline;  // pipeline.element_size is the stored element size
  std::vector<DirectoryChunk> chunks;
};

struct DirectoryTable {
  uint64_t rows = 0;
  std::vector<std::pair<std::string, ColumnType>> columns;  // in the order written
};

struct ChunkDirectory {
  // The directory dataset's own address when it was written: a tool that rewrites the file
  // (h5repack...) moves it, and the reader then knows the recorded addresses are stale.
  uint64_t self_address = 0;
  std::map<std::string, DirectoryTable> tables;
  // Keyed "<table>/<dataset>" (dataset: the column's name, or its name plus ".dict").
  std::map<std::string, DirectoryDataset> datasets;

  static std::string key(const std::string& table, const std::string& dataset) {
    return table + "/" + dataset;
  }
  const DirectoryDataset* find(const std::string& table, const std::string& dataset) const;

  // Little-endian bytes ending with a Fletcher-32 checksum of everything before it.
  std::vector<char> serialise() const;
  // nullopt when the bytes are not a directory this reader knows (bad magic, bad checksum,
  // truncated): the caller then reads through HDF5.
  static std::optional<ChunkDirectory> parse(std::span<const char> bytes);
};

}  // namespace snds
