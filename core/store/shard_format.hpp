// The shard file format's vocabulary, shared by ShardWriter and ShardReader: version, attribute
// and dataset names, compression choices. docs/store-format.md is the reader's description of it;
// change both together (and bump kShardFormatVersion when an old reader would misread a file).
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace snds {

// Written last, by ShardWriter::close(): a file without it is not a complete shard.
// Version 2: integer columns and string codes are stored in the narrowest signed integer type
// (8, 16, 32 or 64 bits) that holds them; a narrowed int64/decimal column stores a missing value
// as its type's minimum (its `missing` attribute says so). Version 1 files (all 64/32-bit) read
// unchanged.
// Version 3: adds the chunk directory (chunk_directory.hpp), a dataset at the root that a
// version 2 reader would take for a table.
// Version 4: adds the header (shard_header.hpp) in a 1 KiB HDF5 user block: the root attributes
// and the directory's place, for readers that open the file without HDF5. Version 3 readers
// read version 4 files through HDF5, which skips the user block.
inline constexpr int64_t kShardFormatVersion = 4;

namespace shard_attr {
// On the file (root group).
inline constexpr const char* kFormatVersion = "snds_format_version";
inline constexpr const char* kCompression = "compression";  // kCompressionNames
inline constexpr const char* kCompressionLevel = "compression_level";
// On each table group.
inline constexpr const char* kRows = "rows";
inline constexpr const char* kColumns = "columns";  // column names, in the order written
inline constexpr const char* kTypes = "types";      // "int64" | "decimal" | "date" | "string"
// On each column dataset.
inline constexpr const char* kType = "type";
inline constexpr const char* kMissing = "missing";        // int64/decimal/date sentinel
inline constexpr const char* kScale = "scale";            // decimal: stored value = value * scale
inline constexpr const char* kUnits = "units";            // date: "days since 1970-01-01"
inline constexpr const char* kDictionary = "dictionary";  // string: name of the dictionary
}  // namespace shard_attr

// A string column `C` is stored as int32 codes in dataset `C` and its dictionary in `C.dict`.
inline constexpr std::string_view kDictionarySuffix = ".dict";
inline constexpr std::string_view kDateUnits = "days since 1970-01-01";

enum class Compression : uint8_t { kNone = 0, kDeflate = 1, kZstd = 2, kLz4 = 3 };

// The one list of compression names: the shards' `compression` attribute, the ingest config's
// `compression` key and its error message read it. The ingest's default first (reference
// section 4 lists them in this order).
struct CompressionName {
  Compression compression;
  const char* name;
};
inline constexpr std::array<CompressionName, 4> kCompressionNames{{
    {Compression::kLz4, "lz4"},
    {Compression::kZstd, "zstd"},
    {Compression::kDeflate, "deflate"},
    {Compression::kNone, "none"},
}};

const char* compression_name(Compression c);
// A name of kCompressionNames; nullopt for anything else.
std::optional<Compression> parse_compression(std::string_view name);
// The names for a message: "lz4, zstd, deflate or none".
std::string compression_choices();

// Chosen by measurement (docs/store-format.md, bench/store_bench.cpp).
inline constexpr Compression kDefaultCompression = Compression::kDeflate;
inline constexpr int kDefaultDeflateLevel = 1;
inline constexpr int kDefaultZstdLevel = 3;
// 128k rows: 1 MiB chunks of int64, 512 KiB of dates and codes; a job reads whole columns, so
// larger chunks only cost memory in HDF5's chunk buffers, and smaller ones compress worse.
inline constexpr uint64_t kDefaultChunkRows = uint64_t{128} * 1024;
// Dictionaries chunk by bytes (their width varies): about 1 MiB per chunk.
inline constexpr uint64_t kDictionaryChunkBytes = uint64_t{1} << 20;

struct ShardWriterOptions {
  Compression compression = kDefaultCompression;
  int level = kDefaultDeflateLevel;  // deflate 1-9, zstd 1-22 (negative: zstd fast modes); lz4: 0
  bool shuffle = true;               // byte shuffle before compression (not with kNone)
  uint64_t chunk_rows = kDefaultChunkRows;

  static ShardWriterOptions with(Compression c) {
    ShardWriterOptions o;
    o.compression = c;
    o.level = c == Compression::kZstd  ? kDefaultZstdLevel
              : c == Compression::kLz4 ? 0
                                       : kDefaultDeflateLevel;
    return o;
  }
};

// File-level attributes the caller records (shard number, shard count, provenance...).
using AttributeValue = std::variant<int64_t, std::string>;
using FileAttributes = std::map<std::string, AttributeValue>;

}  // namespace snds
