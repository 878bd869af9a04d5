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
  if (!fs::is_regular_file(manifest)) {
    if (!fs::exists(store_state_dir(store)) && !fs::exists(store / "shards"))
      throw data_error("{} is not an snds-batch store (no manifest.json, no shards)",
                       store.string());
    throw data_error("store {} is incomplete (no manifest.json): rerun the ingest to finish it",
                     store.string());
  }
  const std::string text = read_file(manifest);
  StoreInfo info;
  info.path = store;
  // Messages say what is wrong with the file, not where in the JSON library it was noticed.
  boost::system::error_code ec;
  const boost::json::value v = boost::json::parse(text, ec);
  if (ec || !v.is_object())
    throw data_error("store {} has an unreadable manifest.json: not valid JSON", store.string());
  const auto& o = v.as_object();
  const auto* shards = o.if_contains("shards");
  int64_t count = -1;
  if (shards) count = shards->to_number<int64_t>(ec);
  if (!shards || ec || count < 0 || count > int64_t{UINT32_MAX})
    throw data_error("store {} has an unreadable manifest.json: no valid shards count",
                     store.string());
  info.shards = static_cast<uint32_t>(count);
  if (auto* c = o.if_contains("created"); c && c->is_string())
    info.created = std::string(c->as_string());
  if (info.shards == 0)
    throw data_error("store {} has an unreadable manifest.json: shards is 0", store.string());
  info.identity = fmt::format("{:016x}", hash_bytes(text));
  return info;
}

}  // namespace snds
