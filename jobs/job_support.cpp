// Shared pieces of the store-reading jobs (see job_support.hpp).
#include "jobs/job_support.hpp"

#include <ctime>

#include "core/atomic_file.hpp"
#include "core/error.hpp"
#include "core/store/store_layout.hpp"
#include "runtime/log.hpp"

namespace snds {
namespace fs = std::filesystem;

JobShardSource store_shard_source(const std::string& store) {
  const StoreInfo info = open_store(store);
  JobShardSource source;
  source.shards = info.shards;
  source.store = {{"path", info.path.string()},
                  {"identity", info.identity},
                  {"shards", info.shards},
                  {"created", info.created}};
  const fs::path root = info.path;
  source.load_shard = [root](uint32_t shard, const WantedTables& wanted) {
    ShardData data = read_shard(shard_path(root, shard), wanted);
    data.shard = shard;
    return data;
  };
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

}  // namespace snds
