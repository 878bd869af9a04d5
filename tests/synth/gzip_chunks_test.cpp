// Chunks compressed apart, then joined, make one gzip member any reader inflates.
#include <gtest/gtest.h>

#include <zlib.h>
#include <string>

#include "synth/gzip_chunks.hpp"

namespace snds::synth {
namespace {

TEST(GeneratorGzip, ChunksCompressedApartMakeOneValidMember) {
  std::string text, member = GzipMember::header();
  GzipMember m;
  ChunkDeflater deflater(1);
  std::string out;
  for (int chunk = 0; chunk < 3; ++chunk) {
    std::string part;
    for (int i = 0; i < 5000; ++i)
      part += "row;" + std::to_string(chunk * 5000 + i) + ";2020-01-01\n";
    text += part;
    m.add(deflater.deflate(part, out), part.size());
    member += out;
  }
  member += m.trailer();
  std::string back(text.size() + 16, '\0');
  z_stream s{};
  ASSERT_EQ(inflateInit2(&s, 16 + MAX_WBITS), Z_OK);
  s.next_in = reinterpret_cast<Bytef*>(member.data());
  s.avail_in = static_cast<uInt>(member.size());
  s.next_out = reinterpret_cast<Bytef*>(back.data());
  s.avail_out = static_cast<uInt>(back.size());
  EXPECT_EQ(inflate(&s, Z_FINISH), Z_STREAM_END);  // CRC and length checked by zlib
  EXPECT_EQ(s.total_out, text.size());
  EXPECT_EQ(s.avail_in, 0u);
  inflateEnd(&s);
  back.resize(text.size());
  EXPECT_EQ(back, text);
}

}  // namespace
}  // namespace snds::synth
