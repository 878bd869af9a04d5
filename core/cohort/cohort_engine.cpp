// Per-patient cohort evaluation: group events by patient, match definitions, apply the rules.
#include "core/cohort/cohort_engine.hpp"

#include <omp.h>

#include <algorithm>
#include <exception>
#include <map>
#include <string_view>
#include <tuple>
#include <unordered_map>

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

// True when some period [start, end] of `periods` meets [from, to].
bool any_overlap(const std::vector<std::pair<Date, Date>>& periods, int64_t from, int64_t to) {
  if (from > to) return false;
  for (const auto& [start, end] : periods)
    if (start != kMissingDate && int64_t{start} <= to && int64_t{end} >= from) return true;
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

bool has_int(int64_t v, const std::vector<int64_t>& values) {
  return std::find(values.begin(), values.end(), v) != values.end();
}

// No list: every period; otherwise its ICD-10 or its ALD number is listed (either suffices).
bool matches(const EventDefinition& d, const AldPeriod& e) {
  if (d.icd10.empty() && d.ald.empty()) return true;
  return (!e.icd10.empty() && has_code_prefix(e.icd10, d.icd10)) || has_int(e.ald, d.ald);
}

bool matches(const EventDefinition& d, const ActEvent& e) {
  return (d.settings & e.setting) && (d.ccam.empty() || has_code_prefix(e.ccam, d.ccam));
}

bool matches(const EventDefinition& d, const LabEvent& e) {
  return d.nabm.empty() || has_int(e.nabm, d.nabm);
}

bool matches(const EventDefinition& d, const DeathEvent& e) {
  if (d.icd10.empty() || has_code_prefix(e.cause, d.icd10)) return true;
  if (d.any_cause)
    for (auto c : e.other_causes)
      if (has_code_prefix(c, d.icd10)) return true;
  return false;
}

// The events of one source, in patient order: patient p's events are
// at(offsets[p]) .. at(offsets[p+1] - 1), in their original (date) order. A counting sort, so
// events that arrive in any patient order are still grouped correctly; events already sorted by
// patient (as the extractors give them) are their own order, with no permutation to go through.
struct ByPatient {
  std::vector<uint32_t> offsets;
  std::vector<uint32_t> order;  // empty: the identity
  uint32_t at(uint32_t k) const { return order.empty() ? k : order[k]; }
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
  const bool sorted =
      std::is_sorted(events.begin(), events.end(),
                     [](const Event& a, const Event& b) { return a.patient < b.patient; });
  if (sorted) return g;
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
  PatientHistory history;
  PatientBaseline baseline;
  BaselineCounter baseline_counts;  // flushed into `tallies` when the thread is done
  CohortTallies tallies;            // the thread's index codes and baseline
  std::vector<std::string> code_keys;
};

class PatientEvents {
 public:
  PatientEvents(const CohortSpec& spec, const ShardEvents& events, size_t patients)
      : spec_(spec), events_(events) {
    for (size_t d = 0; d < spec.events.size(); ++d)
      if (spec.uses_event(d)) used_.push_back(d);
    if (spec.uses_source(CohortSource::kDispensing)) {
      dispensing_ = group_by_patient(events.dispensing, patients, "dispensing");
      if (events.dispensing_codes.resolved(events.dispensing.size()))
        codes_ = &events.dispensing_codes;
    }
    if (spec.uses_source(CohortSource::kHospitalStay))
      stays_ = group_by_patient(events.stays, patients, "hospital stay");
    if (spec.uses_source(CohortSource::kClaim))
      claims_ = group_by_patient(events.claims, patients, "claim");
    if (!events.claim_days.empty())
      claim_days_ = group_by_patient(events.claim_days, patients, "claim day");
    if (spec.uses_source(CohortSource::kAld)) ald_ = group_by_patient(events.ald, patients, "ald");
    if (spec.uses_source(CohortSource::kAct))
      acts_ = group_by_patient(events.acts, patients, "act");
    if (spec.uses_source(CohortSource::kLab))
      labs_ = group_by_patient(events.labs, patients, "lab");
    for (const auto& [sources, deaths] : events.deaths)
      deaths_.emplace_back(sources, group_by_patient(deaths, patients, "death"));
  }

  // Fills s.dates[d] with patient p's sorted dates of each used definition d, and returns
  // false, with only the index event's dates filled, when p has no index event in the study
  // period: most patients of a shard never enter a cohort, and nothing else is asked of them.
  bool collect(uint32_t p, Scratch& s) const {
    s.dates.resize(spec_.events.size());
    s.history.periods.resize(spec_.events.size());
    collect_definition(p, spec_.index_event, s);
    const auto& own = s.dates[spec_.index_event];
    const auto first = std::lower_bound(own.begin(), own.end(), spec_.study_start);
    if (first == own.end() || *first > spec_.study_end) return false;
    for (size_t d : used_)
      if (d != spec_.index_event) collect_definition(p, d, s);
    return true;
  }

  void collect_definition(uint32_t p, size_t d, Scratch& s) const {
    auto& out = s.dates[d];
    out.clear();
    const auto& def = spec_.events[d];
    switch (def.source) {
      case CohortSource::kDispensing:
        if (codes_) {
          const uint64_t bit = uint64_t{1} << d;
          for (uint32_t k = dispensing_.offsets[p]; k < dispensing_.offsets[p + 1]; ++k) {
            const uint32_t i = dispensing_.at(k);
            if (codes_->definitions[codes_->cip[i]] & bit)
              out.push_back(events_.dispensing[i].date);
          }
          break;
        }
        for (uint32_t k = dispensing_.offsets[p]; k < dispensing_.offsets[p + 1]; ++k) {
          const auto& e = events_.dispensing[dispensing_.at(k)];
          if (matches(def, e)) out.push_back(e.date);
        }
        break;
      case CohortSource::kHospitalStay:
        for (uint32_t k = stays_.offsets[p]; k < stays_.offsets[p + 1]; ++k) {
          const auto& e = events_.stays[stays_.at(k)];
          if (matches(def, e)) out.push_back(e.date);
        }
        break;
      case CohortSource::kClaim:
        collect_claims(def, p, s.claims, out);
        break;
      case CohortSource::kAld: {
        auto& periods = s.history.periods[d];
        periods.clear();
        for (uint32_t k = ald_.offsets[p]; k < ald_.offsets[p + 1]; ++k) {
          const auto& e = events_.ald[ald_.at(k)];
          if (!matches(def, e)) continue;
          out.push_back(e.date);
          periods.emplace_back(e.date, e.end);
        }
        break;  // sorted by start, as extracted
      }
      case CohortSource::kAct:
        collect_points(events_.acts, acts_, def, p, out);
        break;
      case CohortSource::kLab:
        collect_points(events_.labs, labs_, def, p, out);
        break;
      case CohortSource::kDeath:
        for (size_t k = 0; k < deaths_.size(); ++k)
          if (deaths_[k].first == def.death_sources)
            collect_points(events_.deaths[k].second, deaths_[k].second, def, p, out);
        break;
    }
    if (!std::is_sorted(out.begin(), out.end())) std::sort(out.begin(), out.end());
  }

  // The study designs' view of patient p: supplies of the index event, claim days.
  void collect_history(uint32_t p, PatientHistory& h) const {
    h.supplies.clear();
    h.claim_days.clear();
    if (spec_.exposure) {
      const auto& def = spec_.events[spec_.index_event];
      for (uint32_t k = dispensing_.offsets[p]; k < dispensing_.offsets[p + 1]; ++k) {
        const auto& e = events_.dispensing[dispensing_.at(k)];
        if (e.date == kMissingDate || !matches(def, e)) continue;
        const bool large = spec_.exposure->days_per_box == 0 && events_.referential &&
                           events_.referential->large_pack(e.cip13);
        h.supplies.push_back({e.date, e.boxes, large});
      }
      std::stable_sort(h.supplies.begin(), h.supplies.end(),
                       [](const Supply& a, const Supply& b) { return a.date < b.date; });
    }
    if (spec_.no_claim_days) {
      if (events_.claim_day_lookup) {
        events_.claim_day_lookup->days_of(p, h.claim_days);
      } else if (!events_.claim_days.empty()) {
        for (uint32_t k = claim_days_.offsets[p]; k < claim_days_.offsets[p + 1]; ++k)
          h.claim_days.push_back(events_.claim_days[claim_days_.at(k)].date);
      } else {
        for (uint32_t k = claims_.offsets[p]; k < claims_.offsets[p + 1]; ++k) {
          const Date d = events_.claims[claims_.at(k)].date;
          if (d != kMissingDate) h.claim_days.push_back(d);
        }
      }
      if (!std::is_sorted(h.claim_days.begin(), h.claim_days.end()))
        std::sort(h.claim_days.begin(), h.claim_days.end());
      h.claim_days.erase(std::unique(h.claim_days.begin(), h.claim_days.end()), h.claim_days.end());
    }
  }

  // Baseline of a cohort patient: what lies in [index + from, index + to] (an interval event
  // when one of its periods overlaps it).
  void collect_baseline(uint32_t p, const Patient& patient, const CohortRow& row,
                        std::span<const std::vector<Date>> dates, const PatientHistory& history,
                        PatientBaseline& b) const {
    const BaselineSpec& spec = *spec_.baseline;
    const int64_t from = int64_t{row.index_date} + spec.window_from;
    const int64_t to = int64_t{row.index_date} + spec.window_to;
    auto inside = [&](Date d) { return d != kMissingDate && d >= from && d <= to; };
    b.sex = patient.sex;
    b.age_at_index = row.age_at_index;
    b.atc.clear();
    b.class_ids.clear();
    b.drug_ids.clear();
    b.class_names = codes_ ? &codes_->class_names : nullptr;
    b.dp.clear();
    if ((spec.atc || spec.drugs) && codes_) {
      for (uint32_t k = dispensing_.offsets[p]; k < dispensing_.offsets[p + 1]; ++k) {
        const uint32_t i = dispensing_.at(k);
        if (!inside(events_.dispensing[i].date)) continue;
        const uint32_t cip = codes_->cip[i];
        if (codes_->atc_class[cip] != DispensingCodes::kNone)
          b.class_ids.push_back(codes_->atc_class[cip]);
        if (codes_->drug[cip] != DispensingCodes::kNone) b.drug_ids.push_back(codes_->drug[cip]);
      }
    } else if (spec.atc || spec.drugs) {
      for (uint32_t k = dispensing_.offsets[p]; k < dispensing_.offsets[p + 1]; ++k) {
        const auto& e = events_.dispensing[dispensing_.at(k)];
        if (inside(e.date)) b.atc.push_back(e.atc);
      }
    }
    if (spec.dp_chapter || spec.stays)
      for (uint32_t k = stays_.offsets[p]; k < stays_.offsets[p + 1]; ++k) {
        const auto& e = events_.stays[stays_.at(k)];
        if (inside(e.date)) b.dp.push_back(e.dp);
      }
    b.events.assign(spec.events.size(), false);
    for (size_t e = 0; e < spec.events.size(); ++e) {
      const size_t d = spec.events[e];
      b.events[e] = spec_.events[d].source == CohortSource::kAld
                        ? any_overlap(history.periods[d], from, to)
                        : any_in_window(dates[d], from, to);
    }
  }

  // The codes by which patient p's index event matched on the index date.
  void tally_index_codes(uint32_t p, Date index, CohortTallies& t,
                         std::vector<std::string>& keys) const {
    const auto& def = spec_.events[spec_.index_event];
    keys.clear();
    auto add = [&](std::string_view type, std::string_view code) {
      std::string k(type);
      k.push_back('\t');
      k.append(code);
      keys.push_back(std::move(k));
    };
    switch (def.source) {
      case CohortSource::kDispensing:
        for (uint32_t k = dispensing_.offsets[p]; k < dispensing_.offsets[p + 1]; ++k) {
          const auto& e = events_.dispensing[dispensing_.at(k)];
          if (e.date != index || !matches(def, e)) continue;
          add("CIP13", e.cip13);
          add("ATC", e.atc);
        }
        break;
      case CohortSource::kHospitalStay:
        for (uint32_t k = stays_.offsets[p]; k < stays_.offsets[p + 1]; ++k) {
          const auto& e = events_.stays[stays_.at(k)];
          if (e.date != index) continue;
          if ((def.positions & kPositionDP) && has_code_prefix(e.dp, def.icd10))
            add("ICD10_DP", e.dp);
          if ((def.positions & kPositionDR) && has_code_prefix(e.dr, def.icd10))
            add("ICD10_DR", e.dr);
          if (def.positions & kPositionDAS)
            for (auto das : e.das)
              if (has_code_prefix(das, def.icd10)) add("ICD10_DAS", das);
        }
        break;
      case CohortSource::kAld:
        for (uint32_t k = ald_.offsets[p]; k < ald_.offsets[p + 1]; ++k) {
          const auto& e = events_.ald[ald_.at(k)];
          if (e.date != index || !matches(def, e)) continue;
          if (e.ald != kMissingInt) add("ALD", std::to_string(e.ald));
          if (!e.icd10.empty()) add("ICD10_ALD", e.icd10);
        }
        break;
      case CohortSource::kAct:
        for (uint32_t k = acts_.offsets[p]; k < acts_.offsets[p + 1]; ++k) {
          const auto& e = events_.acts[acts_.at(k)];
          if (e.date == index && matches(def, e)) add("CCAM", e.ccam);
        }
        break;
      case CohortSource::kLab:
        for (uint32_t k = labs_.offsets[p]; k < labs_.offsets[p + 1]; ++k) {
          const auto& e = events_.labs[labs_.at(k)];
          if (e.date == index && matches(def, e)) add("NABM", std::to_string(e.nabm));
        }
        break;
      case CohortSource::kDeath:
        for (size_t j = 0; j < deaths_.size(); ++j) {
          if (deaths_[j].first != def.death_sources) continue;
          const ByPatient& g = deaths_[j].second;
          for (uint32_t k = g.offsets[p]; k < g.offsets[p + 1]; ++k) {
            const auto& e = events_.deaths[j].second[g.at(k)];
            if (e.date == index && matches(def, e) && !e.cause.empty()) add("CAUSE", e.cause);
          }
        }
        break;
      case CohortSource::kClaim: {
        // Natures whose lines of the index date net to > 0, as claim events are.
        std::map<int64_t, int64_t> net;
        for (uint32_t k = claims_.offsets[p]; k < claims_.offsets[p + 1]; ++k) {
          const auto& e = events_.claims[claims_.at(k)];
          if (e.date == index && matches(def, e))
            net[e.nature] += e.quantity == kMissingInt ? 0 : e.quantity;
        }
        for (const auto& [nature, q] : net)
          if (q > 0) add("PRS_NAT_REF", std::to_string(nature));
        break;
      }
    }
    std::sort(keys.begin(), keys.end());
    keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
    for (auto& k : keys) ++t.index_codes[k];
  }

 private:
  template <typename Event>
  static void collect_points(const std::vector<Event>& events, const ByPatient& g,
                             const EventDefinition& def, uint32_t p, std::vector<Date>& out) {
    for (uint32_t k = g.offsets[p]; k < g.offsets[p + 1]; ++k) {
      const auto& e = events[g.at(k)];
      if (matches(def, e)) out.push_back(e.date);
    }
  }

  static bool any_in_window(const std::vector<Date>& dates, int64_t from, int64_t to) {
    auto it = std::lower_bound(dates.begin(), dates.end(), from,
                               [](Date d, int64_t v) { return static_cast<int64_t>(d) < v; });
    return it != dates.end() && static_cast<int64_t>(*it) <= to;
  }

  // A claim event is a (date, PRS_NAT_REF) whose summed PRS_ACT_QTE is > 0, as dispensing events
  // are: regularisation lines cancel what they cancel. Missing quantities count as 0.
  void collect_claims(const EventDefinition& def, uint32_t p, std::vector<ClaimPiece>& pieces,
                      std::vector<Date>& out) const {
    pieces.clear();
    for (uint32_t k = claims_.offsets[p]; k < claims_.offsets[p + 1]; ++k) {
      const auto& e = events_.claims[claims_.at(k)];
      if (matches(def, e))
        pieces.push_back({e.date, e.nature, e.quantity == kMissingInt ? 0 : e.quantity});
    }
    // Lines come by date: with one nature (or one line a day) they are already in order.
    auto less = [](const ClaimPiece& a, const ClaimPiece& b) {
      return std::tie(a.date, a.nature) < std::tie(b.date, b.nature);
    };
    if (!std::is_sorted(pieces.begin(), pieces.end(), less))
      std::sort(pieces.begin(), pieces.end(), less);
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
  const DispensingCodes* codes_ = nullptr;  // when the dispensings' codes were resolved
  std::vector<size_t> used_;
  ByPatient dispensing_, stays_, claims_, claim_days_, ald_, acts_, labs_;
  std::vector<std::pair<uint8_t, ByPatient>> deaths_;  // as events_.deaths
};

// True when some date of the sorted `dates` lies in [from, to].
bool any_in(const std::vector<Date>& dates, int64_t from, int64_t to) {
  if (from > to) return false;
  auto it = std::lower_bound(dates.begin(), dates.end(), from,
                             [](Date d, int64_t v) { return static_cast<int64_t>(d) < v; });
  return it != dates.end() && static_cast<int64_t>(*it) <= to;
}

// The index date of a patient with an index event (the first in the study period).
Date index_date_of(const CohortSpec& spec, std::span<const std::vector<Date>> dates) {
  const auto& own = dates[spec.index_event];
  return *std::lower_bound(own.begin(), own.end(), spec.study_start);
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
    case EndReason::kCensored:
      return "censored";
    case EndReason::kExposureEnd:
      return "exposure_end";
    case EndReason::kLost:
      return "lost";
  }
  return "?";
}

std::string end_reason_text(const CohortSpec& spec, EndReason r, uint8_t censor) {
  if (r == EndReason::kCensored && censor < spec.censor.size())
    return "censored:" + spec.events[spec.censor[censor]].name;
  return end_reason_name(r);
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
  tallies.merge(std::move(other.tallies));
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
    w.put<uint8_t>(r.censor);
    w.put_vector(r.outcome_dates);
    w.put<uint32_t>(r.prevalent);
    w.put<int64_t>(r.birth_year);
    w.put<int64_t>(r.birth_month);
    w.put<uint64_t>(r.exposures.size());
    for (const auto& e : r.exposures) {
      w.put<Date>(e.start);
      w.put<Date>(e.end);
      w.put<int64_t>(e.boxes);
    }
    w.put<uint32_t>(r.pseudo_nirs);
  }
  encode_tallies(w, p.tallies);
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
    if (reason > static_cast<uint8_t>(EndReason::kLost)) throw internal_error("bad cohort partial");
    row.end_reason = static_cast<EndReason>(reason);
    row.censor = r.get<uint8_t>();
    row.outcome_dates = r.get_vector<Date>();
    row.prevalent = r.get<uint32_t>();
    row.birth_year = r.get<int64_t>();
    row.birth_month = r.get<int64_t>();
    row.exposures.resize(r.get<uint64_t>());
    for (auto& e : row.exposures) {
      e.start = r.get<Date>();
      e.end = r.get<Date>();
      e.boxes = r.get<int64_t>();
    }
    row.pseudo_nirs = r.get<uint32_t>();
  }
  p.tallies = decode_tallies(r);
  return p;
}

