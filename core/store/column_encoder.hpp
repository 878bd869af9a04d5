// A column turned into the datasets a shard stores, as finished chunks, without calling HDF5:
// integers narrowed to the fewest bytes that hold them, strings as a sorted dictionary plus one
// narrow code per row, each chunk run through the dataset's filter pipeline (chunk_encoder.hpp).
// Any thread may encode; the shard writer's HDF5 thread then only creates the datasets and hands
// their chunks to H5Dwrite_chunk (ShardWriter::write_encoded). docs/store-format.md has the
// layout.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/column.hpp"
#include "core/store/shard_format.hpp"

namespace snds {

// One 1-D dataset's stored chunks, back to back.
struct EncodedDataset {
  enum class Kind : uint8_t { kInt, kFixedString };
  Kind kind = Kind::kInt;
  size_t width = 1;  // bytes per element: the integer's width, or the strings' length
  uint64_t rows = 0;
  uint64_t chunk_rows = 1;  // the dataset's chunk length
  std::vector<char> bytes;
  std::vector<uint64_t> ends;  // chunk k is bytes [ends[k-1], ends[k]) (from 0 for k = 0)
};

struct EncodedColumn {
  std::string name;
  ColumnType type = ColumnType::kInt64;
  EncodedDataset values;
  int64_t missing = 0;                       // integers, decimals, dates: the stored missing value
  std::optional<EncodedDataset> dictionary;  // strings: the sorted distinct values
};

// Encodes one column of `table` (named in errors) with the writer's options. Throws data_error
// for a string holding a NUL byte (the store's fixed-length strings would cut it).
EncodedColumn encode_column(const Column& column, const std::string& table,
                            const ShardWriterOptions& options);

// The chunk length: at most `max_rows`, and equal chunks rather than a short last one, since HDF5
// stores an edge chunk at full size (uncompressed files would carry the padding).
uint64_t even_chunk_rows(uint64_t rows, uint64_t max_rows);

}  // namespace snds
