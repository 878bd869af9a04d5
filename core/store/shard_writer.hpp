// ShardWriter: writes one shard file (docs/store-format.md): a group per table, a chunked,
// compressed, fletcher32-checksummed 1-D dataset per column, strings dictionary-encoded.
// The caller writes to a temporary path and renames after close() (core/atomic_file.hpp). A
// writer that fails, or dies before close(), removes its file: no valid-looking partial shard.
// One thread at a time per process calls HDF5 (the store serialises calls under h5::Lock).
#pragma once

#include "core/error.hpp"

#include <filesystem>
#include <optional>
#include <set>
#include <span>
#include <string>

#include "core/column.hpp"
#include "core/store/chunk_directory.hpp"
#include "core/store/column_encoder.hpp"
#include "core/store/h5.hpp"
#include "core/store/shard_format.hpp"

namespace snds {

class ShardWriter {
 public:
  // Creates (truncates) `path`. `attributes` go on the file; the writer adds the format version,
  // the compression and its level (names in shard_format.hpp, which the caller may not use).
  explicit ShardWriter(std::filesystem::path path, const FileAttributes& attributes = {},
                       ShardWriterOptions options = {});
  ~ShardWriter();
  ShardWriter(const ShardWriter&) = delete;
  ShardWriter& operator=(const ShardWriter&) = delete;

  // Writes group /<table>. Rows are written straight from the batch's memory (strings go through
  // a 4-byte-per-row code array), so a whole shard's table needs no second copy.
  // Each table may be written once. Zero-row tables are written (as empty datasets).
  void write_table(const std::string& table, const Batch& rows);
  // The same with columns already encoded (encode_column, on any thread): the HDF5 thread then
  // only stores finished chunks. `columns` in the table's column order, `rows` long each.
  void write_encoded(const std::string& table, uint64_t rows,
                     std::span<const EncodedColumn> columns);
  // Marks the file complete and closes it (flushing). Errors throw, and remove the file.
  void close();

  const std::filesystem::path& path() const { return path_; }
  const ShardWriterOptions& options() const { return options_; }

 private:
  void abandon() noexcept;
  // A failure for want of room becomes the disk-full error naming the folder (exit 3).
  void rethrow_disk_full(const Error& e) const;
  void write_column(hid_t group, const std::string& table, const EncodedColumn& column);
  h5::Dataset write_dataset(hid_t group, const std::string& table, const std::string& name,
                            const EncodedDataset& data);
  // Adds dataset `name` of `table`, just written, to the chunk directory.
  void record_chunks(const std::string& table, const std::string& name, const h5::Dataset& d,
                     uint64_t rows, const std::string& what);
  void write_directory();
  std::string where(const std::string& object) const;

  std::filesystem::path path_;
  ShardWriterOptions options_;
  h5::File file_;
  std::set<std::string> tables_;
  ChunkDirectory directory_;
  uint64_t directory_size_ = 0;     // its serialised bytes, for the header
  FileAttributes root_attributes_;  // every attribute of the root group, for the header
  bool done_ = false;               // closed or abandoned
  void write_header() const;
  // What to add to the chunk addresses HDF5 reports to get offsets in the file (the user block's
  // size, or 0), found once per file; kNoBase when neither holds the chunk (no directory entry).
  static constexpr uint64_t kNoBase = ~uint64_t{0};
  std::optional<uint64_t> chunk_base_;
  uint64_t chunk_address_base(hid_t d, const hsize_t& offset, uint64_t address,
                              uint64_t size) const;
};

}  // namespace snds
