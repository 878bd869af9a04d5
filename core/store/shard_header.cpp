// Shard header encoding (see shard_header.hpp). Version-tagged by its magic; anything unreadable
// makes the reader open the file through HDF5 instead.
#include "core/store/shard_header.hpp"

#include <cstring>
#include <exception>
#include <string_view>

#include "core/serialize.hpp"
#include "core/store/chunk_pipeline.hpp"

namespace snds {
namespace {

constexpr std::string_view kMagic = "SNDSHDR1";
constexpr uint8_t kInteger = 0, kString = 1;

}  // namespace

std::optional<std::vector<char>> ShardHeader::serialise() const {
  std::vector<char> out;
  ByteWriter w(out);
  w.put_bytes(kMagic.data(), kMagic.size());
  w.put<uint64_t>(directory_address);
  w.put<uint64_t>(directory_size);
  w.put<uint64_t>(attributes.size());
  for (const auto& [name, value] : attributes) {
    w.put_string(name);
    if (const auto* i = std::get_if<int64_t>(&value)) {
      w.put<uint8_t>(kInteger);
      w.put<int64_t>(*i);
    } else {
      w.put<uint8_t>(kString);
      w.put_string(std::get<std::string>(value));
    }
  }
  // The length first, so that a reader knows where the checksum sits in the zero-filled block.
  std::vector<char> framed;
  ByteWriter f(framed);
  f.put<uint64_t>(out.size());
  f.put_bytes(out.data(), out.size());
  f.put<uint32_t>(hdf5_fletcher32(framed.data(), framed.size()));
  if (framed.size() > kShardHeaderBytes) return std::nullopt;
  return framed;
}

std::optional<ShardHeader> ShardHeader::parse(std::span<const char> bytes) {
  if (bytes.size() < sizeof(uint64_t) + kMagic.size() + sizeof(uint32_t)) return std::nullopt;
  uint64_t length = 0;
  std::memcpy(&length, bytes.data(), sizeof length);
  if (length < kMagic.size() || length > bytes.size() - sizeof(uint64_t) - sizeof(uint32_t))
    return std::nullopt;
  const char* body = bytes.data() + sizeof(uint64_t);
  if (std::memcmp(body, kMagic.data(), kMagic.size()) != 0) return std::nullopt;
  const size_t checked = sizeof(uint64_t) + length;
  uint32_t checksum = 0;
  std::memcpy(&checksum, bytes.data() + checked, sizeof checksum);
  if (checksum != hdf5_fletcher32(bytes.data(), checked)) return std::nullopt;
  try {
    ByteReader r(body + kMagic.size(), length - kMagic.size());
    ShardHeader h;
    h.directory_address = r.get<uint64_t>();
    h.directory_size = r.get<uint64_t>();
    const auto n = r.get<uint64_t>();
    if (n > r.remaining()) return std::nullopt;
    for (uint64_t i = 0; i < n; ++i) {
      std::string name = r.get_string();
      const auto kind = r.get<uint8_t>();
      if (kind == kInteger) {
        h.attributes[name] = r.get<int64_t>();
      } else if (kind == kString) {
        h.attributes[name] = r.get_string();
      } else {
        return std::nullopt;
      }
    }
    if (!r.done()) return std::nullopt;
    return h;
  } catch (const std::exception&) {
    return std::nullopt;  // truncated: an internal_error from ByteReader
  }
}

}  // namespace snds
