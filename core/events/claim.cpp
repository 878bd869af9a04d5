// Claim lines: ER_PRS_F rows of known patients, information-only lines (DPN_QLF = 71) left out,
// and, where the shard holds their data, the DCIR cleaning rules (dcir_rules.hpp: majorations
// and public hospital lines); claim days ignore those two (any line is a contact with care).
// Columns are read where they sit (narrow integers unwidened, NIR as dictionary ids), because
// ER_PRS_F is the largest table a job reads: copies of it cost more than the loop itself.
#include <algorithm>
#include <optional>

#include "core/events/column_access.hpp"
#include "core/events/dcir_rules.hpp"
#include "core/events/events.hpp"

namespace snds {
using events_detail::or_zero;
using events_detail::typed_column;

namespace {

// An integer column read in place, whatever width the store kept it in; a column the caller did
// not read (nullptr) reads as missing.
class StoredInts {
 public:
  // The column's width and data are copied here: read through the Column on every row, they
  // would be reloaded after each store of the caller's output (which might alias them).
  explicit StoredInts(const Column* c)
      : wide_(c && c->narrow_width == 0 ? c->ints.data() : nullptr),
        narrow_(c ? c->narrow.data() : nullptr),
        width_(c ? c->narrow_width : 0),
        absent_(c == nullptr) {}
  int64_t at(size_t r) const {
    if (absent_) return kMissingInt;
    switch (width_) {
      case 0:
        return wide_[r];
      case 1:
        return widen_value(reinterpret_cast<const int8_t*>(narrow_)[r]);
      case 2:
        return widen_value(reinterpret_cast<const int16_t*>(narrow_)[r]);
      default:
        return widen_value(reinterpret_cast<const int32_t*>(narrow_)[r]);
    }
  }

 private:
  const int64_t* wide_;
  const char* narrow_;
  uint8_t width_;
  bool absent_;
};

// A set of PRS_NAT_REF codes: a table for the codes the SNDS uses (0-9999 and a little more),
// a search beyond.
class NatureSet {
 public:
  explicit NatureSet(const std::vector<int64_t>& natures) : list_(natures) {
    for (int64_t n : natures)
      if (n >= 0 && n < kTable) table_[static_cast<size_t>(n)] = 1;
  }
  bool contains(int64_t n) const {
    if (n >= 0 && n < kTable) return table_[static_cast<size_t>(n)] != 0;
    return std::binary_search(list_.begin(), list_.end(), n);
  }

