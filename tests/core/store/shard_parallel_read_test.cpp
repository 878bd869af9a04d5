// The jobs' read path (read_shard: stored chunks copied out by one thread, decoded outside HDF5
// by several) gives exactly what HDF5's own pipeline gives, for every compression, with and
// without shuffle, across partial last chunks and multi-chunk dictionaries, whatever the thread
// count; string columns kept as codes read as the same strings.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <thread>
#include <tuple>
#include <utility>

#include "core/store/chunk_pipeline.hpp"
#include "core/store/h5.hpp"
#include "core/store/shard_decoding.hpp"
#include "core/store/shard_reader.hpp"
#include "core/store/shard_writer.hpp"
#include "tests/core/store/store_test_util.hpp"
#include "tests/support/test_support.hpp"

namespace snds {
namespace {

Batch awkward_batch() {
  Batch b;
  b.columns.emplace_back("BEN_NIR_PSA", ColumnType::kString);
  b.columns.emplace_back("BEN_RNG_GEM", ColumnType::kInt64);
  b.columns.emplace_back("PHA_ACT_QSN", ColumnType::kDecimal);
  b.columns.emplace_back("EXE_SOI_DTD", ColumnType::kDate);
  b.columns.emplace_back("DPN_QLF", ColumnType::kString);
  const int rows = 5503;  // 6 chunks of 1000 rows, the last one partial
  for (int i = 0; i < rows; ++i) {
    // 2,751 distinct values: a dictionary over several chunks; "" and non-ASCII among them.
    b.columns[0].strings.push_back(i % 1000 == 0 ? std::string()
                                                 : "nir-é" + std::to_string((i * 7919) % 2751));
    b.columns[1].ints.push_back(i % 13 == 0 ? kMissingInt : int64_t{i} * 1000003 - 77);
    b.columns[2].ints.push_back(i % 17 == 0 ? kMissingInt : -int64_t{i} * 10000);
    b.columns[3].dates.push_back(i % 19 == 0 ? kMissingDate : 18000 + i % 400);
    b.columns[4].strings.push_back(i % 2 == 0 ? "0" : "71");
  }
  return b;
}

// Compression, shuffle, and whether chunks are located through the chunk directory or HDF5.
using Params = std::tuple<Compression, bool, bool>;

class ShardParallelRead : public ::testing::TestWithParam<Params> {
 protected:
  void SetUp() override {
    path_ = dir_ / "shard.h5";
    ShardWriterOptions options = ShardWriterOptions::with(std::get<0>(GetParam()));
    options.shuffle = std::get<1>(GetParam());
    options.chunk_rows = 1000;
    ShardWriter w(path_, {{"shard", int64_t{5}}}, options);
    w.write_table("ER_PHA_F", written_);
    w.write_table("IR_BEN_R", written_);
    w.close();
  }
  ShardReadOptions options() const {
    ShardReadOptions o;
    o.chunk_directory = std::get<2>(GetParam());
    return o;
  }
  test::TempDir dir_;
  std::filesystem::path path_;
  Batch written_ = awkward_batch();
};

TEST_P(ShardParallelRead, GivesWhatHdf5GivesAtAnyThreadCount) {
  EXPECT_EQ(ShardReader(path_, std::get<2>(GetParam())).uses_chunk_directory(),
            std::get<2>(GetParam()));
  for (const int threads : {1, 2, 3}) {
    SCOPED_TRACE("threads " + std::to_string(threads));
    ShardReadOptions options = this->options();
    options.threads = threads;
    const ShardData data = read_shard(path_, {}, options);
    EXPECT_EQ(data.shard, 5u);
    ASSERT_EQ(data.tables.size(), 2u);
    for (const auto& [name, batch] : data.tables) test::expect_same_batch(written_, batch);
  }
}

// The read-ahead thread runs some decoding tasks while others run on the team: same shard.
TEST_P(ShardParallelRead, DecodingSharedBetweenAnotherThreadAndTheTeamGivesTheSameShard) {
  ShardDecoding decoding(read_stored_shard(path_, {}, options()));
  std::thread helper([&] {
    for (int k = 0; k < 5 && decoding.run_one(); ++k) {
    }
  });
  helper.join();
  EXPECT_TRUE(decoding.tasks_left());
  const ShardData data = decoding.finish(2);
  EXPECT_FALSE(decoding.tasks_left());
  for (const auto& [name, batch] : data.tables) test::expect_same_batch(written_, batch);
}

TEST_P(ShardParallelRead, KeptCodesReadAsTheSameStringsInByteOrder) {
  ShardReadOptions options = this->options();
  options.threads = 2;
  options.keep_string_codes = true;
  const ShardData data = read_shard(path_, {{"ER_PHA_F", {"DPN_QLF", "BEN_NIR_PSA"}}}, options);
  ASSERT_EQ(data.tables.size(), 1u);
  const Batch& b = data.tables.at("ER_PHA_F");
  ASSERT_EQ(b.columns.size(), 2u);
  EXPECT_EQ(b.columns[0].name, "DPN_QLF");
  for (const Column& c : b.columns) {
    SCOPED_TRACE(c.name);
    const Column& expected = written_.at(c.name);
    ASSERT_TRUE(c.encoded);
    ASSERT_EQ(c.size(), expected.size());
    EXPECT_TRUE(c.strings.bytes().empty());
    for (size_t i = 0; i < c.size(); ++i) ASSERT_EQ(c.string_at(i), expected.strings.at(i)) << i;
    // Codes compare as their strings do: the dictionary is sorted and distinct.
    for (size_t k = 1; k < c.dictionary.size(); ++k)
      ASSERT_LT(c.dictionary.at(k - 1), c.dictionary.at(k));
  }
}

INSTANTIATE_TEST_SUITE_P(
    Pipelines, ShardParallelRead,
    ::testing::Combine(::testing::Values(Compression::kNone, Compression::kDeflate,
                                         Compression::kZstd, Compression::kLz4),
                       ::testing::Bool(), ::testing::Bool()),
    [](const auto& p) {
      return std::string(compression_name(std::get<0>(p.param))) +
             (std::get<1>(p.param) ? "_shuffle" : "_noshuffle") +
             (std::get<2>(p.param) ? "_directory" : "_hdf5");
    });

// Format 2 stores integers in the narrowest type that holds them, the type's minimum standing for
// a missing value: a real value equal to that minimum forces the next width.
TEST(NarrowedIntegers, KeepTheirValuesAndMissingOnEveryReadPath) {
  test::TempDir dir;
  const auto path = dir / "shard.h5";
  Batch b;
  b.columns.push_back(test::int_column("w1", {1, -127, 127, kMissingInt, 0}));
  b.columns.push_back(test::int_column("w2", {-128, 5, kMissingInt, 127, 0}));
  b.columns.push_back(
      test::int_column("w4", {INT32_MAX, kMissingInt, -INT32_MAX, 1, 2}, ColumnType::kDecimal));
  b.columns.push_back(
      test::int_column("w8", {INT64_MAX, INT64_MIN + 1, INT32_MIN, 0, kMissingInt}));
  {
    ShardWriter w(path, {}, ShardWriterOptions::with(Compression::kZstd));
    w.write_table("T", b);
    w.close();
  }
  {
    h5::Lock lock(h5::mutex());
    const hid_t f = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
    ASSERT_GE(f, 0);
    for (const auto& [name, size] : std::vector<std::pair<std::string, size_t>>{
             {"/T/w1", 1}, {"/T/w2", 2}, {"/T/w4", 4}, {"/T/w8", 8}}) {
      const hid_t d = H5Dopen2(f, name.c_str(), H5P_DEFAULT);
      const hid_t t = H5Dget_type(d);
      EXPECT_EQ(H5Tget_size(t), size) << name;
      H5Tclose(t);
      H5Dclose(d);
    }
    H5Fclose(f);
  }
  ShardReader reader(path);
  test::expect_same_batch(b, reader.read_table("T"));
  ShardReadOptions options;
  options.threads = 2;
  test::expect_same_batch(b, read_shard(path, {}, options).tables.at("T"));

  // Kept narrow (the jobs' read): the stored width, the same values once widened.
  options.keep_narrow_ints = true;
  const Batch narrow = read_shard(path, {}, options).tables.at("T");
  const std::vector<uint8_t> widths{1, 2, 4, 0};  // w8 is stored 64-bit: plain ints
  for (size_t c = 0; c < b.columns.size(); ++c) {
    SCOPED_TRACE(b.columns[c].name);
    const Column& col = narrow.columns[c];
    EXPECT_EQ(col.narrow_width, widths[c]);
    ASSERT_EQ(col.size(), b.columns[c].ints.size());
    std::vector<int64_t> scratch;
    const int64_t* values = int_values(col, scratch);
    std::vector<int64_t> range(3);
    widen_ints(col, 1, 4, range.data());
    for (size_t i = 0; i < col.size(); ++i) {
      EXPECT_EQ(values[i], b.columns[c].ints[i]) << i;
      EXPECT_EQ(int_at(col, i), b.columns[c].ints[i]) << i;
      if (i >= 1 && i < 4) {
        EXPECT_EQ(range[i - 1], b.columns[c].ints[i]) << i;
      }
    }
  }
}

TEST(ChunkPipeline, Fletcher32MatchesHandComputedValuesOnEvenAndOddLengths) {
  // Reference values of HDF5's H5_checksum_fletcher32 (16-bit big-endian words, 360-word blocks,
  // an odd last byte shifted left by 8), worked out independently of the implementation.
  EXPECT_EQ(hdf5_fletcher32("", 0), 0u);
  // "ab": one word 0x6162: sum1 = 0x6162, sum2 = 0x6162.
  EXPECT_EQ(hdf5_fletcher32("ab", 2), 0x61626162u);
  // "abc": words 0x6162, then 0x6300: sum1 = 0xC462, sum2 = 0x6162 + 0xC462 = 0x125C4 -> 0x25C5.
  EXPECT_EQ(hdf5_fletcher32("abc", 3), 0x25C5C462u);
}

// Unshuffle is the exact inverse of HDF5's shuffle (byte j of every element in plane j, bytes past
// the last whole element left at the end) for every element width, on both sides of the 16-element
// vector step.
TEST(ChunkPipeline, UnshuffleInvertsShuffleForEveryWidthAndLength) {
  for (size_t width = 1; width <= 9; ++width) {
    for (size_t bytes = 0; bytes <= 40 * width + 3; ++bytes) {
      std::vector<char> original(bytes);
      for (size_t i = 0; i < bytes; ++i) original[i] = static_cast<char>((i * 131 + width) & 0xff);
      const size_t n = bytes / width;
      std::vector<char> shuffled(original);
      for (size_t i = 0; i < n; ++i)
        for (size_t j = 0; j < width; ++j) shuffled[j * n + i] = original[i * width + j];
      ChunkPipeline pipeline;
      pipeline.filters = {ChunkFilter::kShuffle};
      pipeline.element_size = width;
      std::vector<char> out(bytes);
      decode_chunk(pipeline, shuffled, 0, out, "test");
      ASSERT_EQ(out, original) << "width " << width << ", " << bytes << " bytes";
    }
  }
}

// HDF5's own algorithm, word by word (H5_checksum_fletcher32), as the reference for the blocked
// implementation.
uint32_t reference_fletcher32(const uint8_t* b, size_t len) {
  size_t words = len / 2;
  uint32_t sum1 = 0, sum2 = 0;
  while (words > 0) {
    size_t block = words > 360 ? 360 : words;
    words -= block;
    do {
      sum1 += (static_cast<uint32_t>(b[0]) << 8) | b[1];
      b += 2;
      sum2 += sum1;
    } while (--block > 0);
    sum1 = (sum1 & 0xffff) + (sum1 >> 16);
    sum2 = (sum2 & 0xffff) + (sum2 >> 16);
  }
  if (len % 2 != 0) {
    sum1 += static_cast<uint32_t>(*b) << 8;
    sum2 += sum1;
    sum1 = (sum1 & 0xffff) + (sum1 >> 16);
    sum2 = (sum2 & 0xffff) + (sum2 >> 16);
  }
  sum1 = (sum1 & 0xffff) + (sum1 >> 16);
  sum2 = (sum2 & 0xffff) + (sum2 >> 16);
  return (sum2 << 16) | sum1;
}

TEST(ChunkPipeline, Fletcher32EqualsHdf5sWordByWordSumsOnAnyData) {
  std::vector<uint8_t> data(70000);
  uint32_t x = 7;
  for (auto& b : data) {
    x = x * 1664525u + 1013904223u;
    b = static_cast<uint8_t>(x >> 24);
  }
  for (size_t len :
       {size_t{0}, size_t{1}, size_t{2}, size_t{3}, size_t{511}, size_t{512}, size_t{513},
        size_t{720}, size_t{721}, size_t{4097}, size_t{65535}, size_t{70000}})
    EXPECT_EQ(hdf5_fletcher32(data.data(), len), reference_fletcher32(data.data(), len)) << len;
  // Sums that are multiples of 65535 (all 0xff) and all-zero data: the edge of the folding.
  for (const uint8_t fill : {uint8_t{0}, uint8_t{0xff}})
    for (size_t len : {size_t{1}, size_t{2}, size_t{512}, size_t{1000}, size_t{70000}}) {
      const std::vector<uint8_t> same(len, fill);
      EXPECT_EQ(hdf5_fletcher32(same.data(), len), reference_fletcher32(same.data(), len))
          << int{fill} << " x " << len;
    }
}

TEST(ChunkPipeline, AChunkOfTheWrongSizeIsADataError) {
  ChunkPipeline none;  // no filter: the stored bytes are the values
  std::vector<char> out(16);
  const std::vector<char> stored(8, 'x');
  EXPECT_THROW(decode_chunk(none, stored, 0, out, "/T/C in shard file f.h5"), Error);
}

}  // namespace
}  // namespace snds
