// Per-patient cohort evaluation: group events by patient, match definitions, apply the rules.
#include "core/cohort/cohort_engine.hpp"

#include <omp.h>

#include <algorithm>
#include <exception>
#include <string_view>
#include <tuple>

#include "core/error.hpp"

namespace snds {
namespace {

// Patients per unit of OpenMP work. Fixed (not derived from the thread count) so the order in
// which rows come out never depends on it; small enough to balance heavy patients.
constexpr size_t kPatientsPerChunk = 256;

bool has_exact(std::string_view code, const std::vector<std::string>& codes) {
  for (const auto& c : codes)
    if (code == c) return true;
  return false;
}

bool matches(const EventDefinition& d, const DispensingEvent& e) {
  return has_code_prefix(e.atc, d.atc) || has_exact(e.cip13, d.cip13);
}

bool matches(const EventDefinition& d, const StayEvent& e) {
  if ((d.positions & kPositionDP) && has_code_prefix(e.dp, d.icd10)) return true;
  if ((d.positions & kPositionDR) && has_code_prefix(e.dr, d.icd10)) return true;
  if (d.positions & kPositionDAS)
    for (auto das : e.das)
      if (has_code_prefix(das, d.icd10)) return true;
  return false;
}

bool matches(const EventDefinition& d, const ClaimLine& e) {
  return std::find(d.nature.begin(), d.nature.end(), e.nature) != d.nature.end();
}

// The events of one source, in patient order: patient p's events are
// order[offsets[p] .. offsets[p+1]), in their original (date) order. A counting sort, so events
// that arrive in any patient order are still grouped correctly.
struct ByPatient {
  std::vector<uint32_t> offsets;
  std::vector<uint32_t> order;
};

template <typename Event>
ByPatient group_by_patient(const std::vector<Event>& events, size_t patients, const char* what) {
  ByPatient g;
  g.offsets.assign(patients + 1, 0);
  for (const auto& e : events) {
    if (e.patient >= patients)
      throw internal_error("a {} event refers to patient {} of a shard holding {}", what, e.patient,
                           patients);
    ++g.offsets[e.patient + 1];
  }
  for (size_t p = 0; p < patients; ++p) g.offsets[p + 1] += g.offsets[p];
  g.order.resize(events.size());
  std::vector<uint32_t> next(g.offsets.begin(), g.offsets.end() - 1);
  for (size_t i = 0; i < events.size(); ++i)
    g.order[next[events[i].patient]++] = static_cast<uint32_t>(i);
  return g;
}

struct ClaimPiece {
  Date date;
  int64_t nature;
  int64_t quantity;
};

// Per-thread buffers reused from patient to patient.
struct Scratch {
  std::vector<std::vector<Date>> dates;  // per event definition
  std::vector<ClaimPiece> claims;
};

class PatientEvents {
 public:
  PatientEvents(const CohortSpec& spec, const ShardEvents& events, size_t patients)
      : spec_(spec), events_(events) {
    for (size_t d = 0; d < spec.events.size(); ++d)
      if (used(spec, d)) used_.push_back(d);
    if (spec.uses_source(CohortSource::kDispensing))
      dispensing_ = group_by_patient(events.dispensing, patients, "dispensing");
    if (spec.uses_source(CohortSource::kHospitalStay))
      stays_ = group_by_patient(events.stays, patients, "hospital stay");
    if (spec.uses_source(CohortSource::kClaim))
      claims_ = group_by_patient(events.claims, patients, "claim");
  }

  // Fills s.dates[d] with patient p's sorted dates of each used definition d.
  void collect(uint32_t p, Scratch& s) const {
    s.dates.resize(spec_.events.size());
    for (size_t d : used_) {
      auto& out = s.dates[d];
      out.clear();
      const auto& def = spec_.events[d];
      switch (def.source) {
        case CohortSource::kDispensing:
          for (uint32_t k = dispensing_.offsets[p]; k < dispensing_.offsets[p + 1]; ++k) {
            const auto& e = events_.dispensing[dispensing_.order[k]];
            if (matches(def, e)) out.push_back(e.date);
          }
          break;
        case CohortSource::kHospitalStay:
          for (uint32_t k = stays_.offsets[p]; k < stays_.offsets[p + 1]; ++k) {
            const auto& e = events_.stays[stays_.order[k]];
            if (matches(def, e)) out.push_back(e.date);
          }
          break;
        case CohortSource::kClaim:
          collect_claims(def, p, s.claims, out);
          break;
      }
      if (!std::is_sorted(out.begin(), out.end())) std::sort(out.begin(), out.end());
    }
  }

