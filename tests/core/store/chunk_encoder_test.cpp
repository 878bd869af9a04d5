// The chunk encoder produces, byte for byte, what HDF5's own filter pipeline stores: for every
// compression the store offers, for narrow and wide integers and fixed-length strings, with and
// without the byte shuffle, a chunk encoded outside HDF5 equals the chunk HDF5 wrote through
// H5Dwrite (read back raw with H5Dread_chunk), and it decodes back to the data.
#include "core/store/chunk_encoder.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "core/store/chunk_pipeline.hpp"
#include "core/store/h5.hpp"
#include "tests/support/test_support.hpp"

namespace snds {
namespace {

struct Case {
  Compression compression;
  int level;
  size_t width;
  bool shuffle;
};

h5::Compressor compressor_of(const Case& c) {
  switch (c.compression) {
    case Compression::kDeflate:
      return h5::Compressor::deflate(c.level);
    case Compression::kZstd:
      return h5::Compressor::zstd(c.level);
    case Compression::kLz4:
      return h5::Compressor::lz4();
    case Compression::kNone:
      break;
  }
  return h5::Compressor::none();
}

// Rows of `width` bytes: runs, a slow ramp and some noise, so every codec has work to do.
std::vector<char> sample(size_t rows, size_t width) {
  std::vector<char> out(rows * width);
  uint32_t x = 7;
  for (size_t i = 0; i < rows; ++i) {
    x = x * 1103515245u + 12345u;
    for (size_t j = 0; j < width; ++j)
      out[i * width + j] = static_cast<char>(j == 0 ? (i / 50) & 0xff : (x >> (8 * (j % 3))) % 5);
  }
  return out;
}

// The chunks HDF5 stores for `data` written through H5Dwrite with the case's pipeline.
std::vector<std::vector<char>> hdf5_chunks(const std::filesystem::path& path, const Case& c,
                                           const std::vector<char>& data, uint64_t rows,
                                           uint64_t chunk_rows) {
  h5::init();
  h5::Lock lock(h5::mutex());
  h5::File file(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT));
  h5::DatasetOptions o;
  o.chunk_rows = chunk_rows;
  o.shuffle = c.shuffle;
  o.compressor = compressor_of(c);
  o.fletcher32 = true;
  h5::Datatype string_type;
  hid_t type = c.width == 1   ? H5T_STD_I8LE
               : c.width == 2 ? H5T_STD_I16LE
               : c.width == 4 ? H5T_STD_I32LE
               : c.width == 8 ? H5T_STD_I64LE
                              : hid_t{-1};
  hid_t memory = c.width == 1   ? H5T_NATIVE_INT8
                 : c.width == 2 ? H5T_NATIVE_INT16
                 : c.width == 4 ? H5T_NATIVE_INT32
                                : H5T_NATIVE_INT64;
  if (type < 0) {
    string_type = h5::fixed_string_type(c.width);
    type = memory = string_type.get();
  }
  h5::Dataset d =
      h5::create_dataset(file.get(), "x", type, rows, o, h5::Failure::kInternal, "test dataset");
  EXPECT_GE(H5Dwrite(d.get(), memory, H5S_ALL, H5S_ALL, H5P_DEFAULT, data.data()), 0);
  EXPECT_GE(H5Dflush(d.get()), 0);
  std::vector<std::vector<char>> out;
  for (uint64_t start = 0; start < rows; start += chunk_rows) {
    const hsize_t offset = start;
    hsize_t size = 0;
    EXPECT_GE(H5Dget_chunk_storage_size(d.get(), &offset, &size), 0);
    std::vector<char> stored(size);
    uint32_t mask = 0;
    EXPECT_GE(H5Dread_chunk(d.get(), H5P_DEFAULT, &offset, &mask, stored.data()), 0);
    EXPECT_EQ(mask, 0u);
    out.push_back(std::move(stored));
  }
  return out;
}

TEST(ChunkEncoder, EncodesEveryChunkAsHdf5sPipelineStoresIt) {
  test::TempDir dir;
  const std::vector<Case> cases = {
      {Compression::kLz4, 0, 1, false},     {Compression::kLz4, 0, 2, true},
      {Compression::kLz4, 0, 4, true},      {Compression::kLz4, 0, 8, true},
      {Compression::kLz4, 0, 13, true},     {Compression::kZstd, 3, 4, true},
      {Compression::kZstd, -1, 8, true},    {Compression::kZstd, 1, 13, true},
      {Compression::kDeflate, 1, 2, true},  {Compression::kDeflate, 6, 8, true},
      {Compression::kDeflate, 1, 13, true}, {Compression::kNone, 0, 4, false},
      {Compression::kNone, 0, 13, false},
  };
  // 3 full chunks and a short one (HDF5 stores it padded to the chunk's size).
  const uint64_t chunk_rows = 1000, rows = 3 * chunk_rows + 357;
  int n = 0;
  for (const Case& c : cases) {
    SCOPED_TRACE(::testing::Message() << "compression " << static_cast<int>(c.compression)
                                      << " level " << c.level << " width " << c.width);
    const std::vector<char> data = sample(rows, c.width);
    const auto expected =
        hdf5_chunks(dir.path() / ("c" + std::to_string(n++) + ".h5"), c, data, rows, chunk_rows);
    ASSERT_EQ(expected.size(), 4u);
    const ChunkEncoding e{.shuffle = c.shuffle,
                          .compression = c.compression,
                          .level = c.level,
                          .fletcher32 = true,
                          .element_size = c.width};
    ChunkPipeline pipeline;
    pipeline.element_size = c.width;
    if (c.shuffle) pipeline.filters.push_back(ChunkFilter::kShuffle);
    if (c.compression == Compression::kLz4) pipeline.filters.push_back(ChunkFilter::kLz4);
    if (c.compression == Compression::kZstd) pipeline.filters.push_back(ChunkFilter::kZstd);
    if (c.compression == Compression::kDeflate) pipeline.filters.push_back(ChunkFilter::kDeflate);
    pipeline.filters.push_back(ChunkFilter::kFletcher32);
    std::vector<char> out;
    for (size_t k = 0; k < expected.size(); ++k) {
      SCOPED_TRACE(k);
      std::vector<char> chunk(chunk_rows * c.width, '\0');
      const uint64_t count = std::min(chunk_rows, rows - k * chunk_rows);
      std::memcpy(chunk.data(), data.data() + k * chunk_rows * c.width, count * c.width);
      const size_t size = encode_chunk(e, chunk, out);
      ASSERT_EQ(std::vector<char>(out.begin(), out.begin() + static_cast<ptrdiff_t>(size)),
                expected[k]);
      std::vector<char> back(chunk.size());
      decode_chunk(pipeline, std::span<const char>(out.data(), size), 0, back, "test");
      EXPECT_EQ(back, chunk);
    }
  }
}

TEST(ChunkEncoder, ShufflesAsHdf5DoesLeavingTrailingBytesInPlace) {
  // 3 elements of 4 bytes, then 2 bytes that make no whole element.
  const std::string in = "ABCDabcd0123xy";
  std::string out(in.size(), '?');
  shuffle_bytes(in.data(), out.data(), in.size(), 4);
  EXPECT_EQ(out, "Aa0Bb1Cc2Dd3xy");
}

}  // namespace
}  // namespace snds
