// Valid hospital stays (reference section 3): a stay is (year, ETA_NUM, RSA_NUM) across T_MCOyyB,
// C and D of one year. C carries the patient link and the return codes, B the diagnoses, the GHM
// and the length, D the associated diagnoses. A stay needs its C row and its B row (a stay
// without B has no GHM to check and no DP); a key listed twice in C or B keeps its first row.
#include <algorithm>
#include <exception>
#include <iterator>

#include <boost/unordered/unordered_flat_map.hpp>
#include <boost/unordered/unordered_flat_set.hpp>

#include "core/catalog.hpp"
#include "core/events/column_access.hpp"
#include "core/events/events.hpp"
#include "core/events/persons.hpp"

namespace snds {
using events_detail::or_zero;
using events_detail::Strings;
using events_detail::typed_column;
using events_detail::typed_strings;

namespace {

using events_detail::ordered_ids;
using events_detail::OrderedIds;
using events_detail::translate_ids;

// A stay's key within a year: its ETA_NUM and RSA_NUM as ids of the C table's dictionaries. Keys
// of B and D rows are translated into those ids once per dictionary entry, so the joins hash
// integers, not strings.
uint64_t stay_key(int32_t eta, int32_t rsa) {
  return (uint64_t{static_cast<uint32_t>(eta)} << 32) | static_cast<uint32_t>(rsa);
}

OrderedIds string_ids(const Batch& batch, const std::string& table, std::string_view column) {
  return ordered_ids(typed_column(batch, table, column, ColumnType::kString));
}

void extract_year(const ShardData& shard, const std::string& c_name, int year,
                  const PatientIndex& patients, const StayCodeFilter* only,
                  std::vector<StayEvent>& out) {
  const Batch& c = shard.tables.at(c_name);
  if (c.rows() == 0) return;
  const std::string b_name = table_instance_name(TableKind::kMcoB, year);
  const std::string d_name = table_instance_name(TableKind::kMcoD, year);
  const Batch* b = shard.find(b_name);
  if (!b || b->rows() == 0) return;  // no B row: no stay of this year is complete
  const Batch* d = shard.find(d_name);

  const OrderedIds eta = string_ids(c, c_name, "ETA_NUM");
  const OrderedIds rsa = string_ids(c, c_name, "RSA_NUM");

  // B: the first row of each key.
  const OrderedIds b_eta = string_ids(*b, b_name, "ETA_NUM");
  const OrderedIds b_rsa = string_ids(*b, b_name, "RSA_NUM");
  const std::vector<int32_t> b_eta_in_c = translate_ids(b_eta.values, eta.values);
  const std::vector<int32_t> b_rsa_in_c = translate_ids(b_rsa.values, rsa.values);
  const Strings dp = typed_strings(*b, b_name, "DGN_PAL");
  const Strings dr = typed_strings(*b, b_name, "DGN_REL");
  const OrderedIds ghm = string_ids(*b, b_name, "GRG_GHM");
  std::vector<uint8_t> ghm_error(ghm.values.size());  // GHM 90: an error stay
  for (size_t v = 0; v < ghm.values.size(); ++v) ghm_error[v] = ghm.values[v].starts_with("90");
  std::vector<int64_t> nbj_s;
  const int64_t* nbj = int_values(typed_column(*b, b_name, "SEJ_NBJ", ColumnType::kInt64), nbj_s);
  boost::unordered_flat_map<uint64_t, uint32_t> b_row;
  b_row.reserve(b->rows());
  for (size_t r = 0; r < b->rows(); ++r) {
    const int32_t e = b_eta_in_c[static_cast<size_t>(b_eta.id[r])];
    const int32_t k = b_rsa_in_c[static_cast<size_t>(b_rsa.id[r])];
    if (e >= 0 && k >= 0) b_row.try_emplace(stay_key(e, k), static_cast<uint32_t>(r));
  }

  // D rows as (stay key, associated diagnosis), empty values left out, in stored order.
  std::vector<std::pair<uint64_t, std::string_view>> d_rows;
  if (d && d->rows() > 0) {
    const OrderedIds d_eta = string_ids(*d, d_name, "ETA_NUM");
    const OrderedIds d_rsa = string_ids(*d, d_name, "RSA_NUM");
    const std::vector<int32_t> d_eta_in_c = translate_ids(d_eta.values, eta.values);
    const std::vector<int32_t> d_rsa_in_c = translate_ids(d_rsa.values, rsa.values);
    const Strings das = typed_strings(*d, d_name, "ASS_DGN");
    d_rows.reserve(d->rows());
    for (size_t r = 0; r < d->rows(); ++r) {
      const int32_t e = d_eta_in_c[static_cast<size_t>(d_eta.id[r])];
      const int32_t k = d_rsa_in_c[static_cast<size_t>(d_rsa.id[r])];
      if (e < 0 || k < 0 || das.at(r).empty()) continue;
      d_rows.emplace_back(stay_key(e, k), das.at(r));
    }
  }
  // With a filter: the stays one of whose associated diagnoses it keeps.
  boost::unordered_flat_set<uint64_t> das_hit;
  if (only && !only->das.empty())
    for (const auto& [key, das] : d_rows)
      if (has_code_prefix(das, only->das)) das_hit.insert(key);

  // C: return codes are valid when every one is "0": the id of "0" in each code's dictionary.
  struct ReturnCode {
    OrderedIds ids;
    int32_t zero = -1;
  };
  std::vector<ReturnCode> ret;
  for (const std::string_view code : kMcoReturnCodes) {
    ReturnCode rc{string_ids(c, c_name, code), -1};
    auto z = std::lower_bound(rc.ids.values.begin(), rc.ids.values.end(), std::string_view("0"));
    if (z != rc.ids.values.end() && *z == "0")
      rc.zero = static_cast<int32_t>(z - rc.ids.values.begin());
    ret.push_back(std::move(rc));
  }
  const OrderedIds nir = string_ids(c, c_name, "NIR_ANO_17");
  // Every C row's patients at once (a merge of two sorted lists) when all stays are wanted; one
  // search per kept stay under a filter, which keeps few.
  const std::vector<std::pair<uint32_t, uint32_t>> patients_of =
      only ? std::vector<std::pair<uint32_t, uint32_t>>{} : patients.patients_of_sorted(nir.values);
  const auto& date = typed_column(c, c_name, "EXE_SOI_DTD", ColumnType::kDate).dates;

  boost::unordered_flat_set<uint64_t> seen;
  seen.reserve(c.rows());
  // The events of each stay kept, [first, first + count) in `out`, for its diagnoses from D.
  boost::unordered_flat_map<uint64_t, std::pair<uint32_t, uint32_t>> events_of;
  const size_t out_before = out.size();
  for (size_t r = 0; r < c.rows(); ++r) {
    const int32_t e = eta.id[r], k = rsa.id[r];
    const uint64_t key = stay_key(e, k);
    if (!seen.insert(key).second) continue;  // the first C row of a stay decides
    bool valid = true;
    for (const ReturnCode& rc : ret) valid = valid && rc.ids.id[r] == rc.zero;
    if (!valid) continue;
    auto bi = b_row.find(key);
    if (bi == b_row.end()) continue;
    const uint32_t br = bi->second;
    if (ghm_error[static_cast<size_t>(ghm.id[br])]) continue;
    if (only && !has_code_prefix(dp.at(br), only->dp) && !has_code_prefix(dr.at(br), only->dr) &&
        !das_hit.contains(key))
      continue;
    const auto nir_id = static_cast<size_t>(nir.id[r]);
    const auto [first, count] =
        only ? patients.patients_of(nir.values[nir_id]) : patients_of[nir_id];
    // A placeholder NIR_ANO_17 names nobody, whatever IR_BEN_R holds (persons.hpp).
    if (count == 0 || is_placeholder_nir(nir.values[nir_id])) continue;
    events_of.emplace(key, std::pair{static_cast<uint32_t>(out.size() - out_before), count});
    for (uint32_t p = first; p < first + count; ++p) {
      StayEvent ev;
      ev.patient = p;
      ev.date = date[r];
      ev.year = year;
      ev.dp = dp.at(br);
      ev.dr = dr.at(br);
      ev.days = or_zero(nbj[br]);
      ev.eta_num = eta.values[static_cast<size_t>(e)];
      ev.rsa_num = rsa.values[static_cast<size_t>(k)];
      out.push_back(std::move(ev));
    }
  }
  // Each kept stay's associated diagnoses, in D's stored order, on every event of the stay.
  for (const auto& [key, das] : d_rows) {
    auto it = events_of.find(key);
    if (it == events_of.end()) continue;
    const auto [first, count] = it->second;
    for (uint32_t i = 0; i < count; ++i) out[out_before + first + i].das.push_back(das);
  }
}

}  // namespace

// Stays by patient, date, then identity (year, ETA_NUM, RSA_NUM): a total order.
static bool stay_less(const StayEvent& a, const StayEvent& b) {
  if (a.patient != b.patient) return a.patient < b.patient;
  if (a.date != b.date) return a.date < b.date;
  if (a.year != b.year) return a.year < b.year;
  if (a.eta_num != b.eta_num) return a.eta_num < b.eta_num;
  return a.rsa_num < b.rsa_num;
}

std::vector<StayEvent> extract_stays(const ShardData& shard, const PatientIndex& patients,
                                     int threads, const StayCodeFilter* only) {
  std::vector<StayEvent> out;
  if (patients.patients.empty()) return out;
  std::vector<std::pair<std::string, int>> years;  // C tables, in name order
  for (const auto& [name, batch] : shard.tables) {
    const auto t = parse_table_name(name);
    if (t && t->kind == TableKind::kMcoC) years.emplace_back(name, t->year);
  }
  // Years are independent: one task each, joined in year order (the sort below fixes the
  // final order anyway).
  std::vector<std::vector<StayEvent>> parts(years.size());
  std::vector<std::exception_ptr> errors(years.size());
  const auto n = static_cast<int64_t>(years.size());
#pragma omp parallel for schedule(dynamic, 1) \
    num_threads(std::max(1, threads)) if (threads > 1 && n > 1)
  for (int64_t y = 0; y < n; ++y) {
    const auto i = static_cast<size_t>(y);
    try {
      extract_year(shard, years[i].first, years[i].second, patients, only, parts[i]);
    } catch (...) {
      errors[i] = std::current_exception();
    }
  }
  for (const auto& e : errors)
    if (e) std::rethrow_exception(e);
  size_t total = 0;
  for (const auto& part : parts) total += part.size();
  out.reserve(total);
  for (auto& part : parts) std::move(part.begin(), part.end(), std::back_inserter(out));
  std::sort(out.begin(), out.end(), stay_less);
  return out;
}

void to_persons(std::vector<StayEvent>& stays, const PatientIndex& index) {
  if (!index.has_persons()) return;
  for (auto& e : stays) e.patient = index.person_of[e.patient];
  std::sort(stays.begin(), stays.end(), stay_less);
  stays.erase(std::unique(stays.begin(), stays.end(),
                          [](const StayEvent& a, const StayEvent& b) {
                            return !stay_less(a, b) && !stay_less(b, a);
                          }),
              stays.end());
}

}  // namespace snds