 private:
  static bool used(const CohortSpec& spec, size_t d) {
    if (spec.index_event == d || spec.outcome_event == d) return true;
    for (const auto& c : spec.criteria)
      if ((c.kind == CriterionKind::kExcludeEvent || c.kind == CriterionKind::kRequireEvent) &&
          c.event == d)
        return true;
    return false;
  }

  // A claim event is a (date, PRS_NAT_REF) whose summed PRS_ACT_QTE is > 0, as dispensing events
  // are: regularisation lines cancel what they cancel. Missing quantities count as 0.
  void collect_claims(const EventDefinition& def, uint32_t p, std::vector<ClaimPiece>& pieces,
                      std::vector<Date>& out) const {
    pieces.clear();
    for (uint32_t k = claims_.offsets[p]; k < claims_.offsets[p + 1]; ++k) {
      const auto& e = events_.claims[claims_.order[k]];
      if (matches(def, e))
        pieces.push_back({e.date, e.nature, e.quantity == kMissingInt ? 0 : e.quantity});
    }
    std::sort(pieces.begin(), pieces.end(), [](const ClaimPiece& a, const ClaimPiece& b) {
      return std::tie(a.date, a.nature) < std::tie(b.date, b.nature);
    });
    for (size_t i = 0; i < pieces.size();) {
      size_t j = i;
      int64_t sum = 0;
      for (; j < pieces.size() && pieces[j].date == pieces[i].date &&
             pieces[j].nature == pieces[i].nature;
           ++j)
        sum += pieces[j].quantity;
      if (sum > 0 && (out.empty() || out.back() != pieces[i].date)) out.push_back(pieces[i].date);
      i = j;
    }
  }

