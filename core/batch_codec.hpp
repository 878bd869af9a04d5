// The shuffle's compact form of a batch: what the ingest's parse and join threads make of the
// rows they route, what the exchange sends, what the bucket store holds in memory and what it
// spills, all the same bytes. Per column, integers, decimals and dates are stored as offsets from
// the batch's minimum in the narrowest width that holds its range (1, 2, 4 bytes; 8 as they are),
// the width's all-ones value standing for missing; strings as lengths in 1, 2 or 4 bytes and one
// byte run. Typed rows (int64 codes, uint64 string offsets) are about 2.3x the CSV they came from;
// this form is about its size or less. Exact: decode gives back the same values, missing included.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

#include "core/column.hpp"

namespace snds {

// One encoded batch. Move-only; its bytes are allocated once, at their exact size, uninitialised
// (no zero fill of buffers about to be overwritten).
class EncodedBatch {
 public:
  EncodedBatch() = default;
  EncodedBatch(size_t size, uint64_t rows, uint64_t decoded_bytes);
  EncodedBatch(EncodedBatch&&) noexcept = default;
  EncodedBatch& operator=(EncodedBatch&&) noexcept = default;

  char* data() { return data_.get(); }
  const char* data() const { return data_.get(); }
  size_t size() const { return size_; }
  uint64_t rows() const { return rows_; }
  // Batch::byte_size() of the rows decoded: what taking them back costs in memory.
  uint64_t decoded_bytes() const { return decoded_bytes_; }
  bool empty() const { return size_ == 0; }
  // The encoding of a batch without columns (Batch{}): nothing to keep.
  bool no_columns() const { return size_ <= sizeof(uint32_t) + sizeof(uint64_t); }
  // Frees the bytes; rows() and decoded_bytes() stay.
  void release() {
    data_.reset();
    size_ = 0;
  }

 private:
  std::unique_ptr<char[]> data_;
  size_t size_ = 0;
  uint64_t rows_ = 0;
  uint64_t decoded_bytes_ = 0;
};

// Any batch (string columns with codes and narrow integer columns are read through their values).
EncodedBatch encode_compact(const Batch& b);
// The rows `rows` of `b` (in that order), encoded straight from `b`: the same bytes as
// encode_compact(b.gather(rows)), without the gathered copy (the routing of parsed rows).
EncodedBatch encode_compact(const Batch& b, std::span<const uint32_t> rows);
// Every part of `b` at once: part k holds the rows i with part_of_row[i] == k (every value below
// `parts`), in row order, and out[k] has the bytes of encode_compact(b, those rows). One
// sequential pass per column instead of one pass per part over scattered rows (the routing of
// parsed rows to their buckets).
std::vector<EncodedBatch> encode_parts(const Batch& b, std::span<const uint32_t> part_of_row,
                                       size_t parts);
// Throws internal_error on a truncated or malformed encoding. The columns come back decoded
// (plain int64, Date and string arena + offsets).
Batch decode_compact(const char* data, size_t size);
inline Batch decode_compact(const EncodedBatch& e) {
  return decode_compact(e.data(), e.size());
}

// Where the columns of one encoded batch lie, read without decoding a value: what decoding many
// small batches into one needs to know first (their layouts, rows and string bytes). Points into
// the encoded bytes, which must outlive it. Throws internal_error as decode_compact does.
struct CompactIndex {
  struct Col {
    std::string_view name;
    ColumnType type = ColumnType::kString;
    uint8_t width = 0;             // values' (or string lengths') width in bytes; 0: all missing
    int64_t base = 0;              // integers and dates of width 1, 2, 4: offsets from it
    const char* values = nullptr;  // the offsets, the plain values (width 8) or the lengths
    const char* arena = nullptr;   // strings: their bytes, one run
    uint64_t string_bytes = 0;
  };
  uint64_t rows = 0;
  std::vector<Col> cols;
};
CompactIndex index_compact(const char* data, size_t size);
// The same columns (names and types) in the same order: their rows can make one batch.
bool same_layout(const CompactIndex& a, const CompactIndex& b);
// Column `j` of every piece (all of one layout), one after the other, decoded into `out` (its
// name and type set): a task of its own, so a caller spreads the columns of many pieces over its
// threads.
void decode_column(std::span<const CompactIndex> pieces, size_t j, Column& out);
// Pieces of one layout decoded into one batch: the rows of each in turn, the values of
// decode_compact of each. Many small batches (the shuffle brings a shard thousands of pieces of a
// few KB at national scale) cost one allocation per column, not one per column and piece.
Batch decode_compact(std::span<const CompactIndex> pieces);

}  // namespace snds
