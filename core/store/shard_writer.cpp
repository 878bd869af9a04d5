// Shard file writing: table groups, column datasets, dictionary encoding of strings.
#include "core/store/shard_writer.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

#include <algorithm>
#include <climits>
#include <cstdint>
#include <cstring>
#include <limits>
#include <numeric>
#include <string_view>
#include <system_error>
#include <vector>

#include <boost/unordered/unordered_flat_map.hpp>

#include "core/atomic_file.hpp"
#include "core/error.hpp"
#include "core/store/column_encoder.hpp"
#include "core/store/shard_header.hpp"

namespace snds {
namespace fs = std::filesystem;
using h5::Failure;

const char* compression_name(Compression c) {
  for (const auto& [compression, name] : kCompressionNames)
    if (compression == c) return name;
  return "?";
}

std::optional<Compression> parse_compression(std::string_view name) {
  for (const auto& [compression, known] : kCompressionNames)
    if (name == known) return compression;
  return std::nullopt;
}

std::string compression_choices() {
  std::string out;
  for (size_t i = 0; i < kCompressionNames.size(); ++i) {
    if (i > 0) out += i + 1 == kCompressionNames.size() ? " or " : ", ";
    out += kCompressionNames[i].name;
  }
  return out;
}

namespace {

bool is_reserved_file_attribute(const std::string& name) {
  return name == shard_attr::kFormatVersion || name == shard_attr::kCompression ||
         name == shard_attr::kCompressionLevel;
}

// HDF5 link names cannot hold '/', and "." names the group itself.
void check_object_name(const std::string& name, const char* kind, const std::string& table) {
  if (name.empty() || (table.empty() && name.front() == '.') || name == "." ||
      name.find('/') != std::string::npos || name.find('\0') != std::string::npos) {
    if (table.empty()) throw data_error("table name '{}' cannot be stored in a shard", name);
    throw data_error("{} name '{}' of table {} cannot be stored in a shard", kind, name, table);
  }
}

// The creation options of a 1-D column: the compressor the store's setting names, shuffled first
// (bytes of wider elements), and a Fletcher-32 checksum always, compressed or not.
h5::DatasetOptions column_options(const ShardWriterOptions& options, uint64_t chunk_rows,
                                  size_t element_size) {
  h5::DatasetOptions o;
  o.chunk_rows = std::max<uint64_t>(1, chunk_rows);
  o.shuffle = options.compression != Compression::kNone && options.shuffle && element_size > 1;
  switch (options.compression) {
    case Compression::kNone:
      break;
    case Compression::kDeflate:
      o.compressor = h5::Compressor::deflate(options.level);
      break;
    case Compression::kZstd:
      o.compressor = h5::Compressor::zstd(options.level);
      break;
    case Compression::kLz4:
      o.compressor = h5::Compressor::lz4();
      break;
  }
  o.fletcher32 = true;
  return o;
}

hid_t file_int_type(size_t width) {
  return width == 1   ? H5T_STD_I8LE
         : width == 2 ? H5T_STD_I16LE
         : width == 4 ? H5T_STD_I32LE
                      : H5T_STD_I64LE;
}

}  // namespace

ShardWriter::ShardWriter(fs::path path, const FileAttributes& attributes,
                         ShardWriterOptions options)
    : path_(std::move(path)), options_(options) {
  h5::init();
  if (options_.chunk_rows == 0) throw internal_error("a shard's chunk size cannot be 0 rows");
  if (options_.compression == Compression::kDeflate && (options_.level < 0 || options_.level > 9))
    throw internal_error("deflate level {} is outside 0-9", options_.level);
  for (const auto& [name, value] : attributes) {
    if (is_reserved_file_attribute(name))
      throw internal_error("file attribute {} is reserved to the shard writer", name);
  }
  h5::Lock lock(h5::mutex());
  const std::string what = "cannot create shard file " + path_.string();
  h5::PropList fapl(h5::check_id(H5Pcreate(H5P_FILE_ACCESS), Failure::kInternal, what));
  // The 1.10 object formats checksum every piece of metadata (superblock, object headers, chunk
  // indexes), not only the chunks: readers need HDF5 >= 1.10 (2016).
  h5::check(H5Pset_libver_bounds(fapl.get(), H5F_LIBVER_V110, H5F_LIBVER_V110), Failure::kInternal,
            what);
  h5::check(H5Pset_file_locking(fapl.get(), false, true), Failure::kInternal, what);
  // No chunk cache: every column is written whole, so its chunks go straight to the file and
  // have their addresses at once (record_chunks), instead of waiting in a cache for a flush.
  h5::check(H5Pset_cache(fapl.get(), 0, 0, 0, 0.75), Failure::kInternal, what);
  // The user block holds the header (shard_header.hpp), written once the file is closed.
  h5::PropList fcpl(h5::check_id(H5Pcreate(H5P_FILE_CREATE), Failure::kInternal, what));
  h5::check(H5Pset_userblock(fcpl.get(), kShardHeaderBytes), Failure::kInternal, what);
  const hid_t file = H5Fcreate(path_.c_str(), H5F_ACC_TRUNC, fcpl.get(), fapl.get());
  file_ = h5::File(h5::check_id(file, Failure::kInternal, what));
  try {
    for (const auto& [name, value] : attributes) {
      if (const auto* i = std::get_if<int64_t>(&value))
        h5::write_attribute(file_.get(), name.c_str(), *i, where("/"));
      else
        h5::write_attribute(file_.get(), name.c_str(), std::get<std::string>(value), where("/"));
    }
    h5::write_attribute(file_.get(), shard_attr::kCompression,
                        std::string(compression_name(options_.compression)), where("/"));
    h5::write_attribute(file_.get(), shard_attr::kCompressionLevel,
                        int64_t{options_.compression == Compression::kNone ? 0 : options_.level},
                        where("/"));
    root_attributes_ = attributes;
    root_attributes_[shard_attr::kCompression] =
        std::string(compression_name(options_.compression));
    root_attributes_[shard_attr::kCompressionLevel] =
        int64_t{options_.compression == Compression::kNone ? 0 : options_.level};
  } catch (const Error& e) {
    abandon();
    rethrow_disk_full(e);
    throw;
  } catch (...) {
    abandon();
    throw;
  }
}

ShardWriter::~ShardWriter() {
  if (!done_) abandon();
}

std::string ShardWriter::where(const std::string& object) const {
  return object + " in shard file " + path_.string();
}

void ShardWriter::rethrow_disk_full(const Error& e) const {
  // One sentence naming the folder, as for every other file written (atomic_file.hpp).
  if (const int err = disk_full_in(e.what())) throw write_error(path_, err);
}

void ShardWriter::abandon() noexcept {
  done_ = true;
  file_.reset();
  std::error_code ec;
  fs::remove(path_, ec);
}

void ShardWriter::write_table(const std::string& table, const Batch& rows) {
  if (done_) throw internal_error("shard file {} is already closed", path_.string());
  std::vector<EncodedColumn> columns;
  try {
    for (const auto& c : rows.columns) {
      if (c.size() != rows.rows())
        throw internal_error("column {} of table {} has {} rows, the table {}", c.name, table,
                             c.size(), rows.rows());
      columns.push_back(encode_column(c, table, options_));
    }
  } catch (...) {
    abandon();
    throw;
  }
  write_encoded(table, rows.rows(), columns);
}

void ShardWriter::write_encoded(const std::string& table, uint64_t rows,
                                std::span<const EncodedColumn> columns) {
  if (done_) throw internal_error("shard file {} is already closed", path_.string());
  h5::Lock lock(h5::mutex());
  try {
    check_object_name(table, "table", "");
    if (!tables_.insert(table).second)
      throw internal_error("table {} is written twice to shard file {}", table, path_.string());
    std::set<std::string> names;
    std::vector<std::string> column_names, type_names;
    for (const auto& c : columns) {
      check_object_name(c.name, "column", table);
      if (c.values.rows != rows)
        throw internal_error("column {} of table {} has {} rows, the table {}", c.name, table,
                             c.values.rows, rows);
      if (!names.insert(c.name).second)
        throw internal_error("column {} appears twice in table {}", c.name, table);
      column_names.push_back(c.name);
      type_names.emplace_back(column_type_name(c.type));
    }
    for (const auto& c : columns) {
      const std::string dict_name = c.name + std::string(kDictionarySuffix);
      if (c.type == ColumnType::kString && names.count(dict_name) > 0)
        throw data_error(
            "columns {} and {} of table {} cannot both be stored (the second name "
            "is the first one's dictionary)",
            c.name, dict_name, table);
    }

    const std::string group_where = where("table /" + table);
    h5::Group group(
        h5::check_id(H5Gcreate2(file_.get(), table.c_str(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
                     Failure::kInternal, "cannot create " + group_where));
    h5::write_attribute(group.get(), shard_attr::kRows, static_cast<int64_t>(rows), group_where);
    h5::write_attribute(group.get(), shard_attr::kColumns, column_names, group_where);
    h5::write_attribute(group.get(), shard_attr::kTypes, type_names, group_where);
    DirectoryTable& listed = directory_.tables[table];
    listed.rows = rows;
    for (const auto& c : columns) listed.columns.emplace_back(c.name, c.type);
    for (const auto& c : columns) write_column(group.get(), table, c);
  } catch (const Error& e) {
    abandon();
    rethrow_disk_full(e);
    throw;
  } catch (...) {
    abandon();
    throw;
  }
}

h5::Dataset ShardWriter::write_dataset(hid_t group, const std::string& table,
                                       const std::string& name, const EncodedDataset& data) {
  const std::string what = "cannot write dataset " + where("/" + table + "/" + name);
  h5::Datatype string_type;
  hid_t file_type = file_int_type(data.width);
  if (data.kind == EncodedDataset::Kind::kFixedString) {
    string_type = h5::fixed_string_type(data.width);
    file_type = string_type.get();
  }
  h5::Dataset d = h5::create_dataset(group, name, file_type, data.rows,
                                     column_options(options_, data.chunk_rows, data.width),
                                     Failure::kInternal, what);
  // The chunks are already filtered (column_encoder.hpp): HDF5 only stores them.
  uint64_t begin = 0;
  for (size_t k = 0; k < data.ends.size(); ++k) {
    const hsize_t offset = k * data.chunk_rows;
    h5::check(H5Dwrite_chunk(d.get(), H5P_DEFAULT, 0, &offset, data.ends[k] - begin,
                             data.bytes.data() + begin),
              Failure::kInternal, what);
    begin = data.ends[k];
  }
  record_chunks(table, name, d, data.rows, what);
  return d;
}

void ShardWriter::write_column(hid_t group, const std::string& table, const EncodedColumn& c) {
  const std::string object = where("/" + table + "/" + c.name);
  h5::Dataset d = write_dataset(group, table, c.name, c.values);
  switch (c.type) {
    case ColumnType::kInt64:
    case ColumnType::kDecimal:
      h5::write_attribute(d.get(), shard_attr::kType, std::string(column_type_name(c.type)),
                          object);
      h5::write_attribute(d.get(), shard_attr::kMissing, c.missing, object);
      if (c.type == ColumnType::kDecimal)
        h5::write_attribute(d.get(), shard_attr::kScale, kDecimalScale, object);
      break;
    case ColumnType::kDate:
      h5::write_attribute(d.get(), shard_attr::kType, std::string("date"), object);
      h5::write_attribute(d.get(), shard_attr::kMissing, c.missing, object);
      h5::write_attribute(d.get(), shard_attr::kUnits, std::string(kDateUnits), object);
      break;
    case ColumnType::kString: {
      const std::string dict_name = c.name + std::string(kDictionarySuffix);
      h5::write_attribute(d.get(), shard_attr::kType, std::string("string"), object);
      h5::write_attribute(d.get(), shard_attr::kDictionary, dict_name, object);
      if (!c.dictionary) throw internal_error("string column {} has no dictionary", c.name);
      h5::Dataset dict = write_dataset(group, table, dict_name, *c.dictionary);
      h5::write_attribute(dict.get(), shard_attr::kType, std::string("dictionary"),
                          where("/" + table + "/" + dict_name));
      break;
    }
  }
}

void ShardWriter::record_chunks(const std::string& table, const std::string& name,
                                const h5::Dataset& d, uint64_t rows, const std::string& what) {
  h5::PropList dcpl(h5::check_id(H5Dget_create_plist(d.get()), Failure::kInternal, what));
  h5::Datatype type(h5::check_id(H5Dget_type(d.get()), Failure::kInternal, what));
  hsize_t chunk = 0;
  h5::check(H5Pget_chunk(dcpl.get(), 1, &chunk), Failure::kInternal, what);
  auto pipeline = ChunkPipeline::of(dcpl.get(), H5Tget_size(type.get()));
  if (!pipeline || chunk == 0) return;  // readers take the HDF5 path for this dataset
  DirectoryDataset e;
  e.rows = rows;
  e.chunk_rows = chunk;
  e.pipeline = std::move(*pipeline);
  const uint64_t chunks = (rows + chunk - 1) / chunk;
  e.chunks.resize(chunks);
  bool flushed = false;
  for (uint64_t k = 0; k < chunks; ++k) {
    const hsize_t offset = k * chunk;
    unsigned mask = 0;
    haddr_t address = HADDR_UNDEF;
    hsize_t size = 0;
    h5::check(H5Dget_chunk_info_by_coord(d.get(), &offset, &mask, &address, &size),
              Failure::kInternal, what);
    if ((address == HADDR_UNDEF || size == 0) && !flushed) {
      // A chunk still in HDF5's chunk cache has no address yet (the file's cache is off, so
      // this is rare: flushing every dataset, metadata included, cost a tenth of the write).
      h5::check(H5Dflush(d.get()), Failure::kInternal, what);
      flushed = true;
      h5::check(H5Dget_chunk_info_by_coord(d.get(), &offset, &mask, &address, &size),
                Failure::kInternal, what);
    }
    if (address == HADDR_UNDEF || size == 0) return;
    if (!chunk_base_) chunk_base_ = chunk_address_base(d.get(), offset, address, size);
    if (*chunk_base_ == kNoBase) return;
    e.chunks[k] = {address + *chunk_base_, size, mask};
  }
  directory_.datasets[ChunkDirectory::key(table, name)] = std::move(e);
}

uint64_t ShardWriter::chunk_address_base(hid_t d, const hsize_t& offset, uint64_t address,
                                         uint64_t size) const {
  // HDF5 1.10 reports chunk addresses from the end of the user block (H5Dget_offset counts from
  // the start of the file); a later release may count from the start. The first chunk's bytes,
  // read back both ways, say which: its stored bytes lie at exactly one of the two places.
  std::vector<char> stored(size), found(size);
  uint32_t mask = 0;
  if (H5Dread_chunk(d, H5P_DEFAULT, &offset, &mask, stored.data()) < 0) {
    H5Eclear2(H5E_DEFAULT);
    return kNoBase;
  }
  const int fd = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return kNoBase;
  uint64_t base = kNoBase;
  for (const uint64_t candidate : {uint64_t{kShardHeaderBytes}, uint64_t{0}}) {
    const ssize_t got = ::pread(fd, found.data(), size, static_cast<off_t>(address + candidate));
    if (got == static_cast<ssize_t>(size) && found == stored) {
      base = candidate;
      break;
    }
  }
  ::close(fd);
  return base;
}

void ShardWriter::write_directory() {
  const std::string what = "cannot write dataset " + where(std::string("/") + kChunkDirectoryName);
  // Serialised once to learn its size (the self address is fixed-width), then again once the
  // dataset, allocated at creation, knows its own address.
  std::vector<char> bytes = directory_.serialise();
  const hsize_t size = bytes.size();
  h5::Dataspace space(h5::check_id(H5Screate_simple(1, &size, nullptr), Failure::kInternal, what));
  h5::PropList dcpl(h5::check_id(H5Pcreate(H5P_DATASET_CREATE), Failure::kInternal, what));
  h5::check(H5Pset_layout(dcpl.get(), H5D_CONTIGUOUS), Failure::kInternal, what);
  h5::check(H5Pset_alloc_time(dcpl.get(), H5D_ALLOC_TIME_EARLY), Failure::kInternal, what);
  h5::Dataset d(h5::check_id(H5Dcreate2(file_.get(), kChunkDirectoryName, H5T_STD_U8LE, space.get(),
                                        H5P_DEFAULT, dcpl.get(), H5P_DEFAULT),
                             Failure::kInternal, what));
  const haddr_t address = H5Dget_offset(d.get());
  if (address == HADDR_UNDEF) h5::fail(Failure::kInternal, what);
  directory_.self_address = address;
  bytes = directory_.serialise();
  if (bytes.size() != size) throw internal_error("the chunk directory changed size");
  directory_size_ = size;
  h5::check(H5Dwrite(d.get(), H5T_NATIVE_UINT8, H5S_ALL, H5S_ALL, H5P_DEFAULT, bytes.data()),
            Failure::kInternal, what);
}

void ShardWriter::write_header() const {
  ShardHeader header;
  header.directory_address = directory_.self_address;
  header.directory_size = directory_size_;
  header.attributes = root_attributes_;
  header.attributes[shard_attr::kFormatVersion] = kShardFormatVersion;
  // Too many attributes for the block: no header, and readers go through HDF5 (still correct).
  const auto bytes = header.serialise();
  if (!bytes) return;
  const int fd = ::open(path_.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0)
    throw data_error("cannot write the header of shard file {}: {}", path_.string(),
                     std::strerror(errno));
  if (const int failed = write_all_at(fd, std::string_view(bytes->data(), bytes->size()), 0)) {
    ::close(fd);
    throw data_error("cannot write the header of shard file {}: {}", path_.string(),
                     std::strerror(failed));
  }
  if (::close(fd) != 0)
    throw data_error("cannot write the header of shard file {}: {}", path_.string(),
                     std::strerror(errno));
}

void ShardWriter::close() {
  if (done_) throw internal_error("shard file {} is already closed", path_.string());
  h5::Lock lock(h5::mutex());
  try {
    write_directory();
    // The version goes last: a file without it was never completed.
    h5::write_attribute(file_.get(), shard_attr::kFormatVersion, kShardFormatVersion, where("/"));
    file_.close(Failure::kInternal, "cannot close shard file " + path_.string());
    write_header();
    done_ = true;
  } catch (const Error& e) {
    abandon();
    rethrow_disk_full(e);
    throw;
  } catch (...) {
    abandon();
    throw;
  }
}

}  // namespace snds
