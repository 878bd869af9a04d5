// Shard file reading: metadata at open, columns on demand, dictionary decoding, read_shard().
#include "core/store/shard_reader.hpp"

#include <fcntl.h>
#include <omp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <exception>
#include <mutex>
#include <span>

#include "core/buffer_pool.hpp"
#include "core/catalog.hpp"
#include "core/error.hpp"
#include "core/multiversion.hpp"
#include "core/store/shard_decoding.hpp"
#include "core/store/shard_header.hpp"

namespace snds {
namespace fs = std::filesystem;
using h5::Failure;

namespace {

std::optional<ColumnType> parse_column_type(const std::string& name) {
  for (ColumnType t :
       {ColumnType::kInt64, ColumnType::kDecimal, ColumnType::kDate, ColumnType::kString})
    if (name == column_type_name(t)) return t;
  return std::nullopt;
}

herr_t collect_link(hid_t, const char* name, const H5L_info_t*, void* data) {
  static_cast<std::vector<std::string>*>(data)->emplace_back(name);
  return 0;
}

herr_t collect_attribute(hid_t, const char* name, const H5A_info_t*, void* data) {
  static_cast<std::vector<std::string>*>(data)->emplace_back(name);
  return 0;
}

// Opens a dataset and checks it is 1-D with `rows` elements of an integer type.
// `stored`, when given, receives the dataset's datatype (for its size, order and sign).
h5::Dataset open_integer_dataset(hid_t loc, const std::string& object, uint64_t rows,
                                 const std::string& where, h5::Datatype* stored = nullptr) {
  const std::string what = "cannot read dataset " + where;
  h5::Dataset d(h5::check_id(H5Dopen2(loc, object.c_str(), H5P_DEFAULT), Failure::kData, what));
  h5::Datatype type(h5::check_id(H5Dget_type(d.get()), Failure::kData, what));
  if (H5Tget_class(type.get()) != H5T_INTEGER)
    throw data_error("dataset {} is not an integer dataset", where);
  if (stored) *stored = std::move(type);
  h5::Dataspace space(h5::check_id(H5Dget_space(d.get()), Failure::kData, what));
  const hssize_t n = H5Sget_simple_extent_npoints(space.get());
  if (H5Sget_simple_extent_ndims(space.get()) != 1 || n < 0 || static_cast<uint64_t>(n) != rows)
    throw data_error("dataset {} holds {} values where its table has {} rows", where, n, rows);
  return d;
}

template <typename T>
std::vector<T> read_all(const h5::Dataset& d, hid_t memory_type, uint64_t rows,
                        const std::string& where) {
  std::vector<T> out(rows);
  if (rows > 0)
    h5::check(H5Dread(d.get(), memory_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, out.data()),
              Failure::kData, "cannot read dataset " + where);
  return out;
}

// Codes into a dictionary, expanded into one string per row (one allocation for the bytes).
StringColumn expand_codes(const std::vector<int32_t>& codes, const StringColumn& dictionary) {
  const auto& dict_offsets = dictionary.offsets();
  const char* dict_bytes = dictionary.bytes().data();
  uint64_t total = 0;
  for (const int32_t code : codes)
    total += dict_offsets[static_cast<size_t>(code) + 1] - dict_offsets[static_cast<size_t>(code)];
  std::string bytes(total, '\0');
  std::vector<uint64_t> offsets(codes.size() + 1);
  uint64_t at = 0;
  for (size_t i = 0; i < codes.size(); ++i) {
    const auto code = static_cast<size_t>(codes[i]);
    const uint64_t len = dict_offsets[code + 1] - dict_offsets[code];
    std::memcpy(bytes.data() + at, dict_bytes + dict_offsets[code], len);
    at += len;
    offsets[i + 1] = at;
  }
  StringColumn out;
  out.assign(std::move(bytes), std::move(offsets));
  return out;
}

// Narrowed string codes (1 or 2 bytes) to int32 (codes have no missing value).
template <typename N>
void widen_codes(const char* narrow, size_t n, int32_t* out) {
  const auto* v = reinterpret_cast<const N*>(narrow);
  for (size_t i = 0; i < n; ++i) out[i] = v[i];
}

// Codes must index their dictionary: a reduction first (vectorised), the message only on failure.
SNDS_MULTIVERSION void check_codes(const int32_t* codes, size_t n, uint64_t dictionary_size,
                                   const std::string& where) {
  int32_t lo = 0, hi = 0;
  for (size_t i = 0; i < n; ++i) {
    lo = std::min(lo, codes[i]);
    hi = std::max(hi, codes[i]);
  }
  if (lo < 0 || (n > 0 && static_cast<uint64_t>(hi) >= dictionary_size))
    throw data_error("dataset {} holds a code outside its dictionary (the file is corrupt)", where);
}

// Copies every chunk of a chunked dataset out as stored (H5Dread_chunk: filtered bytes and the
// filter mask); false when one is not allocated (the caller then reads through H5Dread).
bool copy_stored_chunks(hid_t d, uint64_t rows, hsize_t chunk,
                        std::vector<std::vector<char>>& chunks, std::vector<uint32_t>& masks,
                        const std::string& what) {
  const uint64_t n = (rows + chunk - 1) / chunk;
  chunks.resize(n);
  masks.resize(n);
  for (uint64_t k = 0; k < n; ++k) {
    const hsize_t offset = k * chunk;
    hsize_t bytes = 0;
    if (H5Dget_chunk_storage_size(d, &offset, &bytes) < 0 || bytes == 0) return false;
    chunks[k] = buffer_pool::take_bytes(bytes);  // overwritten whole: no zero-fill
    h5::check(H5Dread_chunk(d, H5P_DEFAULT, &offset, &masks[k], chunks[k].data()), Failure::kData,
              what);
  }
  return true;
}

}  // namespace

ShardReader::ShardReader(fs::path path, bool use_chunk_directory) : path_(std::move(path)) {
  h5::init();
  std::error_code ec;
  if (!fs::is_regular_file(path_, ec))
    throw data_error("shard file {} does not exist", path_.string());
  if (use_chunk_directory && open_from_header()) return;
  h5::Lock lock(h5::mutex());
  const std::string what = "cannot open shard file " + path_.string();
  file();

  // File attributes: integers and strings (the writer writes no other kind).
  std::vector<std::string> names;
  hsize_t index = 0;
  h5::check(H5Aiterate2(file_.get(), H5_INDEX_NAME, H5_ITER_INC, &index, collect_attribute, &names),
            Failure::kData, what);
  for (const auto& name : names) {
    h5::Attribute attr(
        h5::check_id(H5Aopen(file_.get(), name.c_str(), H5P_DEFAULT), Failure::kData, what));
    h5::Datatype type(h5::check_id(H5Aget_type(attr.get()), Failure::kData, what));
    const H5T_class_t cls = H5Tget_class(type.get());
    if (cls == H5T_INTEGER)
      attributes_[name] = h5::read_int_attribute(file_.get(), name.c_str(), where("/"));
    else if (cls == H5T_STRING)
      attributes_[name] = h5::read_string_attribute(file_.get(), name.c_str(), where("/"));
  }
  check_format_version();
  const int64_t version = *int_attribute(shard_attr::kFormatVersion);

  std::vector<std::string> links;
  index = 0;
  h5::check(H5Literate(file_.get(), H5_INDEX_NAME, H5_ITER_INC, &index, collect_link, &links),
            Failure::kData, what);
  // Table metadata (rows, columns, types) is read when a table is first asked for: a job reads
  // a few of a shard's tables, and every attribute read is an HDF5 metadata lookup.
  for (const auto& table : links)
    if (table != kChunkDirectoryName) tables_.emplace(table, std::nullopt);
  if (use_chunk_directory && version >= 3 &&
      std::find(links.begin(), links.end(), kChunkDirectoryName) != links.end())
    load_directory();
}

void ShardReader::check_format_version() const {
  const auto version = int_attribute(shard_attr::kFormatVersion);
  if (!version)
    throw data_error(
        "{} is not a complete snds-batch shard (no {} attribute: its writer did not "
        "finish, or another program wrote it)",
        path_.string(), shard_attr::kFormatVersion);
  if (*version < 1 || *version > kShardFormatVersion)
    throw data_error("shard file {} has format version {}; this snds-batch reads versions 1 to {}",
                     path_.string(), *version, kShardFormatVersion);
}

hid_t ShardReader::file() const {
  h5::Lock lock(h5::mutex());
  if (!file_.valid()) {
    const std::string what = "cannot open shard file " + path_.string();
    h5::PropList fapl(h5::check_id(H5Pcreate(H5P_FILE_ACCESS), Failure::kInternal, what));
    h5::check(H5Pset_file_locking(fapl.get(), false, true), Failure::kInternal, what);
    file_ = h5::File(
        h5::check_id(H5Fopen(path_.c_str(), H5F_ACC_RDONLY, fapl.get()), Failure::kData, what));
  }
  return file_.get();
}

namespace {

// Reads exactly bytes.size() bytes at `offset`. Returns 0, the errno of a failed read, or -1 when
// the file ends first.
int pread_exactly(int fd, std::span<char> bytes, uint64_t offset) {
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t got =
        ::pread(fd, bytes.data() + done, bytes.size() - done, static_cast<off_t>(offset + done));
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) return errno;
    if (got == 0) return -1;
    done += static_cast<size_t>(got);
  }
  return 0;
}

}  // namespace

