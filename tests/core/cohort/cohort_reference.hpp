// A brute-force reading of reference section 6 for tests: every patient scans every event (no
// grouping, no sorting, no binary search). Used against the engine (tests/core/cohort) and, after
// a brute-force extraction from raw tables, against the whole job (tests/jobs/cohort).
#pragma once

#include <algorithm>
#include <climits>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/cohort/baseline.hpp"
#include "core/cohort/cohort_engine.hpp"
#include "core/cohort/exposure.hpp"
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

// Whether outcome o occurs on day D (see NamedOutcome), by scanning the events' dates.
inline bool occurs_on(const CohortSpec& spec, const NamedOutcome& o, const CohortWorld& w,
                      uint32_t p, int64_t D) {
  bool on_day = false, all = true;
  for (auto e : o.events) {
    const auto v = dates_of(spec, e, w, p);
    on_day = on_day || any_between(v, D, D);
    all = all && any_between(v, D - o.days, D);
  }
  return o.all_of ? on_day && all : on_day;
}

inline Date first_day_of(const CohortSpec& spec, const NamedOutcome& o, const CohortWorld& w,
                         uint32_t p, int64_t from, int64_t to) {
  for (int64_t D = from; D <= to; ++D)
    if (occurs_on(spec, o, w, p, D)) return static_cast<Date>(D);
  return kMissingDate;
}

// Exposure periods by simulating each day's stock (stockpile) or covered days (no stockpile),
// then joining covered runs separated by at most grace_days uncovered days.
inline std::vector<ExposurePeriod> reference_exposures(const CohortSpec& spec, const CohortWorld& w,
                                                       uint32_t p, Date index) {
  const ExposureSpec& x = *spec.exposure;
  const auto& def = spec.events[spec.index_event];
  std::vector<Supply> supplies;
  for (const auto& e : w.events.dispensing)
    if (e.patient == p && e.date != kMissingDate && e.date >= index && starts(e.atc, def.atc))
      supplies.push_back({e.date, e.boxes, w.large_packs.count(e.cip13) > 0});
  std::vector<ExposurePeriod> out;
  if (supplies.empty()) return out;
  if (x.min_purchases > 0) {
    for (int64_t D = index; D <= spec.study_end + 1000; ++D) {
      int64_t n = 0, on_day = 0;
      for (const auto& s : supplies) {
        n += s.date >= D - x.within_days && s.date <= D;
        on_day += s.date == D;
      }
      if (on_day > 0 && n >= x.min_purchases) {
        int64_t boxes = 0;
        for (const auto& s : supplies)
          if (s.date <= spec.study_end) boxes += s.boxes;
        out.push_back({static_cast<Date>(D), spec.study_end, boxes});
        break;
      }
    }
    return out;
  }
  std::map<int64_t, bool> covered;
  int64_t stock = 0, last = index;
  for (int64_t d = index; d <= int64_t{index} + 40000; ++d) {
    int64_t arriving = 0;
    for (const auto& s : supplies)
      if (s.date == d) arriving += supply_days(x, s);
    if (x.stockpile) {
      stock += arriving;
      if (stock > 0) {
        covered[d] = true;
        --stock;
        last = d;
      }
    } else {
      for (const auto& s : supplies)
        if (s.date <= d && d <= s.date + supply_days(x, s) - 1) {
          covered[d] = true;
          last = d;
        }
    }
    if (d > last + x.grace_days + 1 && d > supplies.back().date) break;
  }
  for (const auto& [d, c] : covered) {
    if (!out.empty() && d - out.back().end - 1 <= x.grace_days)
      out.back().end = static_cast<Date>(d);
    else
      out.push_back({static_cast<Date>(d), static_cast<Date>(d), 0});
  }
  for (auto& period : out)
    for (const auto& s : supplies)
      if (s.date >= period.start && s.date <= period.end) period.boxes += s.boxes;
  return out;
}

inline void design_follow_up(const CohortSpec& spec, const CohortWorld& w, uint32_t p,
                             const Patient& pat, Date index, CohortRow& row) {
  // Candidates (date, priority): death 1, censor 2 (list order), exposure end 3, study end 5.
  struct End {
    int64_t date;
    int priority;
    EndReason reason;
    uint8_t censor;
  };
  std::vector<End> ends{{spec.study_end, 5, EndReason::kStudyEnd, 0}};
  if (pat.death != kMissingDate && pat.death <= spec.study_end)
    ends.push_back({pat.death, 1, EndReason::kDeath, 0});
  for (size_t k = 0; k < spec.censor.size(); ++k) {
    int64_t first = INT64_MAX;
    for (Date d : dates_of(spec, spec.censor[k], w, p))
      if (d > index) first = std::min<int64_t>(first, d);
    if (first != INT64_MAX)
      ends.push_back(
          {first, 2 + static_cast<int>(k) * 0, EndReason::kCensored, static_cast<uint8_t>(k)});
  }
  if (spec.exposure) {
    row.exposures = reference_exposures(spec, w, p, index);
    if (spec.follow_up_end == FollowUpEnd::kExposureEnd && !row.exposures.empty())
      ends.push_back(
          {int64_t{row.exposures[0].end} + spec.lag_days, 3, EndReason::kExposureEnd, 0});
  }
  End best = ends[0];
  for (const auto& e : ends)  // earliest; ties to the lower priority, then the earlier listed
    if (e.date < best.date || (e.date == best.date && e.priority < best.priority)) best = e;
  if (spec.no_claim_days) {
    std::vector<Date> claims;
    for (const auto& c : w.events.claims)
      if (c.patient == p && c.date != kMissingDate) claims.push_back(c.date);
    // The first s of {index} and the later claim days with no claim in (s, s + N].
    std::vector<int64_t> candidates{index};
    for (Date d : claims)
      if (d > index) candidates.push_back(d);
    std::sort(candidates.begin(), candidates.end());
    for (int64_t s : candidates) {
      if (any_between(claims, s + 1, s + *spec.no_claim_days)) continue;
      if (s + *spec.no_claim_days < best.date)
        best = {s + *spec.no_claim_days, 4, EndReason::kLost, 0};
      break;
    }
  }
  const int64_t clean = spec.clean_window_days.value_or(0);
  row.outcome_date = kMissingDate;
  uint32_t bit = 0;
  if (spec.outcome_event) {
    NamedOutcome single;
    single.events = {*spec.outcome_event};
    if (clean > 0 && first_day_of(spec, single, w, p, int64_t{index} - clean, int64_t{index} - 1) !=
                         kMissingDate)
      row.prevalent |= 1u;
    else
      row.outcome_date = first_day_of(spec, single, w, p, int64_t{index} + 1, best.date);
    bit = 1;
  }
  if (row.outcome_date != kMissingDate) best = {row.outcome_date, 0, EndReason::kOutcome, 0};
  row.end_date = static_cast<Date>(best.date);
  row.end_reason = best.reason;
  row.censor = best.censor;
  row.outcome_dates.assign(spec.outcomes.size(), kMissingDate);
  for (size_t k = 0; k < spec.outcomes.size(); ++k, ++bit) {
    if (clean > 0 && first_day_of(spec, spec.outcomes[k], w, p, int64_t{index} - clean,
                                  int64_t{index} - 1) != kMissingDate) {
      row.prevalent |= 1u << bit;
      continue;
    }
    row.outcome_dates[k] =
        first_day_of(spec, spec.outcomes[k], w, p, int64_t{index} + 1, best.date);
  }
}

