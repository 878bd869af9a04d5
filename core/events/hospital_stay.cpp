// Valid hospital stays (contract section 3): a stay is (year, ETA_NUM, RSA_NUM) across T_MCOyyB,
// C and D of one year. C carries the patient link and the return codes, B the diagnoses, the GHM
// and the length, D the associated diagnoses. A stay needs its C row and its B row (a stay
// without B has no GHM to check and no DP); a key listed twice in C or B keeps its first row.
#include <algorithm>

#include <boost/unordered/unordered_flat_map.hpp>
#include <boost/unordered/unordered_flat_set.hpp>

#include "core/catalog.hpp"
#include "core/events/column_access.hpp"
#include "core/events/events.hpp"
#include "core/hash.hpp"

namespace snds {
using events_detail::or_zero;
using events_detail::Strings;
using events_detail::typed_column;
using events_detail::typed_strings;

namespace {

using StayKey = std::pair<std::string_view, std::string_view>;  // ETA_NUM, RSA_NUM

struct StayKeyHash {
  size_t operator()(const StayKey& k) const noexcept {
    return hash_combine(hash_bytes(k.first), hash_bytes(k.second));
  }
};

void extract_year(const ShardData& shard, const std::string& c_name, int year,
                  const PatientIndex& patients, std::vector<StayEvent>& out) {
  const Batch& c = shard.tables.at(c_name);
  if (c.rows() == 0) return;
  const std::string b_name = table_instance_name(TableKind::kMcoB, year);
  const std::string d_name = table_instance_name(TableKind::kMcoD, year);
  const Batch* b = shard.find(b_name);
  if (!b || b->rows() == 0) return;  // no B row: no stay of this year is complete
  const Batch* d = shard.find(d_name);

  const Strings b_eta = typed_strings(*b, b_name, "ETA_NUM");
  const Strings b_rsa = typed_strings(*b, b_name, "RSA_NUM");
  const Strings dp = typed_strings(*b, b_name, "DGN_PAL");
  const Strings dr = typed_strings(*b, b_name, "DGN_REL");
  const Strings ghm = typed_strings(*b, b_name, "GRG_GHM");
  const auto& nbj = typed_column(*b, b_name, "SEJ_NBJ", ColumnType::kInt64).ints;
  boost::unordered_flat_map<StayKey, uint32_t, StayKeyHash> b_row;
  b_row.reserve(b->rows());
  for (size_t r = 0; r < b->rows(); ++r)
    b_row.try_emplace(StayKey{b_eta.at(r), b_rsa.at(r)}, static_cast<uint32_t>(r));

  // D rows of a stay, in stored order: (first index into d_rows, count) per key.
  boost::unordered_flat_map<StayKey, std::vector<std::string_view>, StayKeyHash> das_of;
  if (d && d->rows() > 0) {
    const Strings d_eta = typed_strings(*d, d_name, "ETA_NUM");
    const Strings d_rsa = typed_strings(*d, d_name, "RSA_NUM");
    const Strings das = typed_strings(*d, d_name, "ASS_DGN");
    for (size_t r = 0; r < d->rows(); ++r) {
      if (das.at(r).empty()) continue;
      das_of[StayKey{d_eta.at(r), d_rsa.at(r)}].push_back(das.at(r));
    }
  }

  const Strings eta = typed_strings(c, c_name, "ETA_NUM");
  const Strings rsa = typed_strings(c, c_name, "RSA_NUM");
  const Strings nir = typed_strings(c, c_name, "NIR_ANO_17");
  const auto& date = typed_column(c, c_name, "EXE_SOI_DTD", ColumnType::kDate).dates;
  std::vector<Strings> ret;
  for (const std::string_view code : kMcoReturnCodes) ret.push_back(typed_strings(c, c_name, code));

  boost::unordered_flat_set<StayKey, StayKeyHash> seen;
  seen.reserve(c.rows());
  for (size_t r = 0; r < c.rows(); ++r) {
    const StayKey key{eta.at(r), rsa.at(r)};
    if (!seen.insert(key).second) continue;  // the first C row of a stay decides
    bool valid = true;
    for (const Strings& col : ret) valid = valid && col.at(r) == "0";
    if (!valid) continue;
    auto bi = b_row.find(key);
    if (bi == b_row.end()) continue;
    const uint32_t br = bi->second;
    if (ghm.at(br).starts_with("90")) continue;
    auto pi = patients.by_nir.find(nir.at(r));
    if (pi == patients.by_nir.end()) continue;
    auto di = das_of.find(key);
    const auto [first, count] = pi->second;
    for (uint32_t p = first; p < first + count; ++p) {
      StayEvent e;
      e.patient = p;
      e.date = date[r];
      e.year = year;
      e.dp = dp.at(br);
      e.dr = dr.at(br);
      if (di != das_of.end()) e.das = di->second;
      e.days = or_zero(nbj[br]);
      e.eta_num = key.first;
      e.rsa_num = key.second;
      out.push_back(std::move(e));
    }
  }
}

}  // namespace

std::vector<StayEvent> extract_stays(const ShardData& shard, const PatientIndex& patients) {
  std::vector<StayEvent> out;
  if (patients.patients.empty()) return out;
  for (const auto& [name, batch] : shard.tables) {
    const auto t = parse_table_name(name);
    if (!t || t->kind != TableKind::kMcoC) continue;
    extract_year(shard, name, t->year, patients, out);
  }
  std::sort(out.begin(), out.end(), [](const StayEvent& a, const StayEvent& b) {
    if (a.patient != b.patient) return a.patient < b.patient;
    if (a.date != b.date) return a.date < b.date;
    if (a.year != b.year) return a.year < b.year;
    if (a.eta_num != b.eta_num) return a.eta_num < b.eta_num;
    return a.rsa_num < b.rsa_num;
  });
  return out;
}

}  // namespace snds
