// The lz4 filter speaks the H5Z-LZ4 plugin's format (h5py/hdf5plugin, Debian's
// hdf5-filter-plugin): decoded size and block size big-endian, then each block's stored size and
// bytes, a block that would not shrink stored as is. Streams written by other tools, with several
// blocks, decode; a damaged stream is refused, never read as data; stores written with it read the
// same through HDF5 and through the jobs' decoder.
#include <gtest/gtest.h>
#include <lz4.h>

#include <string>
#include <vector>

#include "core/store/h5.hpp"
#include "core/store/lz4_filter.hpp"
#include "core/store/shard_reader.hpp"
#include "core/store/shard_writer.hpp"
#include "tests/core/store/store_test_util.hpp"
#include "tests/support/test_support.hpp"

namespace snds {
namespace {

void put_be(std::string& out, uint64_t v, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

// A stream as another writer would make it: blocks of `block` bytes, incompressible ones raw.
std::string foreign_stream(const std::string& data, uint64_t block) {
  std::string out;
  put_be(out, data.size(), 8);
  put_be(out, block, 4);
  for (size_t at = 0; at < data.size(); at += block) {
    const std::string part = data.substr(at, block);
    std::string packed(static_cast<size_t>(LZ4_compressBound(static_cast<int>(part.size()))), '\0');
    const int n = LZ4_compress_default(part.data(), packed.data(), static_cast<int>(part.size()),
                                       static_cast<int>(packed.size()));
    if (n <= 0 || static_cast<size_t>(n) >= part.size()) {
      put_be(out, part.size(), 4);
      out += part;
    } else {
      put_be(out, static_cast<uint64_t>(n), 4);
      out.append(packed.data(), static_cast<size_t>(n));
    }
  }
  return out;
}

std::string sample() {
  std::string s;
  for (int i = 0; i < 20000; ++i) s += "row " + std::to_string(i % 700) + ";";
  // An incompressible tail, so that the last block is stored raw.
  uint32_t x = 12345;
  for (int i = 0; i < 3000; ++i) {
    x = x * 1103515245u + 12345u;
    s.push_back(static_cast<char>(x >> 24));
  }
  return s;
}

TEST(Lz4Filter, DecodesMultiBlockStreamsFromOtherWriters) {
  const std::string data = sample();
  for (const uint64_t block : {uint64_t{1000}, uint64_t{65536}, uint64_t{data.size()}}) {
    SCOPED_TRACE(block);
    const std::string stream = foreign_stream(data, block);
    std::string out(data.size(), '\0');
    ASSERT_TRUE(h5::lz4_decode(stream.data(), stream.size(), out.data(), out.size()));
    EXPECT_EQ(out, data);
  }
}

TEST(Lz4Filter, ADamagedOrTruncatedStreamIsRefused) {
  const std::string data = sample();
  const std::string stream = foreign_stream(data, 4096);
  std::string out(data.size(), '\0');
  EXPECT_FALSE(h5::lz4_decode(stream.data(), stream.size() / 2, out.data(), out.size()));
  EXPECT_FALSE(h5::lz4_decode(stream.data(), stream.size(), out.data(), out.size() - 1));
  std::string damaged = stream;
  damaged[14] = static_cast<char>(0x7f);  // the first block's stored size
  EXPECT_FALSE(h5::lz4_decode(damaged.data(), damaged.size(), out.data(), out.size()));
  EXPECT_FALSE(h5::lz4_decode("short", 5, out.data(), out.size()));
}

TEST(Lz4Filter, AStoreWrittenWithItReadsTheSameThroughHdf5AndTheJobsDecoder) {
  test::TempDir dir;
  const auto path = dir / "shard.h5";
  Batch b;
  std::vector<int64_t> ints;
  std::vector<std::string> strings;
  for (int i = 0; i < 5000; ++i) {
    ints.push_back(i % 7 == 0 ? kMissingInt : int64_t{i} * 31);
    strings.push_back("v" + std::to_string(i % 300));
  }
  b.columns.push_back(test::int_column("N", ints));
  b.columns.push_back(test::string_column("S", strings));
  ShardWriterOptions options = ShardWriterOptions::with(Compression::kLz4);
  options.chunk_rows = 1024;
  {
    ShardWriter w(path, {}, options);
    w.write_table("T", b);
    w.close();
  }
  ShardReader reader(path);
  EXPECT_EQ(reader.string_attribute(shard_attr::kCompression), "lz4");
  test::expect_same_batch(b, reader.read_table("T"));  // H5Dread: HDF5 runs the filter
  ShardReadOptions read;
  read.threads = 2;
  test::expect_same_batch(b, read_shard(path, {}, read).tables.at("T"));
  // A stored chunk starts with its decoded size, big-endian.
  const StoredColumnChunks stored = reader.read_stored_chunks("T", "N", false);
  ASSERT_FALSE(stored.chunks.empty());
  uint64_t size = 0;
  for (int i = 0; i < 8; ++i) size = (size << 8) | static_cast<uint8_t>(stored.chunks[0][i]);
  EXPECT_EQ(size, stored.chunk_rows * stored.stored_size);
}

}  // namespace
}  // namespace snds