bool ShardReader::open_from_header() {
  const int fd = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  auto give_up = [fd] {
    ::close(fd);
    return false;
  };
  struct stat st {};
  if (::fstat(fd, &st) != 0) return give_up();
  const auto size = static_cast<uint64_t>(st.st_size);
  std::vector<char> block(std::min<uint64_t>(kShardHeaderBytes, size));
  if (pread_exactly(fd, block, 0) != 0) return give_up();
  auto header = ShardHeader::parse(block);
  if (!header || header->directory_size == 0 || header->directory_address > size ||
      header->directory_size > size - header->directory_address)
    return give_up();
  std::vector<char> bytes(header->directory_size);
  if (pread_exactly(fd, bytes, header->directory_address) != 0) return give_up();
  // The directory checks itself (magic, checksum) and must say it lies where the header says: a
  // rewritten file (h5repack keeping the user block) has something else there.
  auto directory = ChunkDirectory::parse(bytes);
  if (!directory || directory->self_address != header->directory_address) return give_up();
  attributes_ = std::move(header->attributes);
  try {
    check_format_version();
  } catch (...) {
    ::close(fd);
    throw;
  }
  for (const auto& [table, info] : directory->tables) tables_.emplace(table, std::nullopt);
  fd_ = fd;
  file_size_ = size;
  directory_ = std::move(directory);
  return true;
}

