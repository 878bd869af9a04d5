// The zstd HDF5 filter, registered in-process: Debian 12 ships no zstd plugin, so snds-batch
// carries its own with the registered id 32015 and the public plugin's stream format (one zstd
// frame per chunk, cd_values[0] = level), which h5py/hdf5plugin and R readers with the standard
// plugin decode. core/store/plugin/ builds the same code as a module for h5dump.
#pragma once

#include <hdf5.h>

namespace snds::h5 {

inline constexpr H5Z_filter_t kZstdFilterId = 32015;

// Registers the filter with the HDF5 library (idempotent; h5::init() calls it).
void register_zstd_filter();

}  // namespace snds::h5