Date first_occurrence(const NamedOutcome& o, std::span<const std::vector<Date>> dates, int64_t from,
                      int64_t to) {
  if (from > to) return kMissingDate;
  auto first_in = [&](const std::vector<Date>& v, int64_t lo, int64_t hi) {
    auto it = std::lower_bound(v.begin(), v.end(), lo,
                               [](Date d, int64_t x) { return static_cast<int64_t>(d) < x; });
    return it != v.end() && static_cast<int64_t>(*it) <= hi ? *it : kMissingDate;
  };
  if (!o.all_of) {
    Date best = kMissingDate;
    for (auto e : o.events) {
      const Date d = first_in(dates[e], from, to);
      if (d != kMissingDate && (best == kMissingDate || d < best)) best = d;
    }
    return best;
  }
  // all_of: D is a date of one of the events in [from, to] at which each event has a date in
  // [D - days, D]; the candidates are walked in date order.
  Date best = kMissingDate;
  for (auto e : o.events) {
    const auto& v = dates[e];
    for (auto it = std::lower_bound(v.begin(), v.end(), static_cast<Date>(from));
         it != v.end() && *it <= to; ++it) {
      if (best != kMissingDate && *it >= best) break;
      bool all = true;
      for (auto other : o.events)
        if (first_in(dates[other], int64_t{*it} - o.days, *it) == kMissingDate) {
          all = false;
          break;
        }
      if (all) {
        best = *it;
        break;
      }
    }
  }
  return best;
}

