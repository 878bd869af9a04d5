// The cohort study as the engine sees it (reference section 6), once the YAML config has been read
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
// kAld is an interval source (core/events/care_sources.hpp): its dates are period starts, and a
// criterion's window (and a baseline event) asks whether a period overlaps it.
enum class CohortSource : uint8_t { kDispensing, kHospitalStay, kClaim, kAld, kAct, kLab, kDeath };

inline constexpr size_t kMaxOutcomes = 32;

// Diagnosis positions of a hospital stay, as a bit set.
enum DiagnosisPosition : uint8_t { kPositionDP = 1, kPositionDR = 2, kPositionDAS = 4 };
inline constexpr uint8_t kAllPositions = kPositionDP | kPositionDR | kPositionDAS;

const char* cohort_source_name(CohortSource s);

// One entry of `events:`. Which lists apply depends on the source:
//   dispensing:    atc (prefixes of PHA_ATC_C07) and/or cip13 (exact PHA_PRS_C13 codes)
//   hospital_stay: icd10 (prefixes) at `positions` (default DP only, as the aggregate job's filter)
//   claim:         nature (PRS_NAT_REF codes)
//   ald:           icd10 (prefixes of MED_MTF_COD) and/or ald (IMB_ALD_NUM); none: every period
//   act:           ccam (prefixes), settings (ActSetting bits; default both)
//   lab:           nabm (exact BIO_PRS_IDE codes); none: every test
//   death:         icd10 (prefixes of the initial cause, or of any cause with any_cause),
//                  sources (DeathSource bits; default all)
struct EventDefinition {
  std::string name;
  CohortSource source = CohortSource::kDispensing;
  std::vector<std::string> atc;
  std::vector<std::string> cip13;
  std::vector<std::string> icd10;
  uint8_t positions = kPositionDP;
  std::vector<int64_t> nature;
  std::vector<int64_t> ald;
  std::vector<std::string> ccam;
  uint8_t settings = 3;  // act: kActDcir | kActPmsi
  std::vector<int64_t> nabm;
  uint8_t death_sources = 7;  // death: kDeathIrBenR | kDeathCauses | kDeathPmsi
  bool any_cause = false;     // death: icd10 looks at the other causes too
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

// `exposure:` (docs/cohort.md): treatment periods from the index event's dispensings.
struct ExposureSpec {
  // Days one box covers; 0: by pack size, 30 days a box, 90 for PHA_CND_TOP = GC.
  int64_t days_per_box = 0;
  int64_t grace_days = 0;  // periods whose uncovered gap is <= grace_days are merged
  bool stockpile = false;  // overlapping supplies carried forward
  // min_purchases mode (count > 0): exposed from the count-th purchase within within_days, up to
  // study.end (SCALPEL3's "unlimited" exposures).
  int64_t min_purchases = 0;
  int64_t within_days = 0;
};

enum class FollowUpEnd : uint8_t { kStudyEnd, kExposureEnd };

// One entry of `outcomes:`: the outcome occurs on a date of any listed event (`event` and
// `any_of`), or (`all_of`) on a date D where each listed event has a date in [D - days, D].
struct NamedOutcome {
  std::string name;
  std::vector<size_t> events;
  bool all_of = false;
  int64_t days = 0;  // all_of only
  std::string form;  // "event", "any_of" or "all_of", for the manifest
};

enum class IncidenceStratum : uint8_t { kSex, kAgeBand, kYear };

struct IncidenceSpec {
  int64_t per = 1000;
  std::vector<IncidenceStratum> strata;
};

struct BaselineSpec {
  int64_t window_from = -365, window_to = 0;
  bool sex = false, age_band = false, atc = false, dp_chapter = false, stays = false, drugs = false;
  int atc_level = 3;
  std::vector<size_t> events;
  std::vector<std::string> covariates;  // as written, for the manifest
};

struct CohortSpec {
  Date study_start = 0, study_end = 0;  // inclusive
  std::vector<EventDefinition> events;
  size_t index_event = 0;
  int64_t washout_days = 0;  // 0: no washout
  std::vector<Criterion> criteria;
  std::optional<size_t> outcome_event;

  // Study designs (all optional; without them the job answers as before).
  std::optional<ExposureSpec> exposure;
  FollowUpEnd follow_up_end = FollowUpEnd::kStudyEnd;
  int64_t lag_days = 0;
  std::vector<size_t> censor;                // events ending follow-up on their first date > index
  std::optional<int64_t> no_claim_days;      // loss_to_follow_up
  std::vector<NamedOutcome> outcomes;        // `outcomes:`, at most kMaxOutcomes
  std::optional<int64_t> clean_window_days;  // incident outcomes only
  std::optional<IncidenceSpec> incidence;
  std::optional<BaselineSpec> baseline;
  bool index_codes = false;
  int64_t min_patients = 10;  // disclosure.min_patients: masking of incidence, baseline, codes

  // Outcomes followed for incidence: the single `outcome:` (named by its event) then `outcomes:`.
  std::vector<std::string> incidence_outcome_names() const;
  // Whether some design needs every dispensing or every stay of the patients (baseline).
  bool needs_all_dispensings() const { return baseline && (baseline->atc || baseline->drugs); }
  bool needs_all_stays() const { return baseline && (baseline->dp_chapter || baseline->stays); }
  // Whether definition d is used somewhere (index, criteria, outcomes, censor, baseline).
  bool uses_event(size_t d) const;

  // Attrition step names in output order: index_event, washout, then each criterion's name.
  std::vector<std::string> step_names() const;
  // Which event sources some used definition needs (so a job extracts nothing else).
  bool uses_source(CohortSource s) const;
  // The act settings and death sources the used definitions of those sources ask for (bits).
  uint8_t act_settings() const;
  uint8_t death_sources() const;
};

// The study with every default filled in, as recorded in the job manifest.
boost::json::object cohort_spec_to_json(const CohortSpec& spec);

}  // namespace snds
