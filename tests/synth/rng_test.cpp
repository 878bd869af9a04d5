// Random streams: derived from (seed, stream kind, index) only, with the right draws.
#include <gtest/gtest.h>

#include "synth/rng.hpp"

namespace snds::synth {
namespace {

TEST(GeneratorRng, StreamsDependOnSeedKindAndIndexOnly) {
  Rng a(stream_key(1, Stream::kCare, 5)), b(stream_key(1, Stream::kCare, 5));
  for (int i = 0; i < 100; ++i) EXPECT_EQ(a.next(), b.next());
  EXPECT_NE(stream_key(1, Stream::kCare, 5), stream_key(2, Stream::kCare, 5));
  EXPECT_NE(stream_key(1, Stream::kCare, 5), stream_key(1, Stream::kQuirk, 5));
  EXPECT_NE(stream_key(1, Stream::kCare, 5), stream_key(1, Stream::kCare, 6));
  Rng r(3);
  double sum = 0;
  for (int i = 0; i < 20000; ++i) sum += r.poisson(2.5);
  EXPECT_NEAR(sum / 20000, 2.5, 0.05);
  for (int i = 0; i < 1000; ++i) {
    const int x = r.range(3, 7);
    EXPECT_TRUE(x >= 3 && x <= 7);
  }
}

}  // namespace
}  // namespace snds::synth