ShardReader::~ShardReader() {
  if (fd_ >= 0) ::close(fd_);
}

void ShardReader::load_directory() {
  // Any doubt (unreadable, moved, inconsistent) leaves the directory unused: the HDF5 path reads
  // the same values and checks everything itself.
  const std::string what = "cannot read dataset " + where(std::string("/") + kChunkDirectoryName);
  std::vector<char> bytes;
  haddr_t address = HADDR_UNDEF;
  {
    h5::Dataset d(H5Dopen2(file_.get(), kChunkDirectoryName, H5P_DEFAULT));
    if (!d.valid()) return;
    address = H5Dget_offset(d.get());
    h5::Dataspace space(H5Dget_space(d.get()));
    const hssize_t n = space.valid() ? H5Sget_simple_extent_npoints(space.get()) : -1;
    if (address == HADDR_UNDEF || n <= 0) return;
    bytes.resize(static_cast<size_t>(n));
    if (H5Dread(d.get(), H5T_NATIVE_UINT8, H5S_ALL, H5S_ALL, H5P_DEFAULT, bytes.data()) < 0) {
      H5Eclear2(H5E_DEFAULT);
      return;
    }
  }
  auto directory = ChunkDirectory::parse(bytes);
  if (!directory || directory->self_address != address) return;
  for (const auto& [table, info] : directory->tables)
    if (tables_.count(table) == 0) return;
  const int fd = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return;
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    ::close(fd);
    return;
  }
  fd_ = fd;
  file_size_ = static_cast<uint64_t>(st.st_size);
  directory_ = std::move(directory);
}

void ShardReader::read_directory_chunks(const DirectoryDataset& e,
                                        std::vector<std::vector<char>>& chunks,
                                        std::vector<uint32_t>& masks,
                                        const std::string& where) const {
  if (e.chunk_rows == 0 || e.chunks.size() != (e.rows + e.chunk_rows - 1) / e.chunk_rows)
    throw data_error("the chunk directory of shard file {} does not match dataset {}",
                     path_.string(), where);
  chunks.resize(e.chunks.size());
  masks.resize(e.chunks.size());
  for (size_t k = 0; k < e.chunks.size(); ++k) {
    const DirectoryChunk& c = e.chunks[k];
    if (c.size == 0 || c.address > file_size_ || c.size > file_size_ - c.address)
      throw data_error(
          "the chunk directory of shard file {} places a chunk of dataset {} "
          "outside the file (the file is corrupt)",
          path_.string(), where);
    chunks[k] = buffer_pool::take_bytes(c.size);  // overwritten whole: no zero-fill
    masks[k] = c.mask;
    if (const int failed = pread_exactly(fd_, chunks[k], c.address))
      throw data_error("cannot read dataset {}: {}", where,
                       failed > 0 ? std::strerror(failed) : "the file ends early");
  }
}

std::string ShardReader::where(const std::string& object) const {
  return object + " in shard file " + path_.string();
}

std::optional<int64_t> ShardReader::int_attribute(const std::string& name) const {
  auto it = attributes_.find(name);
  if (it == attributes_.end()) return std::nullopt;
  if (const auto* v = std::get_if<int64_t>(&it->second)) return *v;
  return std::nullopt;
}

std::optional<std::string> ShardReader::string_attribute(const std::string& name) const {
  auto it = attributes_.find(name);
  if (it == attributes_.end()) return std::nullopt;
  if (const auto* v = std::get_if<std::string>(&it->second)) return *v;
  return std::nullopt;
}

std::vector<std::string> ShardReader::tables() const {
  std::vector<std::string> out;
  out.reserve(tables_.size());
  for (const auto& [name, info] : tables_) out.push_back(name);
  return out;
}

