// Stable 64-bit hashing for partitioning. The patient hash decides a row's shard, so it is part of
// the store format: it must never depend on the platform, the library version or the rank count.
#pragma once

#include <cstdint>
#include <cstring>
#include <string_view>

namespace snds {

constexpr uint64_t mix64(uint64_t x) noexcept {  // splitmix64 finaliser
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  x ^= x >> 31;
  return x;
}

inline uint64_t hash_bytes(std::string_view s, uint64_t seed = 0x9e3779b97f4a7c15ULL) noexcept {
  uint64_t h = seed ^ (s.size() * 0xff51afd7ed558ccdULL);
  size_t i = 0;
  for (; i + 8 <= s.size(); i += 8) {
    uint64_t w;
    std::memcpy(&w, s.data() + i, 8);
    h = mix64(h ^ w) + 0x9e3779b97f4a7c15ULL;
  }
  uint64_t tail = 0;
  for (size_t k = 0; i < s.size(); ++i, ++k)
    tail |= uint64_t(static_cast<unsigned char>(s[i])) << (8 * k);
  return mix64(h ^ tail);
}

inline uint64_t hash_combine(uint64_t h, uint64_t v) noexcept {
  return mix64(h ^ (v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2)));
}

// The shard of a patient: twins (same BEN_NIR_PSA, another BEN_RNG_GEM) and their PMSI stays
// (NIR_ANO_17 = BEN_NIR_PSA) land in the same shard, so every per-patient question is local.
inline uint32_t shard_of_patient(std::string_view ben_nir_psa, uint32_t shards) noexcept {
  return static_cast<uint32_t>(hash_bytes(ben_nir_psa) % shards);
}

// Hash and equality of string keys that also look up by std::string_view (no temporary string):
// for Boost's unordered_flat_map<std::string, ...>.
struct StringKeyHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const noexcept { return hash_bytes(s); }
};
struct StringKeyEq {
  using is_transparent = void;
  bool operator()(std::string_view a, std::string_view b) const noexcept { return a == b; }
};

}  // namespace snds