// Baseline tallies straight from the definitions: every event of the patient in the window.
inline void reference_baseline(const CohortSpec& spec, const CohortWorld& w, uint32_t p,
                               const Patient& pat, const CohortRow& row, CohortTallies& t) {
  const BaselineSpec& b = *spec.baseline;
  const int64_t from = int64_t{row.index_date} + b.window_from,
                to = int64_t{row.index_date} + b.window_to;
  auto in = [&](Date d) { return d != kMissingDate && d >= from && d <= to; };
  std::set<std::string> classes, drugs, chapters;
  int64_t stays = 0;
  for (const auto& e : w.events.dispensing)
    if (e.patient == p && in(e.date) && e.atc != kUnknownAtc) {
      if (e.atc.size() >= std::vector<size_t>{1, 3, 4, 5, 7}[b.atc_level - 1])
        classes.insert(
            std::string(e.atc.substr(0, std::vector<size_t>{1, 3, 4, 5, 7}[b.atc_level - 1])));
      if (e.atc.size() >= 7) drugs.insert(std::string(e.atc.substr(0, 7)));
    }
  for (const auto& e : w.events.stays)
    if (e.patient == p && in(e.date)) {
      ++stays;
      if (!icd10_chapter(e.dp).empty()) chapters.insert(std::string(icd10_chapter(e.dp)));
    }
  if (b.sex) ++t.counts["sex\t" + std::string(pat.sex)];
  if (b.age_band) ++t.counts["age_band\t" + std::string(age_band(row.age_at_index))];
  if (b.atc)
    for (const auto& c : classes) ++t.counts["atc\t" + c];
  if (b.drugs) ++t.histograms["drugs"][static_cast<int64_t>(drugs.size())];
  if (b.dp_chapter)
    for (const auto& c : chapters) ++t.counts["dp_chapter\t" + c];
  if (b.stays) ++t.histograms["stays"][stays];
  for (size_t e = 0; e < b.events.size(); ++e)
    if (any_between(dates_of(spec, b.events[e], w, p), from, to))
      ++t.counts["event\t" + std::to_string(e)];
}

// Codes of the index definition matched on the index date (dispensing and stay definitions).
inline void reference_index_codes(const CohortSpec& spec, const CohortWorld& w, uint32_t p,
                                  Date index, CohortTallies& t) {
  const auto& def = spec.events[spec.index_event];
  std::set<std::string> keys;
  for (const auto& e : w.events.dispensing)
    if (def.source == CohortSource::kDispensing && e.patient == p && e.date == index &&
        (starts(e.atc, def.atc) ||
         std::find(def.cip13.begin(), def.cip13.end(), e.cip13) != def.cip13.end())) {
      keys.insert("CIP13\t" + std::string(e.cip13));
      keys.insert("ATC\t" + std::string(e.atc));
    }
  for (const auto& e : w.events.stays) {
    if (def.source != CohortSource::kHospitalStay || e.patient != p || e.date != index) continue;
    if ((def.positions & kPositionDP) && starts(e.dp, def.icd10))
      keys.insert("ICD10_DP\t" + std::string(e.dp));
    if ((def.positions & kPositionDR) && starts(e.dr, def.icd10))
      keys.insert("ICD10_DR\t" + std::string(e.dr));
    for (auto das : e.das)
      if ((def.positions & kPositionDAS) && starts(das, def.icd10))
        keys.insert("ICD10_DAS\t" + std::string(das));
  }
  for (const auto& k : keys) ++t.index_codes[k];
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
    if (spec.index_codes) reference_index_codes(spec, w, p, index, out.tallies);
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
    row.birth_year = pat.birth_year;
    row.birth_month = pat.birth_month;
    design_follow_up(spec, w, p, pat, index, row);
    if (spec.baseline) reference_baseline(spec, w, p, pat, row, out.tallies);
    out.rows.push_back(row);
  }
  return out;
}

}  // namespace snds::test