const ShardReader::TableInfo& ShardReader::table_info(const std::string& table) const {
  auto it = tables_.find(table);
  if (it == tables_.end()) throw data_error("shard file {} has no table {}", path_.string(), table);
  h5::Lock lock(h5::mutex());  // also guards the lazy fill against threads sharing a reader
  if (it->second) return *it->second;
  if (directory_) {
    if (auto listed = directory_->tables.find(table); listed != directory_->tables.end()) {
      TableInfo info;
      info.rows = listed->second.rows;
      for (const auto& [name, type] : listed->second.columns) info.columns.push_back({name, type});
      it->second = std::move(info);
      return *it->second;
    }
  }
  const std::string group_where = where("table /" + table);
  h5::Group group(h5::check_id(H5Gopen2(file(), table.c_str(), H5P_DEFAULT), Failure::kData,
                               "cannot open " + group_where));
  TableInfo info;
  const int64_t rows = h5::read_int_attribute(group.get(), shard_attr::kRows, group_where);
  if (rows < 0) throw data_error("{} has a negative row count", group_where);
  info.rows = static_cast<uint64_t>(rows);
  const auto columns =
      h5::read_string_list_attribute(group.get(), shard_attr::kColumns, group_where);
  const auto types = h5::read_string_list_attribute(group.get(), shard_attr::kTypes, group_where);
  if (columns.size() != types.size())
    throw data_error("{} lists {} columns but {} types", group_where, columns.size(), types.size());
  for (size_t i = 0; i < columns.size(); ++i) {
    const auto type = parse_column_type(types[i]);
    if (!type)
      throw data_error("column {} of {} has unknown type '{}'", columns[i], group_where, types[i]);
    info.columns.push_back({columns[i], *type});
  }
  it->second = std::move(info);
  return *it->second;
}

hid_t ShardReader::table_group(const std::string& table) const {
  h5::Lock lock(h5::mutex());
  auto it = groups_.find(table);
  if (it == groups_.end()) {
    const std::string group_where = where("table /" + table);
    it = groups_
             .emplace(table, h5::Group(h5::check_id(H5Gopen2(file(), table.c_str(), H5P_DEFAULT),
                                                    Failure::kData, "cannot open " + group_where)))
             .first;
  }
  return it->second.get();
}

const StoredColumn& ShardReader::column_info(const std::string& table,
                                             const std::string& column) const {
  for (const auto& c : table_info(table).columns)
    if (c.name == column) return c;
  throw data_error("table {} of shard file {} has no column {}", table, path_.string(), column);
}

uint64_t ShardReader::rows(const std::string& table) const {
  return table_info(table).rows;
}

const std::vector<StoredColumn>& ShardReader::columns(const std::string& table) const {
  return table_info(table).columns;
}

uint64_t ShardReader::stored_bytes(const std::string& table) const {
  const TableInfo& info = table_info(table);
  h5::Lock lock(h5::mutex());
  uint64_t total = 0;
  for (const auto& c : info.columns) {
    std::vector<std::string> objects{"/" + table + "/" + c.name};
    if (c.type == ColumnType::kString)
      objects.push_back(objects[0] + std::string(kDictionarySuffix));
    for (const auto& object : objects) {
      h5::Dataset d(h5::check_id(H5Dopen2(file(), object.c_str(), H5P_DEFAULT), Failure::kData,
                                 "cannot open dataset " + where(object)));
      total += H5Dget_storage_size(d.get());
    }
  }
  return total;
}

