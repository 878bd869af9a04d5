// The aggregate job as shard-job hooks (jobs/shard_job.hpp): per shard, the groups of its events;
// on rank 0, the merge of the groups, the disclosure rules and the result files.
#include "jobs/aggregate/aggregate_run.hpp"

#include <algorithm>
#include <filesystem>
#include <vector>

#include <fmt/format.h>

#include "core/aggregate/disclosure.hpp"
#include "core/aggregate/disclosure_report.hpp"
#include "core/aggregate/result_output.hpp"
#include "core/aggregate/shard_aggregate.hpp"
#include "core/atomic_file.hpp"
#include "core/catalog.hpp"
#include "core/events/care_sources.hpp"
#include "core/serialize.hpp"
#include "jobs/shard_job.hpp"

namespace snds {
namespace fs = std::filesystem;

WantedTables aggregate_wanted_tables(const AggregateSpec& spec) {
  WantedTables wanted;
  for (const auto& t : aggregate_columns_needed(spec)) {
    auto& cols = wanted[table_kind_name(t.kind)];
    for (const auto& c : t.columns)
      if (std::find(cols.begin(), cols.end(), c) == cols.end()) cols.push_back(c);
  }
  for (const auto& t : care_source_tables(spec.source, aggregate_source_settings(spec))) {
    auto& cols = wanted[t.table];
    for (const auto& c : t.columns)
      if (std::find(cols.begin(), cols.end(), c) == cols.end()) cols.push_back(c);
  }
  return wanted;
}

uint8_t aggregate_source_settings(const AggregateSpec& spec) {
  if (spec.source == ExtractorKind::kAct) return spec.act_settings;
  if (spec.source == ExtractorKind::kDeath) return spec.death_sources;
  return 0xff;
}

std::vector<std::string> aggregate_optional_tables(const AggregateSpec& spec) {
  std::vector<std::string> out;
  for (const auto& t : care_source_tables(spec.source, aggregate_source_settings(spec)))
    if (t.optional) out.push_back(t.table);
  return out;
}

AggregateRunSummary run_aggregate(const AggregateJobConfig& config, Communicator& comm, int threads,
                                  const AggregateShardSource& source) {
  const AggregateSpec& spec = config.spec;
  const fs::path output = config.output;
  ShardAggregateStats event_counts;          // rank 0: summed over every shard
  GroupMerger merged(spec.group_by.size());  // rank 0
  AggregateRunSummary summary;

  // Death certificates: a referential every rank reads once.
  const ShardData death_tables =
      spec.source == ExtractorKind::kDeath ? load_death_tables(config.store) : ShardData{};
  const DeathCertificates certificates(death_tables);
  WantedTables wanted = aggregate_wanted_tables(spec);
  add_dcir_rule_columns(wanted, config.store, config.dcir_rules,
                        spec.source == ExtractorKind::kClaim);
  ShardJob job =
      shard_job("aggregate", config, aggregate_config_to_json(config), std::move(wanted));
  if (spec.source == ExtractorKind::kDispensing) job.referential = ReferentialNeed::kCodes;
  // A partial: the shard's event counts, then its groups.
  job.work = [&](ShardWork& shard, ByteWriter& out) {
    ShardAggregateStats stats;
    const CodedGroups groups = aggregate_shard(shard.data, shard.referential, spec, shard.threads,
                                               &stats, kAggregateMorselEvents, &certificates);
    out.put<uint64_t>(stats.events);
    out.put<uint64_t>(stats.kept);
    out.put_vector(groups.serialize());
  };
  job.merge = [&](ByteReader& in) {
    event_counts.events += in.get<uint64_t>();
    event_counts.kept += in.get<uint64_t>();
    merged.merge(CodedGroups::deserialize(in.get_vector<char>()));
  };
  // Sorting makes the answer independent of arrival order.
  job.finish = [&] {
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
    write_alongside([&] { write_result_csv(output / "result.csv", spec, rows); },
                    [&] { write_result_h5(output / "result.h5", spec, rows); });
    ShardJobOutputs out;
    out.rows = summary.rows;
    out.files = {{"result.csv", {{"rows", summary.rows}, {"suppressed", summary.suppressed}}},
                 {"result.h5", {{"rows", summary.rows}}}};
    if (spec.totals) out.files["disclosure_audit.json"] = summary.disclosure;
    out.summary = fmt::format("{} groups ({} suppressed) from {} events", summary.rows,
                              summary.suppressed, event_counts.kept);
    return out;
  };
  job.manifest = [&](boost::json::object& m) {
    m["events"] = {{"source", event_counts.events}, {"in_period_and_filter", event_counts.kept}};
  };
  run_shard_job(job, comm, threads, source);
  return summary;
}

}  // namespace snds
