// The distributed aggregate run: shard work, the merge on rank 0, and the output files.
#include "jobs/aggregate/aggregate_run.hpp"

#include <algorithm>
#include <chrono>
#include <ctime>
#include <filesystem>
#include <future>
#include <map>

#include <fmt/format.h>

#include "core/aggregate/disclosure.hpp"
#include "core/aggregate/disclosure_report.hpp"
#include "core/aggregate/result_output.hpp"
#include "core/aggregate/shard_aggregate.hpp"
#include "core/atomic_file.hpp"
#include "core/buffer_pool.hpp"
#include "core/catalog.hpp"
#include "core/error.hpp"
#include "core/serialize.hpp"
#include "core/store/store_layout.hpp"
#include "runtime/collective.hpp"
#include "runtime/log.hpp"
#include "runtime/metrics.hpp"
#include "runtime/shard_queue.hpp"
#include "snds_version.hpp"

namespace snds {
namespace fs = std::filesystem;

namespace {

using Clock = std::chrono::steady_clock;

// What one shard sends to rank 0: rows read per table, event counts, then the group partial.
struct ShardPartial {
  std::map<std::string, uint64_t> rows_read;
  ShardAggregateStats stats;
  CodedGroups groups;
};

Bytes encode_partial(const ShardPartial& p) {
  Bytes out;
  ByteWriter w(out);
  put_rows_read(w, p.rows_read);
  w.put<uint64_t>(p.stats.events);
  w.put<uint64_t>(p.stats.kept);
  const std::vector<char> groups = p.groups.serialize();
  w.put_vector(groups);
  return out;
}

ShardPartial decode_partial(const Bytes& bytes) {
  ByteReader r(bytes);
  ShardPartial p;
  get_rows_read(r, p.rows_read);
  p.stats.events = r.get<uint64_t>();
  p.stats.kept = r.get<uint64_t>();
  p.groups = CodedGroups::deserialize(r.get_vector<char>());
  if (!r.done()) throw internal_error("trailing bytes after an aggregate partial");
  return p;
}

struct WorkTimes {
  double read = 0;
  double aggregate = 0;
};

}  // namespace

WantedTables aggregate_wanted_tables(const AggregateSpec& spec) {
  WantedTables wanted;
  for (const auto& t : aggregate_columns_needed(spec)) {
    auto& cols = wanted[table_kind_name(t.kind)];
    for (const auto& c : t.columns)
      if (std::find(cols.begin(), cols.end(), c) == cols.end()) cols.push_back(c);
  }
  return wanted;
}

AggregateRunSummary run_aggregate(const AggregateJobConfig& config, Communicator& comm, int threads,
                                  const AggregateShardSource& source) {
  const AggregateSpec& spec = config.spec;
  const fs::path output = config.output;
  const WantedTables wanted = aggregate_wanted_tables(spec);
  Metrics metrics;
  source.read_first_shard_ahead(comm, wanted);

  // The folder says "incomplete" (no manifest.json) from the moment a run starts writing into it.
  metrics.begin_phase("prepare");
  DrugReferential referential;
  all_or_none(comm, [&] {
    if (comm.is_master()) prepare_output_folder(output, config.config_file);
    if (spec.source == ExtractorKind::kDispensing) referential = source.load_referential(false);
  });
  metrics.end_phase(referential.size(), 0);

  metrics.begin_phase("shards");
  WorkTimes times;
  uint64_t rank_rows = 0;
  std::map<std::string, uint64_t> rows_read;
  ShardAggregateStats event_counts;
  GroupMerger merged(spec.group_by.size());
  const ShardQueueStats queue = run_job_shards(
      comm, source, wanted,
      [&](uint32_t shard) {
        auto t = Clock::now();
        ShardData data = source.load_shard(shard, wanted);
        times.read += seconds_since(t);
        t = Clock::now();
        ShardPartial partial;
        for (const auto& [name, batch] : data.tables) {
          partial.rows_read[name] += batch.rows();
          rank_rows += batch.rows();
        }
        partial.groups = aggregate_shard(data, referential, spec, threads, &partial.stats);
        Bytes bytes = encode_partial(partial);
        buffer_pool::recycle(std::move(data));  // its buffers serve the next shard
        times.aggregate += seconds_since(t);
        return bytes;
      },
      [&](uint32_t, Bytes&& bytes) {
        ShardPartial p = decode_partial(bytes);
        for (const auto& [name, rows] : p.rows_read) rows_read[name] += rows;
        event_counts.events += p.stats.events;
        event_counts.kept += p.stats.kept;
        merged.merge(p.groups);
      },
      "aggregate");
  metrics.end_phase(rank_rows, 0);

  // Rank 0 alone holds the groups: sorting makes the answer independent of arrival order.
  metrics.begin_phase("write");
  AggregateRunSummary summary;
  all_or_none(comm, [&] {
    if (!comm.is_master()) return;
    std::vector<GroupRow> rows = merged.sorted_rows();
    summary.rows = rows.size();
    if (spec.totals) {
      // Margins: secondary suppression (when asked) and the audit of what stays protected.
      DisclosureAudit audit;
      const SecondarySummary s = apply_secondary_disclosure(rows, spec, audit);
      summary.suppressed = s.primary + s.secondary;
      summary.disclosure = disclosure_summary_json(spec, s, audit);
      write_file_atomic(output / "disclosure_audit.json",
                        disclosure_audit_json(spec, rows, s, audit));
    } else {
      summary.suppressed = apply_disclosure(rows, spec.min_patients);
    }
    // The CSV on a helper thread (no HDF5 there) while this thread writes the HDF5 copy: the two
    // files' formatting and fsyncs overlap.
    auto csv = std::async(std::launch::async,
                          [&] { write_result_csv(output / "result.csv", spec, rows); });
    try {
      write_result_h5(output / "result.h5", spec, rows);
    } catch (...) {
      csv.wait();
      throw;
    }
    csv.get();
  });
  metrics.end_phase(summary.rows, 0);

  boost::json::object work =
      shard_work_json(comm, {{"read", times.read}, {"aggregate", times.aggregate}});
  boost::json::array phases = metrics.gather(comm);

  all_or_none(comm, [&] {
    if (!comm.is_master()) return;
    boost::json::object m =
        job_manifest("aggregate", config.config_file, aggregate_config_to_json(config),
                     source.store, comm.size(), threads, rows_read);
    m["events"] = {{"source", event_counts.events}, {"in_period_and_filter", event_counts.kept}};
    m["phases"] = std::move(phases);
    m["shard_work_s"] = std::move(work);
    boost::json::array per_rank;
    for (auto n : queue.shards_per_rank) per_rank.push_back(n);
    m["shards_per_rank"] = std::move(per_rank);
    m["outputs"] = {{"result.csv", {{"rows", summary.rows}, {"suppressed", summary.suppressed}}},
                    {"result.h5", {{"rows", summary.rows}}}};
    if (spec.totals) m["outputs"].as_object()["disclosure_audit.json"] = summary.disclosure;
    write_job_manifest(output / "manifest.json", std::move(m));
    log::info("aggregate: {} groups ({} suppressed) from {} events, written to {}", summary.rows,
              summary.suppressed, event_counts.kept, output.string());
  });
  return summary;
}

}  // namespace snds
