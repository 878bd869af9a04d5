/* The zstd filter (id 32015) as an HDF5 plugin module, for h5dump/h5ls and other HDF5 tools:
 *   HDF5_PLUGIN_PATH=<build>/lib/hdf5-plugins h5dump -d /ER_PRS_F/PRS_PAI_MNT shard_00000.h5
 * Deliberately not linked to libhdf5 (the tools use Debian's serial library, snds-batch the
 * parallel one): it uses no HDF5 function, only the plugin entry points HDF5 looks up, and
 * malloc/free, which is what both libraries' production builds free filter buffers with.
 * C, not C++, so that core/'s *.cpp glob does not pull it into snds_core. */
#include <stdlib.h>

#include <H5PLextern.h>

#include "core/store/zstd_codec.h"

static void* plugin_alloc(size_t size) {
  return malloc(size);
}
static void plugin_free(void* p) {
  free(p);
}

static size_t zstd_plugin_filter(unsigned int flags, size_t cd_nelmts,
                                 const unsigned int cd_values[], size_t nbytes, size_t* buf_size,
                                 void** buf) {
  return snds_zstd_filter_body((flags & H5Z_FLAG_REVERSE) != 0, cd_nelmts, cd_values, nbytes,
                               buf_size, buf, plugin_alloc, plugin_free);
}

static const H5Z_class2_t zstd_plugin_class = {
    H5Z_CLASS_T_VERS,   SNDS_ZSTD_FILTER_ID, 1, 1, SNDS_ZSTD_FILTER_NAME, NULL, NULL,
    zstd_plugin_filter,
};

H5PL_type_t H5PLget_plugin_type(void) {
  return H5PL_TYPE_FILTER;
}
const void* H5PLget_plugin_info(void) {
  return &zstd_plugin_class;
}
