// The chunk directory (store format 3): the writer records where every chunk sits, readers use it
// instead of HDF5's per-dataset metadata, and any doubt about it (damaged, or the file rewritten
// by another tool so the addresses moved) sends the reader back to HDF5 with the same values.
// A directory that points outside the file is refused as corruption.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
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

class ChunkDirectoryShard : public ::testing::Test {
 protected:
  void SetUp() override {
    ShardWriterOptions options = ShardWriterOptions::with(Compression::kZstd);
    options.chunk_rows = 3;  // several chunks per column, the last one partial
    ShardWriter w(path_, {}, options);
    w.write_table("T", written_);
    w.close();
  }

  // The directory dataset's bytes.
  std::vector<char> directory_bytes() const {
    h5::Lock lock(h5::mutex());
    const hid_t f = H5Fopen(path_.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
    const hid_t d = H5Dopen2(f, kChunkDirectoryName, H5P_DEFAULT);
    const hid_t space = H5Dget_space(d);
    std::vector<char> bytes(static_cast<size_t>(H5Sget_simple_extent_npoints(space)));
    H5Dread(d, H5T_NATIVE_UINT8, H5S_ALL, H5S_ALL, H5P_DEFAULT, bytes.data());
    H5Sclose(space);
    H5Dclose(d);
    H5Fclose(f);
    return bytes;
  }

  // Replaces the directory: in place (same address) or as a new dataset elsewhere in the file.
  void replace_directory(const std::vector<char>& bytes, bool in_place) const {
    h5::Lock lock(h5::mutex());
    const hid_t f = H5Fopen(path_.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
    ASSERT_GE(f, 0);
    if (in_place) {
      const hid_t d = H5Dopen2(f, kChunkDirectoryName, H5P_DEFAULT);
      ASSERT_GE(H5Dwrite(d, H5T_NATIVE_UINT8, H5S_ALL, H5S_ALL, H5P_DEFAULT, bytes.data()), 0);
      H5Dclose(d);
    } else {
      // Written under another name while the old one still exists (so at another address),
      // then renamed over it: what a tool copying the file's objects would produce.
      const hsize_t size = bytes.size();
      const hid_t space = H5Screate_simple(1, &size, nullptr);
      const hid_t d =
          H5Dcreate2(f, "moved", H5T_STD_U8LE, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
      ASSERT_GE(H5Dwrite(d, H5T_NATIVE_UINT8, H5S_ALL, H5S_ALL, H5P_DEFAULT, bytes.data()), 0);
      H5Dclose(d);
      H5Sclose(space);
      ASSERT_GE(H5Ldelete(f, kChunkDirectoryName, H5P_DEFAULT), 0);
      ASSERT_GE(H5Lmove(f, "moved", f, kChunkDirectoryName, H5P_DEFAULT, H5P_DEFAULT), 0);
    }
    H5Fclose(f);
    // A tool that copies the objects writes a new file: without the header (format 4) that
    // would still point at the old place.
    if (!in_place) test::clear_shard_header(path_);
  }

  test::TempDir dir_;
  std::filesystem::path path_ = dir_ / "shard.h5";
  Batch written_ = test::mixed_batch();
};

TEST_F(ChunkDirectoryShard, ListsEveryTableAndEveryChunkOfEveryDataset) {
  const auto directory = ChunkDirectory::parse(directory_bytes());
  ASSERT_TRUE(directory.has_value());
  ASSERT_EQ(directory->tables.size(), 1u);
  const DirectoryTable& t = directory->tables.at("T");
  EXPECT_EQ(t.rows, 7u);
  ASSERT_EQ(t.columns.size(), 3u);
  EXPECT_EQ(t.columns[2].first, "S");
  EXPECT_EQ(t.columns[2].second, ColumnType::kString);
  for (const char* name : {"N", "D", "S", "S.dict"}) {
    SCOPED_TRACE(name);
    const DirectoryDataset* e = directory->find("T", name);
    ASSERT_NE(e, nullptr);
    EXPECT_EQ(e->chunks.size(), (e->rows + e->chunk_rows - 1) / e->chunk_rows);
    for (const DirectoryChunk& c : e->chunks) EXPECT_GT(c.size, 0u);
  }
  EXPECT_EQ(directory->find("T", "N")->chunks.size(), 3u);          // 7 rows in chunks of 3
  EXPECT_EQ(directory->find("T", "N")->pipeline.element_size, 2u);  // 30000 needs 16 bits
}

TEST_F(ChunkDirectoryShard, ReadsUseItAndGiveWhatWasWritten) {
  ShardReader reader(path_);
  EXPECT_TRUE(reader.uses_chunk_directory());
  EXPECT_EQ(reader.tables(), std::vector<std::string>{"T"});  // the directory is no table
  EXPECT_EQ(reader.rows("T"), 7u);
  ShardReadOptions options;
  options.threads = 2;
  test::expect_same_batch(written_, read_shard(path_, {}, options).tables.at("T"));
}

TEST_F(ChunkDirectoryShard, AMovedDirectoryIsIgnoredAndTheValuesComeThroughHdf5) {
  replace_directory(directory_bytes(), /*in_place=*/false);
  EXPECT_FALSE(ShardReader(path_).uses_chunk_directory());
  test::expect_same_batch(written_, read_shard(path_).tables.at("T"));
}

TEST_F(ChunkDirectoryShard, ADamagedDirectoryIsIgnoredAndTheValuesComeThroughHdf5) {
  std::vector<char> bytes = directory_bytes();
  bytes[bytes.size() / 2] ^= 0x5a;  // the checksum no longer matches
  replace_directory(bytes, /*in_place=*/true);
  EXPECT_FALSE(ShardReader(path_).uses_chunk_directory());
  test::expect_same_batch(written_, read_shard(path_).tables.at("T"));
}

TEST_F(ChunkDirectoryShard, AChunkPlacedOutsideTheFileIsADataError) {
  auto directory = ChunkDirectory::parse(directory_bytes());
  ASSERT_TRUE(directory.has_value());
  directory->datasets.at(ChunkDirectory::key("T", "D")).chunks[1].address = uint64_t{1} << 40;
  replace_directory(directory->serialise(), /*in_place=*/true);
  ASSERT_TRUE(ShardReader(path_).uses_chunk_directory());
  try {
    read_shard(path_);
    FAIL() << "expected a data_error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("outside the file"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("/T/D"), std::string::npos) << e.what();
  }
}

TEST(ChunkDirectory, RoundTripsAndRefusesDamagedOrTruncatedBytes) {
  ChunkDirectory d;
  d.self_address = 1234;
  d.tables["T"] = DirectoryTable{5, {{"A", ColumnType::kDate}}};
  DirectoryDataset e;
  e.rows = 5;
  e.chunk_rows = 4;
  e.pipeline.element_size = 4;
  e.pipeline.filters = {ChunkFilter::kShuffle, ChunkFilter::kZstd, ChunkFilter::kFletcher32};
  e.chunks = {{100, 20, 0}, {120, 9, 2}};
  d.datasets[ChunkDirectory::key("T", "A")] = e;
  const std::vector<char> bytes = d.serialise();

  const auto back = ChunkDirectory::parse(bytes);
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->self_address, 1234u);
  EXPECT_EQ(back->tables.at("T").columns.at(0).second, ColumnType::kDate);
  const DirectoryDataset* a = back->find("T", "A");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->pipeline.filters, e.pipeline.filters);
  EXPECT_EQ(a->chunks.at(1).address, 120u);
  EXPECT_EQ(a->chunks.at(1).mask, 2u);
  EXPECT_EQ(back->find("T", "B"), nullptr);

  for (size_t at = 0; at < bytes.size(); at += 7) {
    std::vector<char> damaged = bytes;
    damaged[at] ^= 0x01;
    EXPECT_FALSE(ChunkDirectory::parse(damaged).has_value()) << "byte " << at;
  }
  EXPECT_FALSE(
      ChunkDirectory::parse(std::span<const char>(bytes.data(), bytes.size() - 1)).has_value());
  EXPECT_FALSE(ChunkDirectory::parse({}).has_value());
}

}  // namespace
}  // namespace snds