 private:
  static constexpr int64_t kTable = 1 << 16;
  std::vector<uint8_t> table_ = std::vector<uint8_t>(kTable, 0);
  const std::vector<int64_t>& list_;
};

const Column* optional_column(const Batch& batch, std::string_view name, ColumnType type) {
  return batch.find(name) >= 0 ? &typed_column(batch, "ER_PRS_F", name, type) : nullptr;
}

}  // namespace

std::vector<ClaimLine> extract_claims(const ShardData& shard, const PatientIndex& patients,
                                      const std::vector<int64_t>* natures) {
  std::vector<ClaimLine> out;
  const Batch* prs = shard.find("ER_PRS_F");
  if (!prs || prs->rows() == 0 || patients.patients.empty()) return out;
  constexpr std::string_view kT = "ER_PRS_F";
  const events_detail::OrderedIds nir =
      events_detail::ordered_ids(typed_column(*prs, kT, "BEN_NIR_PSA", ColumnType::kString));
  const StoredInts rank(&typed_column(*prs, kT, "BEN_RNG_GEM", ColumnType::kInt64));
  const auto& date = typed_column(*prs, kT, "EXE_SOI_DTD", ColumnType::kDate).dates;
  const Column& dpn_column = typed_column(*prs, kT, "DPN_QLF", ColumnType::kInt64);
  // Nature, quantity and amount only when the caller read them: a cohort that uses claims for
  // loss to follow-up alone needs the dates (jobs/cohort: cohort_wanted_tables).
  const StoredInts nature(optional_column(*prs, "PRS_NAT_REF", ColumnType::kInt64));
  const StoredInts qte(optional_column(*prs, "PRS_ACT_QTE", ColumnType::kDecimal));
  const StoredInts amount(optional_column(*prs, "PRS_PAI_MNT", ColumnType::kDecimal));
  // FLX_DIS_DTD only when the caller read it (an aggregate with a processing cut-off or month).
  const Column* flux_column = optional_column(*prs, "FLX_DIS_DTD", ColumnType::kDate);
  const Date* flux = flux_column ? flux_column->dates.data() : nullptr;
  // The cleaning rules, when the caller read their data (CPL_MAJ_TOP, ER_ETE_F).
  const Column* majoration_column = optional_column(*prs, kMajorationColumn, ColumnType::kInt64);
  const StoredInts majoration(majoration_column);
  const std::vector<uint8_t> public_hospital = public_hospital_rows(shard, *prs, kT);
  const bool cleaning = majoration_column || !public_hospital.empty();

  const size_t rows = prs->rows();
  // Rows are sorted by patient: one patient lookup per (NIR id, rank) run.
  int32_t last_id = -1;
  int64_t last_rank = 0, last_patient = -1;
  auto add_line = [&](size_t r) {
    if (cleaning &&
        (is_majoration(majoration.at(r)) || (!public_hospital.empty() && public_hospital[r] != 0)))
      return;
    const int64_t rk = rank.at(r);
    if (nir.id[r] != last_id || rk != last_rank) {
      last_id = nir.id[r];
      last_rank = rk;
      last_patient = patients.find(nir.values[static_cast<size_t>(last_id)], rk);
    }
    if (last_patient < 0) return;
    out.push_back(ClaimLine{static_cast<uint32_t>(last_patient), date[r], nature.at(r),
                            or_zero(qte.at(r)), or_zero(amount.at(r)),
                            flux ? flux[r] : kMissingDate});
  };
  if (!natures) {
    // Information-only lines are rare: a branch on them is well predicted.
    out.reserve(rows);
    visit_stored_ints(dpn_column, [&](const auto* dpn) {
      for (size_t r = 0; r < rows; ++r)
        if (dpn[r] != events_detail::kInfoOnlyDpnQlf) add_line(r);
    });
  } else {
    // The lines of the wanted natures come in no predictable pattern (a branch on them is
    // mispredicted half the time): chosen branch-free first, into a buffer that only grows.
    thread_local std::vector<uint32_t> selected;
    if (selected.size() < rows + 1) selected.resize(rows + 1);
    size_t kept = 0;
    visit_stored_ints(dpn_column, [&](const auto* dpn) {
      uint32_t* sel = selected.data();
      const NatureSet keep(*natures);
      for (size_t r = 0; r < rows; ++r) {
        sel[kept] = static_cast<uint32_t>(r);
        kept += static_cast<size_t>(dpn[r] != events_detail::kInfoOnlyDpnQlf) &
                static_cast<size_t>(keep.contains(nature.at(r)));
      }
    });
    out.reserve(kept);
    for (size_t k = 0; k < kept; ++k) add_line(selected[k]);
  }
  auto less = [](const ClaimLine& a, const ClaimLine& b) {
    if (a.patient != b.patient) return a.patient < b.patient;
    return a.date < b.date;
  };
  if (!std::is_sorted(out.begin(), out.end(), less)) std::stable_sort(out.begin(), out.end(), less);
  return out;
}

std::vector<ClaimDay> extract_claim_days(const ShardData& shard, const PatientIndex& patients) {
  std::vector<ClaimDay> out;
  const Batch* prs = shard.find("ER_PRS_F");
  if (!prs || prs->rows() == 0 || patients.patients.empty()) return out;
  constexpr std::string_view kT = "ER_PRS_F";
  const events_detail::OrderedIds nir =
      events_detail::ordered_ids(typed_column(*prs, kT, "BEN_NIR_PSA", ColumnType::kString));
  const Column& rank_column = typed_column(*prs, kT, "BEN_RNG_GEM", ColumnType::kInt64);
  const Date* date = typed_column(*prs, kT, "EXE_SOI_DTD", ColumnType::kDate).dates.data();
  const Column& dpn_column = typed_column(*prs, kT, "DPN_QLF", ColumnType::kInt64);
  const size_t rows = prs->rows();
  // Days are written to a per-thread buffer through a plain pointer (a vector's push_back
  // reloads its end after every store, which may alias the columns), then copied out: a
  // patient's lines of one day are adjacent in the stored order and give one day.
  thread_local std::vector<ClaimDay> buffer;
  if (buffer.size() < rows) buffer.resize(rows);
  ClaimDay* days = buffer.data();
  size_t n = 0;
  // Ranks and DPN_QLF as stored: equality and 71 do not depend on the width.
  visit_stored_ints(dpn_column, [&](const auto* dpn) {
    visit_stored_ints(rank_column, [&](const auto* rank) {
      const int32_t* id = nir.id;
      int32_t last_id = -1;
      int64_t last_rank = 0, last_patient = -1;
      uint32_t patient = 0;
      Date last_date = kMissingDate;
      for (size_t r = 0; r < rows; ++r) {
        if (dpn[r] == events_detail::kInfoOnlyDpnQlf) continue;
        const int64_t rk = rank[r];
        if (id[r] != last_id || rk != last_rank) {
          last_id = id[r];
          last_rank = rk;
          last_patient =
              patients.find(nir.values[static_cast<size_t>(last_id)], widen_value(rank[r]));
          patient = static_cast<uint32_t>(last_patient);
          last_date = kMissingDate;
        }
        if (last_patient < 0 || date[r] == kMissingDate || date[r] == last_date) continue;
        last_date = date[r];
        days[n++] = ClaimDay{patient, date[r]};
      }
    });
  });
  out.assign(days, days + n);
  auto less = [](const ClaimDay& a, const ClaimDay& b) {
    return a.patient != b.patient ? a.patient < b.patient : a.date < b.date;
  };
  if (!std::is_sorted(out.begin(), out.end(), less)) {
    std::sort(out.begin(), out.end(), less);
    out.erase(std::unique(out.begin(), out.end(),
                          [](const ClaimDay& a, const ClaimDay& b) {
                            return a.patient == b.patient && a.date == b.date;
                          }),
              out.end());
  }
  return out;
}

std::unique_ptr<ClaimDayLookup> ClaimDayLookup::make(const ShardData& shard,
                                                     const PatientIndex& patients) {
  std::unique_ptr<ClaimDayLookup> l(new ClaimDayLookup);
  l->patients_ = &patients;
  const Batch* prs = shard.find("ER_PRS_F");
  if (!prs || prs->rows() == 0) return l;  // no claims: every patient has no day
  constexpr std::string_view kT = "ER_PRS_F";
  events_detail::OrderedIds nir =
      events_detail::ordered_ids(typed_column(*prs, kT, "BEN_NIR_PSA", ColumnType::kString));
  l->rows_ = prs->rows();
  if (!std::is_sorted(nir.id, nir.id + l->rows_)) return nullptr;
  l->nirs_ = std::move(nir.values);
  l->owned_ = std::move(nir.owned);
  l->id_ = l->owned_.empty() ? nir.id : reinterpret_cast<const int32_t*>(l->owned_.data());
  l->rank_ = &typed_column(*prs, kT, "BEN_RNG_GEM", ColumnType::kInt64);
  l->dpn_ = &typed_column(*prs, kT, "DPN_QLF", ColumnType::kInt64);
  l->date_ = typed_column(*prs, kT, "EXE_SOI_DTD", ColumnType::kDate).dates.data();
  return l;
}

void ClaimDayLookup::days_of(uint32_t p, std::vector<Date>& out) const {
  if (rows_ == 0) return;
  const Patient& patient = patients_->patients[p];
  // The rows extract_claim_days gives p: those of p's (NIR, rank), which must find p itself (a
  // repeated IR_BEN_R key has its lines on the first patient of that key).
  if (patients_->find(patient.nir, patient.rank) != static_cast<int64_t>(p)) return;
  const auto v = std::lower_bound(nirs_.begin(), nirs_.end(), patient.nir);
  if (v == nirs_.end() || *v != patient.nir) return;
  const auto id = static_cast<int32_t>(v - nirs_.begin());
  const auto [lo, hi] = std::equal_range(id_, id_ + rows_, id);
  for (const int32_t* it = lo; it != hi; ++it) {
    const auto r = static_cast<size_t>(it - id_);
    if (int_at(*dpn_, r) == events_detail::kInfoOnlyDpnQlf || int_at(*rank_, r) != patient.rank ||
        date_[r] == kMissingDate)
      continue;
    out.push_back(date_[r]);
  }
}

}  // namespace snds
