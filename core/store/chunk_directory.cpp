// Chunk directory encoding (see chunk_directory.hpp). Version-tagged by its magic, so a later
// layout can be told apart; anything unreadable makes the reader fall back to HDF5 rather than
// guess.
#include "core/store/chunk_directory.hpp"

#include <cstring>
#include <exception>
#include <string_view>

#include "core/serialize.hpp"

namespace snds {
namespace {

constexpr std::string_view kMagic = "SNDSDIR1";

}  // namespace

const DirectoryDataset* ChunkDirectory::find(const std::string& table,
                                             const std::string& dataset) const {
  // The key built in a buffer kept by the thread: a reader looks up every column it reads.
  thread_local std::string k;
  k.assign(table);
  k += '/';
  k += dataset;
  auto it = datasets.find(k);
  return it == datasets.end() ? nullptr : &it->second;
}

std::vector<char> ChunkDirectory::serialise() const {
  std::vector<char> out;
  ByteWriter w(out);
  w.put_bytes(kMagic.data(), kMagic.size());
  w.put<uint64_t>(self_address);
  w.put<uint64_t>(tables.size());
  for (const auto& [name, table] : tables) {
    w.put_string(name);
    w.put<uint64_t>(table.rows);
    w.put<uint64_t>(table.columns.size());
    for (const auto& [column, type] : table.columns) {
      w.put_string(column);
      w.put<uint8_t>(static_cast<uint8_t>(type));
    }
  }
  w.put<uint64_t>(datasets.size());
  for (const auto& [name, d] : datasets) {
    w.put_string(name);
    w.put<uint64_t>(d.rows);
    w.put<uint64_t>(d.chunk_rows);
    w.put<uint64_t>(d.pipeline.element_size);
    w.put<uint8_t>(static_cast<uint8_t>(d.pipeline.filters.size()));
    for (const ChunkFilter f : d.pipeline.filters) w.put<uint8_t>(static_cast<uint8_t>(f));
    w.put<uint64_t>(d.chunks.size());
    for (const DirectoryChunk& c : d.chunks) {
      w.put<uint64_t>(c.address);
      w.put<uint64_t>(c.size);
      w.put<uint32_t>(c.mask);
    }
  }
  w.put<uint32_t>(hdf5_fletcher32(out.data(), out.size()));
  return out;
}

std::optional<ChunkDirectory> ChunkDirectory::parse(std::span<const char> bytes) {
  if (bytes.size() < kMagic.size() + sizeof(uint32_t) ||
      std::memcmp(bytes.data(), kMagic.data(), kMagic.size()) != 0)
    return std::nullopt;
  const size_t body = bytes.size() - sizeof(uint32_t);
  uint32_t checksum = 0;
  std::memcpy(&checksum, bytes.data() + body, sizeof checksum);
  if (checksum != hdf5_fletcher32(bytes.data(), body)) return std::nullopt;
  try {
    ByteReader r(bytes.data() + kMagic.size(), body - kMagic.size());
    ChunkDirectory d;
    d.self_address = r.get<uint64_t>();
    const auto tables = r.get<uint64_t>();
    for (uint64_t t = 0; t < tables; ++t) {
      std::string name = r.get_string();
      DirectoryTable table;
      table.rows = r.get<uint64_t>();
      const auto columns = r.get<uint64_t>();
      if (columns > r.remaining()) return std::nullopt;
      for (uint64_t c = 0; c < columns; ++c) {
        std::string column = r.get_string();
        const auto type = r.get<uint8_t>();
        if (type > static_cast<uint8_t>(ColumnType::kString)) return std::nullopt;
        table.columns.emplace_back(std::move(column), static_cast<ColumnType>(type));
      }
      d.tables.emplace(std::move(name), std::move(table));
    }
    const auto datasets = r.get<uint64_t>();
    for (uint64_t k = 0; k < datasets; ++k) {
      std::string name = r.get_string();
      DirectoryDataset e;
      e.rows = r.get<uint64_t>();
      e.chunk_rows = r.get<uint64_t>();
      e.pipeline.element_size = r.get<uint64_t>();
      const auto filters = r.get<uint8_t>();
      if (filters > kMaxChunkFilters) return std::nullopt;
      for (uint8_t f = 0; f < filters; ++f) {
        const auto filter = r.get<uint8_t>();
        if (filter > static_cast<uint8_t>(ChunkFilter::kLz4)) return std::nullopt;
        e.pipeline.filters.push_back(static_cast<ChunkFilter>(filter));
      }
      const auto chunks = r.get<uint64_t>();
      if (chunks > r.remaining() / 20) return std::nullopt;
      e.chunks.resize(chunks);
      for (DirectoryChunk& c : e.chunks) {
        c.address = r.get<uint64_t>();
        c.size = r.get<uint64_t>();
        c.mask = r.get<uint32_t>();
      }
      d.datasets.emplace(std::move(name), std::move(e));
    }
    if (!r.done()) return std::nullopt;
    return d;
  } catch (const std::exception&) {
    return std::nullopt;  // truncated: an internal_error from ByteReader
  }
}

}  // namespace snds
