// A shard file gives back exactly what was written: every column type with its missing values,
// awkward strings, empty tables, tables spanning several chunks, under every compression; column
// selection and the errors for what is not there.
#include <gtest/gtest.h>

#include <filesystem>

#include "core/error.hpp"
#include "core/store/shard_reader.hpp"
#include "core/store/shard_writer.hpp"
#include "tests/core/store/store_test_util.hpp"
#include "tests/support/test_support.hpp"

namespace snds {
namespace {

using test::date_column;
using test::int_column;
using test::string_column;

Batch every_type_batch() {
  Batch b;
  b.columns.push_back(string_column(
      "BEN_NIR_PSA", {"p1", "p1", "p2", "", "p3;x", "\"quoted\"", "Zoé-Ünïcode ✓", "p1"}));
  b.columns.push_back(
      int_column("BEN_RNG_GEM", {1, 1, 2, kMissingInt, INT64_MAX, INT64_MIN + 1, 0, -7}));
  b.columns.push_back(int_column("PRS_PAI_MNT", {125000, -5, kMissingInt, 0, 10000, 1, 99999999, 3},
                                 ColumnType::kDecimal));
  b.columns.push_back(
      date_column("EXE_SOI_DTD", {days_from_civil(2020, 3, 15), kMissingDate, 0, -1,
                                  days_from_civil(1600, 1, 2), 18000, 18001, 18002}));
  return b;
}

Batch read_back(const std::filesystem::path& path, const std::string& table) {
  ShardReader reader(path);
  return reader.read_table(table);
}

class ShardRoundTrip : public ::testing::TestWithParam<Compression> {};

TEST_P(ShardRoundTrip, EveryColumnTypeAndMissingValueComesBackUnchanged) {
  test::TempDir dir;
  const auto path = dir / "shard.h5";
  const Batch written = every_type_batch();
  {
    ShardWriter w(path, {{"shard", int64_t{3}}, {"shards", int64_t{8}}},
                  ShardWriterOptions::with(GetParam()));
    w.write_table("ER_PRS_F", written);
    w.close();
  }
  ShardReader reader(path);
  EXPECT_EQ(reader.tables(), std::vector<std::string>{"ER_PRS_F"});
  EXPECT_EQ(reader.rows("ER_PRS_F"), written.rows());
  test::expect_same_batch(written, reader.read_table("ER_PRS_F"));
  EXPECT_EQ(reader.string_attribute("compression"), compression_name(GetParam()));
}

TEST_P(ShardRoundTrip, TablesSpanningSeveralChunksComeBackInRowOrder) {
  test::TempDir dir;
  const auto path = dir / "shard.h5";
  Batch written;
  written.columns.emplace_back("id", ColumnType::kString);
  written.columns.emplace_back("n", ColumnType::kInt64);
  written.columns.emplace_back("d", ColumnType::kDate);
  const int rows = 10007;  // not a multiple of the chunk size
  for (int i = 0; i < rows; ++i) {
    written.columns[0].strings.push_back("patient-" + std::to_string(i / 3));
    written.columns[1].ints.push_back(int64_t{i} * 1000003);
    written.columns[2].dates.push_back(18000 + i % 400);
  }
  ShardWriterOptions options = ShardWriterOptions::with(GetParam());
  options.chunk_rows = 1000;  // 11 chunks per column, and a dictionary over several chunks
  {
    ShardWriter w(path, {}, options);
    w.write_table("T", written);
    w.close();
  }
  test::expect_same_batch(written, read_back(path, "T"));
}

INSTANTIATE_TEST_SUITE_P(Compressions, ShardRoundTrip,
                         ::testing::Values(Compression::kNone, Compression::kDeflate,
                                           Compression::kZstd),
                         [](const auto& p) { return std::string(compression_name(p.param)); });

TEST(ShardFile, ZeroRowTablesAreStoredWithTheirColumns) {
  test::TempDir dir;
  const auto path = dir / "shard.h5";
  Batch empty = every_type_batch().empty_like();
  {
    ShardWriter w(path);
    w.write_table("T_MCO19B", empty);
    w.write_table("NO_COLUMNS", Batch{});
    w.close();
  }
  ShardReader reader(path);
  EXPECT_EQ(reader.rows("T_MCO19B"), 0u);
  const Batch back = reader.read_table("T_MCO19B");
  test::expect_same_batch(empty, back);
  EXPECT_EQ(reader.rows("NO_COLUMNS"), 0u);
  EXPECT_TRUE(reader.read_table("NO_COLUMNS").columns.empty());
}

TEST(ShardFile, SeveralTablesLiveInOneFileEachInItsGroup) {
  test::TempDir dir;
  const auto path = dir / "shard.h5";
  Batch a, b;
  a.columns.push_back(int_column("X", {1, 2, 3}));
  b.columns.push_back(string_column("X", {"only"}));
  {
    ShardWriter w(path);
    w.write_table("B_TABLE", b);
    w.write_table("A_TABLE", a);
    w.write_table("ER_PHA_F.orphans", a);
    w.close();
  }
  ShardReader reader(path);
  EXPECT_EQ(reader.tables(), (std::vector<std::string>{"A_TABLE", "B_TABLE", "ER_PHA_F.orphans"}));
  test::expect_same_batch(a, reader.read_table("A_TABLE"));
  test::expect_same_batch(b, reader.read_table("B_TABLE"));
  test::expect_same_batch(a, reader.read_table("ER_PHA_F.orphans"));
}

TEST(ShardFile, ColumnSelectionReturnsTheAskedColumnsInTheAskedOrder) {
  test::TempDir dir;
  const auto path = dir / "shard.h5";
  const Batch written = every_type_batch();
  {
    ShardWriter w(path);
    w.write_table("ER_PRS_F", written);
    w.close();
  }
  ShardReader reader(path);
  const Batch back = reader.read_table("ER_PRS_F", {"EXE_SOI_DTD", "BEN_NIR_PSA"});
  ASSERT_EQ(back.columns.size(), 2u);
  EXPECT_EQ(back.columns[0].name, "EXE_SOI_DTD");
  EXPECT_EQ(back.columns[0].dates, written.at("EXE_SOI_DTD").dates);
  EXPECT_EQ(test::strings_of(back.columns[1]), test::strings_of(written.at("BEN_NIR_PSA")));
  const auto& columns = reader.columns("ER_PRS_F");
  ASSERT_EQ(columns.size(), 4u);
  EXPECT_EQ(columns[2].name, "PRS_PAI_MNT");
  EXPECT_EQ(columns[2].type, ColumnType::kDecimal);
}

TEST(ShardFile, UnknownTableOrColumnIsADataErrorNamingItAndTheFile) {
  test::TempDir dir;
  const auto path = dir / "shard.h5";
  {
    ShardWriter w(path);
    w.write_table("ER_PRS_F", every_type_batch());
    w.close();
  }
  ShardReader reader(path);
  try {
    reader.read_table("ER_PHA_F");
    FAIL() << "no error for an unknown table";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::kData);
    EXPECT_NE(std::string(e.what()).find("ER_PHA_F"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find(path.string()), std::string::npos) << e.what();
  }
  try {
    reader.read_table("ER_PRS_F", {"BEN_NIR_PSA", "PHA_ACT_QSN"});
    FAIL() << "no error for an unknown column";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::kData);
    EXPECT_NE(std::string(e.what()).find("PHA_ACT_QSN"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find(path.string()), std::string::npos) << e.what();
  }
}

TEST(ShardFile, StringDictionaryIsSortedWithOneCodePerRow) {
  test::TempDir dir;
  const auto path = dir / "shard.h5";
  Batch b;
  b.columns.push_back(string_column("C", {"b", "a", "", "b", "c", "a"}));
  {
    ShardWriter w(path);
    w.write_table("T", b);
    w.close();
  }
  const EncodedStringColumn encoded = ShardReader(path).read_string_codes("T", "C");
  EXPECT_EQ(encoded.codes, (std::vector<int32_t>{2, 1, 0, 2, 3, 1}));
  ASSERT_EQ(encoded.dictionary.size(), 4u);
  EXPECT_EQ(encoded.dictionary.at(0), "");
  EXPECT_EQ(encoded.dictionary.at(3), "c");
}

TEST(ShardFile, CallerFileAttributesAndTheFormatVersionAreRecorded) {
  test::TempDir dir;
  const auto path = dir / "shard.h5";
  {
    ShardWriter w(path, {{"shard", int64_t{5}},
                         {"shards", int64_t{64}},
                         {"created_by", std::string("snds-batch 0.1")}});
    w.close();
  }
  ShardReader reader(path);
  EXPECT_EQ(reader.int_attribute("shard"), 5);
  EXPECT_EQ(reader.int_attribute("shards"), 64);
  EXPECT_EQ(reader.string_attribute("created_by"), "snds-batch 0.1");
  EXPECT_EQ(reader.int_attribute(shard_attr::kFormatVersion), kShardFormatVersion);
  EXPECT_EQ(reader.string_attribute(shard_attr::kCompression),
            compression_name(kDefaultCompression));
  EXPECT_TRUE(reader.tables().empty());
}

TEST(ShardFile, ReadShardPicksTablesByNameOrCatalogPatternAndSkipsAbsentOnes) {
  test::TempDir dir;
  const auto path = dir / "shard.h5";
  Batch stays;
  stays.columns.push_back(string_column("NIR_ANO_17", {"p1", "p2"}));
  stays.columns.push_back(date_column("EXE_SOI_DTD", {18000, 18001}));
  {
    ShardWriter w(path, {{"shard", int64_t{7}}});
    w.write_table("T_MCO19C", stays);
    w.write_table("T_MCO20C", stays);
    w.write_table("IR_BEN_R", every_type_batch());
    w.close();
  }
  const ShardData data = read_shard(path, {{"T_MCOaaC", {"EXE_SOI_DTD"}}, {"ER_PHA_F", {}}});
  EXPECT_EQ(data.shard, 7u);
  ASSERT_EQ(data.tables.size(), 2u);
  ASSERT_NE(data.find("T_MCO19C"), nullptr);
  EXPECT_EQ(data.find("T_MCO20C")->columns.size(), 1u);
  EXPECT_EQ(data.find("ER_PHA_F"), nullptr);
  EXPECT_EQ(data.find("IR_BEN_R"), nullptr);
  EXPECT_EQ(read_shard(path).tables.size(), 3u);
  EXPECT_THROW(read_shard(path, {{"T_MCO19C", {"NO_SUCH_COLUMN"}}}), Error);
}

TEST(ShardWriter, AWriterThatIsNotClosedLeavesNoFile) {
  test::TempDir dir;
  const auto path = dir / "shard.h5.tmp";
  {
    ShardWriter w(path);
    w.write_table("T", every_type_batch());
    EXPECT_TRUE(std::filesystem::exists(path));
  }
  EXPECT_FALSE(std::filesystem::exists(path));
}

TEST(ShardWriter, AFailedWriteRemovesTheFile) {
  test::TempDir dir;
  const auto path = dir / "shard.h5.tmp";
  ShardWriter w(path);
  w.write_table("T", every_type_batch());
  Batch ragged = every_type_batch();
  ragged.columns[1].ints.pop_back();
  EXPECT_THROW(w.write_table("U", ragged), Error);
  EXPECT_FALSE(std::filesystem::exists(path));
  EXPECT_THROW(w.close(), Error);
}

TEST(ShardWriter, RefusesNamesHdf5CannotHoldAndTablesWrittenTwice) {
  test::TempDir dir;
  {
    ShardWriter w(dir / "a.h5");
    Batch b;
    b.columns.push_back(int_column("A/B", {1}));
    EXPECT_THROW(w.write_table("T", b), Error);
  }
  {
    ShardWriter w(dir / "b.h5");
    Batch b;
    b.columns.push_back(string_column("C", {"x"}));
    b.columns.push_back(int_column("C.dict", {1}));
    EXPECT_THROW(w.write_table("T", b), Error);
  }
  {
    ShardWriter w(dir / "c.h5");
    w.write_table("T", every_type_batch());
    EXPECT_THROW(w.write_table("T", every_type_batch()), Error);
  }
  {
    ShardWriter w(dir / "d.h5");
    Batch b;
    b.columns.push_back(string_column("C", {std::string("a\0b", 3)}));
    EXPECT_THROW(w.write_table("T", b), Error);
  }
  EXPECT_THROW(ShardWriter(dir / "e.h5", {{shard_attr::kFormatVersion, int64_t{9}}}), Error);
}

TEST(ShardWriter, WideDictionaryValuesRoundTrip) {
  test::TempDir dir;
  const auto path = dir / "shard.h5";
  Batch b;
  // One value far wider than the others: the padded dictionary spans several 1-row chunks.
  const std::string wide(3 * 1024 * 1024, 'w');
  b.columns.push_back(string_column("C", {"a", wide, "b", "", wide + "x"}));
  {
    ShardWriter w(path);
    w.write_table("T", b);
    w.close();
  }
  test::expect_same_batch(b, read_back(path, "T"));
}

}  // namespace
}  // namespace snds
