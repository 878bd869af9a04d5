// ShardReader: reads a shard file written by ShardWriter (docs/store-format.md) back into
// Batches, decoding string dictionaries. Damaged data never comes back as values: a chunk whose
// fletcher32 checksum fails, a code outside its dictionary or a length that disagrees with the
// table's row count is a data_error (exit 3) naming the file and the dataset.
// read_shard() is the jobs' one-call entry: the wanted tables and columns of one shard.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/column.hpp"
#include "core/shard_data.hpp"
#include "core/store/chunk_directory.hpp"
#include "core/store/chunk_pipeline.hpp"
#include "core/store/h5.hpp"
#include "core/store/shard_format.hpp"

namespace snds {

struct StoredColumn {
  std::string name;
  ColumnType type;
};

// A string column as stored: one code per row, indexing a dictionary sorted in byte order
// (codes compare as their strings do; "" is code 0 when present).
struct EncodedStringColumn {
  std::vector<int32_t> codes;
  StringColumn dictionary;
};

// One column's chunks as stored, copied out of the file by the HDF5 thread so that any thread can
// decode them (decode_stored_chunk). A dataset this reader cannot decode outside HDF5 (another
// filter, a non-native integer type) comes back already decoded (`decoded`).
struct StoredColumnChunks {
  Column column;  // name, type, dictionary when encoded; values sized by read_stored_chunks
  bool decoded = false;
  bool expand_strings = false;  // a string column wanted decoded: codes first, then strings
  ChunkPipeline pipeline;
  uint64_t rows = 0;
  uint64_t chunk_rows = 0;
  size_t element_size = 0;  // in memory: 8 (int64, decimal) or 4 (date, string codes)
  size_t stored_size = 0;   // in the file: narrower for format 2's narrowed integers
  std::vector<std::vector<char>> chunks;
  std::vector<uint32_t> masks;
  std::string where;
  // A string column's dictionary read raw too (fixed-width, null-padded strings), decoded into
  // `padded` by the same tasks; absent when it was read through HDF5 into column.dictionary.
  struct RawDictionary {
    ChunkPipeline pipeline;
    uint64_t rows = 0;
    uint64_t chunk_rows = 0;
    size_t width = 0;
    std::vector<std::vector<char>> chunks;
    std::vector<uint32_t> masks;
    std::vector<char> padded;
    std::string where;
  };
  std::optional<RawDictionary> dictionary;
  uint64_t dictionary_size = 0;

  // Decoding tasks: value chunks, then dictionary chunks.
  size_t tasks() const { return chunks.size() + (dictionary ? dictionary->chunks.size() : 0); }
};

// Runs decoding task `k` (< stored.tasks()) of `stored` (any thread; tasks of one column may run
// concurrently). Codes outside their dictionary are a data_error.
void decode_stored_chunk(StoredColumnChunks& stored, size_t k);
// After every chunk: trims the chunk padding and, for a string column wanted decoded, expands its
// codes into strings. Returns the column.
Column finish_stored_column(StoredColumnChunks&& stored);

class ShardReader {
 public:
  // Opens read-only; a data_error when the file is missing, not HDF5, incomplete (never closed by
  // its writer) or of a newer format version.
  // `use_chunk_directory` false: chunks are located through HDF5 even when the file has a chunk
  // directory (tests compare both ways; diagnosis).
  explicit ShardReader(std::filesystem::path path, bool use_chunk_directory = true);
  ~ShardReader();
  ShardReader(const ShardReader&) = delete;
  ShardReader& operator=(const ShardReader&) = delete;

  const std::filesystem::path& path() const { return path_; }
  // Every file attribute: the writer's (format version, compression) and the caller's.
  const FileAttributes& attributes() const { return attributes_; }
  std::optional<int64_t> int_attribute(const std::string& name) const;
  // Whether chunks are located through the file's chunk directory (format 3, not rewritten by
  // another tool since) rather than through HDF5.
  bool uses_chunk_directory() const { return directory_.has_value(); }
  // Whether the file was opened from its header (format 4) without HDF5, so far.
  bool opened_without_hdf5() const { return !file_.valid(); }
  std::optional<std::string> string_attribute(const std::string& name) const;

  // Table names in byte order.
  std::vector<std::string> tables() const;
  bool has_table(const std::string& table) const { return tables_.count(table) > 0; }
  uint64_t rows(const std::string& table) const;
  const std::vector<StoredColumn>& columns(const std::string& table) const;
  // Bytes the table's datasets take in the file (compressed).
  uint64_t stored_bytes(const std::string& table) const;