// The dictionary of string column dataset `object` (lock held by the caller).
StringColumn ShardReader::read_dictionary(const std::string& object) const {
  const std::string dict_object = object + std::string(kDictionarySuffix);
  const std::string dict_where = where(dict_object);
  const std::string what = "cannot read dataset " + dict_where;
  h5::Dataset d(
      h5::check_id(H5Dopen2(file(), dict_object.c_str(), H5P_DEFAULT), Failure::kData, what));
  h5::Datatype type(h5::check_id(H5Dget_type(d.get()), Failure::kData, what));
  if (H5Tget_class(type.get()) != H5T_STRING || H5Tis_variable_str(type.get()) > 0)
    throw data_error("dataset {} is not a fixed-length string dataset", dict_where);
  const size_t width = H5Tget_size(type.get());
  h5::Dataspace file_space(h5::check_id(H5Dget_space(d.get()), Failure::kData, what));
  const hssize_t n = H5Sget_simple_extent_npoints(file_space.get());
  if (n < 0 || width == 0) h5::fail(Failure::kData, what);
  const uint64_t d_rows = static_cast<uint64_t>(n);

  // Read one chunk's worth of rows at a time: the padded form never sits whole in memory.
  hsize_t chunk = 0;
  {
    h5::PropList dcpl(h5::check_id(H5Dget_create_plist(d.get()), Failure::kData, what));
    if (H5Pget_layout(dcpl.get()) != H5D_CHUNKED || H5Pget_chunk(dcpl.get(), 1, &chunk) < 0)
      chunk = std::max<hsize_t>(1, kDictionaryChunkBytes / width);
  }
  h5::Datatype memory_type = h5::fixed_string_type(width);
  std::string bytes;
  std::vector<uint64_t> offsets;
  offsets.reserve(d_rows + 1);
  offsets.push_back(0);
  std::vector<char> slab;
  for (uint64_t start = 0; start < d_rows; start += chunk) {
    const hsize_t offset = start, count = std::min<uint64_t>(chunk, d_rows - start);
    h5::check(
        H5Sselect_hyperslab(file_space.get(), H5S_SELECT_SET, &offset, nullptr, &count, nullptr),
        Failure::kData, what);
    h5::Dataspace memory_space(
        h5::check_id(H5Screate_simple(1, &count, nullptr), Failure::kData, what));
    slab.assign(count * width, '\0');
    h5::check(H5Dread(d.get(), memory_type.get(), memory_space.get(), file_space.get(), H5P_DEFAULT,
                      slab.data()),
              Failure::kData, what);
    for (hsize_t k = 0; k < count; ++k) {
      const char* s = slab.data() + k * width;
      size_t len = width;
      while (len > 0 && s[len - 1] == '\0') --len;  // null padding
      bytes.append(s, len);
      offsets.push_back(bytes.size());
    }
  }
  StringColumn dictionary;
  dictionary.assign(std::move(bytes), std::move(offsets));
  return dictionary;
}

// The dictionary's stored chunks, when it can be decoded outside HDF5: from the chunk directory,
// or through HDF5 (under the lock).
std::optional<StoredColumnChunks::RawDictionary> ShardReader::read_raw_dictionary(
    const std::string& table, const std::string& column) const {
  const std::string dict_name = column + std::string(kDictionarySuffix);
  StoredColumnChunks::RawDictionary out;
  out.where = where("/" + table + "/" + dict_name);
  if (const DirectoryDataset* e = directory_ ? directory_->find(table, dict_name) : nullptr;
      e && e->rows > 0 && e->chunk_rows > 0 && e->pipeline.element_size > 0) {
    out.pipeline = e->pipeline;
    out.width = e->pipeline.element_size;
    out.rows = e->rows;
    out.chunk_rows = e->chunk_rows;
    read_directory_chunks(*e, out.chunks, out.masks, out.where);
    out.padded = buffer_pool::take_bytes(out.chunks.size() * out.chunk_rows * out.width);
    return out;
  }
  h5::Lock lock(h5::mutex());
  const std::string what = "cannot read dataset " + out.where;
  h5::Dataset d(h5::check_id(H5Dopen2(table_group(table), dict_name.c_str(), H5P_DEFAULT),
                             Failure::kData, what));
  h5::Datatype type(h5::check_id(H5Dget_type(d.get()), Failure::kData, what));
  if (H5Tget_class(type.get()) != H5T_STRING || H5Tis_variable_str(type.get()) > 0 ||
      H5Tget_strpad(type.get()) != H5T_STR_NULLPAD)
    return std::nullopt;
  out.width = H5Tget_size(type.get());
  h5::Dataspace space(h5::check_id(H5Dget_space(d.get()), Failure::kData, what));
  const hssize_t n = H5Sget_simple_extent_npoints(space.get());
  if (n <= 0 || out.width == 0) return std::nullopt;
  out.rows = static_cast<uint64_t>(n);
  h5::PropList dcpl(h5::check_id(H5Dget_create_plist(d.get()), Failure::kData, what));
  hsize_t chunk = 0;
  if (H5Pget_layout(dcpl.get()) != H5D_CHUNKED || H5Pget_chunk(dcpl.get(), 1, &chunk) != 1 ||
      chunk == 0)
    return std::nullopt;
  auto pipeline = ChunkPipeline::of(dcpl.get(), out.width);
  if (!pipeline) return std::nullopt;
  out.pipeline = std::move(*pipeline);
  out.chunk_rows = chunk;
  if (!copy_stored_chunks(d.get(), out.rows, chunk, out.chunks, out.masks, what))
    return std::nullopt;
  out.padded = buffer_pool::take_bytes(out.chunks.size() * chunk * out.width);
  return out;
}

EncodedStringColumn ShardReader::read_string_codes(const std::string& table,
                                                   const std::string& column) const {
  const StoredColumn& info = column_info(table, column);
  if (info.type != ColumnType::kString)
    throw data_error("column {} of table {} in shard file {} is not a string column", column, table,
                     path_.string());
  const uint64_t rows = table_info(table).rows;
  h5::Lock lock(h5::mutex());
  EncodedStringColumn out;
  const std::string object = "/" + table + "/" + column;
  {
    h5::Dataset d = open_integer_dataset(file(), object, rows, where(object));
    out.codes = read_all<int32_t>(d, H5T_NATIVE_INT32, rows, where(object));
  }

  out.dictionary = read_dictionary(object);
  const uint64_t d_rows = out.dictionary.size();
  for (int32_t c : out.codes)
    if (c < 0 || static_cast<uint64_t>(c) >= d_rows)
      throw data_error("dataset {} holds a code outside its dictionary (the file is corrupt)",
                       where(object));
  return out;
}

