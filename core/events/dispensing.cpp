// Pharmacy lines and dispensing events (contract section 3) and the CIP13 -> ATC referential.
#include <algorithm>
#include <numeric>

#include "core/events/column_access.hpp"
#include "core/events/events.hpp"

namespace snds {
using events_detail::or_zero;
using events_detail::typed_column;

DrugReferential::DrugReferential(const Batch& ir_pha_r) {
  auto rows = std::make_shared<const Batch>(ir_pha_r);
  auto map = std::make_shared<std::unordered_map<std::string_view, std::string_view>>();
  if (rows->rows() > 0) {
    const auto& cip = typed_column(*rows, "IR_PHA_R", "PHA_CIP_C13", ColumnType::kString).strings;
    const auto& atc = typed_column(*rows, "IR_PHA_R", "PHA_ATC_C07", ColumnType::kString).strings;
    map->reserve(rows->rows());
    for (size_t i = 0; i < rows->rows(); ++i) {
      if (cip.at(i).empty()) continue;
      map->try_emplace(cip.at(i), atc.at(i));  // the first row of a CIP13 wins
    }
  }
  rows_ = std::move(rows);
  atc_ = std::move(map);
}

std::string_view DrugReferential::atc_of(std::string_view cip13) const {
  if (!atc_) return kUnknownAtc;
  auto it = atc_->find(cip13);
  if (it == atc_->end() || it->second.empty()) return kUnknownAtc;
  return it->second;
}

std::vector<DispensingLine> extract_dispensing_lines(const ShardData& shard,
                                                     const PatientIndex& patients,
                                                     const DrugReferential& referential) {
  std::vector<DispensingLine> out;
  const Batch* pha = shard.find("ER_PHA_F");
  if (!pha || pha->rows() == 0 || patients.patients.empty()) return out;
  constexpr std::string_view kT = "ER_PHA_F";
  const auto& nir = typed_column(*pha, kT, "BEN_NIR_PSA", ColumnType::kString).strings;
  const auto& rank = typed_column(*pha, kT, "BEN_RNG_GEM", ColumnType::kInt64).ints;
  const auto& date = typed_column(*pha, kT, "EXE_SOI_DTD", ColumnType::kDate).dates;
  const auto& dpn = typed_column(*pha, kT, "DPN_QLF", ColumnType::kInt64).ints;
  const auto& cip = typed_column(*pha, kT, "PHA_PRS_C13", ColumnType::kString).strings;
  const auto& qsn = typed_column(*pha, kT, "PHA_ACT_QSN", ColumnType::kDecimal).ints;

  events_detail::PatientLookup lookup(patients);
  out.reserve(pha->rows());
  // Memoises the referential for runs of the same CIP13 (a patient's repeat prescriptions).
  std::string_view last_cip, last_atc = kUnknownAtc;
  bool have_last = false;
  for (size_t r = 0; r < pha->rows(); ++r) {
    if (dpn[r] == events_detail::kInfoOnlyDpnQlf) continue;
    const int64_t p = lookup.find(nir.at(r), rank[r]);
    if (p < 0) continue;
    const std::string_view c = cip.at(r);
    if (!have_last || c != last_cip) {
      last_cip = c;
      last_atc = referential.atc_of(c);
      have_last = true;
    }
    out.push_back(DispensingLine{static_cast<uint32_t>(p), date[r], c, last_atc, or_zero(qsn[r])});
  }
  // Stored rows are sorted by patient then date (then input order); the CIP13 tie-break makes
  // lines of one (patient, date, CIP13) adjacent for netting and never depends on how rows were
  // laid out. Sorting each (patient, date) run is linear when the store order holds already.
  auto by_patient_date = [](const DispensingLine& a, const DispensingLine& b) {
    if (a.patient != b.patient) return a.patient < b.patient;
    return a.date < b.date;
  };
  auto by_cip = [](const DispensingLine& a, const DispensingLine& b) { return a.cip13 < b.cip13; };
  if (!std::is_sorted(out.begin(), out.end(), by_patient_date))
    std::stable_sort(out.begin(), out.end(), by_patient_date);
  for (auto run = out.begin(); run != out.end();) {
    auto end = run + 1;
    while (end != out.end() && end->patient == run->patient && end->date == run->date) ++end;
    if (end - run > 1 && !std::is_sorted(run, end, by_cip)) std::stable_sort(run, end, by_cip);
    run = end;
  }
  return out;
}

std::vector<DispensingEvent> dispensing_events(const std::vector<DispensingLine>& lines) {
  std::vector<DispensingEvent> out;
  size_t i = 0;
  while (i < lines.size()) {
    const DispensingLine& first = lines[i];
    int64_t net = 0;
    size_t j = i;
    for (; j < lines.size() && lines[j].patient == first.patient && lines[j].date == first.date &&
           lines[j].cip13 == first.cip13;
         ++j)
      net += lines[j].boxes;
    if (net > 0)
      out.push_back(DispensingEvent{first.patient, first.date, first.cip13, first.atc, net});
    i = j;
  }
  return out;
}

}  // namespace snds