namespace {

// The end of follow-up and the outcomes of a cohort patient (docs/cohort.md, "Meaning").
void follow_up(const CohortSpec& spec, const Patient& patient,
               std::span<const std::vector<Date>> dates, const PatientHistory* history, Date index,
               int64_t age, CohortRow& row) {
  row.nir.assign(patient.nir);
  row.rank = patient.rank;
  row.index_date = index;
  row.age_at_index = age;
  row.sex.assign(patient.sex);
  row.birth_year = patient.birth_year;
  row.birth_month = patient.birth_month;
  row.pseudo_nirs = patient.pseudo_nirs;
  row.censor = 0;
  row.prevalent = 0;
  row.exposures.clear();

  // The end before outcomes: the earliest of death, censoring, exposure end, loss and study end;
  // on a tie the first of that list wins.
  const bool dies = patient.death != kMissingDate && patient.death <= spec.study_end;
  int64_t end = dies ? patient.death : spec.study_end;
  EndReason reason = dies ? EndReason::kDeath : EndReason::kStudyEnd;
  auto earlier = [&](int64_t date, EndReason r) {
    if (date < end || (date == end && reason == EndReason::kStudyEnd)) {
      end = date;
      reason = r;
      return true;
    }
    return false;
  };
  for (size_t k = 0; k < spec.censor.size(); ++k) {
    const auto& v = dates[spec.censor[k]];
    auto it = std::upper_bound(v.begin(), v.end(), index);
    if (it != v.end() && earlier(*it, EndReason::kCensored)) row.censor = static_cast<uint8_t>(k);
  }
  if (spec.exposure && history) {
    row.exposures = exposure_periods(*spec.exposure, history->supplies, index, spec.study_end);
    if (spec.follow_up_end == FollowUpEnd::kExposureEnd && !row.exposures.empty())
      earlier(int64_t{row.exposures.front().end} + spec.lag_days, EndReason::kExposureEnd);
  }
  if (spec.no_claim_days && history) {
    // Lost on seen + N when no claim falls in (seen, seen + N], seen being the index or the
    // latest claim day, and only when that comes before the end found so far.
    int64_t seen = index;
    const auto& days = history->claim_days;
    for (auto it = std::upper_bound(days.begin(), days.end(), index);
         it != days.end() && *it <= seen + *spec.no_claim_days; ++it)
      seen = *it;
    if (seen + *spec.no_claim_days < end) {
      end = seen + *spec.no_claim_days;
      reason = EndReason::kLost;
    }
  }

  const int64_t clean_from =
      spec.clean_window_days ? int64_t{index} - *spec.clean_window_days : int64_t{index};
  uint32_t bit = 0;
  Date outcome = kMissingDate;
  if (spec.outcome_event) {
    const auto& out = dates[*spec.outcome_event];
    if (spec.clean_window_days && any_in(out, clean_from, int64_t{index} - 1)) {
      row.prevalent |= 1u;
    } else {
      auto it = std::upper_bound(out.begin(), out.end(), index);
      if (it != out.end() && *it <= end) outcome = *it;
    }
    bit = 1;
  }
  row.outcome_date = outcome;
  if (outcome != kMissingDate) {
    end = outcome;
    reason = EndReason::kOutcome;
  }
  row.end_date = static_cast<Date>(end);
  row.end_reason = reason;
  if (reason != EndReason::kCensored) row.censor = 0;
  row.outcome_dates.assign(spec.outcomes.size(), kMissingDate);
  for (size_t k = 0; k < spec.outcomes.size(); ++k, ++bit) {
    const auto& o = spec.outcomes[k];
    if (spec.clean_window_days &&
        first_occurrence(o, dates, clean_from, int64_t{index} - 1) != kMissingDate) {
      row.prevalent |= 1u << bit;
      continue;
    }
    row.outcome_dates[k] = first_occurrence(o, dates, int64_t{index} + 1, end);
  }
}

}  // namespace

