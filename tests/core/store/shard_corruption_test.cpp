// Damaged shard files are refused, never read as data: a flipped byte inside a chunk fails its
// fletcher32 checksum and surfaces as a data error (exit 3) naming the file; truncated, foreign
// and unfinished files are refused at open. HDF5 prints nothing of its own.
#include <gtest/gtest.h>

#include <hdf5.h>

#include <filesystem>
#include <fstream>
#include <vector>

#include "core/error.hpp"
#include "core/store/chunk_directory.hpp"
#include "core/store/h5.hpp"
#include "core/store/shard_reader.hpp"
#include "core/store/shard_writer.hpp"
#include "tests/core/store/store_test_util.hpp"
#include "tests/support/test_support.hpp"

namespace snds {
namespace {

struct ChunkLocation {
  uint64_t address = 0;
  uint64_t size = 0;
};

// Where the first chunk of a dataset lies in the file, as the chunk directory records it (an
// offset from the start of the file; HDF5 1.10 reports chunk addresses from the end of the user
// block that holds the header).
ChunkLocation first_chunk(const std::filesystem::path& path, const std::string& table,
                          const std::string& dataset) {
  h5::init();
  h5::Lock lock(h5::mutex());
  h5::File file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT));
  EXPECT_TRUE(file.valid());
  h5::Dataset d(H5Dopen2(file.get(), kChunkDirectoryName, H5P_DEFAULT));
  EXPECT_TRUE(d.valid());
  h5::Dataspace space(H5Dget_space(d.get()));
  std::vector<char> bytes(static_cast<size_t>(H5Sget_simple_extent_npoints(space.get())));
  EXPECT_GE(H5Dread(d.get(), H5T_NATIVE_UINT8, H5S_ALL, H5S_ALL, H5P_DEFAULT, bytes.data()), 0);
  const auto directory = ChunkDirectory::parse(bytes);
  EXPECT_TRUE(directory.has_value());
  const DirectoryDataset* e = directory ? directory->find(table, dataset) : nullptr;
  EXPECT_NE(e, nullptr);
  if (!e || e->chunks.empty()) return {};
  return {e->chunks[0].address, e->chunks[0].size};
}

void flip_byte(const std::filesystem::path& path, uint64_t at) {
  std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
  f.seekg(static_cast<std::streamoff>(at));
  char c = 0;
  f.read(&c, 1);
  c = static_cast<char>(c ^ 0x5a);
  f.seekp(static_cast<std::streamoff>(at));
  f.write(&c, 1);
}

Batch pattern_batch() {
  Batch b;
  b.columns.emplace_back("AMOUNT", ColumnType::kDecimal);
  b.columns.emplace_back("CODE", ColumnType::kString);
  for (int i = 0; i < 5000; ++i) {
    b.columns[0].ints.push_back(0x0123456789abcdefLL + i);
    b.columns[1].strings.push_back("C" + std::to_string(i % 97));
  }
  return b;
}

void write_pattern(const std::filesystem::path& path, Compression compression) {
  ShardWriter w(path, {}, ShardWriterOptions::with(compression));
  w.write_table("ER_PRS_F", pattern_batch());
  w.close();
}

// Reading `table` must throw a data error that names the file and says it is corrupt, through
// HDF5's own pipeline (ShardReader::read_table) and through the jobs' parallel raw-chunk decoding
// (read_shard).
void expect_corruption_detected_by(const std::filesystem::path& path, const std::string& column,
                                   bool raw_chunks) {
  SCOPED_TRACE(raw_chunks ? "read_shard" : "read_table");
  testing::internal::CaptureStderr();
  try {
    if (raw_chunks) {
      ShardReadOptions options;
      options.threads = 2;
      options.keep_string_codes = true;
      (void)read_shard(path, {{"ER_PRS_F", {column}}}, options);
    } else {
      ShardReader reader(path);
      (void)reader.read_table("ER_PRS_F", {column});
    }
    const std::string noise = testing::internal::GetCapturedStderr();
    FAIL() << "a damaged chunk of " << column << " was read as data";
  } catch (const Error& e) {
    const std::string noise = testing::internal::GetCapturedStderr();
    EXPECT_EQ(e.code(), ExitCode::kData);
    EXPECT_NE(std::string(e.what()).find(path.string()), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find(column), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("corrupt"), std::string::npos) << e.what();
    EXPECT_EQ(noise, "") << "HDF5 printed its error stack";
  }
}

