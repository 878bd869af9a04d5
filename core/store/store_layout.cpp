// Store folder paths and the reading of a complete store's manifest.
#include "core/store/store_layout.hpp"

#include <fmt/format.h>
#include <boost/json.hpp>

#include "core/atomic_file.hpp"
#include "core/error.hpp"
#include "core/hash.hpp"

namespace snds {
namespace fs = std::filesystem;

fs::path shard_path(const fs::path& store, uint32_t shard) {
  return store / "shards" / fmt::format("shard_{:05d}.h5", shard);
}

StoreInfo open_store(const fs::path& store) {
  if (!fs::is_directory(store))
    throw data_error("store {} does not exist (run snds-batch ingest first)", store.string());
  const fs::path manifest = store_manifest_path(store);
  if (!fs::is_regular_file(manifest))
    throw data_error("store {} is incomplete (no manifest.json): rerun the ingest to finish it",
                     store.string());
  const std::string text = read_file(manifest);
  StoreInfo info;
  info.path = store;
  try {
    const boost::json::value v = boost::json::parse(text);
    const auto& o = v.as_object();
    info.shards = static_cast<uint32_t>(o.at("shards").to_number<int64_t>());
    if (auto* c = o.if_contains("created")) info.created = std::string(c->as_string());
  } catch (const std::exception& e) {
    throw data_error("store {} has an unreadable manifest.json: {}", store.string(), e.what());
  }
  if (info.shards == 0)
    throw data_error("store {} has an unreadable manifest.json: shards is 0", store.string());
  info.identity = fmt::format("{:016x}", hash_bytes(text));
  return info;
}

}  // namespace snds
