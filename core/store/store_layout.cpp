// Store folder paths and the reading of a complete store's manifest.
#include "core/store/store_layout.hpp"

#include <random>

#include <fmt/format.h>
#include <boost/json.hpp>

#include "core/atomic_file.hpp"
#include "core/error.hpp"
#include "core/hash.hpp"
#include "core/store/shard_reader.hpp"

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
  if (auto* f = o.if_contains("format_version")) {
    info.format_version = f->to_number<int64_t>(ec);
    if (ec || info.format_version < 1)
      throw data_error("store {} has an unreadable manifest.json: no valid format_version",
                       store.string());
  }
  if (info.format_version > kStoreFormatVersion)
    throw data_error(
        "store {} has format version {}: this snds-batch reads versions 1 to {} (a newer "
        "snds-batch wrote it)",
        store.string(), info.format_version, kStoreFormatVersion);
  if (info.format_version >= 2) {
    const auto* id = o.if_contains("store_id");
    if (!id || !id->is_string() || id->as_string().empty())
      throw data_error("store {} has an unreadable manifest.json: no store_id", store.string());
    info.store_id = std::string(id->as_string());
  }
  // Row counts are read as numbers; a manifest whose counts do not parse is unreadable.
  auto count_of = [&](const boost::json::value& n) {
    const auto rows = n.to_number<uint64_t>(ec);
    if (ec)
      throw data_error("store {} has an unreadable manifest.json: a row count is not a number",
                       store.string());
    return rows;
  };
  if (auto* r = o.if_contains("rows_per_shard"); r && r->is_object()) {
    for (const auto& [table, counts] : r->as_object()) {
      if (!counts.is_array() || counts.as_array().size() != info.shards)
        throw data_error(
            "store {} has an inconsistent manifest.json: rows_per_shard of {} does not list {} "
            "shards (was `shards` edited?)",
            store.string(), std::string(table), info.shards);
      auto& out = info.rows_per_shard[std::string(table)];
      for (const auto& n : counts.as_array()) out.push_back(count_of(n));
    }
  }
  if (auto* t = o.if_contains("tables"); t && t->is_object())
    for (const auto& [table, entry] : t->as_object())
      if (entry.is_object() && !info.rows_per_shard.count(std::string(table)))
        if (auto* rows = entry.as_object().if_contains("rows"))
          info.referential_rows[std::string(table)] = count_of(*rows);
  info.identity = fmt::format("{:016x}", hash_bytes(text));
  return info;
}

std::string new_store_id() {
  std::random_device device;  // getrandom(2): not reproducible, which is the point
  std::string id;
  for (int i = 0; i < 4; ++i) id += fmt::format("{:08x}", device());
  return id;
}

void check_store_file(const StoreInfo& info, const ShardReader& reader,
                      const std::vector<std::string>& tables, std::optional<uint32_t> shard) {
  const std::string file = reader.path().string();
  if (!info.store_id.empty()) {
    const auto id = reader.string_attribute(kStoreIdAttribute);
    if (id != info.store_id) {
      // The whole store replaced (ingest --force) since this job opened its manifest, or one
      // file from elsewhere: say which.
      std::string now;
      try {
        now = open_store(info.path).store_id;
      } catch (const Error&) {
      }
      if (!now.empty() && now != info.store_id)
        throw data_error(
            "store {} was replaced (ingest --force) while this job read it: rerun the job",
            info.path.string());
      throw data_error(
          "{} does not belong to store {}: its store id is {}, the store's manifest.json says {} "
          "(a file copied from another store?)",
          file, info.path.string(), id ? *id : "absent", info.store_id);
    }
  }
  const auto file_shard = reader.int_attribute("shard");
  if (!shard) {
    if (file_shard)
      throw data_error("{} is shard {} of a store, not a referential file", file, *file_shard);
    for (const auto& t : tables) {
      auto it = info.referential_rows.find(t);
      if (it != info.referential_rows.end() && reader.rows(t) != it->second)
        throw data_error("{} holds {} rows of {}, the store's manifest.json says {}", file,
                         reader.rows(t), t, it->second);
    }
    return;
  }
  const auto file_shards = reader.int_attribute("shards");
  if (file_shard != int64_t{*shard} || file_shards != int64_t{info.shards})
    throw data_error(
        "{} is shard {} of {}, but sits at shard {} of the {} that the store's manifest.json "
        "lists (a shard file copied over another, or `shards` edited?)",
        file, file_shard ? fmt::format("{}", *file_shard) : "?",
        file_shards ? fmt::format("{}", *file_shards) : "?", *shard, info.shards);
  for (const auto& t : tables) {
    auto it = info.rows_per_shard.find(t);
    const uint64_t want = it == info.rows_per_shard.end() ? 0 : it->second[*shard];
    if (it != info.rows_per_shard.end() && reader.rows(t) != want)
      throw data_error("{} holds {} rows of {}, the store's manifest.json says {}", file,
                       reader.rows(t), t, want);
  }
}

}  // namespace snds
