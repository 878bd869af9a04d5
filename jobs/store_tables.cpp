// The tables a job needs against those a store holds (store_tables.hpp).
#include "jobs/store_tables.hpp"

#include <algorithm>
#include <set>

#include <fmt/format.h>

#include "core/atomic_file.hpp"
#include "core/catalog.hpp"
#include "core/events/care_sources.hpp"
#include "core/error.hpp"
#include "core/store/store_layout.hpp"
#include "jobs/job_support.hpp"

namespace snds {

std::vector<std::string> manifest_tables(const boost::json::object& manifest) {
  std::vector<std::string> out;
  if (const auto* t = manifest.if_contains("tables"); t && t->is_object())
    for (const auto& [name, value] : t->as_object()) out.emplace_back(name);
  return out;
}

std::vector<std::string> missing_tables(const std::vector<std::string>& tables,
                                        const WantedTables& wanted,
                                        const std::vector<std::string>& optional) {
  const std::set<std::string> have(tables.begin(), tables.end());
  std::set<int> pmsi_years;
  for (const auto& t : tables)
    if (auto name = parse_table_name(t); name && is_mco_table(name->kind))
      pmsi_years.insert(name->year);
  std::set<std::string> missing;
  auto need = [&](const std::string& t) {
    if (!have.count(t)) missing.insert(t);
  };
  for (const auto& [table, columns] : wanted) {
    if (std::find(optional.begin(), optional.end(), table) != optional.end()) continue;
    const auto spec = std::find_if(all_table_specs().begin(), all_table_specs().end(),
                                   [&](const TableSpec& s) { return s.pattern == table; });
    if (spec != all_table_specs().end() && is_mco_table(spec->kind)) {
      if (pmsi_years.empty()) missing.insert(table);
      for (int year : pmsi_years) need(table_instance_name(spec->kind, year));
      continue;
    }
    if (spec != all_table_specs().end() && spec->year_digits() > 0) {
      // Another yearly table (T_MCOaaA, T_SSRaaB): at least one year of it.
      if (std::none_of(tables.begin(), tables.end(), [&](const std::string& t) {
            const auto name = parse_table_name(t);
            return name && name->id == spec->id;
          }))
        missing.insert(table);
      continue;
    }
    need(table);
    if (table == "ER_PHA_F") {
      need("ER_PRS_F");
      need("IR_PHA_R");
    }
  }
  return {missing.begin(), missing.end()};
}

void check_store_tables(const std::string& store, const WantedTables& wanted,
                        const std::string& config_file, const std::vector<std::string>& optional) {
  const auto manifest = boost::json::parse(read_file(store_manifest_path(store)));
  const auto missing = missing_tables(manifest_tables(manifest.as_object()), wanted, optional);
  if (missing.empty()) return;
  throw data_error(
      "store {} has no table {}, which {} needs{}: ingest it (a file named {}.csv or "
      "{}_<anything>.csv in the inputs; the ingest's warnings list files it did not take)",
      store, missing.front(), config_file,
      missing.size() > 1
          ? fmt::format(" (nor {})", fmt::join(missing.begin() + 1, missing.end(), ", "))
          : "",
      missing.front(), missing.front());
}

std::vector<std::pair<std::string, std::vector<std::string>>> sources_served(
    const std::vector<std::string>& tables) {
  std::vector<std::pair<std::string, std::vector<std::string>>> out;
  for (auto kind :
       {ExtractorKind::kClaim, ExtractorKind::kDispensing, ExtractorKind::kHospitalStay}) {
    WantedTables wanted;
    add_wanted(wanted, kind);
    const char* name = kind == ExtractorKind::kClaim        ? "claim"
                       : kind == ExtractorKind::kDispensing ? "dispensing"
                                                            : "hospital_stay";
    out.emplace_back(name, missing_tables(tables, wanted));
  }
  // The new sources, with every setting (act: dcir and pmsi; death: all sources).
  for (auto [kind, name] : {std::pair{ExtractorKind::kAld, "ald"}, {ExtractorKind::kAct, "act"},
                            {ExtractorKind::kLab, "lab"}, {ExtractorKind::kDeath, "death"}}) {
    WantedTables wanted;
    add_wanted(wanted, kind);
    std::vector<std::string> optional;
    for (const auto& t : care_source_tables(kind))
      if (t.optional) optional.push_back(t.table);
    out.emplace_back(name, missing_tables(tables, wanted, optional));
  }
  return out;
}

}  // namespace snds