  const CohortSpec& spec_;
  const ShardEvents& events_;
  std::vector<size_t> used_;
  ByPatient dispensing_, stays_, claims_;
};

// True when some date of the sorted `dates` lies in [from, to].
bool any_in(const std::vector<Date>& dates, int64_t from, int64_t to) {
  if (from > to) return false;
  auto it = std::lower_bound(dates.begin(), dates.end(), from,
                             [](Date d, int64_t v) { return static_cast<int64_t>(d) < v; });
  return it != dates.end() && static_cast<int64_t>(*it) <= to;
}

}  // namespace

const char* end_reason_name(EndReason r) {
  switch (r) {
    case EndReason::kOutcome:
      return "outcome";
    case EndReason::kDeath:
      return "death";
    case EndReason::kStudyEnd:
      return "study_end";
  }
  return "?";
}

bool cohort_row_less(const CohortRow& a, const CohortRow& b) {
  const int c = a.nir.compare(b.nir);  // char_traits<char>: byte (unsigned) order
  if (c != 0) return c < 0;
  return a.rank < b.rank;
}

void CohortPartial::merge(CohortPartial&& other) {
  if (attrition.empty()) attrition.assign(other.attrition.size(), 0);
  if (other.attrition.size() != attrition.size())
    throw internal_error("cohort partials with {} and {} attrition steps", attrition.size(),
                         other.attrition.size());
  for (size_t i = 0; i < attrition.size(); ++i) attrition[i] += other.attrition[i];
  if (rows.empty()) {
    rows = std::move(other.rows);
  } else {
    rows.reserve(rows.size() + other.rows.size());
    std::move(other.rows.begin(), other.rows.end(), std::back_inserter(rows));
  }
}

void CohortPartial::sort_rows() {
  std::sort(rows.begin(), rows.end(), cohort_row_less);
}

void encode_partial(ByteWriter& w, const CohortPartial& p) {
  w.put_vector(p.attrition);
  w.put<uint64_t>(p.rows.size());
  for (const auto& r : p.rows) {
    w.put_string(r.nir);
    w.put<int64_t>(r.rank);
    w.put<Date>(r.index_date);
    w.put<int64_t>(r.age_at_index);
    w.put_string(r.sex);
    w.put<Date>(r.outcome_date);
    w.put<Date>(r.end_date);
    w.put<uint8_t>(static_cast<uint8_t>(r.end_reason));
  }
}

CohortPartial decode_partial(ByteReader& r) {
  CohortPartial p;
  p.attrition = r.get_vector<uint64_t>();
  p.rows.resize(r.get<uint64_t>());
  for (auto& row : p.rows) {
    row.nir = r.get_string();
    row.rank = r.get<int64_t>();
    row.index_date = r.get<Date>();
    row.age_at_index = r.get<int64_t>();
    row.sex = r.get_string();
    row.outcome_date = r.get<Date>();
    row.end_date = r.get<Date>();
    const auto reason = r.get<uint8_t>();
    if (reason > static_cast<uint8_t>(EndReason::kStudyEnd))
      throw internal_error("bad cohort partial");
    row.end_reason = static_cast<EndReason>(reason);
  }
  return p;
}

size_t evaluate_patient(const CohortSpec& spec, const Patient& patient,
                        std::span<const std::vector<Date>> dates, CohortRow* row) {
  // Index: the first index event in the study period.
  const auto& own = dates[spec.index_event];
  auto first = std::lower_bound(own.begin(), own.end(), spec.study_start);
  if (first == own.end() || *first > spec.study_end) return 0;
  const Date index = *first;
  size_t passed = 1;

  // Washout: the same event in [index - washout_days, index - 1]. Every earlier event precedes
  // `first`, so the latest one decides.
  if (spec.washout_days > 0 && first != own.begin() &&
      static_cast<int64_t>(*(first - 1)) >= static_cast<int64_t>(index) - spec.washout_days)
    return passed;
  ++passed;

  const int64_t age =
      patient.birth_year == kMissingInt ? kMissingInt : year_of(index) - patient.birth_year;
  for (const auto& c : spec.criteria) {
    bool ok = true;
    switch (c.kind) {
      case CriterionKind::kAgeAtIndex:
        ok = age != kMissingInt && (!c.min_age || age >= *c.min_age) &&
             (!c.max_age || age <= *c.max_age);
        break;
      case CriterionKind::kExcludeEvent:
      case CriterionKind::kRequireEvent: {
        const bool found =
            any_in(dates[c.event], int64_t{index} + c.window_from, int64_t{index} + c.window_to);
        ok = (c.kind == CriterionKind::kExcludeEvent) ? !found : found;
        break;
      }
      case CriterionKind::kExcludeDeadBeforeIndex:
        ok = patient.death == kMissingDate || patient.death >= index;
        break;
    }
    if (!ok) return passed;
    ++passed;
  }

  // Follow-up: outcome in (index, min(death, study end)]; end = min(outcome, death, study end).
  const bool dies = patient.death != kMissingDate && patient.death <= spec.study_end;
  const Date limit = dies ? patient.death : spec.study_end;
  Date outcome = kMissingDate;
  if (spec.outcome_event) {
    const auto& out = dates[*spec.outcome_event];
    auto it = std::upper_bound(out.begin(), out.end(), index);
    if (it != out.end() && *it <= limit) outcome = *it;
  }
  if (row) {
    row->nir.assign(patient.nir);
    row->rank = patient.rank;
    row->index_date = index;
    row->age_at_index = age;
    row->sex.assign(patient.sex);
    row->outcome_date = outcome;
    if (outcome != kMissingDate) {
      row->end_date = outcome;
      row->end_reason = EndReason::kOutcome;
    } else if (dies) {
      row->end_date = patient.death;
      row->end_reason = EndReason::kDeath;
    } else {
      row->end_date = spec.study_end;
      row->end_reason = EndReason::kStudyEnd;
    }
  }
  return passed;
}

StayCodeFilter cohort_stay_codes(const CohortSpec& spec) {
  StayCodeFilter f;
  auto add = [](std::vector<std::string>& to, const std::vector<std::string>& codes) {
    for (const auto& c : codes)
      if (std::find(to.begin(), to.end(), c) == to.end()) to.push_back(c);
  };
  for (const auto& def : spec.events) {
    if (def.source != CohortSource::kHospitalStay) continue;
    if (def.positions & kPositionDP) add(f.dp, def.icd10);
    if (def.positions & kPositionDR) add(f.dr, def.icd10);
    if (def.positions & kPositionDAS) add(f.das, def.icd10);
  }
  return f;
}

std::vector<DispensingEvent> cohort_dispensing_events(const CohortSpec& spec,
                                                      const DispensingSource& source, int threads,
                                                      size_t rows_per_range) {
  const auto& cips = source.cip13s();
  const auto& atcs = source.atcs();
  std::vector<uint8_t> keep(cips.size(), 0);
  for (const auto& def : spec.events) {
    if (def.source != CohortSource::kDispensing) continue;
    for (size_t c = 0; c < cips.size(); ++c)
      keep[c] = keep[c] || has_code_prefix(atcs[c], def.atc) || has_exact(cips[c], def.cip13);
  }
  // Rows per range: fixed, so the ranges (and the output order) never depend on `threads`.
  const std::vector<size_t> bounds = source.ranges(std::max<size_t>(1, rows_per_range));
  const auto ranges = static_cast<int64_t>(bounds.size() - 1);
  std::vector<std::vector<DispensingEvent>> parts(
      static_cast<size_t>(std::max<int64_t>(0, ranges)));
  // Each range's first and last patient of its lines (before netting: lines that cancel out
  // still tell where a patient is).
  std::vector<std::pair<uint32_t, uint32_t>> spans(parts.size(), {1u, 0u});
  const int nthreads = std::max(1, std::min<int>(threads, static_cast<int>(ranges)));
#pragma omp parallel num_threads(nthreads) if (nthreads > 1)
  {
    std::vector<DispensingLine> lines;
#pragma omp for schedule(dynamic, 1)
    for (int64_t k = 0; k < ranges; ++k) {
      const auto r = static_cast<size_t>(k);
      lines.clear();
      source.selected_lines(bounds[r], bounds[r + 1], lines, keep);
      if (!lines.empty()) spans[r] = {lines.front().patient, lines.back().patient};
      parts[r] = dispensing_events(lines);
    }
  }
  // A patient in two ranges (rows out of the stored order) would have its lines netted apart:
  // the shard again, as one range on this thread.
  if (DispensingSource::lines_straddle_ranges(spans)) {
    std::vector<DispensingLine> lines;
    source.selected_lines(0, source.rows(), lines, keep);
    return dispensing_events(lines);
  }
  size_t total = 0;
  for (const auto& part : parts) total += part.size();
  std::vector<DispensingEvent> out;
  out.reserve(total);
  for (auto& part : parts) out.insert(out.end(), part.begin(), part.end());
  return out;
}

CohortPartial evaluate_cohort(const CohortSpec& spec, const PatientIndex& patients,
                              const ShardEvents& events, int threads) {
  const size_t n = patients.patients.size();
  const size_t steps = spec.step_names().size();
  const PatientEvents grouped(spec, events, n);

  const size_t chunks = (n + kPatientsPerChunk - 1) / kPatientsPerChunk;
  std::vector<CohortPartial> parts(chunks);
  std::vector<std::exception_ptr> errors(chunks);
  // One chunk (a small shard) runs on the calling thread: no team to wake for it.
#pragma omp parallel num_threads(std::max(1, threads)) if (chunks > 1 && threads > 1)
  {
    Scratch scratch;
#pragma omp for schedule(dynamic, 1)
    for (size_t c = 0; c < chunks; ++c) {
      try {
        auto& part = parts[c];
        part.attrition.assign(steps, 0);
        const size_t end = std::min(n, (c + 1) * kPatientsPerChunk);
        CohortRow row;
        for (size_t p = c * kPatientsPerChunk; p < end; ++p) {
          grouped.collect(static_cast<uint32_t>(p), scratch);
          const size_t passed = evaluate_patient(spec, patients.patients[p], scratch.dates, &row);
          for (size_t s = 0; s < passed; ++s) ++part.attrition[s];
          if (passed == steps) part.rows.push_back(row);
        }
      } catch (...) {
        errors[c] = std::current_exception();
      }
    }
  }
  for (auto& e : errors)
    if (e) std::rethrow_exception(e);

  CohortPartial result;
  result.attrition.assign(steps, 0);
  for (auto& part : parts) result.merge(std::move(part));
  return result;
}

}  // namespace snds
