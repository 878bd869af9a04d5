// HDF5 set-up, error translation and attribute helpers (see h5.hpp).
#include "core/store/h5.hpp"

#include "core/atomic_file.hpp"

#include <algorithm>
#include <cstdlib>
#include <cstring>

#include "core/store/lz4_filter.hpp"
#include "core/store/zstd_filter.hpp"

namespace snds::h5 {

std::recursive_mutex& mutex() {
  static std::recursive_mutex m;
  return m;
}

void init() {
  static std::once_flag once;
  std::call_once(once, [] {
    Lock lock(mutex());
    // Shared file systems (Lustre, GPFS, NFS) often refuse or fake POSIX locks; an operator who
    // wants them sets the variable, which HDF5 reads at each open and which wins.
    ::setenv("HDF5_USE_FILE_LOCKING", "FALSE", 0);
    // No library clean-up at exit: a file whose close failed (a full disk) stays in HDF5's list,
    // and closing it again at exit crashed inside libhdf5 (exit 139, issue #12). Every file this
    // program opens is closed by its owner before then.
    H5dont_atexit();
    if (H5open() < 0) throw internal_error("the HDF5 library cannot be initialised");
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
    register_zstd_filter();
    register_lz4_filter();
  });
}

namespace {

herr_t collect_description(unsigned n, const H5E_error2_t* err, void* data) {
  auto* out = static_cast<std::vector<std::string>*>(data);
  (void)n;
  if (err->desc != nullptr) out->emplace_back(err->desc);
  return 0;
}

bool contains(const std::string& s, const char* needle) {
  return s.find(needle) != std::string::npos;
}

}  // namespace

std::string last_error_reason() {
  std::vector<std::string> descriptions;  // innermost first
  H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, collect_description, &descriptions);
  H5Eclear2(H5E_DEFAULT);
  for (const auto& d : descriptions) {
    if (contains(d, "Fletcher32") || contains(d, "checksum"))
      return "a checksum does not match: the file is corrupt";
  }
  for (const auto& d : descriptions) {
    if (contains(d, "file signature not found")) return "not an HDF5 file";
    if (contains(d, "truncated file")) return "the file is truncated";
    if (contains(d, "filter returned failure") || contains(d, "required filter"))
      return "a chunk cannot be decompressed (corrupt data, or a filter this program lacks)";
    // HDF5 quotes strerror as "error message = '...'": keep that part only.
    const auto at = d.find("error message = '");
    if (at != std::string::npos) {
      const auto start = at + std::strlen("error message = '");
      const auto end = d.find('\'', start);
      return d.substr(start, end == std::string::npos ? std::string::npos : end - start);
    }
  }
  return descriptions.empty() ? std::string() : descriptions.front();
}

void fail(Failure kind, const std::string& what) {
  const std::string reason = last_error_reason();
  const std::string message = reason.empty() ? what : what + ": " + reason;
  // A full disk is the same failure (exit 3) whichever HDF5 call meets it.
  if (kind == Failure::kData || disk_full_in(message)) throw Error(ExitCode::kData, message);
  throw Error(ExitCode::kInternal, message);
}

Compressor Compressor::deflate(int level) {
  return {H5Z_FILTER_DEFLATE, static_cast<unsigned>(std::clamp(level, 0, 9))};
}

// The filter reads its parameter back as a signed int (zstd_filter.cpp).
Compressor Compressor::zstd(int level) {
  return {kZstdFilterId, static_cast<unsigned>(level)};
}

Compressor Compressor::lz4() {
  return {kLz4FilterId, std::nullopt};
}

PropList dataset_properties(const DatasetOptions& options, Failure kind, const std::string& what) {
  Lock lock(mutex());
  PropList dcpl(check_id(H5Pcreate(H5P_DATASET_CREATE), kind, what));
  if (!options.track_times) check(H5Pset_obj_track_times(dcpl.get(), false), kind, what);
  const Compressor& c = options.compressor;
  const bool filtered = options.shuffle || c.filter != H5Z_FILTER_NONE || options.fletcher32;
  if (options.chunk_rows == 0) {
    if (filtered) throw internal_error("{}: HDF5 filters need a chunked dataset", what);
    return dcpl;
  }
  const hsize_t chunk = options.chunk_rows;
  check(H5Pset_chunk(dcpl.get(), 1, &chunk), kind, what);
  if (options.shuffle) check(H5Pset_shuffle(dcpl.get()), kind, what);
  if (c.filter == H5Z_FILTER_DEFLATE) {
    // H5Pset_deflate, not H5Pset_filter: it marks deflate optional as every HDF5 writer does, and
    // the flag is part of the file's bytes.
    check(H5Pset_deflate(dcpl.get(), c.level.value_or(1)), kind, what);
  } else if (c.filter != H5Z_FILTER_NONE) {
    check(H5Pset_filter(dcpl.get(), c.filter, H5Z_FLAG_MANDATORY, c.level ? 1 : 0,
                        c.level ? &*c.level : nullptr),
          kind, what);
  }
  if (options.fletcher32) check(H5Pset_fletcher32(dcpl.get()), kind, what);
  return dcpl;
}

