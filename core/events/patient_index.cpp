// The shard's patients (IR_BEN_R), ages and age bands.
#include <algorithm>
#include <numeric>
#include <unordered_map>

#include "core/events/column_access.hpp"
#include "core/events/events.hpp"
#include "core/events/persons.hpp"
#include "core/store/shard_reader.hpp"

namespace snds {
using events_detail::Strings;
using events_detail::typed_column;
using events_detail::typed_strings;

std::pair<uint32_t, uint32_t> PatientIndex::patients_of(std::string_view nir) const {
  auto it = std::lower_bound(nirs.begin(), nirs.end(), nir);
  if (it == nirs.end() || *it != nir) return {0u, 0u};
  return nir_patients[static_cast<size_t>(it - nirs.begin())];
}

std::vector<std::pair<uint32_t, uint32_t>> PatientIndex::patients_of_sorted(
    const std::vector<std::string_view>& sorted) const {
  const std::vector<int32_t> at = events_detail::translate_ids(sorted, nirs);
  std::vector<std::pair<uint32_t, uint32_t>> out(sorted.size(), {0u, 0u});
  for (size_t i = 0; i < at.size(); ++i)
    if (at[i] >= 0) out[i] = nir_patients[static_cast<size_t>(at[i])];
  return out;
}

int64_t PatientIndex::find(std::string_view nir, int64_t rank) const {
  const auto [first, count] = patients_of(nir);
  for (uint32_t i = first; i < first + count; ++i)
    if (patients[i].rank == rank) return i;
  return -1;
}

namespace {

// Groups the patients by their stored person (numbered here in the order of each person's first
// patient) and resolves each person's attributes; leaves the person level empty when every
// person has one pseudo-NIR.
void build_persons(PatientIndex& index, const std::vector<int64_t>& stored) {
  const size_t n = index.patients.size();
  std::unordered_map<int64_t, uint32_t> local;
  std::vector<uint32_t> person_of(n);
  std::vector<std::vector<uint32_t>> members;
  for (size_t i = 0; i < n; ++i) {
    auto [it, fresh] = local.emplace(stored[i], static_cast<uint32_t>(members.size()));
    if (fresh) members.emplace_back();
    person_of[i] = it->second;
    members[it->second].push_back(static_cast<uint32_t>(i));
  }
  if (members.size() == n) return;  // every pseudo-NIR its own person: the patient level is it
  index.person_of = std::move(person_of);
  index.persons.reserve(members.size());
  std::vector<std::string_view> strings;
  std::vector<int64_t> ints;
  for (const auto& m : members) {
    Patient p = index.patients[m.front()];
    p.pseudo_nirs = static_cast<uint32_t>(m.size());
    if (m.size() > 1) {
      auto distinct = [](auto values, const auto& missing) {
        std::sort(values.begin(), values.end());
        values.erase(std::unique(values.begin(), values.end()), values.end());
        return values.size() -
               static_cast<size_t>(std::count(values.begin(), values.end(), missing));
      };
      strings.clear();
      for (uint32_t i : m) strings.push_back(index.patients[i].sex);
      if (distinct(strings, std::string_view{}) > 1) ++index.sex_conflicts;
      p.sex = majority_value(strings, std::string_view{});
      strings.clear();
      for (uint32_t i : m) strings.push_back(index.patients[i].department);
      p.department = majority_value(strings, std::string_view{});
      ints.clear();
      for (uint32_t i : m) ints.push_back(index.patients[i].birth_year);
      if (distinct(ints, kMissingInt) > 1) ++index.birth_year_conflicts;
      p.birth_year = majority_value(ints, kMissingInt);
      ints.clear();
      for (uint32_t i : m) ints.push_back(index.patients[i].birth_month);
      p.birth_month = majority_value(ints, kMissingInt);
      for (uint32_t i : m) {
        const Date d = index.patients[i].death;
        if (d != kMissingDate && (p.death == kMissingDate || d < p.death)) p.death = d;
      }
    }
    index.persons.push_back(p);
  }
}

}  // namespace

PatientIndex person_view(const PatientIndex& index) {
  PatientIndex view;
  view.patients = index.persons;
  return view;
}

PatientIndex build_patient_index(const ShardData& shard) {
  PatientIndex index;
  const Batch* ben = shard.find("IR_BEN_R");
  if (!ben || ben->rows() == 0) return index;
  constexpr std::string_view kT = "IR_BEN_R";
  const Strings nir = typed_strings(*ben, kT, "BEN_NIR_PSA");
  std::vector<int64_t> rank_s, born_s;  // narrow columns, widened
  const int64_t* rank =
      int_values(typed_column(*ben, kT, "BEN_RNG_GEM", ColumnType::kInt64), rank_s);
  const Strings sex = typed_strings(*ben, kT, "BEN_SEX_COD");
  const int64_t* born =
      int_values(typed_column(*ben, kT, "BEN_NAI_ANN", ColumnType::kInt64), born_s);
  const Strings dpt = typed_strings(*ben, kT, "BEN_RES_DPT");
  const auto& death = typed_column(*ben, kT, "BEN_DCD_DTE", ColumnType::kDate).dates;
  // Read only when a job asked for it (the cohort's incidence by age band).
  std::vector<int64_t> month_s;
  const int64_t* month =
      ben->find("BEN_NAI_MOI") >= 0
          ? int_values(typed_column(*ben, kT, "BEN_NAI_MOI", ColumnType::kInt64), month_s)
          : nullptr;

  // The stored person of each row, when the ingest linked pseudo-NIRs into persons.
  std::vector<int64_t> person_s, stored_person;
  const int64_t* person =
      ben->find(kPersonColumn) >= 0
          ? int_values(typed_column(*ben, kT, kPersonColumn, ColumnType::kInt64), person_s)
          : nullptr;

  // Stored order is already (nir, rank); sorting again costs little and makes hand-made shards
  // and a duplicated IR_BEN_R row harmless (the first row of a patient wins: stable sort).
  std::vector<uint32_t> order(ben->rows());
  std::iota(order.begin(), order.end(), 0u);
  auto less = [&](uint32_t a, uint32_t b) {
    const auto na = nir.at(a), nb = nir.at(b);
    if (na != nb) return na < nb;
    return rank[a] < rank[b];
  };
  if (!std::is_sorted(order.begin(), order.end(), less))
    std::stable_sort(order.begin(), order.end(), less);

  index.patients.reserve(order.size());
  index.nirs.reserve(order.size());
  index.nir_patients.reserve(order.size());
  for (const uint32_t r : order) {
    const std::string_view n = nir.at(r);
    if (n.empty()) continue;  // a patient without a key cannot be joined to anything
    if (!index.patients.empty() && index.patients.back().nir == n &&
        index.patients.back().rank == rank[r])
      continue;
    Patient p;
    p.nir = n;
    p.rank = rank[r];
    p.sex = sex.at(r);
    p.birth_year = born[r] == 1600 ? kMissingInt : born[r];
    if (month && month[r] >= 1 && month[r] <= 12) p.birth_month = month[r];
    p.department = dpt.at(r);
    p.death = death[r] == kSndsMissingSentinel ? kMissingDate : death[r];
    const auto id = static_cast<uint32_t>(index.patients.size());
    index.patients.push_back(p);
    if (index.nirs.empty() || index.nirs.back() != n) {
      index.nirs.push_back(n);
      index.nir_patients.emplace_back(id, 0u);
    }
    ++index.nir_patients.back().second;
    if (person) stored_person.push_back(person[r]);
  }
  if (person) build_persons(index, stored_person);
  return index;
}

int64_t age_in_year(const Patient& p, int year) {
  if (p.birth_year == kMissingInt) return kMissingInt;
  return static_cast<int64_t>(year) - p.birth_year;
}

std::string_view age_band(int64_t age) {
  static constexpr std::string_view kBands[] = {"0-9",   "10-19", "20-29", "30-39", "40-49",
                                                "50-59", "60-69", "70-79", "80-89", "90+"};
  if (age == kMissingInt || age < 0) return "unknown";
  return kBands[std::min<int64_t>(age / 10, 9)];
}

std::vector<TableColumns> columns_needed(ExtractorKind kind) {
  std::vector<TableColumns> out;
  out.push_back(
      {TableKind::kIrBenR,
       {"BEN_NIR_PSA", "BEN_RNG_GEM", "BEN_SEX_COD", "BEN_NAI_ANN", "BEN_RES_DPT", "BEN_DCD_DTE",
        std::string(1, kOptionalColumnMark) + std::string(kPersonColumn)}});
  switch (kind) {
    case ExtractorKind::kDispensing:
      out.push_back(
          {TableKind::kErPhaF,
           {"BEN_NIR_PSA", "BEN_RNG_GEM", "EXE_SOI_DTD", "DPN_QLF", "PHA_PRS_C13", "PHA_ACT_QSN"}});
      break;
    case ExtractorKind::kHospitalStay:
      out.push_back(
          {TableKind::kMcoB, {"ETA_NUM", "RSA_NUM", "DGN_PAL", "DGN_REL", "GRG_GHM", "SEJ_NBJ"}});
      out.push_back({TableKind::kMcoC,
                     {"ETA_NUM", "RSA_NUM", "NIR_ANO_17", "EXE_SOI_DTD", "NIR_RET", "NAI_RET",
                      "SEX_RET", "SEJ_RET", "FHO_RET", "PMS_RET", "DAT_RET"}});
      out.push_back({TableKind::kMcoD, {"ETA_NUM", "RSA_NUM", "ASS_DGN"}});
      break;
    case ExtractorKind::kClaim:
      out.push_back({TableKind::kErPrsF,
                     {"BEN_NIR_PSA", "BEN_RNG_GEM", "EXE_SOI_DTD", "DPN_QLF", "PRS_NAT_REF",
                      "PRS_ACT_QTE", "PRS_PAI_MNT"}});
      break;
    case ExtractorKind::kAld:
    case ExtractorKind::kAct:
    case ExtractorKind::kLab:
    case ExtractorKind::kDeath:
      break;  // care_source_tables (core/events/care_sources.hpp)
  }
  return out;
}

}  // namespace snds
