// Lab tests (ER_BIO_F, joined at ingest to their ER_PRS_F line, whose patient, EXE_SOI_DTD and
// DPN_QLF the rows carry): netted like dispensings on BIO_ACT_QSN per (patient, date,
// BIO_PRS_IDE), so a regularisation cancels its test; information-only lines (DPN_QLF 71) are
// never tests, nor lines ER_ETE_F marks as public hospital activity (dcir_rules.hpp). A missing
// quantity counts as 0.
#include <algorithm>

#include "core/events/care_sources.hpp"
#include "core/events/column_access.hpp"
#include "core/events/dcir_rules.hpp"
#include "core/events/loose_column.hpp"

namespace snds {
using events_detail::LooseColumn;

std::vector<LabEvent> extract_labs(const ShardData& shard, const PatientIndex& patients) {
  std::vector<LabEvent> out;
  const Batch* bio = shard.find("ER_BIO_F");
  if (!bio || bio->rows() == 0 || patients.patients.empty()) return out;
  const LooseColumn nir(*bio, "BEN_NIR_PSA"), rank(*bio, "BEN_RNG_GEM");
  const LooseColumn date(*bio, "EXE_SOI_DTD"), dpn(*bio, "DPN_QLF");
  const LooseColumn code(*bio, "BIO_PRS_IDE"), qsn(*bio, "BIO_ACT_QSN");
  const std::vector<uint8_t> public_hospital = public_hospital_rows(shard, *bio, "ER_BIO_F");
  events_detail::PatientLookup lookup(patients);
  std::vector<LabEvent> lines;
  lines.reserve(bio->rows());
  for (size_t r = 0; r < bio->rows(); ++r) {
    if (dpn.integer(r) == events_detail::kInfoOnlyDpnQlf) continue;
    if (!public_hospital.empty() && public_hospital[r] != 0) continue;
    const int64_t p = lookup.find(nir.string(r), rank.integer(r));
    if (p < 0) continue;
    const int64_t nabm = code.integer(r);
    if (nabm == kMissingInt) continue;  // no test to name
    lines.push_back(
        {static_cast<uint32_t>(p), date.date(r), nabm, events_detail::or_zero(qsn.integer(r))});
  }
  std::stable_sort(lines.begin(), lines.end(), [](const LabEvent& a, const LabEvent& b) {
    if (a.patient != b.patient) return a.patient < b.patient;
    if (a.date != b.date) return a.date < b.date;
    return a.nabm < b.nabm;
  });
  for (size_t i = 0; i < lines.size();) {
    size_t j = i;
    int64_t net = 0;
    for (; j < lines.size() && lines[j].patient == lines[i].patient &&
           lines[j].date == lines[i].date && lines[j].nabm == lines[i].nabm;
         ++j)
      net += lines[j].quantity;
    if (net > 0) out.push_back({lines[i].patient, lines[i].date, lines[i].nabm, net});
    i = j;
  }
  return out;
}

}  // namespace snds
