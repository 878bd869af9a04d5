// Shared pieces of the store-reading jobs (see job_support.hpp).
#include "jobs/job_support.hpp"

#include <algorithm>
#include <ctime>
#include <memory>

#include "core/atomic_file.hpp"
#include "core/error.hpp"
#include "core/store/store_layout.hpp"
#include "jobs/shard_read_ahead.hpp"
#include "runtime/log.hpp"
#include "snds_version.hpp"

namespace snds {
namespace fs = std::filesystem;

namespace {

// JSON with two-space indentation, keys in insertion order (boost::json prints one line);
// arrays of scalars stay on one line.
void pretty(std::string& out, const boost::json::value& v, int indent) {
  const std::string pad(static_cast<size_t>(indent) * 2, ' ');
  const std::string inner(static_cast<size_t>(indent + 1) * 2, ' ');
  if (v.is_object() && !v.as_object().empty()) {
    out += "{\n";
    bool first = true;
    for (const auto& kv : v.as_object()) {
      if (!first) out += ",\n";
      first = false;
      out += inner + boost::json::serialize(boost::json::value(kv.key())) + ": ";
      pretty(out, kv.value(), indent + 1);
    }
    out += "\n" + pad + "}";
  } else if (v.is_array() && !v.as_array().empty()) {
    const auto& a = v.as_array();
    const bool flat = std::all_of(a.begin(), a.end(),
                                  [](const auto& x) { return !x.is_object() && !x.is_array(); });
    if (flat) {
      out += boost::json::serialize(v);
      return;
    }
    out += "[\n";
    for (size_t i = 0; i < a.size(); ++i) {
      if (i) out += ",\n";
      out += inner;
      pretty(out, a[i], indent + 1);
    }
    out += "\n" + pad + "]";
  } else {
    out += boost::json::serialize(v);
  }
}

}  // namespace

JobShardSource store_shard_source(const std::string& store, int threads) {
  const StoreInfo info = open_store(store);
  JobShardSource source;
  source.shards = info.shards;
  source.store = {{"path", info.path.string()},
                  {"identity", info.identity},
                  {"shards", info.shards},
                  {"created", info.created}};
  const fs::path root = info.path;
  // The extractors read string columns as codes: no expansion of BEN_NIR_PSA or PHA_PRS_C13 into
  // per-row strings.
  ShardReadOptions options;
  options.keep_string_codes = true;
  options.threads = std::max(1, threads);
  auto ahead =
      std::make_shared<ShardReadAhead>([root, options](uint32_t shard, const WantedTables& wanted) {
        return read_stored_shard(shard_path(root, shard), wanted, options);
      });
  source.load_shard = [ahead, options](uint32_t shard, const WantedTables& wanted) {
    ShardData data = ahead->take(shard, wanted)->finish(options.threads);
    data.shard = shard;
    return data;
  };
  source.prefetch = [ahead](uint32_t shard, const WantedTables& wanted) {
    ahead->start(shard, wanted);
  };
  source.settle = [ahead] { ahead->settle(); };
  source.load_referential = [root]() {
    const fs::path path = store_referential_path(root);
    if (!fs::exists(path)) {
      log::warn("store {} has no drug referential (IR_PHA_R): every dispensing's ATC is UNKNOWN",
                root.string());
      return DrugReferential();
    }
    ShardData ref = read_shard(path, {{"IR_PHA_R", {"PHA_CIP_C13", "PHA_ATC_C07"}}});
    const Batch* table = ref.find("IR_PHA_R");
    return table ? DrugReferential(*table) : DrugReferential();
  };
  return source;
}

void prepare_output_folder(const fs::path& output, const std::string& config_file) {
  if (fs::exists(output) && !fs::is_directory(output))
    throw usage_error("{}: output {} exists and is not a folder", config_file, output.string());
  make_output_dir(output);
  std::error_code ec;
  fs::remove(output / "manifest.json", ec);
  if (ec)
    throw data_error("cannot remove the old {}: {}", (output / "manifest.json").string(),
                     ec.message());
}

std::string utc_now() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

boost::json::object job_manifest(const std::string& job, const std::string& config_file,
                                 boost::json::value config, const boost::json::object& store,
                                 int ranks, int threads,
                                 const std::map<std::string, uint64_t>& rows_read) {
  boost::json::object m;
  m["job"] = job;
  m["program"] = {{"name", "snds-batch"}, {"version", kVersion}};
  m["config_file"] = config_file;
  m["config"] = std::move(config);
  m["store"] = store;
  m["ranks"] = ranks;
  m["threads"] = threads;
  boost::json::object per_table;
  uint64_t total = 0;
  for (const auto& [name, rows] : rows_read) {
    per_table[name] = rows;
    total += rows;
  }
  m["rows_read"] = total;
  m["rows_read_per_table"] = std::move(per_table);
  return m;
}

void write_job_manifest(const fs::path& file, boost::json::object manifest) {
  manifest["finished_at"] = utc_now();
  std::string text;
  pretty(text, manifest, 0);
  text += "\n";
  write_file_atomic(file, text);
}

}  // namespace snds