void expect_corruption_detected(const std::filesystem::path& path, const std::string& column) {
  expect_corruption_detected_by(path, column, false);
  expect_corruption_detected_by(path, column, true);
}

class Corruption : public ::testing::TestWithParam<Compression> {};

TEST_P(Corruption, AFlippedByteInANumericChunkIsADataErrorNotData) {
  test::TempDir dir;
  const auto path = dir / "shard.h5";
  write_pattern(path, GetParam());
  const ChunkLocation chunk = first_chunk(path, "ER_PRS_F", "AMOUNT");
  ASSERT_GT(chunk.size, 8u);
  flip_byte(path, chunk.address + chunk.size / 2);
  expect_corruption_detected(path, "AMOUNT");
}

TEST_P(Corruption, AFlippedByteInADictionaryChunkIsADataErrorNotData) {
  test::TempDir dir;
  const auto path = dir / "shard.h5";
  write_pattern(path, GetParam());
  const ChunkLocation chunk = first_chunk(path, "ER_PRS_F", "CODE.dict");
  ASSERT_GT(chunk.size, 8u);
  flip_byte(path, chunk.address + chunk.size / 2);
  expect_corruption_detected(path, "CODE");
}

TEST_P(Corruption, AFlippedByteInACodesChunkIsADataErrorNotData) {
  test::TempDir dir;
  const auto path = dir / "shard.h5";
  write_pattern(path, GetParam());
  const ChunkLocation chunk = first_chunk(path, "ER_PRS_F", "CODE");
  ASSERT_GT(chunk.size, 8u);
  flip_byte(path, chunk.address + chunk.size / 3);
  expect_corruption_detected(path, "CODE");
}

INSTANTIATE_TEST_SUITE_P(Compressions, Corruption,
                         ::testing::Values(Compression::kNone, Compression::kDeflate,
                                           Compression::kZstd, Compression::kLz4),
                         [](const auto& p) { return std::string(compression_name(p.param)); });

void expect_open_refused(const std::filesystem::path& path, const std::string& words) {
  testing::internal::CaptureStderr();
  try {
    ShardReader reader(path);
    (void)testing::internal::GetCapturedStderr();
    FAIL() << "opened " << path;
  } catch (const Error& e) {
    const std::string noise = testing::internal::GetCapturedStderr();
    EXPECT_EQ(e.code(), ExitCode::kData);
    EXPECT_NE(std::string(e.what()).find(path.string()), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find(words), std::string::npos) << e.what();
    EXPECT_EQ(noise, "") << "HDF5 printed its error stack";
  }
}

TEST(ShardOpen, ATruncatedFileIsRefused) {
  test::TempDir dir;
  const auto path = dir / "shard.h5";
  write_pattern(path, Compression::kDeflate);
  std::filesystem::resize_file(path, std::filesystem::file_size(path) / 2);
  expect_open_refused(path, "cannot open shard file");
}

TEST(ShardOpen, AFileThatIsNotHdf5IsRefused) {
  test::TempDir dir;
  const auto path = dir / "shard.h5";
  test::write_text(path, "BEN_NIR_PSA;BEN_RNG_GEM\n");
  expect_open_refused(path, "not an HDF5 file");
}

TEST(ShardOpen, AMissingFileIsRefused) {
  test::TempDir dir;
  expect_open_refused(dir / "shard_00001.h5", "does not exist");
}

TEST(ShardOpen, AnHdf5FileWithoutTheFormatVersionIsNotACompleteShard) {
  test::TempDir dir;
  const auto path = dir / "shard.h5";
  {
    h5::init();
    h5::Lock lock(h5::mutex());
    h5::File f(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT));
    ASSERT_TRUE(f.valid());
  }
  expect_open_refused(path, "not a complete snds-batch shard");
}

}  // namespace
}  // namespace snds
