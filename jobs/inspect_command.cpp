// `snds-batch inspect STORE [--json]`: what a store holds, from its manifest plus the sizes of its
// files on disk. Runs on rank 0 only (others return at once): it reads a few small files.
#include <filesystem>
#include <iostream>

#include <fmt/format.h>
#include <boost/json.hpp>

#include "core/atomic_file.hpp"
#include "core/error.hpp"
#include "core/store/store_layout.hpp"
#include "jobs/args.hpp"
#include "jobs/commands.hpp"
#include "jobs/store_tables.hpp"

namespace snds {
namespace fs = std::filesystem;

namespace {

uint64_t folder_bytes(const fs::path& dir) {
  uint64_t total = 0;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir, ec);
       it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (ec) break;
    if (it->is_regular_file(ec)) total += it->file_size(ec);
  }
  return total;
}

std::string human_bytes(uint64_t b) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double v = static_cast<double>(b);
  int u = 0;
  while (v >= 1024 && u < 4) {
    v /= 1024;
    ++u;
  }
  return u == 0 ? fmt::format("{} B", b) : fmt::format("{:.1f} {}", v, units[u]);
}

}  // namespace

int inspect_command(const ArgList& argv, CommandContext& ctx) {
  Args args("inspect", argv, ArgSpec{{}, {"json"}});
  if (args.positionals().size() != 1)
    throw usage_error(
        "inspect: expected one store folder (usage: snds-batch inspect STORE [--json])");
  if (!ctx.comm.is_master()) return 0;
  const fs::path store = args.positionals()[0];
  const StoreInfo info = open_store(store);
  boost::json::object manifest =
      boost::json::parse(read_file(store_manifest_path(store))).as_object();

  boost::json::object out;
  out["store"] = store.string();
  out["shards"] = info.shards;
  out["identity"] = info.identity;
  out["created"] = info.created;
  if (auto* v = manifest.if_contains("program_version")) out["program_version"] = *v;
  boost::json::object tables;
  uint64_t total_rows = 0, total_rejected = 0, total_orphans = 0;
  if (auto* t = manifest.if_contains("tables")) {
    for (auto& [name, value] : t->as_object()) {
      const auto& o = value.as_object();
      boost::json::object entry;
      entry["rows"] = o.at("rows");
      entry["rejected"] = o.at("rejected");
      if (auto* bad = o.if_contains("invalid_utf8_values")) entry["invalid_utf8_values"] = *bad;
      if (auto* orph = o.if_contains("orphans")) {
        entry["orphans"] = *orph;
        total_orphans += orph->to_number<uint64_t>();
      }
      if (auto* rb = o.if_contains("read")) entry["read"] = *rb;
      // Its columns with their stored types (stores before the catalog: names only).
      if (auto* cols = o.if_contains("columns"); cols && cols->is_array()) {
        const auto* types = o.if_contains("column_types");
        boost::json::array list;
        for (const auto& c : cols->as_array()) {
          boost::json::object col{{"name", c}};
          if (types && types->is_object())
            if (auto* ty = types->as_object().if_contains(c.as_string())) col["type"] = *ty;
          list.push_back(std::move(col));
        }
        entry["columns"] = std::move(list);
      }
      if (auto* st = o.if_contains("stored")) entry["stored"] = *st;
      total_rows += o.at("rows").to_number<uint64_t>();
      total_rejected += o.at("rejected").to_number<uint64_t>();
      tables[name] = std::move(entry);
    }
  }
  // Input files found by the ingest, and how many of them it did not read (stores written before
  // the listing only hold the files read).
  uint64_t files = 0, not_taken = 0;
  boost::json::array misnamed;  // not read, though named like a table
  if (auto* in = manifest.if_contains("inputs"); in && in->is_array())
    for (const auto& v : in->as_array()) {
      ++files;
      if (const auto* t = v.as_object().if_contains("taken"); t && !t->as_bool()) ++not_taken;
      if (v.as_object().if_contains("looks_like_snds_table"))
        misnamed.push_back(v.as_object().at("path"));
    }
  const uint64_t shard_bytes = folder_bytes(store / "shards");
  const uint64_t all_bytes = folder_bytes(store);
  out["tables"] = tables;
  out["rows"] = total_rows;
  out["rejected"] = total_rejected;
  out["orphans"] = total_orphans;
  out["input_files"] = files;
  out["input_files_not_read"] = not_taken;
  out["bytes"] = all_bytes;
  out["shard_bytes"] = shard_bytes;
  // Which job sources the store can serve (a job whose source needs a missing table fails).
  boost::json::object sources;
  for (const auto& [source, missing] : sources_served(manifest_tables(manifest))) {
    boost::json::array m;
    for (const auto& t : missing) m.push_back(boost::json::value(t));
    sources[source] = boost::json::object{{"served", missing.empty()}, {"missing_tables", m}};
  }
  out["sources"] = sources;
  // What the ingest read twice or left aside (older manifests have none of these).
  for (const char* key :
       {"duplicate_parent_keys", "duplicate_files", "persons", "placeholder_nir_rows"})
    if (auto* v = manifest.if_contains(key)) out[key] = *v;
  out["misnamed_inputs"] = misnamed;

  if (args.flag("json")) {
    std::cout << boost::json::serialize(out) << "\n";
    return 0;
  }
  std::cout << fmt::format("store {}: {} shards, {} on disk ({} in shards), created {}\n",
                           store.string(), info.shards, human_bytes(all_bytes),
                           human_bytes(shard_bytes), info.created);
  std::cout << fmt::format("inputs: {} file(s) found, {} read, {} not read{}\n", files,
                           files - not_taken, not_taken,
                           not_taken > 0 ? " (manifest.json `inputs` says why)" : "");
  std::cout << fmt::format("{:<12} {:>14} {:>10} {:>10}\n", "table", "rows", "rejected", "orphans");
  for (auto& [name, value] : tables) {
    const auto& o = value.as_object();
    std::cout << fmt::format(
        "{:<12} {:>14} {:>10} {:>10}\n", std::string(name), o.at("rows").to_number<uint64_t>(),
        o.at("rejected").to_number<uint64_t>(),
        o.if_contains("orphans") ? fmt::format("{}", o.at("orphans").to_number<uint64_t>()) : "-");
  }
  std::cout << fmt::format("{:<12} {:>14} {:>10} {:>10}\n", "total", total_rows, total_rejected,
                           total_orphans);
  // Every table's columns and types (docs/tables.md says what each type accepts).
  for (auto& [name, value] : tables) {
    const auto* cols = value.as_object().if_contains("columns");
    if (!cols) continue;
    std::string list;
    for (const auto& c : cols->as_array()) {
      const auto& col = c.as_object();
      list += (list.empty() ? "" : ", ") + std::string(col.at("name").as_string());
      if (auto* ty = col.if_contains("type")) list += " " + std::string(ty->as_string());
    }
    const auto* stored = value.as_object().if_contains("stored");
    std::cout << fmt::format("columns of {}{}: {}\n", std::string(name),
                             stored && stored->as_string() == "referential" ? " (referential)" : "",
                             list);
  }
  for (auto& [source, value] : sources) {
    const auto& missing = value.as_object().at("missing_tables").as_array();
    std::string lacks;
    for (const auto& t : missing) lacks += (lacks.empty() ? "" : ", ") + std::string(t.as_string());
    std::cout << fmt::format("source {:<14} {}\n", std::string(source),
                             missing.empty() ? "served" : "NOT served: no " + lacks);
  }
  if (auto* d = out.if_contains("duplicate_parent_keys"))
    for (auto& [table, n] : d->as_object())
      std::cout << fmt::format(
          "duplicate parent keys: {} rows of {} repeat another row's join key\n",
          n.to_number<uint64_t>(), std::string(table));
  if (auto* d = out.if_contains("duplicate_files"))
    for (auto& set : d->as_array()) {
      std::string names;
      for (auto& f : set.as_array())
        names += (names.empty() ? "" : ", ") + std::string(f.as_string());
      std::cout << fmt::format("duplicate input files (read each time): {}\n", names);
    }
  // Persons (docs/data-model.md): what BEN_IDT_ANO linked, and the conflicts met.
  if (auto* p = out.if_contains("persons")) {
    const auto& o = p->as_object();
    auto n = [&o](const char* k) {
      return o.if_contains(k) ? o.at(k).to_number<uint64_t>() : uint64_t{0};
    };
    std::cout << fmt::format(
        "persons (BEN_IDT_ANO): {}, {} with several pseudo-NIRs ({} pseudo-NIRs); conflicts: {} "
        "pseudo-NIR(s) with several BEN_IDT_ANO, {} fictitious NIR row(s), {} person(s) with "
        "several birth years, {} with several sexes\n",
        n("persons"), n("persons_with_several_pseudo_nirs"), n("pseudo_nirs_of_those_persons"),
        n("pseudo_nirs_with_several_ben_idt_ano"), n("fictitious_nir_rows"),
        n("persons_with_several_birth_years"), n("persons_with_several_sexes"));
  }
  if (auto* d = out.if_contains("placeholder_nir_rows"))
    for (auto& [table, n] : d->as_object())
      std::cout << fmt::format("placeholder NIR_ANO_17: {} rows of {} link to no patient\n",
                               n.to_number<uint64_t>(), std::string(table));
  for (const auto& path : misnamed)
    std::cout << fmt::format("not ingested, though named like an SNDS table: {}\n",
                             std::string(path.as_string()));
  return 0;
}

}  // namespace snds
