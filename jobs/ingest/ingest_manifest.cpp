// The store's manifest and the ingest's closing summary (ingest_manifest.hpp).
#include "jobs/ingest/ingest_manifest.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "core/catalog.hpp"
#include "core/csv/delimiter.hpp"
#include "core/error.hpp"
#include "core/store/store_layout.hpp"
#include "jobs/ingest/input_discovery.hpp"
#include "runtime/log.hpp"
#include "snds_version.hpp"

namespace snds {
namespace {

// What a rank holds beyond the budget (docs/ingest.md, "Bounded memory"): code and libraries,
// MPI and HDF5 state, HDF5 chunk buffers, allocator slack.
constexpr double kProcessSlackMiB = 128;

uint64_t count_of(const std::map<std::string, uint64_t>& m, const std::string& key) {
  auto it = m.find(key);
  return it == m.end() ? 0 : it->second;
}

// String values stored with U+FFFD in place of bytes that were no UTF-8, per table.
std::map<std::string, uint64_t> invalid_utf8_per_table(const IngestSummary& s) {
  std::map<std::string, uint64_t> out;
  for (uint32_t fi = 0; fi < s.plan->files.size(); ++fi)
    if (s.file_sums[fi].invalid_utf8 > 0)
      out[s.plan->files[fi].table.name] += s.file_sums[fi].invalid_utf8;
  return out;
}

// Tables read by key: rows repeating an earlier row's key (jobs take the first, in input order).
std::vector<std::pair<const char*, RepeatedKeys>> repeats(const IngestSummary& s) {
  return {{"IR_BEN_R", s.ben_repeats}, {"IR_PHA_R", s.pha_repeats}};
}

boost::json::object tables_json(const IngestSummary& s) {
  // Rows stored = read - rejected, checked here (nothing lost).
  const auto invalid_utf8 = invalid_utf8_per_table(s);
  boost::json::object tj;
  for (const auto& [t, cols] : s.plan->schemas) {
    const auto name = parse_table_name(t);
    if (!name) throw internal_error("table {} of the plan is no SNDS table", t);
    const uint64_t read = count_of(s.read, t), rejected = count_of(s.rejected, t);
    uint64_t rows_stored = 0, orphans = 0;
    const TableSpec& spec = table_spec(*name);
    if (spec.link == TableLink::kReferential) {
      rows_stored = count_of(s.referential_rows, t);
    } else {
      rows_stored = count_of(s.stored, t);
      if (is_detail_table(spec)) {
        orphans = count_of(s.stored, t + kOrphanSuffix);
        rows_stored += orphans;
      }
    }
    if (rows_stored + rejected != read)
      throw internal_error("table {}: {} rows read but {} stored and {} rejected", t, read,
                           rows_stored, rejected);
    boost::json::object o;
    o["kind"] = std::string(spec.pattern);
    o["read"] = read;
    o["rows"] = rows_stored;
    o["rejected"] = rejected;
    o["invalid_utf8_values"] = count_of(invalid_utf8, t);
    if (is_detail_table(spec)) o["orphans"] = orphans;
    o["stored"] = spec.link == TableLink::kReferential ? "referential" : "shards";
    boost::json::array cols_json;
    boost::json::object types_json;
    for (const auto& c : cols) {
      cols_json.push_back(boost::json::value(c.name));
      types_json[c.name] = column_type_name(c.type);
    }
    o["columns"] = std::move(cols_json);
    o["column_types"] = std::move(types_json);
    tj[t] = std::move(o);
  }
  return tj;
}

// Inputs: every file found, in walk order. Taken ones: size, CRC32 of the bytes as stored on
// disk (header included), rows; the others: why they were not read.
boost::json::array inputs_json(const IngestSummary& s) {
  const IngestPlan& plan = *s.plan;
  std::map<std::string, uint32_t> file_index;
  for (uint32_t fi = 0; fi < plan.files.size(); ++fi) file_index[plan.files[fi].path] = fi;
  boost::json::array inputs;
  for (const ListedFile& l : plan.listing) {
    boost::json::object o;
    o["path"] = l.path;
    o["relative_path"] = l.relative;
    o["table"] = l.table ? boost::json::value(l.table->name) : boost::json::value(nullptr);
    o["taken"] = l.taken;
    o["format"] = input_format(l.path);
    o["bytes"] = l.bytes;
    auto at = file_index.find(l.path);
    if (!l.taken || at == file_index.end()) {
      o["reason"] = l.reason;
      if (misnamed_table(l)) o["looks_like_snds_table"] = true;
      inputs.push_back(std::move(o));
      continue;
    }
    const uint32_t fi = at->second;
    const InputFile& f = plan.files[fi];
    o["delimiter"] = f.sas ? boost::json::value(nullptr)
                           : boost::json::value(std::string(1, f.header.delimiter));
    o["crc32"] = fmt::format("{:08x}", s.file_sums[fi].crc);
    o["rows_read"] = s.file_sums[fi].rows_read;
    o["rejected"] = s.file_sums[fi].rejected;
    o["invalid_utf8_values"] = s.file_sums[fi].invalid_utf8;
    inputs.push_back(std::move(o));
  }
  return inputs;
}

// Each rank's peak RSS in MiB: the last phase's peak_rss_bytes_per_rank (ru_maxrss only grows).
std::vector<double> peak_rss_mb_per_rank(const IngestSummary& s) {
  std::vector<double> out;
  if (s.phases.empty()) return out;
  const auto& last = s.phases.back().as_object();
  if (const auto* v = last.if_contains("peak_rss_bytes_per_rank"))
    for (const auto& b : v->as_array())
      out.push_back(static_cast<double>(b.to_number<uint64_t>()) / static_cast<double>(kMiB));
  return out;
}

}  // namespace

boost::json::object ingest_manifest(const IngestSummary& s) {
  const IngestConfig& cfg = *s.config;
  const IngestPlan& plan = *s.plan;
  boost::json::object manifest;
  manifest["format"] = "snds-batch-store";
  manifest["format_version"] = kStoreFormatVersion;
  manifest["store_id"] = s.store_id;
  manifest["program_version"] = kVersion;
  manifest["created"] = s.created;
  manifest["shards"] = s.shards;
  manifest["shard_hash"] = !s.persons_moved
                               ? "snds hash_bytes(BEN_NIR_PSA) mod shards"
                               : "snds min(hash_bytes(BEN_NIR_PSA) of the person) mod shards";
  manifest["config"] = cfg.to_json();
  manifest["config_file"] = cfg.config_path;
  manifest["ranks"] = s.ranks;
  manifest["threads"] = s.threads;
  manifest["tables"] = tables_json(s);
  manifest["inputs"] = inputs_json(s);
  if (!s.duplicate_files.empty()) {
    boost::json::array sets;
    for (const auto& set : s.duplicate_files) {
      boost::json::array a;
      for (uint32_t fi : set) a.push_back(boost::json::value(plan.files[fi].path));
      sets.push_back(std::move(a));
    }
    manifest["duplicate_files"] = std::move(sets);
  }

  boost::json::object shard_rows;
  for (size_t k = 0; k < s.shard_tables.size(); ++k) {
    boost::json::array a;
    for (uint32_t shard = 0; shard < s.shards; ++shard) a.push_back(s.rows_per_shard[shard][k]);
    shard_rows[s.shard_tables[k]] = std::move(a);
  }
  manifest["rows_per_shard"] = std::move(shard_rows);
  uint64_t total_rejected = 0;
  for (const auto& [t, n] : s.rejected) total_rejected += n;
  manifest["rejects"] = boost::json::object{{"rows", total_rejected}, {"file", "rejects.csv"}};
  boost::json::object duplicates;
  for (const auto& [t, n] : s.duplicate_parent_keys) duplicates[t] = n;
  manifest["duplicate_parent_keys"] = std::move(duplicates);
  boost::json::object repeated;
  for (const auto& [t, r] : repeats(s))
    if (r.identical + r.conflicting > 0)
      repeated[t] = boost::json::object{{"identical", r.identical}, {"conflicting", r.conflicting}};
  manifest["repeated_keys"] = std::move(repeated);
  if (s.person_ids) {
    // docs/data-model.md, "Persons": what BEN_IDT_ANO linked, and every conflict met.
    const PersonCounts& p = s.persons;
    manifest["persons"] =
        boost::json::object{{"from", "BEN_IDT_ANO"},
                            {"persons", p.persons},
                            {"persons_with_several_pseudo_nirs", p.persons_linked},
                            {"pseudo_nirs_of_those_persons", p.pseudo_nirs_linked},
                            {"ben_idt_ano_naming_several_nirs", s.linked_ids},
                            {"nirs_routed_to_their_person_shard", s.nirs_moved},
                            {"pseudo_nirs_with_several_ben_idt_ano", p.several_ids},
                            {"fictitious_nir_rows", p.fictitious_rows},
                            {"rows_without_ben_idt_ano", p.rows_without_id},
                            {"persons_with_several_birth_years", s.birth_year_conflicts},
                            {"persons_with_several_sexes", s.sex_conflicts}};
  }
  boost::json::object placeholders;
  for (const auto& [t, n] : s.placeholder_nir_rows)
    if (n > 0) placeholders[t] = n;
  if (!placeholders.empty()) manifest["placeholder_nir_rows"] = placeholders;
  manifest["resumed"] = s.resumed;
  manifest["shards_reused"] = s.shards_reused;
  boost::json::object memory{{"memory_budget_mb", cfg.memory_budget_mb},
                             {"peak_shuffle_bytes_per_rank", s.peak_shuffle_bytes_per_rank},
                             {"spilled_bytes", s.spilled_bytes}};
  // The process's peak (getrusage's maximum RSS, monotone: the last phase's figure is the whole
  // run's) against the budget, per rank: what an operator sizes --mem-per-cpu from.
  if (const std::vector<double> rss = peak_rss_mb_per_rank(s); !rss.empty()) {
    boost::json::array mb;
    for (double m : rss) mb.emplace_back(std::round(m * 10) / 10);
    memory["peak_rss_mb_per_rank"] = std::move(mb);
    const double worst = *std::max_element(rss.begin(), rss.end()) / cfg.memory_budget_mb;
    memory["peak_rss_to_budget"] = std::round(worst * 1000) / 1000;
  }
  manifest["memory"] = std::move(memory);
  manifest["phases"] = s.phases;
  manifest["peak_rss_bytes"] = s.peak_rss_bytes;
  return manifest;
}

void log_inputs(const IngestSummary& s) {
  const IngestPlan& plan = *s.plan;
  std::map<std::string, uint32_t> file_index;
  for (uint32_t fi = 0; fi < plan.files.size(); ++fi) file_index[plan.files[fi].path] = fi;
  constexpr size_t kFilesSummarised = 50;
  size_t files_summarised = 0;
  for (const ListedFile& l : plan.listing) {
    auto at = file_index.find(l.path);
    if (!l.taken || at == file_index.end()) continue;
    const InputFile& f = plan.files[at->second];
    const FileSums& sums = s.file_sums[at->second];
    if (++files_summarised <= kFilesSummarised)
      log::info("read {}: {} ({}{}), {} rows, {} rejected", l.relative, f.table.name,
                input_format(l.path),
                f.sas ? "" : fmt::format(", {}-separated", delimiter_name(f.header.delimiter)),
                sums.rows_read, sums.rejected);
  }
  if (files_summarised > kFilesSummarised)
    log::info("read {} more file(s): see the manifest's inputs",
              files_summarised - kFilesSummarised);
}

void log_ingest_summary(const IngestSummary& s) {
  if (const std::vector<double> rss = peak_rss_mb_per_rank(s); !rss.empty()) {
    const std::string mb = fmt::format("{:.0f}", fmt::join(rss, ", "));
    const double budget = s.config->memory_budget_mb;
    const double worst = *std::max_element(rss.begin(), rss.end());
    // The budget bounds what grows with the data; the process (code, MPI, HDF5, allocator slack)
    // comes on top: docs/ingest.md "Bounded memory" says how much.
    if (worst > budget + kProcessSlackMiB)
      log::warn(
          "memory: peak RSS per rank {} MB, over memory_budget_mb = {} plus {} MB for the "
          "process itself: size the job's memory (--mem-per-cpu) on the peak, or lower "
          "memory_budget_mb",
          mb, budget, kProcessSlackMiB);
    else
      log::info("memory: peak RSS per rank {} MB (memory_budget_mb = {})", mb, budget);
  }
  for (const auto& [t, dups] : s.duplicate_parent_keys)
    log::info(
        "duplicate parent keys: {} rows of {} repeat another row's join key (detail rows "
        "join the first)",
        dups, t);
  for (const auto& [t, n] : invalid_utf8_per_table(s))
    log::warn(
        "table {}: {} value(s) held bytes that are no UTF-8, stored with U+FFFD in their place "
        "(files: the manifest's inputs, invalid_utf8_values); a Latin-1 extract: convert it to "
        "UTF-8 first (iconv -f latin1 -t utf-8)",
        t, n);
  for (const auto& [t, r] : repeats(s))
    if (r.conflicting > 0)
      log::warn(
          "{}: {} row(s) repeat the key of an earlier row with other values; jobs use the first "
          "in input order (files by path, then line)",
          t, r.conflicting);
  if (s.person_ids) {
    const PersonCounts& p = s.persons;
    log::info(
        "persons: {} ({} with several pseudo-NIRs, {} pseudo-NIRs between them); {} rows without "
        "BEN_IDT_ANO are persons of their own",
        p.persons, p.persons_linked, p.pseudo_nirs_linked, p.rows_without_id);
    if (p.several_ids > 0)
      log::warn("persons: {} pseudo-NIR(s) carry several BEN_IDT_ANO: each joins the smallest",
                p.several_ids);
    if (p.fictitious_rows > 0)
      log::warn(
          "persons: {} IR_BEN_R row(s) with a fictitious NIR (BEN_CDI_NIR not 00) link no "
          "person: each pseudo-NIR stays a person of its own",
          p.fictitious_rows);
    if (s.birth_year_conflicts + s.sex_conflicts > 0)
      log::warn(
          "persons: {} with several birth years, {} with several sexes among their "
          "pseudo-NIRs: the most frequent value is used, ties to the smallest",
          s.birth_year_conflicts, s.sex_conflicts);
  }
  for (const auto& [t, n] : s.placeholder_nir_rows)
    if (n > 0) log::info("{}: {} row(s) with a placeholder NIR_ANO_17 link to no patient", t, n);
  // Said again last, where it is seen: a misnamed table is a table the jobs will not find.
  for (const ListedFile& l : s.plan->listing)
    if (misnamed_table(l)) log::warn("NOT ingested, though named like an SNDS table: {}", l.path);
}

}  // namespace snds
