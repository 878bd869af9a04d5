// Random streams of the synthetic extract generator. Every stream is derived from (seed, stream
// kind, index) by hashing, so a rank can generate patients [lo, hi) alone and get exactly the rows
// a single process would: nothing is ever drawn from a shared sequential generator.
#pragma once

#include <cmath>
#include <cstdint>
#include <span>

#include "core/hash.hpp"

namespace snds::synth {

// Stream kinds: separate streams so that switching a quirk never shifts the draws of the data.
enum class Stream : uint64_t {
  kDemographics = 1,  // who the patient is (shared with a twin's re-derivation)
  kCare = 2,          // the care trajectory: claims, dispensings, stays
  kQuirk = 3,         // per-event quirk decisions (counter-based, see quirk_unit)
  kFile = 4,          // per-file format choices
  kReferential = 5,   // IR_PHA_R
  kPair = 6,          // twin pairs
  kMalformed = 7,     // deliberate malformed rows
  kQuote = 8,         // per-row quoting
  kGenericGroup = 9,  // IR_PHA_R's generic groups (PHA_GRP_GEN), drawn apart from kReferential
  kCareTables = 10,   // IR_IMB_R, ER_CAM_F, ER_BIO_F, T_MCOaaA, KI_CCI_R, KI_ECD_R (care_tables)
};

// A stable 64-bit key for (seed, stream, index).
inline uint64_t stream_key(uint64_t seed, Stream s, uint64_t index) noexcept {
  return hash_combine(hash_combine(mix64(seed ^ 0x5eed5eed5eedULL), static_cast<uint64_t>(s)),
                      index);
}

// A uniform double in [0, 1) from a 64-bit hash.
inline double unit_of(uint64_t h) noexcept {
  return static_cast<double>(h >> 11) * 0x1.0p-53;
}

// splitmix64 as a sequential generator: tiny state, fast, good enough for synthetic data.
class Rng {
 public:
  explicit Rng(uint64_t seed) noexcept : state_(seed) {}

  uint64_t next() noexcept {
    state_ += 0x9e3779b97f4a7c15ULL;
    return mix64(state_);
  }
  double uniform() noexcept { return unit_of(next()); }
  // Uniform in [0, n), n > 0 (Lemire's multiply-shift: no division).
  uint32_t below(uint32_t n) noexcept {
    return static_cast<uint32_t>(((next() >> 32) * static_cast<uint64_t>(n)) >> 32);
  }
  // Uniform in [lo, hi], inclusive.
  int range(int lo, int hi) noexcept {
    return lo + static_cast<int>(below(static_cast<uint32_t>(hi - lo + 1)));
  }
  bool chance(double p) noexcept { return uniform() < p; }
  double normal() noexcept {  // Box-Muller, one value
    const double u1 = uniform() + 0x1.0p-60;
    const double u2 = uniform();
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
  }
  // Poisson count: Knuth's product method for small means, a rounded normal for large ones.
  int poisson(double mean) noexcept {
    if (mean <= 0) return 0;
    if (mean > 40) {
      const double x = mean + std::sqrt(mean) * normal();
      return x < 0 ? 0 : static_cast<int>(x + 0.5);
    }
    const double limit = std::exp(-mean);
    double p = uniform();
    int k = 0;
    while (p > limit) {
      p *= uniform();
      ++k;
    }
    return k;
  }
  // Index drawn with the given non-negative weights (not necessarily normalised).
  size_t pick(std::span<const double> weights) noexcept {
    double total = 0;
    for (double w : weights) total += w;
    double x = uniform() * total;
    for (size_t i = 0; i < weights.size(); ++i) {
      if (x < weights[i]) return i;
      x -= weights[i];
    }
    return weights.size() - 1;
  }

 private:
  uint64_t state_;
};

}  // namespace snds::synth
