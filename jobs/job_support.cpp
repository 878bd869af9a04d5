// Shared pieces of the store-reading jobs (see job_support.hpp).
#include "jobs/job_support.hpp"

#include <algorithm>
#include <ctime>
#include <memory>
#include <span>

#include "core/atomic_file.hpp"
#include "core/catalog.hpp"
#include "core/error.hpp"
#include "core/events/care_sources.hpp"
#include "core/events/dcir_rules.hpp"
#include "core/store/shard_reader.hpp"
#include "core/store/store_layout.hpp"
#include "jobs/output_folder.hpp"
#include "jobs/shard_read_ahead.hpp"
#include "jobs/store_tables.hpp"
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
  // The extractors read string columns as codes (no expansion of BEN_NIR_PSA or PHA_PRS_C13 into
  // per-row strings) and integers as narrow as they are stored (widened a morsel at a time).
  ShardReadOptions options;
  options.keep_string_codes = true;
  options.keep_narrow_ints = true;
  options.threads = std::max(1, threads);
  // Every file read must be this store's, at its place (check_store_file): a few attribute
  // lookups per shard, and a store replaced while the job runs is caught at the next shard.
  auto manifest = std::make_shared<const StoreInfo>(info);
  auto ahead = std::make_shared<ShardReadAhead>(
      [root, options, manifest](uint32_t shard, const WantedTables& wanted) {
        ShardReadOptions checked = options;
        checked.verify = [manifest, shard](const ShardReader& reader,
                                           const std::vector<std::string>& tables) {
          check_store_file(*manifest, reader, tables, shard);
        };
        return read_stored_shard(shard_path(root, shard), wanted, checked);
      });
  source.load_shard = [ahead, options](uint32_t shard, const WantedTables& wanted) {
    ShardData data = ahead->take(shard, wanted)->finish(options.threads);
    data.shard = shard;
    return data;
  };
  // Read-ahead pays when the rank has cores to spare for its I/O thread; with one thread per
  // rank (as many ranks as cores) it only competes with the other ranks.
  if (options.threads > 1)
    source.prefetch = [ahead](uint32_t shard, const WantedTables& wanted) {
      ahead->start(shard, wanted);
    };
  source.settle = [ahead] { ahead->settle(); };
  source.load_referential = [root, manifest](bool pack_sizes) {
    const fs::path path = store_referential_path(root);
    if (!fs::exists(path)) {
      log::warn("store {} has no drug referential (IR_PHA_R): every dispensing's ATC is UNKNOWN",
                root.string());
      return DrugReferential();
    }
    // Every stored column when pack sizes are wanted: PHA_CND_TOP may be absent from a delivery.
    // Otherwise the codes, and the generic group when the store has it (optional in IR_PHA_R).
    std::vector<std::string> columns;
    if (!pack_sizes) {
      columns = {"PHA_CIP_C13", "PHA_ATC_C07"};
      const ShardReader reader(path);
      if (reader.has_table("IR_PHA_R"))
        for (const auto& c : reader.columns("IR_PHA_R"))
          if (c.name == kGenericGroupColumn) columns.emplace_back(kGenericGroupColumn);
    }
    ShardReadOptions checked;
    checked.verify = [manifest](const ShardReader& reader, const std::vector<std::string>& tables) {
      check_store_file(*manifest, reader, tables, std::nullopt);
    };
    ShardData ref = read_shard(path, {{"IR_PHA_R", columns}}, checked);
    const Batch* table = ref.find("IR_PHA_R");
    return table ? DrugReferential(*table) : DrugReferential();
  };
  return source;
}

ShardQueueStats run_job_shards(Communicator& comm, const JobShardSource& source,
                               const WantedTables& wanted,
                               const std::function<Bytes(uint32_t)>& work,
                               const std::function<void(uint32_t, Bytes&&)>& merge,
                               const std::string& phase) {
  std::function<void(uint32_t)> upcoming;
  if (source.prefetch) upcoming = [&](uint32_t next) { source.prefetch(next, wanted); };
  const ShardQueueStats stats = run_shard_queue(comm, source.shards, work, merge, phase, upcoming);
  if (source.settle) source.settle();
  return stats;
}

