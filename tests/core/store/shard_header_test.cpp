// The shard header (store format 4): a reader opens a shard from the header and the chunk
// directory without HDF5 and reads what was written; any doubt about the header (damaged,
// cleared, pointing where the directory is not) sends the reader through HDF5, same values.
#include "core/store/shard_header.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "core/store/shard_reader.hpp"
#include "core/store/shard_writer.hpp"
#include "tests/core/store/store_test_util.hpp"
#include "tests/support/test_support.hpp"

namespace snds {
namespace {

class ShardHeaderFile : public ::testing::Test {
 protected:
  void SetUp() override {
    ShardWriterOptions options = ShardWriterOptions::with(Compression::kLz4);
    options.chunk_rows = 3;
    ShardWriter w(path_, {{"shard", int64_t{5}}, {"created_by", std::string("test")}}, options);
    w.write_table("T", written_);
    w.close();
  }
  std::vector<char> header_block() const {
    std::ifstream in(path_, std::ios::binary);
    std::vector<char> block(kShardHeaderBytes);
    in.read(block.data(), static_cast<std::streamsize>(block.size()));
    return block;
  }
  void write_header_block(const std::vector<char>& block) const {
    std::fstream f(path_, std::ios::in | std::ios::out | std::ios::binary);
    f.write(block.data(), static_cast<std::streamsize>(block.size()));
  }
  void expect_values_read() const {
    ShardReadOptions options;
    options.threads = 2;
    test::expect_same_batch(written_, read_shard(path_, {}, options).tables.at("T"));
  }

  test::TempDir dir_;
  std::filesystem::path path_ = dir_ / "shard.h5";
  Batch written_ = test::mixed_batch();
};

TEST_F(ShardHeaderFile, HoldsTheAttributesAndOpensTheFileWithoutHdf5) {
  const auto header = ShardHeader::parse(header_block());
  ASSERT_TRUE(header.has_value());
  EXPECT_EQ(std::get<int64_t>(header->attributes.at(shard_attr::kFormatVersion)),
            kShardFormatVersion);
  EXPECT_EQ(std::get<std::string>(header->attributes.at(shard_attr::kCompression)), "lz4");
  ShardReader reader(path_);
  EXPECT_TRUE(reader.opened_without_hdf5());
  EXPECT_TRUE(reader.uses_chunk_directory());
  EXPECT_EQ(reader.int_attribute("shard"), 5);
  EXPECT_EQ(reader.string_attribute("created_by"), "test");
  EXPECT_EQ(reader.tables(), std::vector<std::string>{"T"});
  EXPECT_EQ(reader.rows("T"), 7u);
  // The same attributes as HDF5 reads them from the root group.
  EXPECT_EQ(reader.attributes(), ShardReader(path_, /*use_chunk_directory=*/false).attributes());
  expect_values_read();
}

TEST_F(ShardHeaderFile, ADamagedHeaderSendsTheReaderThroughHdf5) {
  std::vector<char> block = header_block();
  block[20] ^= 0x5a;  // inside the attributes: the checksum no longer matches
  write_header_block(block);
  ShardReader reader(path_);
  EXPECT_FALSE(reader.opened_without_hdf5());
  EXPECT_TRUE(reader.uses_chunk_directory());  // found through HDF5, where it is
  expect_values_read();
}

TEST_F(ShardHeaderFile, AHeaderPointingElsewhereThanTheDirectoryIsNotTrusted) {
  auto header = ShardHeader::parse(header_block());
  ASSERT_TRUE(header.has_value());
  header->directory_address += 8;  // a well-formed header, but no directory there
  const auto bytes = header->serialise();
  ASSERT_TRUE(bytes.has_value());
  std::vector<char> block(kShardHeaderBytes, '\0');
  std::copy(bytes->begin(), bytes->end(), block.begin());
  write_header_block(block);
  EXPECT_FALSE(ShardReader(path_).opened_without_hdf5());
  expect_values_read();
}

TEST_F(ShardHeaderFile, AFileWithoutHeaderIsReadThroughHdf5) {
  test::clear_shard_header(path_);
  ShardReader reader(path_);
  EXPECT_FALSE(reader.opened_without_hdf5());
  EXPECT_EQ(reader.int_attribute("shard"), 5);
  expect_values_read();
}

TEST(ShardHeader, RoundTripsAndRefusesWhatItCannotTrust) {
  ShardHeader h;
  h.directory_address = 4096;
  h.directory_size = 321;
  h.attributes = {{"a", int64_t{-7}}, {"b", std::string("text")}};
  const auto bytes = h.serialise();
  ASSERT_TRUE(bytes.has_value());
  std::vector<char> block(kShardHeaderBytes, '\0');
  std::copy(bytes->begin(), bytes->end(), block.begin());
  const auto back = ShardHeader::parse(block);
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->directory_address, 4096u);
  EXPECT_EQ(back->directory_size, 321u);
  EXPECT_EQ(back->attributes, h.attributes);
  EXPECT_FALSE(ShardHeader::parse(std::vector<char>(kShardHeaderBytes, '\0')));
  EXPECT_FALSE(ShardHeader::parse(std::span<const char>(block.data(), 20)));  // truncated
  // Attributes that do not fit in the user block: no header at all.
  h.attributes["long"] = std::string(kShardHeaderBytes, 'x');
  EXPECT_FALSE(h.serialise().has_value());
}

}  // namespace
}  // namespace snds
