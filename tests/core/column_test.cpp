// Batches append by column name, gather rows, and survive the wire encoding unchanged.
#include "core/column.hpp"

#include <gtest/gtest.h>

#include "core/serialize.hpp"

namespace snds {

static Batch sample() {
  Batch b;
  b.columns.emplace_back("id", ColumnType::kString);
  b.columns.emplace_back("n", ColumnType::kInt64);
  b.columns.emplace_back("d", ColumnType::kDate);
  for (int i = 0; i < 5; ++i) {
    b.columns[0].strings.push_back("p" + std::to_string(i));
    b.columns[1].ints.push_back(i * 10);
    b.columns[2].dates.push_back(i);
  }
  return b;
}

TEST(Batch, AppendMatchesColumnsByNameAndFillsMissing) {
  Batch a = sample();
  Batch b;
  b.columns.emplace_back("n", ColumnType::kInt64);
  b.columns.emplace_back("extra", ColumnType::kString);
  b.columns[0].ints.push_back(99);
  b.columns[1].strings.push_back("x");
  a.append(b);
  EXPECT_EQ(a.rows(), 6u);
  EXPECT_EQ(a.at("n").ints[5], 99);
  EXPECT_EQ(a.at("id").strings.at(5), "");
  EXPECT_EQ(a.at("d").dates[5], kMissingDate);
  EXPECT_EQ(a.at("extra").strings.at(0), "");
  EXPECT_EQ(a.at("extra").strings.at(5), "x");
}

TEST(Batch, GatherKeepsTheRequestedOrder) {
  const std::vector<uint32_t> rows = {4, 0, 2};
  Batch g = sample().gather(rows);
  ASSERT_EQ(g.rows(), 3u);
  EXPECT_EQ(g.at("id").strings.at(0), "p4");
  EXPECT_EQ(g.at("n").ints[2], 20);
}

TEST(Batch, EncodingRoundTrips) {
  Batch b = sample();
  std::vector<char> buf;
  ByteWriter w(buf);
  encode_batch(w, b);
  ByteReader r(buf);
  Batch back = decode_batch(r);
  EXPECT_TRUE(r.done());
  ASSERT_EQ(back.rows(), 5u);
  for (size_t i = 0; i < 5; ++i) {
    EXPECT_EQ(back.at("id").strings.at(i), b.at("id").strings.at(i));
    EXPECT_EQ(back.at("n").ints[i], b.at("n").ints[i]);
    EXPECT_EQ(back.at("d").dates[i], b.at("d").dates[i]);
  }
}

TEST(Batch, TruncatedEncodingIsAnErrorNotACrash) {
  std::vector<char> buf;
  ByteWriter w(buf);
  encode_batch(w, sample());
  buf.resize(buf.size() / 2);
  ByteReader r(buf);
  EXPECT_THROW(decode_batch(r), Error);
}

TEST(Decimal, FormatsTrimmed) {
  EXPECT_EQ(format_decimal(125000), "12.5");
  EXPECT_EQ(format_decimal(-30000), "-3");
  EXPECT_EQ(format_decimal(1), "0.0001");
  EXPECT_EQ(format_decimal(-12345), "-1.2345");
  EXPECT_EQ(format_decimal(kMissingInt), "");
}

}  // namespace snds
