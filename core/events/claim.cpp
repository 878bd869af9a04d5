// Claim lines: ER_PRS_F rows of known patients, information-only lines (DPN_QLF = 71) left out.
#include <algorithm>

#include "core/events/column_access.hpp"
#include "core/events/events.hpp"

namespace snds {
using events_detail::or_zero;
using events_detail::Strings;
using events_detail::typed_column;
using events_detail::typed_strings;

std::vector<ClaimLine> extract_claims(const ShardData& shard, const PatientIndex& patients) {
  std::vector<ClaimLine> out;
  const Batch* prs = shard.find("ER_PRS_F");
  if (!prs || prs->rows() == 0 || patients.patients.empty()) return out;
  constexpr std::string_view kT = "ER_PRS_F";
  const Strings nir = typed_strings(*prs, kT, "BEN_NIR_PSA");
  std::vector<int64_t> rank_s, dpn_s, nature_s, qte_s, amount_s;  // narrow columns, widened
  const int64_t* rank =
      int_values(typed_column(*prs, kT, "BEN_RNG_GEM", ColumnType::kInt64), rank_s);
  const auto& date = typed_column(*prs, kT, "EXE_SOI_DTD", ColumnType::kDate).dates;
  const int64_t* dpn = int_values(typed_column(*prs, kT, "DPN_QLF", ColumnType::kInt64), dpn_s);
  const int64_t* nature =
      int_values(typed_column(*prs, kT, "PRS_NAT_REF", ColumnType::kInt64), nature_s);
  const int64_t* qte =
      int_values(typed_column(*prs, kT, "PRS_ACT_QTE", ColumnType::kDecimal), qte_s);
  const int64_t* amount =
      int_values(typed_column(*prs, kT, "PRS_PAI_MNT", ColumnType::kDecimal), amount_s);

  // FLX_DIS_DTD only when the caller read it (an aggregate with a processing cut-off or month).
  const Date* flux = prs->find("FLX_DIS_DTD") >= 0
                         ? typed_column(*prs, kT, "FLX_DIS_DTD", ColumnType::kDate).dates.data()
                         : nullptr;
  events_detail::PatientLookup lookup(patients);
  out.reserve(prs->rows());
  for (size_t r = 0; r < prs->rows(); ++r) {
    if (dpn[r] == events_detail::kInfoOnlyDpnQlf) continue;
    const int64_t p = lookup.find(nir.at(r), rank[r]);
    if (p < 0) continue;
    out.push_back(ClaimLine{static_cast<uint32_t>(p), date[r], nature[r], or_zero(qte[r]),
                            or_zero(amount[r]), flux ? flux[r] : kMissingDate});
  }
  auto less = [](const ClaimLine& a, const ClaimLine& b) {
    if (a.patient != b.patient) return a.patient < b.patient;
    return a.date < b.date;
  };
  if (!std::is_sorted(out.begin(), out.end(), less)) std::stable_sort(out.begin(), out.end(), less);
  return out;
}

}  // namespace snds