ShardData load_death_tables(const std::string& store) {
  const fs::path path = store_referential_path(store);
  if (!fs::exists(path)) return {};
  WantedTables wanted;
  for (const auto& t : care_source_tables(ExtractorKind::kDeath))
    if (t.table.starts_with("KI_"))
      for (const auto& c : t.columns)
        wanted[t.table].push_back(c.starts_with(kOptionalColumnMark) ? c : kOptionalColumnMark + c);
  return read_shard(path, wanted);
}

void add_wanted(WantedTables& wanted, ExtractorKind kind, uint8_t settings) {
  auto add = [&](const std::string& table, const auto& columns) {
    auto& cols = wanted[table];
    for (const auto& c : columns)
      if (std::find(cols.begin(), cols.end(), c) == cols.end()) cols.push_back(std::string(c));
  };
  for (const auto& t : columns_needed(kind)) add(table_kind_name(t.kind), t.columns);
  for (const auto& t : care_source_tables(kind, settings)) add(t.table, t.columns);
}

void add_dcir_rule_columns(WantedTables& wanted, const std::string& store, uint8_t rules,
                           bool claim_events) {
  auto add = [&](const std::string& table, std::string_view column) {
    auto& cols = wanted[table];
    const std::string optional = kOptionalColumnMark + std::string(column);
    if (std::find(cols.begin(), cols.end(), optional) == cols.end() &&
        std::find(cols.begin(), cols.end(), std::string(column)) == cols.end())
      cols.push_back(optional);
  };
  if ((rules & kRuleMajorations) && claim_events) add("ER_PRS_F", kMajorationColumn);
  if ((rules & kRulePublicHospital) == 0) return;
  const fs::path manifest = store_manifest_path(store);
  if (!fs::exists(manifest)) return;
  const auto tables = manifest_tables(boost::json::parse(read_file(manifest)).as_object());
  if (std::find(tables.begin(), tables.end(), kEteTable) == tables.end()) return;
  bool any = false;
  for (const char* table : {"ER_PRS_F", "ER_PHA_F", "ER_CAM_F", "ER_BIO_F"}) {
    if (!wanted.count(table) || (std::string_view(table) == "ER_PRS_F" && !claim_events)) continue;
    for (auto key : kDcirKeys) add(table, key);
    any = true;
  }
  if (!any) return;
  for (auto key : kDcirKeys) add(std::string(kEteTable), key);
  add(std::string(kEteTable), kEteTaaColumn);
}

void put_rows_read(ByteWriter& w, const std::map<std::string, uint64_t>& rows) {
  w.put<uint64_t>(rows.size());
  for (const auto& [table, n] : rows) {
    w.put_string(table);
    w.put<uint64_t>(n);
  }
}

void get_rows_read(ByteReader& r, std::map<std::string, uint64_t>& rows) {
  const auto tables = r.get<uint64_t>();
  for (uint64_t i = 0; i < tables; ++i) {
    std::string name = r.get_string();
    rows[name] += r.get<uint64_t>();
  }
}

double seconds_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

boost::json::object shard_work_json(Communicator& comm,
                                    const std::vector<std::pair<std::string, double>>& parts) {
  std::vector<double> sum, max;
  for (const auto& [name, seconds] : parts) sum.push_back(seconds);
  max = sum;
  comm.allreduce_sum(std::span<double>(sum));
  comm.allreduce_max(std::span<double>(max));
  boost::json::object out;
  for (size_t i = 0; i < parts.size(); ++i)
    out[parts[i].first] = {{"sum", sum[i]}, {"max_rank", max[i]}};
  return out;
}

void prepare_output_folder(const fs::path& output, const std::string& config_file) {
  if (fs::exists(output) && !fs::is_directory(output))
    throw usage_error("{}: output {} exists and is not a folder", config_file, output.string());
  make_output_dir(output);
  // The marker first: an interrupted run leaves a folder its rerun still recognises as its own.
  if (!fs::exists(output / kOutputMarker)) write_file_atomic(output / kOutputMarker, "");
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