  // The named columns, in the order asked (empty: all, in the order written). An unknown table
  // or column is a data_error naming it and the file.
  Batch read_table(const std::string& table, const std::vector<std::string>& columns = {}) const;
  // A string column without decoding: its codes and dictionary.
  EncodedStringColumn read_string_codes(const std::string& table, const std::string& column) const;
  // A column's stored chunks (and dictionary), undecoded: the HDF5 half of a parallel read.
  // `keep_codes`: a string column stays encoded (Column::encoded).
  // `keep_narrow`: an int64/decimal column stored narrower stays narrow (Column::narrow).
  StoredColumnChunks read_stored_chunks(const std::string& table, const std::string& column,
                                        bool keep_codes, bool keep_narrow = false) const;

 private:
  struct TableInfo {
    uint64_t rows = 0;
    std::vector<StoredColumn> columns;
  };
  const TableInfo& table_info(const std::string& table) const;
  const StoredColumn& column_info(const std::string& table, const std::string& column) const;
  Column read_column(const std::string& table, const StoredColumn& column) const;
  StringColumn read_dictionary(const std::string& object) const;
  std::optional<StoredColumnChunks::RawDictionary> read_raw_dictionary(
      const std::string& table, const std::string& column) const;
  // A column's chunks through HDF5 (H5Dread_chunk) into `out`; false when the dataset cannot be
  // decoded outside HDF5 (the caller then reads it with H5Dread).
  bool read_hdf5_chunks(const std::string& table, const StoredColumn& info,
                        StoredColumnChunks& out) const;
  // Reads and checks the chunk directory; leaves directory_ empty when there is none to trust.
  void load_directory();
  // Opens the file from its header and chunk directory alone (format 4), without HDF5; false
  // (and nothing set) when the file has no header or directory this reader trusts.
  bool open_from_header();
  // The file through HDF5, opened on first use when open_from_header() succeeded.
  hid_t file() const;
  // The format version attribute present and readable by this program, or a data_error.
  void check_format_version() const;
  // Copies a dataset's recorded chunks out of the file with pread (no HDF5 call); a directory
  // entry whose chunks do not cover its rows, or lie outside the file, is a data_error.
  void read_directory_chunks(const DirectoryDataset& e, std::vector<std::vector<char>>& chunks,
                             std::vector<uint32_t>& masks, const std::string& where) const;
  // The table's group, opened once: datasets open relative to it, not from the root.
  hid_t table_group(const std::string& table) const;
  std::string where(const std::string& object) const;

  std::filesystem::path path_;
  mutable h5::File file_;
  FileAttributes attributes_;
  // Every table of the file; its metadata once table_info() has read it.
  mutable std::map<std::string, std::optional<TableInfo>> tables_;
  mutable std::map<std::string, h5::Group> groups_;  // after file_: closed before it
  std::optional<ChunkDirectory> directory_;
  int fd_ = -1;  // the file opened for pread when directory_ is set
  uint64_t file_size_ = 0;
};

// Tables and columns a job wants from a shard: table -> columns (empty: all columns). A key may
// be a table instance ("T_MCO19C") or a catalog pattern ("T_MCOaaC") that matches every year's
// instance in the shard. Tables the shard lacks are left out of the result (a shard may hold no
// row of a table); missing columns of a present table are a data_error.
// A column named "?NAME" is optional: read when the table has NAME, left out otherwise.
using WantedTables = std::map<std::string, std::vector<std::string>>;
inline constexpr char kOptionalColumnMark = '?';

struct ShardReadOptions {
  // String columns keep their codes and dictionary (Column::encoded) instead of being expanded.
  bool keep_string_codes = false;
  // Integer columns stored narrower than 64 bits stay narrow (Column::narrow) instead of being
  // widened.
  bool keep_narrow_ints = false;
  // OpenMP threads decoding chunks; HDF5 itself is called by the calling thread only.
  int threads = 1;
  // Locate chunks through the file's chunk directory when it has one (format 3).
  bool chunk_directory = true;
  // Called once the file is open, with the tables about to be read, before any is: the caller
  // checks that the file belongs where it is read from (check_store_file: store id, shard number,
  // row counts against the store's manifest) and throws when it does not.
  std::function<void(const ShardReader& reader, const std::vector<std::string>& tables)> verify;
};

// A shard's wanted columns as stored (read_stored_shard, HDF5 calls) awaiting decoding
// (decode_stored_shard, no HDF5 call): the two halves of read_shard, so that one thread can read
// the next shard while others decode and compute on the current one.
struct StoredShard {
  struct Table {
    std::string name;
    std::vector<StoredColumnChunks> columns;
  };
  uint32_t shard = 0;
  std::vector<Table> tables;
};
StoredShard read_stored_shard(const std::filesystem::path& path, const WantedTables& wanted,
                              const ShardReadOptions& options);
ShardData decode_stored_shard(StoredShard&& stored, int threads);

// Reads the wanted tables of one shard file (all tables when `wanted` is empty). `shard` comes
// from the file's `shard` attribute when present.
ShardData read_shard(const std::filesystem::path& path, const WantedTables& wanted = {},
                     const ShardReadOptions& options = {});

}  // namespace snds
