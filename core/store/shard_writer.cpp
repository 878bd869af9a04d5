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

// A string column as a sorted dictionary of its distinct values plus one int32 code per row.
// Sorted (byte order) so codes compare as their strings do and the file does not depend on the
// row order of equal values; "" (missing), when present, is code 0.
struct Encoded {
  std::vector<std::string_view> dictionary;  // views into the column's arena
  std::vector<int32_t> codes;
};

Encoded encode_strings(const StringColumn& column) {
  Encoded out;
  const size_t n = column.size();
  out.codes.resize(n);
  boost::unordered_flat_map<std::string_view, uint32_t> ids;
  std::string_view previous;
  uint32_t previous_id = UINT32_MAX;
  for (size_t i = 0; i < n; ++i) {
    const std::string_view s = column.at(i);
    // Rows are sorted by patient: runs of equal values are common (patient ids, codes).
    if (previous_id != UINT32_MAX && s == previous) {
      out.codes[i] = static_cast<int32_t>(previous_id);
      continue;
    }
    auto [it, inserted] = ids.try_emplace(s, static_cast<uint32_t>(out.dictionary.size()));
    if (inserted) {
      if (out.dictionary.size() >= static_cast<size_t>(INT32_MAX))
        throw internal_error("a string column has more than 2^31 distinct values");
      out.dictionary.push_back(s);
    }
    previous = s;
    previous_id = it->second;
    out.codes[i] = static_cast<int32_t>(previous_id);
  }
  std::vector<uint32_t> order(out.dictionary.size());
  std::iota(order.begin(), order.end(), 0u);
  std::sort(order.begin(), order.end(),
            [&](uint32_t a, uint32_t b) { return out.dictionary[a] < out.dictionary[b]; });
  std::vector<int32_t> code_of(order.size());
  std::vector<std::string_view> sorted(order.size());
  for (size_t k = 0; k < order.size(); ++k) {
    code_of[order[k]] = static_cast<int32_t>(k);
    sorted[k] = out.dictionary[order[k]];
  }
  for (auto& c : out.codes) c = code_of[static_cast<size_t>(c)];
  out.dictionary = std::move(sorted);
  return out;
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

// The chunk length: at most `max_rows`, and equal chunks rather than a short last one, since HDF5
// stores an edge chunk at full size (uncompressed files would carry the padding).
uint64_t even_chunk_rows(uint64_t rows, uint64_t max_rows) {
  if (rows <= max_rows) return std::max<uint64_t>(rows, 1);
  const uint64_t chunks = (rows + max_rows - 1) / max_rows;
  return (rows + chunks - 1) / chunks;
}

// Creates /<table>/<name> with `rows` elements of `file_type`, in equal chunks.
h5::Dataset create_dataset(hid_t group, const std::string& name, hid_t file_type, uint64_t rows,
                           uint64_t chunk_rows, const ShardWriterOptions& options,
                           const std::string& what) {
  const h5::DatasetOptions o =
      column_options(options, even_chunk_rows(rows, chunk_rows), H5Tget_size(file_type));
  return h5::create_dataset(group, name, file_type, rows, o, Failure::kInternal, what);
}

void write_all(const h5::Dataset& dataset, hid_t memory_type, const void* data, uint64_t rows,
               const std::string& what) {
  if (rows == 0) return;
  h5::check(H5Dwrite(dataset.get(), memory_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data),
            Failure::kInternal, what);
}

// The narrowest signed width (bytes) holding every value of an int64 column, missing values
// (kMissingInt) taking the narrow type's minimum, which no real value may then use.
size_t narrow_int_width(const std::vector<int64_t>& values) {
  int64_t lo = 0, hi = 0;
  for (const int64_t v : values) {
    if (v == kMissingInt) continue;
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
  if (lo > INT8_MIN && hi <= INT8_MAX) return 1;
  if (lo > INT16_MIN && hi <= INT16_MAX) return 2;
  if (lo > INT32_MIN && hi <= INT32_MAX) return 4;
  return 8;
}

template <typename Narrow>
std::vector<Narrow> narrowed(const std::vector<int64_t>& values) {
  std::vector<Narrow> out(values.size());
  for (size_t i = 0; i < values.size(); ++i)
    out[i] = values[i] == kMissingInt ? std::numeric_limits<Narrow>::min()
                                      : static_cast<Narrow>(values[i]);
  return out;
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
  h5::Lock lock(h5::mutex());
  try {
    check_object_name(table, "table", "");
    if (!tables_.insert(table).second)
      throw internal_error("table {} is written twice to shard file {}", table, path_.string());
    const uint64_t n = rows.rows();
    std::set<std::string> names;
    std::vector<std::string> column_names, type_names;
    for (const auto& c : rows.columns) {
      check_object_name(c.name, "column", table);
      if (c.size() != n)
        throw internal_error("column {} of table {} has {} rows, the table {}", c.name, table,
                             c.size(), n);
      if (!names.insert(c.name).second)
        throw internal_error("column {} appears twice in table {}", c.name, table);
      column_names.push_back(c.name);
      type_names.emplace_back(column_type_name(c.type));
    }
    for (const auto& c : rows.columns) {
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
    h5::write_attribute(group.get(), shard_attr::kRows, static_cast<int64_t>(n), group_where);
    h5::write_attribute(group.get(), shard_attr::kColumns, column_names, group_where);
    h5::write_attribute(group.get(), shard_attr::kTypes, type_names, group_where);
    DirectoryTable& listed = directory_.tables[table];
    listed.rows = n;
    for (const auto& c : rows.columns) listed.columns.emplace_back(c.name, c.type);
    for (const auto& c : rows.columns) write_column(group.get(), table, c);
  } catch (const Error& e) {
    abandon();
    rethrow_disk_full(e);
    throw;
  } catch (...) {
    abandon();
    throw;
  }
}

void ShardWriter::write_column(hid_t group, const std::string& table, const Column& column) {
  const std::string object = "/" + table + "/" + column.name;
  const std::string what = "cannot write dataset " + where(object);
  const uint64_t n = column.size();
  const uint64_t chunk = options_.chunk_rows;
  switch (column.type) {
    case ColumnType::kInt64:
    case ColumnType::kDecimal: {
      // Narrowed (format 2): fewer bytes to compress, store, read and decompress.
      const size_t width = narrow_int_width(column.ints);
      h5::Dataset d =
          create_dataset(group, column.name, file_int_type(width), n, chunk, options_, what);
      int64_t missing = kMissingInt;
      switch (width) {
        case 1:
          write_all(d, H5T_NATIVE_INT8, narrowed<int8_t>(column.ints).data(), n, what);
          missing = INT8_MIN;
          break;
        case 2:
          write_all(d, H5T_NATIVE_INT16, narrowed<int16_t>(column.ints).data(), n, what);
          missing = INT16_MIN;
          break;
        case 4:
          write_all(d, H5T_NATIVE_INT32, narrowed<int32_t>(column.ints).data(), n, what);
          missing = INT32_MIN;
          break;
        default:
          write_all(d, H5T_NATIVE_INT64, column.ints.data(), n, what);
          break;
      }
      record_chunks(table, column.name, d, n, what);
      h5::write_attribute(d.get(), shard_attr::kType, std::string(column_type_name(column.type)),
                          where(object));
      h5::write_attribute(d.get(), shard_attr::kMissing, missing, where(object));
      if (column.type == ColumnType::kDecimal)
        h5::write_attribute(d.get(), shard_attr::kScale, kDecimalScale, where(object));
      break;
    }
    case ColumnType::kDate: {
      h5::Dataset d = create_dataset(group, column.name, H5T_STD_I32LE, n, chunk, options_, what);
      write_all(d, H5T_NATIVE_INT32, column.dates.data(), n, what);
      record_chunks(table, column.name, d, n, what);
      h5::write_attribute(d.get(), shard_attr::kType, std::string("date"), where(object));
      h5::write_attribute(d.get(), shard_attr::kMissing, int64_t{kMissingDate}, where(object));
      h5::write_attribute(d.get(), shard_attr::kUnits, std::string(kDateUnits), where(object));
      break;
    }
    case ColumnType::kString: {
      Encoded encoded = encode_strings(column.strings);
      const std::string dict_name = column.name + std::string(kDictionarySuffix);
      {
        // Codes index the dictionary: as narrow as its size allows (format 2).
        const size_t entries = encoded.dictionary.size();
        const size_t width = entries <= 128 ? 1 : entries <= 32768 ? 2 : 4;
        h5::Dataset d =
            create_dataset(group, column.name, file_int_type(width), n, chunk, options_, what);
        write_all(d, H5T_NATIVE_INT32, encoded.codes.data(), n, what);  // HDF5 narrows
        record_chunks(table, column.name, d, n, what);
        h5::write_attribute(d.get(), shard_attr::kType, std::string("string"), where(object));
        h5::write_attribute(d.get(), shard_attr::kDictionary, dict_name, where(object));
      }
      std::vector<int32_t>().swap(encoded.codes);  // free before the dictionary's buffers

      // The dictionary: fixed-length, null-padded UTF-8 strings, as wide as the longest value.
      // A NUL byte inside a value would be read back as the end of the string: refuse it.
      size_t width = 1;
      for (const auto& s : encoded.dictionary) {
        if (s.find('\0') != std::string_view::npos)
          throw data_error("column {} of table {} holds a NUL byte, which the store cannot keep",
                           column.name, table);
        width = std::max(width, s.size());
      }
      const std::string dict_object = "/" + table + "/" + dict_name;
      const std::string dict_what = "cannot write dataset " + where(dict_object);
      const uint64_t d_rows = encoded.dictionary.size();
      const uint64_t d_chunk =
          even_chunk_rows(d_rows, std::clamp<uint64_t>(kDictionaryChunkBytes / width, 1, chunk));
      h5::Datatype type = h5::fixed_string_type(width);
      h5::Dataset d =
          create_dataset(group, dict_name, type.get(), d_rows, d_chunk, options_, dict_what);
      // Written one chunk at a time: the padded form of a wide dictionary never sits in memory.
      std::vector<char> slab;
      h5::Dataspace file_space(h5::check_id(H5Dget_space(d.get()), Failure::kInternal, dict_what));
      for (uint64_t start = 0; start < d_rows; start += d_chunk) {
        const uint64_t count = std::min(d_chunk, d_rows - start);
        slab.assign(count * width, '\0');
        for (uint64_t k = 0; k < count; ++k) {
          const std::string_view s = encoded.dictionary[start + k];
          std::memcpy(slab.data() + k * width, s.data(), s.size());
        }
        const hsize_t offset = start, extent = count;
        h5::check(H5Sselect_hyperslab(file_space.get(), H5S_SELECT_SET, &offset, nullptr, &extent,
                                      nullptr),
                  Failure::kInternal, dict_what);
        h5::Dataspace memory_space(
            h5::check_id(H5Screate_simple(1, &extent, nullptr), Failure::kInternal, dict_what));
        h5::check(H5Dwrite(d.get(), type.get(), memory_space.get(), file_space.get(), H5P_DEFAULT,
                           slab.data()),
                  Failure::kInternal, dict_what);
      }
      record_chunks(table, dict_name, d, d_rows, dict_what);
      h5::write_attribute(d.get(), shard_attr::kType, std::string("dictionary"),
                          where(dict_object));
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
