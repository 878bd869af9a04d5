// The zstd filter speaks the public HDF5 zstd plugin's format: a chunk is one plain zstd frame,
// which any zstd decoder reads; frames from other writers without a content size decode too; a
// damaged frame is a filter failure, never garbage data.
#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "core/store/zstd_codec.h"

namespace snds {
namespace {

void* test_alloc(size_t n) {
  return std::malloc(n);
}
void test_free(void* p) {
  std::free(p);
}

// Runs the filter on a malloc'ed copy of `data`, as HDF5 would; returns the output bytes.
std::string run_filter(bool reverse, const std::string& data, std::vector<unsigned> cd = {},
                       bool* ok = nullptr) {
  size_t buf_size = data.size();
  void* buf = std::malloc(buf_size);
  std::memcpy(buf, data.data(), data.size());
  const size_t n = snds_zstd_filter_body(reverse, cd.size(), cd.data(), data.size(), &buf_size,
                                         &buf, test_alloc, test_free);
  if (ok != nullptr) *ok = n != 0;
  std::string out(static_cast<const char*>(buf), n);
  std::free(buf);
  return out;
}

std::string sample() {
  std::string s;
  for (int i = 0; i < 100000; ++i) s += "row " + std::to_string(i % 1000) + ";";
  return s;
}

TEST(ZstdFilter, ACompressedChunkIsOnePlainZstdFrame) {
  const std::string data = sample();
  const std::string packed = run_filter(false, data, {5});
  ASSERT_LT(packed.size(), data.size() / 10);
  std::string plain(data.size(), '\0');
  const size_t n = ZSTD_decompress(plain.data(), plain.size(), packed.data(), packed.size());
  ASSERT_FALSE(ZSTD_isError(n));
  EXPECT_EQ(plain, data);
  EXPECT_EQ(ZSTD_getFrameContentSize(packed.data(), packed.size()), data.size());
}

TEST(ZstdFilter, ChunksRoundTripWithAndWithoutALevel) {
  const std::string data = sample();
  EXPECT_EQ(run_filter(true, run_filter(false, data)), data);
  EXPECT_EQ(run_filter(true, run_filter(false, data, {1})), data);
  EXPECT_EQ(run_filter(true, run_filter(false, data, {19})), data);
}

TEST(ZstdFilter, FramesWithoutAContentSizeAreDecodedByStreaming) {
  const std::string data = sample();
  ZSTD_CCtx* cctx = ZSTD_createCCtx();
  ZSTD_CCtx_setParameter(cctx, ZSTD_c_contentSizeFlag, 0);
  std::string packed(ZSTD_compressBound(data.size()), '\0');
  const size_t n = ZSTD_compress2(cctx, packed.data(), packed.size(), data.data(), data.size());
  ZSTD_freeCCtx(cctx);
  ASSERT_FALSE(ZSTD_isError(n));
  packed.resize(n);
  ASSERT_EQ(ZSTD_getFrameContentSize(packed.data(), packed.size()), ZSTD_CONTENTSIZE_UNKNOWN);
  EXPECT_EQ(run_filter(true, packed), data);
}

TEST(ZstdFilter, ADamagedFrameIsAFilterFailure) {
  std::string packed = run_filter(false, sample());
  bool ok = true;
  run_filter(true, packed.substr(0, packed.size() / 2), {}, &ok);
  EXPECT_FALSE(ok) << "a truncated frame decoded";
  run_filter(true, "this is no zstd frame", {}, &ok);
  EXPECT_FALSE(ok) << "garbage decoded";
}

}  // namespace
}  // namespace snds
