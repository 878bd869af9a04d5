// The shuffle's compact batch encoding (core/batch_codec.hpp) gives back every value exactly:
// each column type, missing values, the extremes of each type, empty batches and empty strings,
// whatever width the batch's range calls for; and it is smaller than the typed rows.
#include "core/batch_codec.hpp"

#include <gtest/gtest.h>

#include <limits>
#include <string>
#include <vector>

#include "core/error.hpp"

namespace snds {
namespace {

Batch round_trip(const Batch& b) {
  const EncodedBatch e = encode_compact(b);
  EXPECT_EQ(e.rows(), b.rows());
  EXPECT_EQ(e.decoded_bytes(), b.byte_size());
  return decode_compact(e);
}

void expect_same(const Batch& a, const Batch& b) {
  ASSERT_EQ(a.columns.size(), b.columns.size());
  for (size_t c = 0; c < a.columns.size(); ++c) {
    const Column& x = a.columns[c];
    const Column& y = b.columns[c];
    EXPECT_EQ(x.name, y.name);
    EXPECT_EQ(x.type, y.type) << x.name;
    EXPECT_EQ(x.ints, y.ints) << x.name;
    EXPECT_EQ(x.dates, y.dates) << x.name;
    ASSERT_EQ(x.size(), y.size()) << x.name;
    if (x.type == ColumnType::kString) {
      for (size_t i = 0; i < x.size(); ++i) EXPECT_EQ(x.string_at(i), y.string_at(i)) << x.name;
    }
  }
}

Batch ints(ColumnType type, std::vector<int64_t> v) {
  Batch b;
  b.columns.emplace_back("x", type);
  b.columns[0].ints = std::move(v);
  return b;
}

constexpr int64_t kMax = std::numeric_limits<int64_t>::max();

TEST(BatchCodec, IntegersComeBackAtEveryWidthWithMissingKept) {
  const std::vector<std::vector<int64_t>> cases = {
      {},
      {kMissingInt, kMissingInt},
      {7},
      {5, 5, 5, kMissingInt},
      {-3, 251, kMissingInt, 0},                // range 254: 1 byte
      {-3, 252},                                // range 255: the all-ones value is missing, 2 bytes
      {100, 65634, kMissingInt},                // range 65534: 2 bytes
      {0, 65535},                               // 4 bytes
      {-5, 4294967289, kMissingInt},            // range 2^32 - 2: 4 bytes
      {0, 4294967295},                          // 8 bytes
      {kMissingInt + 1, kMax, kMissingInt, 0},  // the whole int64 range
      {kMax, kMax - 1},
      {kMissingInt + 1, kMissingInt + 2},
  };
  for (ColumnType t : {ColumnType::kInt64, ColumnType::kDecimal})
    for (const auto& v : cases) {
      const Batch b = ints(t, v);
      expect_same(round_trip(b), b);
    }
}

TEST(BatchCodec, NarrowRangesTakeNarrowWidths) {
  std::vector<int64_t> small(1000), wide(1000);
  for (size_t i = 0; i < 1000; ++i) {
    small[i] = 20'000'000 + static_cast<int64_t>(i % 200);  // far from 0, range < 255
    wide[i] = static_cast<int64_t>(i) * 10'000'000'000;
  }
  EXPECT_LT(encode_compact(ints(ColumnType::kInt64, small)).size(), 1000u + 64);
  EXPECT_GT(encode_compact(ints(ColumnType::kInt64, wide)).size(), 8000u);
}

TEST(BatchCodec, DatesComeBackWithMissingAndExtremes) {
  const std::vector<std::vector<Date>> cases = {
      {},
      {kMissingDate},
      {0, 1, kMissingDate},
      {kMissingDate + 1, std::numeric_limits<Date>::max(), kMissingDate},
      {-100000, 2932896, 18000},
  };
  for (const auto& v : cases) {
    Batch b;
    b.columns.emplace_back("d", ColumnType::kDate);
    b.columns[0].dates = v;
    expect_same(round_trip(b), b);
  }
}

TEST(BatchCodec, StringsComeBackIncludingEmptyAndLongOnes) {
  for (size_t longest : {size_t{0}, size_t{3}, size_t{255}, size_t{256}, size_t{70000}}) {
    Batch b;
    b.columns.emplace_back("s", ColumnType::kString);
    b.columns[0].strings.push_back("");
    b.columns[0].strings.push_back(std::string(longest, 'z'));
    b.columns[0].strings.push_back("é\0x");
    b.columns[0].strings.push_back("");
    expect_same(round_trip(b), b);
  }
  Batch none;
  none.columns.emplace_back("s", ColumnType::kString);
  expect_same(round_trip(none), none);
}

TEST(BatchCodec, AMixedBatchAndAnEmptyOneComeBack) {
  Batch b;
  b.columns.emplace_back("BEN_NIR_PSA", ColumnType::kString);
  b.columns.emplace_back("PRS_NAT_REF", ColumnType::kInt64);
  b.columns.emplace_back("PRS_PAI_MNT", ColumnType::kDecimal);
  b.columns.emplace_back("EXE_SOI_DTD", ColumnType::kDate);
  for (int i = 0; i < 300; ++i) {
    b.columns[0].strings.push_back(i % 11 ? "NIR" + std::to_string(i * 7919) : "");
    b.columns[1].ints.push_back(i % 13 ? 1000 + i : kMissingInt);
    b.columns[2].ints.push_back(i % 17 ? int64_t{i} * 12345 - 50000 : kMissingInt);
    b.columns[3].dates.push_back(i % 19 ? 19000 + i : kMissingDate);
  }
  expect_same(round_trip(b), b);
  EXPECT_LT(encode_compact(b).size(), b.byte_size() / 2);
  const Batch empty_like = b.empty_like();
  expect_same(round_trip(empty_like), empty_like);
  EXPECT_TRUE(decode_compact(encode_compact(Batch{})).columns.empty());
}

TEST(BatchCodec, PickedRowsEncodeAsTheirGatheredCopy) {
  // encode_compact(b, rows) gives the bytes of encode_compact(b.gather(rows)), with the same
  // decoded size, for selections whose ranges call for other widths than the whole batch's.
  Batch b;
  b.columns.emplace_back("S", ColumnType::kString);
  b.columns.emplace_back("I", ColumnType::kInt64);
  b.columns.emplace_back("D", ColumnType::kDate);
  b.columns.emplace_back("M", ColumnType::kDecimal);
  for (int i = 0; i < 400; ++i) {
    b.columns[0].strings.push_back(i == 7  ? std::string(300, 'x')
                                   : i % 5 ? "v" + std::to_string(i)
                                           : "");
    b.columns[1].ints.push_back(i == 9 ? kMax : i % 3 ? i : kMissingInt);
    b.columns[2].dates.push_back(i % 4 ? 18000 + i * 100 : kMissingDate);
    b.columns[3].ints.push_back(i % 6 ? int64_t{i} * 1000 : kMissingInt);
  }
  const std::vector<std::vector<uint32_t>> picks = {
      {}, {3}, {0, 4, 8}, {7, 9, 11}, {12, 13, 14, 15}, {399, 0, 200}};
  std::vector<uint32_t> all(400);
  for (uint32_t i = 0; i < 400; ++i) all[i] = i;
  for (auto rows : picks) {
    const EncodedBatch got = encode_compact(b, rows);
    const EncodedBatch want = encode_compact(b.gather(rows));
    ASSERT_EQ(got.size(), want.size()) << rows.size();
    EXPECT_EQ(std::string(got.data(), got.size()), std::string(want.data(), want.size()));
    EXPECT_EQ(got.rows(), want.rows());
    EXPECT_EQ(got.decoded_bytes(), want.decoded_bytes());
  }
  const EncodedBatch whole = encode_compact(b, all), plain = encode_compact(b);
  EXPECT_EQ(std::string(whole.data(), whole.size()), std::string(plain.data(), plain.size()));
}

TEST(BatchCodec, PartsEncodeAsEachPartsPickedRows) {
  // encode_parts(b, part_of_row, parts)[k] has the bytes of encode_compact(b, the rows of part k
  // in order), decoded size included, when the parts' ranges call for different widths (a part
  // with all values missing, one with a 300-byte or a 70,000-byte string, one with an int64
  // extreme), for string columns held as codes, and for empty parts.
  Batch b;
  b.columns.emplace_back("S", ColumnType::kString);
  b.columns.emplace_back("I", ColumnType::kInt64);
  b.columns.emplace_back("D", ColumnType::kDate);
  b.columns.emplace_back("M", ColumnType::kDecimal);
  b.columns.emplace_back("C", ColumnType::kString);
  b.columns.emplace_back("E", ColumnType::kInt64);  // missing everywhere
  b.columns.emplace_back("N", ColumnType::kInt64);  // widths 1, 2 and 4 by part, missing in all
  const size_t n = 3000;
  std::vector<uint32_t> part(n);
  uint64_t state = 12345;
  const auto next = [&state] {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return state >> 33;
  };
  for (size_t i = 0; i < n; ++i) {
    part[i] = static_cast<uint32_t>(next() % 7);  // part 6 stays empty below
    if (part[i] == 6) part[i] = 2;
    const uint32_t k = part[i];
    b.columns[0].strings.push_back(i == 17      ? std::string(300, 'x')
                                   : i == 40    ? std::string(70000, 'y')
                                   : next() % 5 ? "v" + std::to_string(next() % 1000)
                                                : "");
    b.columns[1].ints.push_back(k == 4               ? kMissingInt
                                : k == 3 && i == 123 ? kMax
                                : k == 1             ? int64_t(next() % 60000)
                                : k == 5             ? -int64_t(next() % 100000)
                                                     : int64_t(next() % 200));
    b.columns[2].dates.push_back(next() % 4 ? static_cast<Date>(18000 + (k + 1) * (next() % 900))
                                            : kMissingDate);
    b.columns[3].ints.push_back(next() % 6 ? int64_t(next() % 5000000) : kMissingInt);
    b.columns[4].codes.push_back(static_cast<int32_t>(k % 3));
    b.columns[5].ints.push_back(kMissingInt);
    b.columns[6].ints.push_back(next() % 7 == 0 ? kMissingInt
                                : k == 1        ? int64_t(next() % 60000)
                                : k == 5        ? int64_t(next() % 10000000)
                                                : int64_t(next() % 100) - 50);
  }
  for (const char* v : {"a", "bb", "ccc"}) b.columns[4].dictionary.push_back(v);
  b.columns[4].encoded = true;
  // Every part with rows (the routing's case) and parts without; the one-pass-per-width path
  // (the same width in every part with rows: D, M) and the mixed one (I).
  std::vector<uint32_t> dense = part;
  for (uint32_t& k : dense) k = k == 2 ? 0 : k;  // parts 0, 1, 3, 4, 5 of 6; 2 and 6 empty
  std::vector<uint32_t> full = part;
  for (uint32_t& k : full) k = k > 5 ? 5 : k;  // parts 0-5, all with rows
  for (const auto& [parts, part_of_row] :
       {std::pair{size_t{7}, &part}, std::pair{size_t{9}, &part}, std::pair{size_t{6}, &dense},
        std::pair{size_t{6}, &full}}) {
    const std::vector<uint32_t>& of_row = *part_of_row;
    const std::vector<EncodedBatch> got = encode_parts(b, of_row, parts);
    ASSERT_EQ(got.size(), parts);
    for (uint32_t k = 0; k < parts; ++k) {
      std::vector<uint32_t> rows;
      for (uint32_t i = 0; i < n; ++i)
        if (of_row[i] == k) rows.push_back(i);
      const EncodedBatch want = encode_compact(b, rows);
      ASSERT_EQ(got[k].size(), want.size()) << "part " << k;
      EXPECT_EQ(std::string(got[k].data(), got[k].size()), std::string(want.data(), want.size()))
          << "part " << k;
      EXPECT_EQ(got[k].rows(), want.rows());
      EXPECT_EQ(got[k].decoded_bytes(), want.decoded_bytes());
    }
  }
  EXPECT_THROW(encode_parts(b, std::span<const uint32_t>(part).first(10), 7), Error);
  EXPECT_THROW(encode_parts(b, part, 3), Error);
  const Batch empty_batch;
  EXPECT_EQ(encode_parts(empty_batch, {}, 2).size(), 2u);
}

TEST(BatchCodec, StringCodesAndNarrowIntegersAreEncodedAsTheirValues) {
  Batch b;
  Column s("s", ColumnType::kString);
  s.dictionary.push_back("a");
  s.dictionary.push_back("bc");
  s.codes = {1, 0, 1};
  s.encoded = true;
  Column n("n", ColumnType::kInt64);
  n.narrow_width = 2;
  const int16_t v[3] = {5, std::numeric_limits<int16_t>::min(), -7};
  n.narrow.assign(reinterpret_cast<const char*>(v), reinterpret_cast<const char*>(v) + sizeof v);
  b.columns = {s, n};
  const Batch back = decode_compact(encode_compact(b));
  EXPECT_EQ(back.at("s").string_at(0), "bc");
  EXPECT_EQ(back.at("s").string_at(1), "a");
  EXPECT_EQ(back.at("n").ints, (std::vector<int64_t>{5, kMissingInt, -7}));
}

TEST(BatchCodec, TruncatedOrCorruptBytesAreAnErrorNotACrash) {
  const Batch b = ints(ColumnType::kInt64, {1, 2, 3});
  const EncodedBatch e = encode_compact(b);
  for (size_t cut = 0; cut < e.size(); ++cut)
    EXPECT_THROW(decode_compact(e.data(), cut), Error) << cut;
  std::string longer(e.data(), e.size());
  longer.push_back('x');
  EXPECT_THROW(decode_compact(longer.data(), longer.size()), Error);
}

// Many small batches of one layout decode into one batch holding each one's rows in turn: the
// values decode_compact gives each, whatever widths each piece chose (a piece all missing, one
// of 1-byte offsets, one of full 8-byte values; string lengths of 1, 2 and 4 bytes), empty
// pieces included.
TEST(BatchCodec, PiecesOfOneLayoutDecodeAsOneBatchOfTheirRowsInTurn) {
  auto piece = [](int k) {
    Batch b;
    b.columns.emplace_back("n", ColumnType::kInt64);
    b.columns.emplace_back("d", ColumnType::kDate);
    b.columns.emplace_back("s", ColumnType::kString);
    const int rows = k == 3 ? 0 : 5 + k;
    for (int i = 0; i < rows; ++i) {
      const int64_t wide[] = {kMissingInt, 7 + i, int64_t{1} << 40, kMax - i, -(int64_t{1} << 20)};
      b.columns[0].ints.push_back(k == 0 ? kMissingInt : wide[(i + k) % 5]);
      b.columns[1].dates.push_back(k == 1 ? kMissingDate : 18000 + i * k * 97);
      const size_t len = k == 2 ? 300 : k == 4 ? 70000 : static_cast<size_t>(i);
      b.columns[2].strings.push_back(i % 3 ? std::string(len, static_cast<char>('a' + k)) : "");
    }
    return b;
  };
  std::vector<EncodedBatch> encoded;
  std::vector<CompactIndex> pieces;
  Batch expected = piece(0).empty_like();
  for (int k = 0; k < 6; ++k) {
    const Batch b = piece(k);
    for (Column& c : expected.columns) {
      const Column& from = b.at(c.name);
      for (size_t i = 0; i < from.size(); ++i) {
        if (c.type == ColumnType::kInt64) c.ints.push_back(from.ints[i]);
        if (c.type == ColumnType::kDate) c.dates.push_back(from.dates[i]);
        if (c.type == ColumnType::kString) c.strings.push_back(from.strings.at(i));
      }
    }
    encoded.push_back(encode_compact(b));
  }
  for (const EncodedBatch& e : encoded) pieces.push_back(index_compact(e.data(), e.size()));
  EXPECT_EQ(pieces[3].rows, 0u);
  const Batch got = decode_compact(std::span<const CompactIndex>(pieces));
  ASSERT_EQ(got.rows(), expected.rows());
  expect_same(got, expected);
  // One piece alone is decode_compact of it.
  expect_same(decode_compact(std::span<const CompactIndex>(pieces).subspan(2, 1)), piece(2));
}

TEST(BatchCodec, OnlyBatchesOfTheSameColumnsAreOneLayout) {
  Batch a = ints(ColumnType::kInt64, {1, 2});
  Batch other_name = a;
  other_name.columns[0].name = "y";
  Batch other_type = ints(ColumnType::kDecimal, {1, 2});
  Batch more = a;
  more.columns.emplace_back("s", ColumnType::kString);
  more.columns[1].strings.push_back("p");
  more.columns[1].strings.push_back("q");
  Batch narrower = ints(ColumnType::kInt64, {kMissingInt, kMissingInt});  // width 0: same layout
  std::vector<EncodedBatch> e;
  for (const Batch* b : {&a, &other_name, &other_type, &more, &narrower})
    e.push_back(encode_compact(*b));
  std::vector<CompactIndex> idx;
  for (const EncodedBatch& x : e) idx.push_back(index_compact(x.data(), x.size()));
  EXPECT_TRUE(same_layout(idx[0], idx[4]));
  EXPECT_FALSE(same_layout(idx[0], idx[1]));
  EXPECT_FALSE(same_layout(idx[0], idx[2]));
  EXPECT_FALSE(same_layout(idx[0], idx[3]));
  const std::vector<CompactIndex> mixed = {idx[0], idx[2]};
  EXPECT_THROW(decode_compact(std::span<const CompactIndex>(mixed)), Error);
  // Truncated or longer bytes are an error when indexed, as when decoded.
  for (size_t cut = 0; cut < e[3].size(); ++cut)
    EXPECT_THROW(index_compact(e[3].data(), cut), Error) << cut;
  std::string longer(e[3].data(), e[3].size());
  longer.push_back('x');
  EXPECT_THROW(index_compact(longer.data(), longer.size()), Error);
}

}  // namespace
}  // namespace snds
