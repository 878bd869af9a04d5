// A thin RAII layer over the HDF5 C API for the shard store: typed handles that close in their
// destructors, and checks that turn a failing H5 call into one snds::Error sentence naming the
// file and object (the HDF5 error stack is never printed).
// Debian's HDF5 1.10.8 is not thread-safe, and in-process ranks (runtime's local communicator)
// are threads of one process: every H5 call goes under h5::Lock, a process-wide recursive mutex.
#pragma once

#include <hdf5.h>

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/error.hpp"

namespace snds::h5 {

std::recursive_mutex& mutex();
using Lock = std::lock_guard<std::recursive_mutex>;

// Idempotent, called by every entry point of the store: turns HDF5's automatic error printing off,
// turns file locking off (HDF5_USE_FILE_LOCKING=FALSE unless the operator set it: locks misbehave
// on shared file systems) and registers the in-process zstd filter (id 32015).
void init();

// How a failure reaches the user: bad or corrupt file (exit 3) or a bug/system fault (exit 4).
enum class Failure { kData, kInternal };

// The reason HDF5 gave for its last failure, in a few words ("a checksum does not match: the file
// is corrupt", "not an HDF5 file"...), and clears the error stack. Empty when there is none.
std::string last_error_reason();

// Throws `what` (a sentence naming file and object) with HDF5's reason appended.
[[noreturn]] void fail(Failure kind, const std::string& what);

inline herr_t check(herr_t status, Failure kind, const std::string& what) {
  if (status < 0) fail(kind, what);
  return status;
}
inline hid_t check_id(hid_t id, Failure kind, const std::string& what) {
  if (id < 0) fail(kind, what);
  return id;
}

// A move-only owner of one HDF5 identifier, closed by `Close` when the owner dies.
template <herr_t (*Close)(hid_t)>
class Id {
 public:
  Id() = default;
  explicit Id(hid_t id) : id_(id) {}
  ~Id() { reset(); }
  Id(const Id&) = delete;
  Id& operator=(const Id&) = delete;
  Id(Id&& other) noexcept : id_(std::exchange(other.id_, H5I_INVALID_HID)) {}
  Id& operator=(Id&& other) noexcept {
    if (this != &other) {
      reset();
      id_ = std::exchange(other.id_, H5I_INVALID_HID);
    }
    return *this;
  }

  hid_t get() const { return id_; }
  bool valid() const { return id_ >= 0; }
  // Closes now, ignoring failure (destructors and error paths).
  void reset() noexcept {
    if (id_ >= 0) {
      Lock lock(mutex());
      Close(id_);
      H5Eclear2(H5E_DEFAULT);
      id_ = H5I_INVALID_HID;
    }
  }
  // Closes now and reports failure (a file close flushes: its failure must not go unseen).
  void close(Failure kind, const std::string& what) {
    if (id_ < 0) return;
    Lock lock(mutex());
    const herr_t status = Close(std::exchange(id_, H5I_INVALID_HID));
    check(status, kind, what);
  }

 private:
  hid_t id_ = H5I_INVALID_HID;
};

using File = Id<H5Fclose>;
using Group = Id<H5Gclose>;
using Dataset = Id<H5Dclose>;
using Dataspace = Id<H5Sclose>;
using Datatype = Id<H5Tclose>;
using PropList = Id<H5Pclose>;
using Attribute = Id<H5Aclose>;

// Dataset creation in one typed value (HighFive's typed property lists are the model): the three
// dataset writers (shard columns, aggregate result.h5, cohort cohort.h5) say what they want and
// never call H5Pset_* themselves.

// The compression filter of a dataset: HDF5's deflate, which every reader has, or a filter
// init() registers (zstd 32015, lz4 32004), mandatory like any plugin filter.
struct Compressor {
  H5Z_filter_t filter = H5Z_FILTER_NONE;  // H5Z_FILTER_NONE: stored as is
  std::optional<unsigned> level;          // the filter's one parameter, when it takes one

  static Compressor none() { return {}; }
  static Compressor deflate(int level);  // clamped to deflate's 0-9
  static Compressor zstd(int level);     // 1-22; negative levels are zstd's fast modes
  static Compressor lz4();
};

// How a 1-D dataset is laid out and filtered. On write HDF5 applies the filters in this order:
// shuffle, compressor, Fletcher-32 (last, so the checksum covers the bytes on disk and a damaged
// chunk is refused before decompression is attempted).
struct DatasetOptions {
  uint64_t chunk_rows = 0;  // 0: contiguous, which takes no filter (datasets too small to gain)
  bool shuffle = false;     // byte shuffle before the compressor
  Compressor compressor = Compressor::none();
  bool fletcher32 = false;
  bool track_times = true;  // false: no modification time in the object header, so the same
                            // values give the same file bytes
};

// The creation property list of `options`. A filter without chunks is a caller's bug (internal).
PropList dataset_properties(const DatasetOptions& options, Failure kind, const std::string& what);

// Creates `name` under `location`: `rows` elements of `file_type`, laid out by `options`. A chunked
// dataset of 0 rows gets an unlimited maximum size, since HDF5 wants chunks within fixed maximum
// dimensions. Failures throw `what` as `kind`.
Dataset create_dataset(hid_t location, const std::string& name, hid_t file_type, uint64_t rows,
                       const DatasetOptions& options, Failure kind, const std::string& what);

// Creates group `name` under `location`; without `track_times`, no modification time in its
// object header (outputs whose bytes depend on their content only). Failures throw `what`.
Group create_group(hid_t location, const std::string& name, bool track_times, Failure kind,
                   const std::string& what);

// A variable-length UTF-8 string type (attributes), and a fixed-length one of `size` bytes,
// null-padded (dictionaries).
Datatype vlen_string_type();
Datatype fixed_string_type(size_t size);

// Attribute helpers: `where` names the object in error messages.
void write_attribute(hid_t object, const char* name, int64_t value, const std::string& where);
void write_attribute(hid_t object, const char* name, const std::string& value,
                     const std::string& where);
void write_attribute(hid_t object, const char* name, const std::vector<std::string>& values,
                     const std::string& where);
bool has_attribute(hid_t object, const char* name);
int64_t read_int_attribute(hid_t object, const char* name, const std::string& where);
std::string read_string_attribute(hid_t object, const char* name, const std::string& where);
std::vector<std::string> read_string_list_attribute(hid_t object, const char* name,
                                                    const std::string& where);

}  // namespace snds::h5
