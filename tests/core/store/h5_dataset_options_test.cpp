// h5::DatasetOptions, the one way the writers (shard columns, result.h5, cohort.h5) create a
// dataset: the file holds the chunking and the filter pipeline asked for, in HDF5's write order
// (shuffle, compressor, Fletcher-32), deflate optional as in every HDF5 writer and the plugin
// filters mandatory; a contiguous dataset takes no filter; an empty chunked dataset is creatable.
// And the compression names: one table, every name round-trips.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/store/h5.hpp"
#include "core/store/lz4_filter.hpp"
#include "core/store/shard_format.hpp"
#include "core/store/zstd_filter.hpp"
#include "tests/support/test_support.hpp"

namespace snds {
namespace {

struct StoredFilter {
  H5Z_filter_t id;
  unsigned flags;
  std::vector<unsigned> params;
};

// What a dataset written with `options` holds once read back from the file.
struct Stored {
  H5D_layout_t layout;
  hsize_t chunk = 0;
  std::vector<StoredFilter> filters;
  hsize_t max_rows = 0;
};

Stored write_and_read_back(const h5::DatasetOptions& options, uint64_t rows) {
  h5::init();
  test::TempDir dir("h5-options");
  const std::string path = (dir / "d.h5").string();
  h5::Lock lock(h5::mutex());
  {
    h5::File file(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT));
    h5::Dataset d = h5::create_dataset(file.get(), "d", H5T_STD_I32LE, rows, options,
                                       h5::Failure::kInternal, "test dataset");
    if (rows > 0) {
      const std::vector<int32_t> values(rows, 7);
      EXPECT_GE(H5Dwrite(d.get(), H5T_NATIVE_INT32, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()),
                0);
    }
  }
  h5::File file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT));
  h5::Dataset d(H5Dopen2(file.get(), "d", H5P_DEFAULT));
  h5::PropList dcpl(H5Dget_create_plist(d.get()));
  Stored out;
  out.layout = H5Pget_layout(dcpl.get());
  if (out.layout == H5D_CHUNKED) H5Pget_chunk(dcpl.get(), 1, &out.chunk);
  for (int k = 0; k < H5Pget_nfilters(dcpl.get()); ++k) {
    StoredFilter f{};
    size_t n = 4;
    unsigned params[4] = {};
    unsigned config = 0;
    f.id = H5Pget_filter2(dcpl.get(), static_cast<unsigned>(k), &f.flags, &n, params, 0, nullptr,
                          &config);
    f.params.assign(params, params + n);
    out.filters.push_back(f);
  }
  h5::Dataspace space(H5Dget_space(d.get()));
  hsize_t dims = 0;
  H5Sget_simple_extent_dims(space.get(), &dims, &out.max_rows);
  return out;
}

TEST(H5DatasetOptions, TheFileHoldsTheChunksAndThePipelineAskedForInWriteOrder) {
  const Stored s = write_and_read_back({.chunk_rows = 100,
                                        .shuffle = true,
                                        .compressor = h5::Compressor::zstd(3),
                                        .fletcher32 = true},
                                       250);
  EXPECT_EQ(s.layout, H5D_CHUNKED);
  EXPECT_EQ(s.chunk, 100u);
  ASSERT_EQ(s.filters.size(), 3u);
  EXPECT_EQ(s.filters[0].id, H5Z_FILTER_SHUFFLE);
  EXPECT_EQ(s.filters[1].id, h5::kZstdFilterId);
  EXPECT_EQ(s.filters[1].flags & H5Z_FLAG_OPTIONAL, 0u) << "a plugin filter is mandatory";
  EXPECT_EQ(s.filters[1].params, std::vector<unsigned>{3});
  EXPECT_EQ(s.filters[2].id, H5Z_FILTER_FLETCHER32);
}

TEST(H5DatasetOptions, DeflateIsOptionalAndClampedToItsLevelsAndLz4TakesNoParameter) {
  const Stored deflate =
      write_and_read_back({.chunk_rows = 64, .compressor = h5::Compressor::deflate(12)}, 64);
  ASSERT_EQ(deflate.filters.size(), 1u);
  EXPECT_EQ(deflate.filters[0].id, H5Z_FILTER_DEFLATE);
  EXPECT_NE(deflate.filters[0].flags & H5Z_FLAG_OPTIONAL, 0u);
  EXPECT_EQ(deflate.filters[0].params, std::vector<unsigned>{9});

  const Stored lz4 =
      write_and_read_back({.chunk_rows = 64, .compressor = h5::Compressor::lz4()}, 64);
  ASSERT_EQ(lz4.filters.size(), 1u);
  EXPECT_EQ(lz4.filters[0].id, h5::kLz4FilterId);
  EXPECT_TRUE(lz4.filters[0].params.empty());
}

TEST(H5DatasetOptions, WithoutChunksADatasetIsContiguousAndRefusesFilters) {
  const Stored s = write_and_read_back({.track_times = false}, 10);
  EXPECT_EQ(s.layout, H5D_CONTIGUOUS);
  EXPECT_TRUE(s.filters.empty());
  EXPECT_EQ(s.max_rows, 10u);
  try {
    write_and_read_back({.compressor = h5::Compressor::deflate(1)}, 10);
    FAIL() << "a contiguous deflated dataset was created";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::kInternal) << e.what();
    EXPECT_NE(std::string(e.what()).find("test dataset"), std::string::npos) << e.what();
  }
}

TEST(H5DatasetOptions, AnEmptyChunkedDatasetIsCreatedWithAnOpenSize) {
  const Stored s = write_and_read_back({.chunk_rows = 1, .fletcher32 = true}, 0);
  EXPECT_EQ(s.layout, H5D_CHUNKED);
  EXPECT_EQ(s.max_rows, H5S_UNLIMITED);
  // Non-empty chunked datasets keep a fixed size.
  EXPECT_EQ(write_and_read_back({.chunk_rows = 4}, 10).max_rows, 10u);
}

TEST(CompressionNames, EveryCodecHasOneNameThatParsesBackAndTheChoicesListThemAll) {
  for (const auto& [compression, name] : kCompressionNames) {
    EXPECT_STREQ(compression_name(compression), name);
    EXPECT_EQ(parse_compression(name), compression) << name;
    EXPECT_NE(compression_choices().find(name), std::string::npos) << compression_choices();
  }
  for (const Compression c :
       {Compression::kNone, Compression::kDeflate, Compression::kZstd, Compression::kLz4})
    EXPECT_STRNE(compression_name(c), "?");
  EXPECT_EQ(parse_compression("brotli"), std::nullopt);
  EXPECT_EQ(parse_compression("LZ4"), std::nullopt) << "names are exact, as in configs";
}

}  // namespace
}  // namespace snds
