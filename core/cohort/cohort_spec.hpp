// The cohort study as the engine sees it (contract section 6), once the YAML config has been read
// and checked by jobs/cohort/cohort_config.cpp: event definitions referred to by position, an
// index event with its washout, criteria in attrition order, an optional outcome. Plain values
// only, so the engine, its tests and the manifest share one description of the study.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <boost/json.hpp>

#include "core/date.hpp"

namespace snds {

// Where a study event comes from (an extractor of core/events/events.hpp).
enum class CohortSource : uint8_t { kDispensing, kHospitalStay, kClaim };

// Diagnosis positions of a hospital stay, as a bit set.
enum DiagnosisPosition : uint8_t { kPositionDP = 1, kPositionDR = 2, kPositionDAS = 4 };
inline constexpr uint8_t kAllPositions = kPositionDP | kPositionDR | kPositionDAS;

const char* cohort_source_name(CohortSource s);

// One entry of `events:`. Which lists apply depends on the source:
//   dispensing:    atc (prefixes of PHA_ATC_C07) and/or cip13 (exact PHA_PRS_C13 codes)
//   hospital_stay: icd10 (prefixes) at `positions` (default DP only, as the aggregate job's filter)
//   claim:         nature (PRS_NAT_REF codes)
struct EventDefinition {
  std::string name;
  CohortSource source = CohortSource::kDispensing;
  std::vector<std::string> atc;
  std::vector<std::string> cip13;
  std::vector<std::string> icd10;
  uint8_t positions = kPositionDP;
  std::vector<int64_t> nature;
};

enum class CriterionKind : uint8_t {
  kAgeAtIndex,
  kExcludeEvent,
  kRequireEvent,
  kExcludeDeadBeforeIndex
};

struct Criterion {
  std::string name;
  CriterionKind kind = CriterionKind::kAgeAtIndex;
  std::optional<int64_t> min_age, max_age;  // kAgeAtIndex, inclusive
  size_t event = 0;                         // kExcludeEvent, kRequireEvent: index in events
  int64_t window_from = 0, window_to = 0;   // days relative to the index date, inclusive
};

struct CohortSpec {
  Date study_start = 0, study_end = 0;  // inclusive
  std::vector<EventDefinition> events;
  size_t index_event = 0;
  int64_t washout_days = 0;  // 0: no washout
  std::vector<Criterion> criteria;
  std::optional<size_t> outcome_event;

  // Attrition step names in output order: index_event, washout, then each criterion's name.
  std::vector<std::string> step_names() const;
  // Which event sources some used definition needs (so a job extracts nothing else).
  bool uses_source(CohortSource s) const;
};

// The study with every default filled in, as recorded in the job manifest.
boost::json::object cohort_spec_to_json(const CohortSpec& spec);

}  // namespace snds