Dataset create_dataset(hid_t location, const std::string& name, hid_t file_type, uint64_t rows,
                       const DatasetOptions& options, Failure kind, const std::string& what) {
  Lock lock(mutex());
  const hsize_t dims = rows;
  const hsize_t unlimited = H5S_UNLIMITED;
  const bool open_size = rows == 0 && options.chunk_rows > 0;
  Dataspace space(
      check_id(H5Screate_simple(1, &dims, open_size ? &unlimited : nullptr), kind, what));
  PropList dcpl = dataset_properties(options, kind, what);
  return Dataset(check_id(H5Dcreate2(location, name.c_str(), file_type, space.get(), H5P_DEFAULT,
                                     dcpl.get(), H5P_DEFAULT),
                          kind, what));
}

Group create_group(hid_t location, const std::string& name, bool track_times, Failure kind,
                   const std::string& what) {
  Lock lock(mutex());
  PropList gcpl(check_id(H5Pcreate(H5P_GROUP_CREATE), kind, what));
  if (!track_times) check(H5Pset_obj_track_times(gcpl.get(), false), kind, what);
  return Group(check_id(H5Gcreate2(location, name.c_str(), H5P_DEFAULT, gcpl.get(), H5P_DEFAULT),
                        kind, what));
}

Datatype vlen_string_type() {
  Datatype t(check_id(H5Tcopy(H5T_C_S1), Failure::kInternal, "cannot create an HDF5 string type"));
  check(H5Tset_size(t.get(), H5T_VARIABLE), Failure::kInternal,
        "cannot create an HDF5 string type");
  check(H5Tset_cset(t.get(), H5T_CSET_UTF8), Failure::kInternal,
        "cannot create an HDF5 string type");
  return t;
}

Datatype fixed_string_type(size_t size) {
  Datatype t(check_id(H5Tcopy(H5T_C_S1), Failure::kInternal, "cannot create an HDF5 string type"));
  check(H5Tset_size(t.get(), size), Failure::kInternal, "cannot create an HDF5 string type");
  check(H5Tset_strpad(t.get(), H5T_STR_NULLPAD), Failure::kInternal,
        "cannot create an HDF5 string type");
  check(H5Tset_cset(t.get(), H5T_CSET_UTF8), Failure::kInternal,
        "cannot create an HDF5 string type");
  return t;
}

namespace {

std::string attribute_what(const char* verb, const char* name, const std::string& where) {
  return std::string("cannot ") + verb + " attribute " + name + " of " + where;
}

Attribute create_attribute(hid_t object, const char* name, hid_t type, hid_t space,
                           const std::string& where) {
  return Attribute(check_id(H5Acreate2(object, name, type, space, H5P_DEFAULT, H5P_DEFAULT),
                            Failure::kInternal, attribute_what("write", name, where)));
}

}  // namespace

void write_attribute(hid_t object, const char* name, int64_t value, const std::string& where) {
  Lock lock(mutex());
  const std::string what = attribute_what("write", name, where);
  Dataspace space(check_id(H5Screate(H5S_SCALAR), Failure::kInternal, what));
  Attribute attr = create_attribute(object, name, H5T_STD_I64LE, space.get(), where);
  check(H5Awrite(attr.get(), H5T_NATIVE_INT64, &value), Failure::kInternal, what);
}

void write_attribute(hid_t object, const char* name, const std::string& value,
                     const std::string& where) {
  Lock lock(mutex());
  const std::string what = attribute_what("write", name, where);
  Datatype type = vlen_string_type();
  Dataspace space(check_id(H5Screate(H5S_SCALAR), Failure::kInternal, what));
  Attribute attr = create_attribute(object, name, type.get(), space.get(), where);
  const char* p = value.c_str();
  check(H5Awrite(attr.get(), type.get(), &p), Failure::kInternal, what);
}

