// Medical acts (CCAM) from two settings. DCIR: ER_CAM_F rows (joined at ingest to their ER_PRS_F
// line, whose patient, EXE_SOI_DTD, DPN_QLF and PRS_ACT_QTE they carry), netted like
// dispensings per (patient, date, CAM_PRS_IDE): a regularisation (PRS_ACT_QTE -1) cancels its act;
// without PRS_ACT_QTE every line counts 1; lines ER_ETE_F marks as public hospital activity are
// left out (dcir_rules.hpp: the PMSI has them). PMSI: T_MCOyyA rows of valid stays (the
// hospital_stay rules), dated admission + ENT_DAT_DEL, reaching every patient the stay reaches
// (twins share NIR_ANO_17, as for stays).
#include <algorithm>
#include <map>
#include <tuple>

#include <boost/unordered/unordered_flat_map.hpp>

#include "core/events/care_sources.hpp"
#include "core/events/column_access.hpp"
#include "core/events/dcir_rules.hpp"
#include "core/events/loose_column.hpp"

namespace snds {
using events_detail::LooseColumn;

namespace {

struct ActLine {
  uint32_t patient;
  Date date;
  std::string_view ccam;
  int64_t quantity;
};

void dcir_acts(const ShardData& shard, const PatientIndex& patients, std::vector<ActEvent>& out) {
  const Batch* cam = shard.find("ER_CAM_F");
  if (!cam || cam->rows() == 0) return;
  const LooseColumn nir(*cam, "BEN_NIR_PSA"), rank(*cam, "BEN_RNG_GEM");
  const LooseColumn date(*cam, "EXE_SOI_DTD"), dpn(*cam, "DPN_QLF");
  const LooseColumn code(*cam, "CAM_PRS_IDE"), qte(*cam, "PRS_ACT_QTE");
  const std::vector<uint8_t> public_hospital = public_hospital_rows(shard, *cam, "ER_CAM_F");
  events_detail::PatientLookup lookup(patients);
  std::vector<ActLine> lines;
  lines.reserve(cam->rows());
  for (size_t r = 0; r < cam->rows(); ++r) {
    if (dpn.integer(r) == events_detail::kInfoOnlyDpnQlf) continue;
    if (!public_hospital.empty() && public_hospital[r] != 0) continue;
    const std::string_view ccam = code.string(r);
    if (ccam.empty()) continue;
    const int64_t p = lookup.find(nir.string(r), rank.integer(r));
    if (p < 0) continue;
    const int64_t q = qte.present() ? events_detail::or_zero(qte.integer(r)) : 1;
    lines.push_back({static_cast<uint32_t>(p), date.date(r), ccam, q});
  }
  std::stable_sort(lines.begin(), lines.end(), [](const ActLine& a, const ActLine& b) {
    return std::tie(a.patient, a.date, a.ccam) < std::tie(b.patient, b.date, b.ccam);
  });
  for (size_t i = 0; i < lines.size();) {
    size_t j = i;
    int64_t net = 0;
    for (; j < lines.size() && lines[j].patient == lines[i].patient &&
           lines[j].date == lines[i].date && lines[j].ccam == lines[i].ccam;
         ++j)
      net += lines[j].quantity;
    if (net > 0) out.push_back({lines[i].patient, lines[i].date, lines[i].ccam, kActDcir});
    i = j;
  }
}

// "T_MCO19A" -> 2019; 0 for another name.
int act_table_year(std::string_view name) {
  if (name.size() != 8 || !name.starts_with("T_MCO") || name[7] != 'A') return 0;
  if (name[5] < '0' || name[5] > '9' || name[6] < '0' || name[6] > '9') return 0;
  return 2000 + (name[5] - '0') * 10 + (name[6] - '0');
}

void pmsi_acts(const ShardData& shard, const PatientIndex& patients, int threads,
               std::vector<ActEvent>& out) {
  std::vector<std::pair<const Batch*, int>> tables;
  for (const auto& [name, batch] : shard.tables)
    if (const int year = act_table_year(name); year > 0 && batch.rows() > 0)
      tables.emplace_back(&batch, year);
  if (tables.empty()) return;
  const std::vector<StayEvent> stays = extract_stays(shard, patients, threads);
  // (year, ETA_NUM, RSA_NUM) -> the stay's events (one per patient it reaches).
  std::map<std::tuple<int, std::string_view, std::string_view>, std::vector<uint32_t>> stay_of;
  for (uint32_t i = 0; i < stays.size(); ++i)
    stay_of[{stays[i].year, stays[i].eta_num, stays[i].rsa_num}].push_back(i);
  for (const auto& [a, year] : tables) {
    const LooseColumn eta(*a, "ETA_NUM"), rsa(*a, "RSA_NUM"), code(*a, "CDC_ACT"),
        delay(*a, "ENT_DAT_DEL");
    for (size_t r = 0; r < a->rows(); ++r) {
      const std::string_view ccam = code.string(r);
      if (ccam.empty()) continue;
      auto it = stay_of.find({year, eta.string(r), rsa.string(r)});
      if (it == stay_of.end()) continue;
      const int64_t days = events_detail::or_zero(delay.integer(r));
      for (const uint32_t s : it->second) {
        const StayEvent& stay = stays[s];
        const Date d =
            stay.date == kMissingDate ? kMissingDate : static_cast<Date>(stay.date + days);
        out.push_back({stay.patient, d, ccam, kActPmsi});
      }
    }
  }
}

}  // namespace

std::vector<ActEvent> extract_acts(const ShardData& shard, const PatientIndex& patients,
                                   uint8_t settings, int threads) {
  std::vector<ActEvent> out;
  if (patients.patients.empty()) return out;
  if (settings & kActDcir) dcir_acts(shard, patients, out);
  if (settings & kActPmsi) pmsi_acts(shard, patients, threads, out);
  std::stable_sort(out.begin(), out.end(), [](const ActEvent& a, const ActEvent& b) {
    return std::tie(a.patient, a.date, a.setting, a.ccam) <
           std::tie(b.patient, b.date, b.setting, b.ccam);
  });
  return out;
}

}  // namespace snds