bool ShardReader::read_hdf5_chunks(const std::string& table, const StoredColumn& info,
                                   StoredColumnChunks& out) const {
  h5::Lock lock(h5::mutex());
  h5::Datatype type;
  h5::Dataset d = open_integer_dataset(table_group(table), info.name, out.rows, out.where, &type);
  const std::string what = "cannot read dataset " + out.where;
  if (info.type == ColumnType::kDecimal &&
      h5::read_int_attribute(d.get(), shard_attr::kScale, out.where) != kDecimalScale)
    throw data_error("dataset {} has a decimal scale other than {}", out.where, kDecimalScale);

  // Decodable outside HDF5: chunked, little-endian signed integers of the native width, known
  // filters, every chunk allocated. Anything else goes through H5Dread (same values, slower).
  if (out.rows == 0) return false;
  const size_t stored = H5Tget_size(type.get());
  if (!((stored == 1 || stored == 2 || stored == 4 || stored == 8) && stored <= out.element_size &&
        H5Tget_order(type.get()) == H5T_ORDER_LE && H5Tget_sign(type.get()) == H5T_SGN_2 &&
        (stored == out.element_size || info.type != ColumnType::kDate)))
    return false;
  out.stored_size = stored;
  h5::PropList dcpl(h5::check_id(H5Dget_create_plist(d.get()), Failure::kData, what));
  hsize_t chunk = 0;
  if (H5Pget_layout(dcpl.get()) != H5D_CHUNKED || H5Pget_chunk(dcpl.get(), 1, &chunk) != 1 ||
      chunk == 0)
    return false;
  auto pipeline = ChunkPipeline::of(dcpl.get(), stored);
  if (!pipeline) return false;
  if (!copy_stored_chunks(d.get(), out.rows, chunk, out.chunks, out.masks, what)) return false;
  out.pipeline = std::move(*pipeline);
  out.chunk_rows = chunk;
  return true;
}

StoredColumnChunks ShardReader::read_stored_chunks(const std::string& table,
                                                   const std::string& column, bool keep_codes,
                                                   bool keep_narrow) const {
  const StoredColumn& info = column_info(table, column);
  const uint64_t rows = table_info(table).rows;
  const std::string object = "/" + table + "/" + info.name;
  StoredColumnChunks out;
  out.rows = rows;
  out.where = where(object);
  out.column = Column(info.name, info.type);
  const bool is_string = info.type == ColumnType::kString;
  const size_t width = info.type == ColumnType::kInt64 || info.type == ColumnType::kDecimal ? 8 : 4;
  out.element_size = width;

  bool raw = false;
  if (const DirectoryDataset* e =
          directory_ && rows > 0 ? directory_->find(table, info.name) : nullptr) {
    const size_t stored = e->pipeline.element_size;
    if (e->rows != rows || !(stored == 1 || stored == 2 || stored == 4 || stored == 8) ||
        stored > width || (stored != width && info.type == ColumnType::kDate))
      throw data_error("the chunk directory of shard file {} does not match dataset {}",
                       path_.string(), out.where);
    out.stored_size = stored;
    out.pipeline = e->pipeline;
    out.chunk_rows = e->chunk_rows;
    read_directory_chunks(*e, out.chunks, out.masks, out.where);
    raw = true;
  } else {
    raw = read_hdf5_chunks(table, info, out);
  }
  if (!raw) {
    if (is_string && keep_codes) {
      EncodedStringColumn e = read_string_codes(table, info.name);
      out.column.codes = std::move(e.codes);
      out.column.dictionary = std::move(e.dictionary);
      out.column.encoded = true;
    } else {
      out.column = read_column(table, info);
    }
    out.decoded = true;
    out.chunks.clear();
    out.masks.clear();
    return out;
  }
  const size_t padded = out.chunks.size() * out.chunk_rows;
  switch (info.type) {
    case ColumnType::kInt64:
    case ColumnType::kDecimal:
      if (keep_narrow && out.stored_size < 8) {
        // Decoded as stored, no widening: element_size becomes the stored size.
        out.element_size = out.stored_size;
        out.column.narrow_width = static_cast<uint8_t>(out.stored_size);
        out.column.narrow = buffer_pool::take_bytes(padded * out.stored_size);
      } else {
        out.column.ints = buffer_pool::take_int64(padded);
      }
      break;
    case ColumnType::kDate:
      out.column.dates = buffer_pool::take_int32(padded);
      break;
    case ColumnType::kString:
      out.column.codes = buffer_pool::take_int32(padded);
      out.dictionary = read_raw_dictionary(table, info.name);
      if (out.dictionary) {
        out.dictionary_size = out.dictionary->rows;
      } else {
        h5::Lock lock(h5::mutex());
        out.column.dictionary = read_dictionary(object);
        out.dictionary_size = out.column.dictionary.size();
      }
      out.column.encoded = true;
      out.expand_strings = !keep_codes;
      break;
  }
  return out;
}

