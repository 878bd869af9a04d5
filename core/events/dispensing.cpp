// Pharmacy lines and dispensing events (reference section 3) and the CIP13 -> ATC referential.
#include <algorithm>
#include <limits>
#include <numeric>

#include "core/events/column_access.hpp"
#include "core/events/dcir_rules.hpp"
#include "core/events/events.hpp"
#include "core/multiversion.hpp"

namespace snds {
namespace {

SNDS_MULTIVERSION std::pair<Date, Date> dates_within(const Date* d, size_t n, Date lo, Date hi) {
  constexpr Date kMax = std::numeric_limits<Date>::max(), kMin = std::numeric_limits<Date>::min();
  // A missing date is kMin: below any lo but kMin itself, which no caller passes.
  Date first = kMax, last = kMin;
  for (size_t i = 0; i < n; ++i) {
    const Date v = d[i];
    const Date in = -static_cast<Date>((v >= lo) & (v <= hi) & (v != kMissingDate));
    const Date low = (v & in) | (kMax & ~in), high = (v & in) | (kMin & ~in);
    first = first < low ? first : low;
    last = last > high ? last : high;
  }
  return {first, last};
}

}  // namespace

using events_detail::or_zero;
using events_detail::ordered_ids;
using events_detail::OrderedIds;
using events_detail::Strings;
using events_detail::typed_column;
using events_detail::typed_strings;

DrugReferential::DrugReferential(const Batch& ir_pha_r) {
  auto rows = std::make_shared<const Batch>(ir_pha_r);
  auto map = std::make_shared<std::unordered_map<std::string_view, std::string_view>>();
  auto large = std::make_shared<std::unordered_map<std::string_view, bool>>();
  if (rows->rows() > 0) {
    const Strings cip = typed_strings(*rows, "IR_PHA_R", "PHA_CIP_C13");
    const Strings atc = typed_strings(*rows, "IR_PHA_R", "PHA_ATC_C07");
    map->reserve(rows->rows());
    for (size_t i = 0; i < rows->rows(); ++i) {
      if (cip.at(i).empty()) continue;
      map->try_emplace(cip.at(i), atc.at(i));  // the first row of a CIP13 wins
    }
    // PHA_CND_TOP is optional in a delivery: without it every pack is a standard one.
    if (rows->find("PHA_CND_TOP") >= 0) {
      const Strings top = typed_strings(*rows, "IR_PHA_R", "PHA_CND_TOP");
      for (size_t i = 0; i < rows->rows(); ++i)
        if (!cip.at(i).empty()) large->try_emplace(cip.at(i), top.at(i) == "GC");
    }
    if (rows->find(kGenericGroupColumn) >= 0) {
      const Strings group = typed_strings(*rows, "IR_PHA_R", kGenericGroupColumn);
      auto groups = std::make_shared<std::unordered_map<std::string_view, std::string_view>>();
      for (size_t i = 0; i < rows->rows(); ++i)
        if (!cip.at(i).empty()) groups->try_emplace(cip.at(i), group.at(i));
      generic_ = std::move(groups);
    }
  }
  rows_ = std::move(rows);
  atc_ = std::move(map);
  large_ = std::move(large);
}

bool DrugReferential::large_pack(std::string_view cip13) const {
  if (!large_) return false;
  auto it = large_->find(cip13);
  return it != large_->end() && it->second;
}

std::string_view DrugReferential::generic_group_of(std::string_view cip13) const {
  if (!generic_) return {};
  auto it = generic_->find(cip13);
  return it == generic_->end() ? std::string_view{} : it->second;
}

std::string_view DrugReferential::atc_of(std::string_view cip13) const {
  if (!atc_) return kUnknownAtc;
  auto it = atc_->find(cip13);
  if (it == atc_->end() || it->second.empty()) return kUnknownAtc;
  return it->second;
}

DispensingSource::DispensingSource(const ShardData& shard, const PatientIndex& patients,
                                   const DrugReferential& referential)
    : patients_(&patients) {
  const Batch* pha = shard.find("ER_PHA_F");
  if (!pha || pha->rows() == 0 || patients.patients.empty()) return;
  constexpr std::string_view kT = "ER_PHA_F";
  rows_ = pha->rows();
  OrderedIds nir = ordered_ids(typed_column(*pha, kT, "BEN_NIR_PSA", ColumnType::kString));
  OrderedIds cip = ordered_ids(typed_column(*pha, kT, "PHA_PRS_C13", ColumnType::kString));
  nir_of_row_ = std::move(nir.owned);
  cip_of_row_ = std::move(cip.owned);
  nir_codes_ = nir.id;
  cip_codes_ = cip.id;
  const std::vector<std::string_view>& nirs = nir.values;
  cip13_ = std::move(cip.values);
  rank_ = &typed_column(*pha, kT, "BEN_RNG_GEM", ColumnType::kInt64);
  date_ = typed_column(*pha, kT, "EXE_SOI_DTD", ColumnType::kDate).dates.data();
  dpn_ = &typed_column(*pha, kT, "DPN_QLF", ColumnType::kInt64);
  qsn_ = &typed_column(*pha, kT, "PHA_ACT_QSN", ColumnType::kDecimal);

  atc_.resize(cip13_.size());
  generic_.resize(cip13_.size());
  for (size_t i = 0; i < cip13_.size(); ++i) {
    atc_[i] = referential.atc_of(cip13_[i]);
    generic_[i] = referential.generic_group_of(cip13_[i]);
  }
  patients_of_nir_ = patients.patients_of_sorted(nirs);
  // Lines of a public hospital (ER_ETE_F ETE_IND_TAA = 1, read when the job applies the rule).
  public_hospital_ = public_hospital_rows(shard, *pha, kT);

  // The optional columns the aggregate asks for (Open Medic's measures and dimensions).
  if (pha->find(kPharmacyPaidColumn) >= 0)
    paid_ = &typed_column(*pha, kT, kPharmacyPaidColumn, ColumnType::kDecimal);
  if (pha->find(kPharmacyBaseColumn) >= 0)
    base_ = &typed_column(*pha, kT, kPharmacyBaseColumn, ColumnType::kDecimal);
  if (pha->find("FLX_DIS_DTD") >= 0)
    flux_ = typed_column(*pha, kT, "FLX_DIS_DTD", ColumnType::kDate).dates.data();
  if (pha->find(kPharmacyPrescriberColumn) >= 0) {
    OrderedIds spe =
        ordered_ids(typed_column(*pha, kT, kPharmacyPrescriberColumn, ColumnType::kString));
    prescriber_of_row_ = std::move(spe.owned);
    prescriber_codes_ = spe.id;
    prescribers_ = std::move(spe.values);
  }
}

int64_t DispensingSource::patient_of(int32_t nir_code, int64_t rank) const {
  const auto [first, twins] = patients_of_nir_[static_cast<size_t>(nir_code)];
  for (uint32_t p = first; p < first + twins; ++p)
    if (patients_->patients[p].rank == rank) return p;
  return -1;
}

bool DispensingSource::lines_straddle_ranges(
    const std::vector<std::pair<uint32_t, uint32_t>>& spans) {
  bool seen = false;
  uint32_t last = 0;
  for (const auto& [first, end] : spans) {
    if (first > end) continue;  // a range without lines
    if (seen && first <= last) return true;
    seen = true;
    last = end;
  }
  return false;
}

std::vector<size_t> DispensingSource::ranges(size_t rows_per_range) const {
  std::vector<size_t> bounds{0};
  if (rows_ == 0) return bounds;
  size_t at = 0;
  while (at < rows_) {
    size_t end = std::min(rows_, at + std::max<size_t>(1, rows_per_range));
    while (end < rows_ && nir_codes_[end] == nir_codes_[end - 1] &&
           int_at(*rank_, end) == int_at(*rank_, end - 1))
      ++end;
    bounds.push_back(end);
    at = end;
  }
  return bounds;
}

namespace {

// Stored rows are sorted by patient then date (then input order); the CIP13 tie-break makes lines
// of one (patient, date, CIP13) adjacent for netting and never depends on how rows were laid
// out. The check is linear and almost always passes.
void sort_lines(std::vector<DispensingLine>& out, size_t first) {
  auto by_patient_date = [](const DispensingLine& a, const DispensingLine& b) {
    if (a.patient != b.patient) return a.patient < b.patient;
    return a.date < b.date;
  };
  auto by_cip = [](const DispensingLine& a, const DispensingLine& b) { return a.cip < b.cip; };
  const auto from = out.begin() + static_cast<std::ptrdiff_t>(first);
  if (!std::is_sorted(from, out.end(), by_patient_date))
    std::stable_sort(from, out.end(), by_patient_date);
  for (auto run = from; run != out.end();) {
    auto stop = run + 1;
    while (stop != out.end() && stop->patient == run->patient && stop->date == run->date) ++stop;
    if (stop - run > 1 && !std::is_sorted(run, stop, by_cip)) std::stable_sort(run, stop, by_cip);
    run = stop;
  }
}

}  // namespace

template <typename RowOf>
size_t DispensingSource::append_lines(size_t n, RowOf row_of, const int64_t* rank,
                                      const int64_t* dpn, const int64_t* qsn,
                                      std::vector<DispensingLine>& out,
                                      const std::vector<uint8_t>* keep_cip) const {
  // The patient of the previous row, reused while (BEN_NIR_PSA, BEN_RNG_GEM) repeats.
  int32_t last_nir = -1;
  int64_t last_rank = 0;
  int64_t patient = -1;
  size_t count = 0;
  for (size_t i = 0; i < n; ++i) {
    const size_t r = row_of(i);
    if (dpn[i] == events_detail::kInfoOnlyDpnQlf) continue;
    if (!public_hospital_.empty() && public_hospital_[r] != 0) continue;
    if (nir_codes_[r] != last_nir || rank[i] != last_rank) {
      last_nir = nir_codes_[r];
      last_rank = rank[i];
      patient = patient_of(last_nir, last_rank);
    }
    if (patient < 0) continue;
    ++count;
    const auto cip = static_cast<uint32_t>(cip_codes_[r]);
    if (keep_cip && (*keep_cip)[cip] == 0) continue;
    out.push_back(DispensingLine{static_cast<uint32_t>(patient), date_[r], cip, cip13_[cip],
                                 atc_[cip], or_zero(qsn[i]), static_cast<uint32_t>(r)});
  }
  return count;
}

size_t DispensingSource::lines(size_t begin, size_t end, std::vector<DispensingLine>& out,
                               const std::vector<uint8_t>* keep_cip) const {
  if (begin >= end) return 0;  // also a source without pharmacy rows (no columns)
  const size_t first = out.size();
  // The range's integer columns widened into buffers reused by this thread (cache-resident for
  // the callers' morsels), indexed from `begin`.
  thread_local std::vector<int64_t> rank, dpn, qsn;
  const size_t n = end - begin;
  for (auto* buf : {&rank, &dpn, &qsn})
    if (buf->size() < n) buf->resize(n);
  widen_ints(*rank_, begin, end, rank.data());
  widen_ints(*dpn_, begin, end, dpn.data());
  widen_ints(*qsn_, begin, end, qsn.data());
  const size_t count = append_lines(
      n, [begin](size_t i) { return begin + i; }, rank.data(), dpn.data(), qsn.data(), out,
      keep_cip);
  sort_lines(out, first);
  return count;
}

size_t DispensingSource::selected_lines(size_t begin, size_t end, std::vector<DispensingLine>& out,
                                        const std::vector<uint8_t>& keep_cip) const {
  if (begin >= end) return 0;
  const size_t first = out.size();
  // Per-thread buffers that only grow: resizing them down and up again, range after range,
  // would zero-fill them each time.
  thread_local std::vector<uint32_t> row_buffer;
  if (row_buffer.size() < end - begin + 1) row_buffer.resize(end - begin + 1);
  // Branch-free: every row is written, the cursor advances on kept ones (a study keeps few
  // CIP13s, whose rows come in no predictable pattern).
  size_t kept = 0;
  for (size_t r = begin; r < end; ++r) {
    row_buffer[kept] = static_cast<uint32_t>(r);
    kept += keep_cip[static_cast<size_t>(cip_codes_[r])] != 0;
  }
  if (kept == 0) return 0;
  const std::span<const uint32_t> rows(row_buffer.data(), kept);
  // Kept rows only: a patient's kept rows are still adjacent, so the run logic is unchanged.
  thread_local std::vector<int64_t> rank, dpn, qsn;
  for (auto* buf : {&rank, &dpn, &qsn})
    if (buf->size() < rows.size()) buf->resize(rows.size());
  gather_ints(*rank_, rows, rank.data());
  gather_ints(*dpn_, rows, dpn.data());
  gather_ints(*qsn_, rows, qsn.data());
  append_lines(
      rows.size(), [rows](size_t i) { return static_cast<size_t>(rows[i]); }, rank.data(),
      dpn.data(), qsn.data(), out, nullptr);
  sort_lines(out, first);
  return out.size() - first;
}

std::pair<Date, Date> DispensingSource::date_range(Date lo, Date hi) const {
  return dates_within(date_, rows_, lo, hi);
}

size_t DispensingSource::count_lines(size_t begin, size_t end) const {
  if (begin >= end) return 0;
  const int32_t* nir = nir_codes_;
  // Runs of one (BEN_NIR_PSA, BEN_RNG_GEM); rows out of that order only make runs shorter. Ranks
  // and DPN_QLF are compared as stored (equality and 71 do not depend on the width).
  return visit_stored_ints(*rank_, [&](const auto* rank) {
    return visit_stored_ints(*dpn_, [&](const auto* dpn) {
      size_t count = 0;
      for (size_t i = begin; i < end;) {
        size_t j = i + 1;
        while (j < end && nir[j] == nir[i] && rank[j] == rank[i]) ++j;
        if (patient_of(nir[i], widen_value(rank[i])) >= 0) {
          size_t info_only = 0;
          for (size_t k = i; k < j; ++k) info_only += dpn[k] == events_detail::kInfoOnlyDpnQlf;
          if (!public_hospital_.empty())
            for (size_t k = i; k < j; ++k)
              info_only += dpn[k] != events_detail::kInfoOnlyDpnQlf && public_hospital_[k] != 0;
          count += (j - i) - info_only;
        }
        i = j;
      }
      return count;
    });
  });
}

std::vector<DispensingLine> extract_dispensing_lines(const ShardData& shard,
                                                     const PatientIndex& patients,
                                                     const DrugReferential& referential) {
  const DispensingSource source(shard, patients, referential);
  std::vector<DispensingLine> out;
  out.reserve(source.rows());
  source.lines(0, source.rows(), out);
  return out;
}

std::vector<DispensingEvent> dispensing_events(const std::vector<DispensingLine>& lines) {
  std::vector<DispensingEvent> out;
  out.reserve(lines.size());  // at most one event per line: no regrowth
  size_t i = 0;
  while (i < lines.size()) {
    const DispensingLine& first = lines[i];
    int64_t net = 0;
    size_t j = i;
    for (; j < lines.size() && lines[j].patient == first.patient && lines[j].date == first.date &&
           lines[j].cip == first.cip;
         ++j)
      net += lines[j].boxes;
    if (net > 0)
      out.push_back(DispensingEvent{first.patient, first.date, first.cip13, first.atc, net});
    i = j;
  }
  return out;
}

}  // namespace snds