void write_attribute(hid_t object, const char* name, const std::vector<std::string>& values,
                     const std::string& where) {
  Lock lock(mutex());
  const std::string what = attribute_what("write", name, where);
  Datatype type = vlen_string_type();
  const hsize_t n = values.size();
  Dataspace space(check_id(H5Screate_simple(1, &n, nullptr), Failure::kInternal, what));
  Attribute attr = create_attribute(object, name, type.get(), space.get(), where);
  std::vector<const char*> pointers;
  pointers.reserve(values.size());
  for (const auto& v : values) pointers.push_back(v.c_str());
  if (n > 0) check(H5Awrite(attr.get(), type.get(), pointers.data()), Failure::kInternal, what);
}

bool has_attribute(hid_t object, const char* name) {
  Lock lock(mutex());
  const htri_t exists = H5Aexists(object, name);
  H5Eclear2(H5E_DEFAULT);
  return exists > 0;
}

namespace {

Attribute open_attribute(hid_t object, const char* name, const std::string& where) {
  if (!has_attribute(object, name))
    throw data_error("{} has no attribute {} (not a file written by snds-batch?)", where, name);
  return Attribute(check_id(H5Aopen(object, name, H5P_DEFAULT), Failure::kData,
                            attribute_what("read", name, where)));
}

// Reads every element of a string attribute (variable- or fixed-length) as std::strings.
std::vector<std::string> read_strings(hid_t attr, const char* name, const std::string& where) {
  const std::string what = attribute_what("read", name, where);
  Datatype file_type(check_id(H5Aget_type(attr), Failure::kData, what));
  if (H5Tget_class(file_type.get()) != H5T_STRING)
    throw data_error("attribute {} of {} is not a string", name, where);
  Dataspace space(check_id(H5Aget_space(attr), Failure::kData, what));
  const hssize_t n = H5Sget_simple_extent_npoints(space.get());
  if (n < 0) fail(Failure::kData, what);
  std::vector<std::string> out;
  out.reserve(static_cast<size_t>(n));
  if (H5Tis_variable_str(file_type.get()) > 0) {
    Datatype mem = vlen_string_type();
    std::vector<char*> pointers(static_cast<size_t>(n), nullptr);
    if (n > 0) check(H5Aread(attr, mem.get(), pointers.data()), Failure::kData, what);
    for (char* p : pointers) {
      out.emplace_back(p == nullptr ? "" : p);
      if (p != nullptr) H5free_memory(p);
    }
  } else {
    const size_t width = H5Tget_size(file_type.get());
    Datatype mem = fixed_string_type(width);
    std::string buffer(width * static_cast<size_t>(n), '\0');
    if (n > 0) check(H5Aread(attr, mem.get(), buffer.data()), Failure::kData, what);
    for (hssize_t i = 0; i < n; ++i) {
      std::string s = buffer.substr(static_cast<size_t>(i) * width, width);
      s.resize(std::strlen(s.c_str()));
      out.push_back(std::move(s));
    }
  }
  return out;
}

}  // namespace

int64_t read_int_attribute(hid_t object, const char* name, const std::string& where) {
  Lock lock(mutex());
  Attribute attr = open_attribute(object, name, where);
  const std::string what = attribute_what("read", name, where);
  Datatype file_type(check_id(H5Aget_type(attr.get()), Failure::kData, what));
  if (H5Tget_class(file_type.get()) != H5T_INTEGER)
    throw data_error("attribute {} of {} is not an integer", name, where);
  Dataspace space(check_id(H5Aget_space(attr.get()), Failure::kData, what));
  if (H5Sget_simple_extent_npoints(space.get()) != 1)
    throw data_error("attribute {} of {} is not a single integer", name, where);
  int64_t value = 0;
  check(H5Aread(attr.get(), H5T_NATIVE_INT64, &value), Failure::kData, what);
  return value;
}

std::string read_string_attribute(hid_t object, const char* name, const std::string& where) {
  Lock lock(mutex());
  Attribute attr = open_attribute(object, name, where);
  auto values = read_strings(attr.get(), name, where);
  if (values.size() != 1)
    throw data_error("attribute {} of {} is not a single string", name, where);
  return std::move(values.front());
}

std::vector<std::string> read_string_list_attribute(hid_t object, const char* name,
                                                    const std::string& where) {
  Lock lock(mutex());
  Attribute attr = open_attribute(object, name, where);
  return read_strings(attr.get(), name, where);
}

}  // namespace snds::h5
