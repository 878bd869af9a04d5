// Streamed decompression: gzip, zstd and bzip2 files read in pieces of any size give exactly the
// original bytes (several members/frames/streams included), the file's CRC and size as stored,
// the content's CRC, and clear errors naming the file for data of another format, corrupt and
// truncated files.
#include "core/csv/decompress.hpp"

#include <bzlib.h>
#include <gtest/gtest.h>
#include <zlib.h>
#include <zstd.h>

#include <random>
#include <string>

#include "core/csv/csv_file.hpp"
#include "core/error.hpp"
#include "tests/support/test_support.hpp"

namespace snds {
namespace {

std::string random_text(size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::string s(n, ' ');
  for (auto& c : s) c = static_cast<char>('0' + rng() % 40);
  return s;
}

std::string zstd(const std::string& data) {
  std::string out(ZSTD_compressBound(data.size()), '\0');
  const size_t n = ZSTD_compress(out.data(), out.size(), data.data(), data.size(), 3);
  EXPECT_FALSE(ZSTD_isError(n));
  out.resize(n);
  return out;
}

std::string bzip2(const std::string& data) {
  auto len = static_cast<unsigned>(data.size() + data.size() / 100 + 600);
  std::string out(len, '\0');
  EXPECT_EQ(BZ2_bzBuffToBuffCompress(out.data(), &len, const_cast<char*>(data.data()),
                                     static_cast<unsigned>(data.size()), 9, 0, 0),
            BZ_OK);
  out.resize(len);
  return out;
}

// Reads a file through the stream in pieces of `piece` bytes.
std::string read_in_pieces(const std::string& path, size_t piece) {
  DecompressStream in(path);
  std::string out, buf(piece, '\0');
  for (;;) {
    const size_t got = in.read(buf.data(), piece);
    if (got == 0) break;
    EXPECT_TRUE(got == piece || in.read(buf.data(), 1) == 0) << "short read before the end";
    out.append(buf.data(), got);
  }
  EXPECT_EQ(in.bytes_out(), out.size());
  return out;
}

std::string error_of(const std::string& path) {
  try {
    read_in_pieces(path, 4096);
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::kData);
    return e.what();
  }
  return "no error";
}

TEST(Decompress, FormatComesFromTheLastExtensionInAnyCase) {
  EXPECT_EQ(input_compression_of("a/ER_PRS_F.csv.gz"), InputCompression::kGzip);
  EXPECT_EQ(input_compression_of("ER_PRS_F.CSV.ZST"), InputCompression::kZstd);
  EXPECT_EQ(input_compression_of("ER_PRS_F.csv.Bz2"), InputCompression::kBzip2);
  EXPECT_EQ(input_compression_of("ER_PRS_F.csv"), InputCompression::kNone);
  EXPECT_EQ(input_compression_of("gz"), InputCompression::kNone);
}

TEST(Decompress, EveryFormatReadInAnyPieceSizeGivesTheBytesAndTheFileCrc) {
  test::TempDir dir;
  // Several members / frames / streams, as pigz, bgzip, pzstd, pbzip2 and `cat` write them.
  const std::string a = random_text(700'000, 1), b = random_text(1'300'000, 2), c = "end;\n";
  const struct {
    const char* name;
    std::string bytes;
  } files[] = {
      {"t.csv.gz",
       test::gzip_member(a) + test::gzip_member(b) + test::gzip_member(c) + std::string(100, '\0')},
      {"t.csv.zst", zstd(a) + zstd(b) + zstd(c)},
      {"t.csv.bz2", bzip2(a) + bzip2(b) + bzip2(c)},
      {"t.csv", a + b + c},
  };
  for (const auto& f : files) {
    SCOPED_TRACE(f.name);
    const std::string path = (dir / f.name).string();
    test::write_text(path, f.bytes);
    for (size_t piece : {size_t{1} << 20, size_t{65'537}, size_t{3}}) {
      EXPECT_EQ(read_in_pieces(path, piece), a + b + c);
    }
    EXPECT_EQ(read_csv_file(path), a + b + c);
    DecompressStream in(path);
    std::string sink(size_t{1} << 20, '\0');
    while (in.read(sink.data(), sink.size()) > 0) {
    }
    EXPECT_EQ(in.file_bytes_read(), f.bytes.size());
    const std::string all = a + b + c;
    EXPECT_EQ(in.content_crc32(),
              crc32(0L, reinterpret_cast<const Bytef*>(all.data()), static_cast<uInt>(all.size())));
    EXPECT_EQ(in.file_crc32(), crc32(0L, reinterpret_cast<const Bytef*>(f.bytes.data()),
                                     static_cast<uInt>(f.bytes.size())));
  }
}

TEST(Decompress, SkipPassesOverTheStartOfTheData) {
  test::TempDir dir;
  const std::string text = random_text(300'000, 4);
  test::write_text(dir / "s.csv.zst", zstd(text));
  DecompressStream in((dir / "s.csv.zst").string());
  EXPECT_EQ(in.skip(123'456), 123'456u);
  std::string rest(text.size(), '\0');
  rest.resize(in.read(rest.data(), rest.size()));
  EXPECT_EQ(rest, text.substr(123'456));
  EXPECT_EQ(in.skip(10), 0u);
}

TEST(Decompress, BadFilesAreDataErrorsNamingTheFileAndTheFault) {
  test::TempDir dir;
  const std::string text = random_text(400'000, 5);
  const struct {
    const char* ext;
    const char* format;
    std::string bytes;
  } formats[] = {{"gz", "gzip", test::gzip_member(text)},
                 {"zst", "zstd", zstd(text)},
                 {"bz2", "bzip2", bzip2(text)}};
  for (const auto& f : formats) {
    SCOPED_TRACE(f.format);
    const std::string base = (dir / "x").string();
    const std::string truncated = base + "_trunc.csv." + f.ext;
    test::write_text(truncated, f.bytes.substr(0, f.bytes.size() / 2));
    EXPECT_NE(error_of(truncated).find(truncated + ": truncated " + f.format + " file"),
              std::string::npos)
        << error_of(truncated);

    std::string bad = f.bytes;
    for (size_t i = 40; i < 400; ++i) bad[i] = static_cast<char>(bad[i] ^ 0x5a);
    const std::string corrupt = base + "_corrupt.csv." + f.ext;
    test::write_text(corrupt, bad);
    EXPECT_NE(error_of(corrupt).find(corrupt + ": corrupt " + f.format + " data"),
              std::string::npos)
        << error_of(corrupt);

    const std::string plain = base + "_plain.csv." + f.ext;
    test::write_text(plain, "A;B\n1;2\n3;4\n");
    EXPECT_EQ(error_of(plain), plain + ": not a " + f.format + " file");

    const std::string empty = base + "_empty.csv." + f.ext;
    test::write_text(empty, "");
    EXPECT_EQ(error_of(empty), empty + ": not a " + f.format + " file (it is empty)");
  }
}

}  // namespace
}  // namespace snds
