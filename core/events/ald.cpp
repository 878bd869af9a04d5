// ALD periods (IR_IMB_R): one per row of a known patient with a start date, exonerations for work
// accidents, occupational diseases and disability (IMB_ETM_NAT 11, 12, 13) left out: they are not
// long-term diseases. An empty or 1600-01-01 end is a period still open.
#include <algorithm>

#include "core/events/care_sources.hpp"
#include "core/events/column_access.hpp"
#include "core/events/loose_column.hpp"

namespace snds {
using events_detail::LooseColumn;

std::vector<AldPeriod> extract_ald_periods(const ShardData& shard, const PatientIndex& patients) {
  std::vector<AldPeriod> out;
  const Batch* imb = shard.find("IR_IMB_R");
  if (!imb || imb->rows() == 0 || patients.patients.empty()) return out;
  const LooseColumn nir(*imb, "BEN_NIR_PSA"), rank(*imb, "BEN_RNG_GEM");
  const LooseColumn start(*imb, "IMB_ALD_DTD"), end(*imb, "IMB_ALD_DTF");
  const LooseColumn num(*imb, "IMB_ALD_NUM"), nature(*imb, "IMB_ETM_NAT");
  const LooseColumn code(*imb, "MED_MTF_COD"), nomenclature(*imb, "MED_NCL_IDT");
  events_detail::PatientLookup lookup(patients);
  for (size_t r = 0; r < imb->rows(); ++r) {
    const int64_t etm = nature.integer(r);
    if (etm == 11 || etm == 12 || etm == 13) continue;
    const Date from = start.date(r);
    if (from == kMissingDate) continue;
    const int64_t p = lookup.find(nir.string(r), rank.integer(r));
    if (p < 0) continue;
    const Date to = end.date(r);
    AldPeriod period{
        static_cast<uint32_t>(p), from, to == kMissingDate ? kOpenEnd : to, num.integer(r), {}};
    if (nomenclature.string(r) == "CIM10") period.icd10 = code.string(r);
    out.push_back(period);
  }
  std::stable_sort(out.begin(), out.end(), [](const AldPeriod& a, const AldPeriod& b) {
    if (a.patient != b.patient) return a.patient < b.patient;
    if (a.date != b.date) return a.date < b.date;
    if (a.end != b.end) return a.end < b.end;
    if (a.ald != b.ald) return a.ald < b.ald;
    return a.icd10 < b.icd10;
  });
  return out;
}

}  // namespace snds