void decode_stored_chunk(StoredColumnChunks& stored, size_t k) {
  if (stored.decoded) return;
  if (k >= stored.chunks.size()) {
    auto& d = *stored.dictionary;
    const size_t j = k - stored.chunks.size();
    const size_t bytes = d.chunk_rows * d.width;
    decode_chunk(d.pipeline, d.chunks[j], d.masks[j],
                 std::span<char>(d.padded.data() + j * bytes, bytes), d.where);
    buffer_pool::give(std::move(d.chunks[j]));
    return;
  }
  Column& c = stored.column;
  char* base = nullptr;
  switch (c.type) {
    case ColumnType::kInt64:
    case ColumnType::kDecimal:
      base = c.narrow_width ? c.narrow.data() : reinterpret_cast<char*>(c.ints.data());
      break;
    case ColumnType::kDate:
      base = reinterpret_cast<char*>(c.dates.data());
      break;
    case ColumnType::kString:
      base = reinterpret_cast<char*>(c.codes.data());
      break;
  }
  const size_t bytes = stored.chunk_rows * stored.element_size;
  const size_t first = k * stored.chunk_rows;
  const size_t valid = std::min<size_t>(stored.rows, first + stored.chunk_rows) - first;
  if (stored.stored_size == stored.element_size) {
    decode_chunk(stored.pipeline, stored.chunks[k], stored.masks[k],
                 std::span<char>(base + k * bytes, bytes), stored.where);
    if (c.type == ColumnType::kString)
      check_codes(c.codes.data() + first, valid, stored.dictionary_size, stored.where);
  } else {
    // Narrowed (format 2): decode the narrow values, then widen them in place of the chunk.
    // Grown only (a resize down then up, column after column, would zero-fill it each time).
    thread_local std::vector<char> narrow_buffer;
    const size_t narrow_bytes = stored.chunk_rows * stored.stored_size;
    if (narrow_buffer.size() < narrow_bytes) narrow_buffer.resize(narrow_bytes);
    const std::span<char> narrow(narrow_buffer.data(), narrow_bytes);
    decode_chunk(stored.pipeline, stored.chunks[k], stored.masks[k], narrow, stored.where);
    if (c.type == ColumnType::kString) {
      int32_t* dst = c.codes.data() + first;
      if (stored.stored_size == 1)
        widen_codes<int8_t>(narrow.data(), stored.chunk_rows, dst);
      else
        widen_codes<int16_t>(narrow.data(), stored.chunk_rows, dst);
      check_codes(dst, valid, stored.dictionary_size, stored.where);
    } else {
      widen_narrow(narrow.data(), stored.stored_size, stored.chunk_rows, c.ints.data() + first);
    }
  }
  buffer_pool::give(std::move(stored.chunks[k]));  // the stored bytes serve the next shard
}

Column finish_stored_column(StoredColumnChunks&& stored) {
  Column c = std::move(stored.column);
  if (stored.decoded) return c;
  if (stored.dictionary) {
    // Null-padded fixed-width strings to an arena (the padding is never part of a value).
    const auto& d = *stored.dictionary;
    // Lengths first, then one sized buffer and a copy per value (no append, no regrowth).
    std::vector<uint64_t> offsets(d.rows + 1, 0);
    for (uint64_t i = 0; i < d.rows; ++i) {
      const char* s = d.padded.data() + i * d.width;
      size_t len = d.width;
      while (len > 0 && s[len - 1] == '\0') --len;
      offsets[i + 1] = offsets[i] + len;
    }
    std::string bytes(offsets[d.rows], '\0');
    for (uint64_t i = 0; i < d.rows; ++i)
      std::memcpy(bytes.data() + offsets[i], d.padded.data() + i * d.width,
                  offsets[i + 1] - offsets[i]);
    c.dictionary.assign(std::move(bytes), std::move(offsets));
    buffer_pool::give(std::move(stored.dictionary->padded));
  }
  const bool is_int = c.type == ColumnType::kInt64 || c.type == ColumnType::kDecimal;
  c.ints.resize(is_int && c.narrow_width == 0 ? stored.rows : 0);
  c.narrow.resize(is_int ? stored.rows * c.narrow_width : 0);
  c.dates.resize(c.type == ColumnType::kDate ? stored.rows : 0);
  c.codes.resize(c.type == ColumnType::kString ? stored.rows : 0);
  if (stored.expand_strings) {
    c.strings = expand_codes(c.codes, c.dictionary);
    c.codes = {};
    c.dictionary = StringColumn();
    c.encoded = false;
  }
  return c;
}