size_t evaluate_patient(const CohortSpec& spec, const Patient& patient,
                        std::span<const std::vector<Date>> dates, CohortRow* row,
                        const PatientHistory* history) {
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
        const int64_t from = int64_t{index} + c.window_from, to = int64_t{index} + c.window_to;
        // An interval event is present in the window when one of its periods overlaps it.
        const bool found = spec.events[c.event].source == CohortSource::kAld && history &&
                                   c.event < history->periods.size()
                               ? any_overlap(history->periods[c.event], from, to)
                               : any_in(dates[c.event], from, to);
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

  if (row) follow_up(spec, patient, dates, history, index, age, *row);
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

namespace {

// dispensing_events(lines), with each event's CIP13 rank (DispensingLine::cip) in `cip`.
void net_lines(const std::vector<DispensingLine>& lines, std::vector<DispensingEvent>& out,
               std::vector<uint32_t>& cip) {
  out.reserve(out.size() + lines.size());
  for (size_t i = 0; i < lines.size();) {
    const DispensingLine& first = lines[i];
    int64_t net = 0;
    size_t j = i;
    for (; j < lines.size() && lines[j].patient == first.patient && lines[j].date == first.date &&
           lines[j].cip == first.cip;
         ++j)
      net += lines[j].boxes;
    if (net > 0) {
      out.push_back(DispensingEvent{first.patient, first.date, first.cip13, first.atc, net});
      cip.push_back(first.cip);
    }
    i = j;
  }
}

// The per-CIP13 half of DispensingCodes: definitions matched, baseline class and drug ids.
void resolve_cips(const CohortSpec& spec, const std::vector<std::string_view>& cips,
                  const std::vector<std::string_view>& atcs, DispensingCodes& codes) {
  codes.definitions.assign(cips.size(), 0);
  for (size_t d = 0; d < spec.events.size(); ++d) {
    const auto& def = spec.events[d];
    if (def.source != CohortSource::kDispensing) continue;
    for (size_t c = 0; c < cips.size(); ++c)
      if (has_code_prefix(atcs[c], def.atc) || has_exact(cips[c], def.cip13))
        codes.definitions[c] |= uint64_t{1} << d;
  }
  codes.atc_class.assign(cips.size(), DispensingCodes::kNone);
  codes.drug.assign(cips.size(), DispensingCodes::kNone);
  if (!spec.baseline || !(spec.baseline->atc || spec.baseline->drugs)) return;
  std::unordered_map<std::string_view, uint32_t> class_ids, drug_ids;
  for (size_t c = 0; c < cips.size(); ++c) {
    if (auto a = atc_class(atcs[c], spec.baseline->atc_level); !a.empty()) {
      auto [it, added] = class_ids.try_emplace(a, static_cast<uint32_t>(codes.class_names.size()));
      if (added) codes.class_names.push_back(a);
      codes.atc_class[c] = it->second;
    }
    if (auto a = atc_class(atcs[c], 5); !a.empty())
      codes.drug[c] = drug_ids.try_emplace(a, static_cast<uint32_t>(drug_ids.size())).first->second;
  }
  codes.drugs = static_cast<uint32_t>(drug_ids.size());
}

}  // namespace

DispensingCodes resolve_dispensing_codes(const CohortSpec& spec,
                                         const std::vector<DispensingEvent>& events) {
  DispensingCodes codes;
  if (spec.events.size() > 64) return codes;
  std::map<std::pair<std::string_view, std::string_view>, uint32_t> entries;
  std::vector<std::string_view> cips, atcs;
  for (const auto& e : events) {
    auto [it, added] = entries.try_emplace({e.cip13, e.atc}, static_cast<uint32_t>(entries.size()));
    if (added) {
      cips.push_back(e.cip13);
      atcs.push_back(e.atc);
    }
    codes.cip.push_back(it->second);
  }
  resolve_cips(spec, cips, atcs, codes);
  return codes;
}

std::vector<DispensingEvent> cohort_dispensing_events(const CohortSpec& spec,
                                                      const DispensingSource& source, int threads,
                                                      size_t rows_per_range,
                                                      const std::function<void()>& alongside,
                                                      DispensingCodes* codes) {
  const auto& cips = source.cip13s();
  const auto& atcs = source.atcs();
  // Definition bits fit a word up to 64 definitions; beyond, the engine reads the codes.
  if (spec.events.size() > 64) codes = nullptr;
  if (codes) {
    *codes = DispensingCodes{};
    resolve_cips(spec, cips, atcs, *codes);
  }
  // A baseline of ATC classes or drugs needs every dispensing of the patients.
  std::vector<uint8_t> keep(cips.size(), spec.needs_all_dispensings() ? 1 : 0);
  for (const auto& def : spec.events) {
    if (def.source != CohortSource::kDispensing || spec.needs_all_dispensings()) continue;
    for (size_t c = 0; c < cips.size(); ++c)
      keep[c] = keep[c] || has_code_prefix(atcs[c], def.atc) || has_exact(cips[c], def.cip13);
  }
  // Rows per range: fixed, so the ranges (and the output order) never depend on `threads`.
  const std::vector<size_t> bounds = source.ranges(std::max<size_t>(1, rows_per_range));
  const auto ranges = static_cast<int64_t>(bounds.size() - 1);
  std::vector<std::vector<DispensingEvent>> parts(
      static_cast<size_t>(std::max<int64_t>(0, ranges)));
  std::vector<std::vector<uint32_t>> part_cips(parts.size());
  // Each range's first and last patient of its lines (before netting: lines that cancel out
  // still tell where a patient is).
  std::vector<std::pair<uint32_t, uint32_t>> spans(parts.size(), {1u, 0u});
  // One more thread than ranges when something runs alongside them.
  const int nthreads =
      std::max(1, std::min<int>(threads, static_cast<int>(ranges) + (alongside ? 1 : 0)));
  std::exception_ptr alongside_error;
#pragma omp parallel num_threads(nthreads) if (nthreads > 1)
  {
    std::vector<DispensingLine> lines;
    if (alongside) {
#pragma omp single nowait
      {
        try {
          alongside();
        } catch (...) {
          alongside_error = std::current_exception();
        }
      }
    }
#pragma omp for schedule(dynamic, 1)
    for (int64_t k = 0; k < ranges; ++k) {
      const auto r = static_cast<size_t>(k);
      lines.clear();
      lines.reserve(bounds[r + 1] - bounds[r]);
      source.selected_lines(bounds[r], bounds[r + 1], lines, keep);
      if (!lines.empty()) spans[r] = {lines.front().patient, lines.back().patient};
      net_lines(lines, parts[r], part_cips[r]);
    }
  }
  if (alongside_error) std::rethrow_exception(alongside_error);
  std::vector<DispensingEvent> out;
  std::vector<uint32_t> out_cips;
  // A patient in two ranges (rows out of the stored order) would have its lines netted apart:
  // the shard again, as one range on this thread.
  if (DispensingSource::lines_straddle_ranges(spans)) {
    std::vector<DispensingLine> lines;
    source.selected_lines(0, source.rows(), lines, keep);
    net_lines(lines, out, out_cips);
  } else {
    size_t total = 0;
    for (const auto& part : parts) total += part.size();
    out.reserve(total);
    out_cips.reserve(total);
    for (size_t r = 0; r < parts.size(); ++r) {
      out.insert(out.end(), parts[r].begin(), parts[r].end());
      out_cips.insert(out_cips.end(), part_cips[r].begin(), part_cips[r].end());
    }
  }
  if (codes) codes->cip = std::move(out_cips);
  return out;
}

CohortPartial evaluate_cohort(const CohortSpec& spec, const PatientIndex& patients,
                              const ShardEvents& events, int threads) {
  const size_t n = patients.patients.size();
  const size_t steps = spec.step_names().size();
  const PatientEvents grouped(spec, events, n);
  const bool with_history = spec.exposure || spec.no_claim_days;

  const size_t chunks = (n + kPatientsPerChunk - 1) / kPatientsPerChunk;
  std::vector<CohortPartial> parts(chunks);
  std::vector<std::exception_ptr> errors(chunks);
  // Tallies are sums: each thread keeps its own over all the chunks it runs.
  std::vector<CohortTallies> thread_tallies(static_cast<size_t>(std::max(1, threads)));
  std::exception_ptr tally_error;
  // One chunk (a small shard) runs on the calling thread: no team to wake for it.
#pragma omp parallel num_threads(std::max(1, threads)) if (chunks > 1 && threads > 1)
  {
    Scratch scratch;
#pragma omp for schedule(dynamic, 1) nowait
    for (size_t c = 0; c < chunks; ++c) {
      try {
        auto& part = parts[c];
        part.attrition.assign(steps, 0);
        const size_t end = std::min(n, (c + 1) * kPatientsPerChunk);
        CohortRow row;
        for (size_t p = c * kPatientsPerChunk; p < end; ++p) {
          const auto id = static_cast<uint32_t>(p);
          const Patient& patient = patients.patients[p];
          // No index event: attrition step 0, no row, no index code.
          if (!grouped.collect(id, scratch)) continue;
          // The history's ALD periods (criteria overlap) are filled by collect(); its supplies
          // and claim days are only read with a row.
          size_t passed = evaluate_patient(spec, patient, scratch.dates, nullptr, &scratch.history);
          // The history (supplies, claim days) only of the cohort's patients.
          if (passed == steps) {
            if (with_history) grouped.collect_history(id, scratch.history);
            passed = evaluate_patient(spec, patient, scratch.dates, &row, &scratch.history);
          }
          for (size_t s = 0; s < passed; ++s) ++part.attrition[s];
          if (spec.index_codes && passed > 0)
            grouped.tally_index_codes(id, index_date_of(spec, scratch.dates), scratch.tallies,
                                      scratch.code_keys);
          if (passed != steps) continue;
          if (spec.baseline) {
            grouped.collect_baseline(id, patient, row, scratch.dates, scratch.history,
                                     scratch.baseline);
            scratch.baseline_counts.add(*spec.baseline, scratch.baseline);
          }
          part.rows.push_back(row);
        }
      } catch (...) {
        errors[c] = std::current_exception();
      }
    }
    try {
      scratch.baseline_counts.flush(scratch.tallies);
      thread_tallies[static_cast<size_t>(omp_get_thread_num())] = std::move(scratch.tallies);
    } catch (...) {
#pragma omp critical(cohort_tally_error)
      tally_error = std::current_exception();
    }
  }
  for (auto& e : errors)
    if (e) std::rethrow_exception(e);
  if (tally_error) std::rethrow_exception(tally_error);

  CohortPartial result;
  result.attrition.assign(steps, 0);
  for (auto& part : parts) result.merge(std::move(part));
  for (auto& t : thread_tallies) result.tallies.merge(std::move(t));
  return result;
}

}  // namespace snds
