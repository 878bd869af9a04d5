// Hand-made patients and events for cohort engine tests: a PatientIndex and ShardEvents built
// value by value (the strings live in the world), and the study of the reference's example.
#pragma once

#include <deque>
#include <initializer_list>
#include <set>
#include <string>
#include <vector>

#include "core/cohort/cohort_engine.hpp"
#include "core/cohort/cohort_spec.hpp"

namespace snds::test {

inline Date day(int y, unsigned m, unsigned d) {
  return days_from_civil(y, m, d);
}

class CohortWorld {
 public:
  // Adds a patient; returns its index. Patients must be added in (nir, rank) order, as a shard
  // holds them.
  uint32_t patient(const std::string& nir, int64_t rank = 1, int64_t birth_year = 1960,
                   Date death = kMissingDate, const std::string& sex = "1") {
    Patient p;
    p.nir = keep(nir);
    p.rank = rank;
    p.birth_year = birth_year;
    p.death = death;
    p.sex = keep(sex);
    index.patients.push_back(p);
    return static_cast<uint32_t>(index.patients.size() - 1);
  }
  void dispense(uint32_t p, Date date, const std::string& atc,
                const std::string& cip13 = "3400930000001", int64_t boxes = 10000) {
    events.dispensing.push_back({p, date, keep(cip13), keep(atc), boxes});
  }
  void stay(uint32_t p, Date date, const std::string& dp, const std::string& dr = "",
            std::initializer_list<std::string> das = {}) {
    StayEvent s{};
    s.patient = p;
    s.date = date;
    s.year = year_of(date);
    s.dp = keep(dp);
    s.dr = keep(dr);
    for (const auto& d : das) s.das.push_back(keep(d));
    events.stays.push_back(std::move(s));
  }
  void claim(uint32_t p, Date date, int64_t nature, int64_t quantity) {
    events.claims.push_back({p, date, nature, quantity, 0, kMissingDate});
  }

  std::string_view keep(const std::string& s) { return strings_.emplace_back(s); }

  PatientIndex index;
  ShardEvents events;
  std::set<std::string, std::less<>> large_packs;  // CIP13s of PHA_CND_TOP = GC (reference only)

 private:
  std::deque<std::string> strings_;
};

// events: statin (dispensing C10AA), mi_any (stay I21/I22 at DP, DR, DAS), mi_main (DP only),
// metformin (dispensing A10BA), consult (claim nature 1111); study 2020-01-01..2022-12-31;
// index statin with `washout` days; no criteria; outcome mi_main.
inline CohortSpec example_spec(int64_t washout = 365) {
  CohortSpec s;
  s.study_start = day(2020, 1, 1);
  s.study_end = day(2022, 12, 31);
  auto def = [](const char* name, CohortSource source, std::vector<std::string> codes,
                uint8_t positions = kAllPositions) {
    EventDefinition d;
    d.name = name;
    d.source = source;
    if (source == CohortSource::kDispensing) d.atc = std::move(codes);
    if (source == CohortSource::kHospitalStay) d.icd10 = std::move(codes);
    d.positions = positions;
    return d;
  };
  auto statin = def("statin", CohortSource::kDispensing, {"C10AA"});
  auto mi_any = def("mi_any", CohortSource::kHospitalStay, {"I21", "I22"});
  auto mi_main = def("mi_main", CohortSource::kHospitalStay, {"I21", "I22"}, kPositionDP);
  auto metformin = def("metformin", CohortSource::kDispensing, {"A10BA"});
  auto consult = def("consult", CohortSource::kClaim, {});
  consult.nature = {1111};
  s.events = {statin, mi_any, mi_main, metformin, consult};
  s.index_event = 0;
  s.washout_days = washout;
  s.outcome_event = 2;
  return s;
}

inline Criterion age_criterion(const std::string& name, std::optional<int64_t> min,
                               std::optional<int64_t> max) {
  Criterion c;
  c.name = name;
  c.kind = CriterionKind::kAgeAtIndex;
  c.min_age = min;
  c.max_age = max;
  return c;
}

inline Criterion event_criterion(const std::string& name, CriterionKind kind, size_t event,
                                 int64_t from, int64_t to) {
  Criterion c;
  c.name = name;
  c.kind = kind;
  c.event = event;
  c.window_from = from;
  c.window_to = to;
  return c;
}

inline Criterion alive_criterion(const std::string& name) {
  Criterion c;
  c.name = name;
  c.kind = CriterionKind::kExcludeDeadBeforeIndex;
  return c;
}

}  // namespace snds::test