Column ShardReader::read_column(const std::string& table, const StoredColumn& info) const {
  const uint64_t rows = table_info(table).rows;
  const std::string object = "/" + table + "/" + info.name;
  Column column(info.name, info.type);
  switch (info.type) {
    case ColumnType::kInt64:
    case ColumnType::kDecimal: {
      h5::Lock lock(h5::mutex());
      h5::Dataset d = open_integer_dataset(file(), object, rows, where(object));
      if (info.type == ColumnType::kDecimal &&
          h5::read_int_attribute(d.get(), shard_attr::kScale, where(object)) != kDecimalScale)
        throw data_error("dataset {} has a decimal scale other than {}", where(object),
                         kDecimalScale);
      column.ints = read_all<int64_t>(d, H5T_NATIVE_INT64, rows, where(object));
      // A narrowed column (format 2) stores missing as its type's minimum.
      h5::Datatype type(h5::check_id(H5Dget_type(d.get()), Failure::kData, where(object)));
      if (const size_t size = H5Tget_size(type.get()); size < 8) {
        const int64_t narrow_min = -(int64_t{1} << (8 * size - 1));
        for (int64_t& v : column.ints)
          if (v == narrow_min) v = kMissingInt;
      }
      break;
    }
    case ColumnType::kDate: {
      h5::Lock lock(h5::mutex());
      h5::Dataset d = open_integer_dataset(file(), object, rows, where(object));
      column.dates = read_all<Date>(d, H5T_NATIVE_INT32, rows, where(object));
      break;
    }
    case ColumnType::kString: {
      const EncodedStringColumn encoded = read_string_codes(table, info.name);
      column.strings = expand_codes(encoded.codes, encoded.dictionary);
      break;
    }
  }
  return column;
}

Batch ShardReader::read_table(const std::string& table,
                              const std::vector<std::string>& columns) const {
  const TableInfo& info = table_info(table);
  Batch batch;
  if (columns.empty()) {
    for (const auto& c : info.columns) batch.columns.push_back(read_column(table, c));
  } else {
    for (const auto& name : columns)
      batch.columns.push_back(read_column(table, column_info(table, name)));
  }
  return batch;
}

StoredShard read_stored_shard(const fs::path& path, const WantedTables& wanted,
                              const ShardReadOptions& options) {
  ShardReader reader(path, options.chunk_directory);
  StoredShard stored;
  if (auto shard = reader.int_attribute("shard"); shard && *shard >= 0)
    stored.shard = static_cast<uint32_t>(*shard);
  std::vector<std::pair<std::string, const std::vector<std::string>*>> reads;
  for (const auto& table : reader.tables()) {
    const std::vector<std::string>* columns = nullptr;
    if (wanted.empty()) {
      columns = nullptr;
    } else if (auto it = wanted.find(table); it != wanted.end()) {
      columns = &it->second;
    } else if (auto name = parse_table_name(table)) {
      // A pattern key ("T_MCOaaC") wants every year's instance.
      auto p = wanted.find(std::string(table_spec(*name).pattern));
      if (p == wanted.end()) continue;
      columns = &p->second;
    } else {
      continue;
    }
    reads.emplace_back(table, columns);
  }
  if (options.verify) {
    std::vector<std::string> tables;
    for (const auto& [table, columns] : reads) tables.push_back(table);
    options.verify(reader, tables);
  }
  for (const auto& [table, columns] : reads) {
    StoredShard::Table t{table, {}};
    std::vector<std::string> names;
    if (columns == nullptr || columns->empty()) {
      for (const auto& c : reader.columns(table)) names.push_back(c.name);
    } else {
      // "?NAME" is read when the table has it (a column only some stores write: `_person`).
      for (const auto& name : *columns) {
        if (!name.starts_with(kOptionalColumnMark)) {
          names.push_back(name);
          continue;
        }
        const std::string bare = name.substr(1);
        for (const auto& c : reader.columns(table))
          if (c.name == bare) names.push_back(bare);
      }
    }
    for (const auto& name : names)
      t.columns.push_back(reader.read_stored_chunks(table, name, options.keep_string_codes,
                                                    options.keep_narrow_ints));
    stored.tables.push_back(std::move(t));
  }
  return stored;
}

ShardData decode_stored_shard(StoredShard&& stored, int threads) {
  return ShardDecoding(std::move(stored)).finish(threads);
}

ShardData read_shard(const fs::path& path, const WantedTables& wanted,
                     const ShardReadOptions& options) {
  return decode_stored_shard(read_stored_shard(path, wanted, options), options.threads);
}

}  // namespace snds
