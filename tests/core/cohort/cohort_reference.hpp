// A brute-force reading of contract section 6 for tests: every patient scans every event (no
// grouping, no sorting, no binary search). Used against the engine (tests/core/cohort) and, after
// a brute-force extraction from raw tables, against the whole job (tests/jobs/cohort).
#pragma once

#include <algorithm>
#include <climits>
#include <string_view>
#include <vector>

#include "core/cohort/cohort_engine.hpp"
#include "tests/core/cohort/cohort_world.hpp"

namespace snds::test {

inline bool starts(std::string_view s, const std::vector<std::string>& prefixes) {
  return std::any_of(prefixes.begin(), prefixes.end(),
                     [&](const std::string& p) { return s.starts_with(p); });
}

// Every date of event definition `d` for patient p, in event order (unsorted, duplicates kept).
inline std::vector<Date> dates_of(const CohortSpec& spec, size_t d, const CohortWorld& w,
                                  uint32_t p) {
  const auto& def = spec.events[d];
  std::vector<Date> out;
  if (def.source == CohortSource::kDispensing)
    for (const auto& e : w.events.dispensing)
      if (e.patient == p && (starts(e.atc, def.atc) || std::find(def.cip13.begin(), def.cip13.end(),
                                                                 e.cip13) != def.cip13.end()))
        out.push_back(e.date);
  if (def.source == CohortSource::kHospitalStay)
    for (const auto& e : w.events.stays) {
      if (e.patient != p) continue;
      bool hit = ((def.positions & kPositionDP) && starts(e.dp, def.icd10)) ||
                 ((def.positions & kPositionDR) && starts(e.dr, def.icd10));
      for (auto das : e.das)
        hit = hit || ((def.positions & kPositionDAS) && starts(das, def.icd10));
      if (hit) out.push_back(e.date);
    }
  if (def.source == CohortSource::kClaim)
    for (const auto& e : w.events.claims) {
      if (e.patient != p ||
          std::find(def.nature.begin(), def.nature.end(), e.nature) == def.nature.end())
        continue;
      int64_t net = 0;
      for (const auto& o : w.events.claims)
        if (o.patient == p && o.date == e.date && o.nature == e.nature) net += o.quantity;
      if (net > 0) out.push_back(e.date);
    }
  std::erase(out, kMissingDate);
  return out;
}

inline bool any_between(const std::vector<Date>& dates, int64_t from, int64_t to) {
  return std::any_of(dates.begin(), dates.end(), [&](Date d) { return d >= from && d <= to; });
}

inline CohortPartial reference(const CohortSpec& spec, const CohortWorld& w) {
  CohortPartial out;
  out.attrition.assign(spec.step_names().size(), 0);
  for (uint32_t p = 0; p < w.index.patients.size(); ++p) {
    const Patient& pat = w.index.patients[p];
    const auto own = dates_of(spec, spec.index_event, w, p);
    Date index = INT32_MAX;
    for (Date d : own)
      if (d >= spec.study_start && d <= spec.study_end) index = std::min(index, d);
    if (index == INT32_MAX) continue;
    ++out.attrition[0];
    if (spec.washout_days > 0 &&
        any_between(own, int64_t{index} - spec.washout_days, int64_t{index} - 1))
      continue;
    ++out.attrition[1];
    const int64_t age =
        pat.birth_year == kMissingInt ? kMissingInt : civil_from_days(index).year - pat.birth_year;
    bool in = true;
    for (size_t c = 0; c < spec.criteria.size() && in; ++c) {
      const auto& cr = spec.criteria[c];
      if (cr.kind == CriterionKind::kAgeAtIndex)
        in = age != kMissingInt && (!cr.min_age || age >= *cr.min_age) &&
             (!cr.max_age || age <= *cr.max_age);
      if (cr.kind == CriterionKind::kExcludeEvent)
        in = !any_between(dates_of(spec, cr.event, w, p), int64_t{index} + cr.window_from,
                          int64_t{index} + cr.window_to);
      if (cr.kind == CriterionKind::kRequireEvent)
        in = any_between(dates_of(spec, cr.event, w, p), int64_t{index} + cr.window_from,
                         int64_t{index} + cr.window_to);
      if (cr.kind == CriterionKind::kExcludeDeadBeforeIndex)
        in = !(pat.death != kMissingDate && pat.death < index);
      if (in) ++out.attrition[2 + c];
    }
    if (!in) continue;
    CohortRow row;
    row.nir = std::string(pat.nir);
    row.rank = pat.rank;
    row.index_date = index;
    row.age_at_index = age;
    row.sex = std::string(pat.sex);
    Date horizon = spec.study_end;
    if (pat.death != kMissingDate) horizon = std::min(horizon, pat.death);
    row.outcome_date = kMissingDate;
    if (spec.outcome_event)
      for (Date d : dates_of(spec, *spec.outcome_event, w, p))
        if (d > index && d <= horizon && (row.outcome_date == kMissingDate || d < row.outcome_date))
          row.outcome_date = d;
    // end = min(outcome, death, study end); outcome wins a tie with death, death one with study
    // end.
    row.end_date = spec.study_end;
    row.end_reason = EndReason::kStudyEnd;
    if (pat.death != kMissingDate && pat.death <= row.end_date) {
      row.end_date = pat.death;
      row.end_reason = EndReason::kDeath;
    }
    if (row.outcome_date != kMissingDate && row.outcome_date <= row.end_date) {
      row.end_date = row.outcome_date;
      row.end_reason = EndReason::kOutcome;
    }
    out.rows.push_back(row);
  }
  return out;
}

}  // namespace snds::test
