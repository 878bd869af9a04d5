// In-process registration of the zstd filter (the codec itself: zstd_codec.h).
#include "core/store/zstd_filter.hpp"

#include "core/error.hpp"
#include "core/store/zstd_codec.h"

namespace snds::h5 {
namespace {

// HDF5 frees filter output with its own allocator: allocate with it too.
void* h5_alloc(size_t size) {
  return H5allocate_memory(size, false);
}
void h5_free(void* p) {
  H5free_memory(p);
}

size_t zstd_filter(unsigned int flags, size_t cd_nelmts, const unsigned int cd_values[],
                   size_t nbytes, size_t* buf_size, void** buf) {
  return snds_zstd_filter_body((flags & H5Z_FLAG_REVERSE) != 0, cd_nelmts, cd_values, nbytes,
                               buf_size, buf, h5_alloc, h5_free);
}

const H5Z_class2_t kZstdClass = {
    H5Z_CLASS_T_VERS, kZstdFilterId, 1, 1, SNDS_ZSTD_FILTER_NAME, nullptr, nullptr, zstd_filter,
};

}  // namespace

// Registering again replaces the class; no availability probe first, since that would make HDF5
// search HDF5_PLUGIN_PATH and possibly load a plugin built for another HDF5 build.
void register_zstd_filter() {
  if (H5Zregister(&kZstdClass) < 0)
    throw internal_error("cannot register the zstd HDF5 filter (id {})", kZstdFilterId);
}

}  // namespace snds::h5
