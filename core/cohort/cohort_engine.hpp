// The cohort engine: evaluates a study (core/cohort/cohort_spec.hpp) on one shard's patients and
// events, each patient on its own (a patient's whole history lives in one shard), in OpenMP
// threads over fixed ranges of patients. The answer never depends on the thread count.
//
// Rules (reference section 6; docs/cohort.md):
//   index    = the patient's first index event dated in [study.start, study.end]
//   washout  = out when an index event is dated in [index - washout_days, index - 1]
//   criteria = in order; each is one attrition step
//   outcome  = first outcome event dated in (index, min(death, study.end)]
//   end      = min(outcome, death, study.end); end_reason: outcome beats death beats study_end
//              on a tie
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "core/cohort/baseline.hpp"
#include "core/cohort/cohort_spec.hpp"
#include "core/cohort/exposure.hpp"
#include "core/events/care_sources.hpp"
#include "core/events/events.hpp"
#include "core/serialize.hpp"

namespace snds {

// What the definitions and the baseline ask of a dispensing, resolved once per CIP13 of the shard
// rather than once per event (cohort_dispensing_events fills it). Empty `cip`: not resolved, the
// engine then reads the events' codes.
struct DispensingCodes {
  std::vector<uint32_t> cip;  // per event of ShardEvents::dispensing: its CIP13's rank
  // Per CIP13 rank: bit d set when event definition d (a dispensing one, d < 64) matches it.
  std::vector<uint64_t> definitions;
  // Per CIP13 rank: its ATC class at the baseline's atc_level and its drug (ATC level 5), as ids
  // into class_names and 0 .. drugs - 1; kNone when it has none (unknown or short ATC).
  static constexpr uint32_t kNone = UINT32_MAX;
  std::vector<uint32_t> atc_class, drug;
  std::vector<std::string_view> class_names;
  uint32_t drugs = 0;
  bool resolved(size_t events) const { return !cip.empty() && cip.size() == events; }
};

// The events of one shard a study may need, each sorted by patient (then date).
struct ShardEvents {
  std::vector<DispensingEvent> dispensing;
  DispensingCodes dispensing_codes;  // resolved when cohort_dispensing_events made `dispensing`
  std::vector<StayEvent> stays;
  std::vector<ClaimLine> claims;
  // Loss to follow-up's claim days when no event definition reads claims (extract_claim_days);
  // otherwise they are taken from `claims`.
  std::vector<ClaimDay> claim_days;
  // Or, in place of claim_days, each cohort member's days looked up in the shard (not null).
  const ClaimDayLookup* claim_day_lookup = nullptr;
  std::vector<AldPeriod> ald;
  std::vector<ActEvent> acts;
  std::vector<LabEvent> labs;
  // Deaths, once per distinct `sources` set of the study's death definitions.
  std::vector<std::pair<uint8_t, std::vector<DeathEvent>>> deaths;
  // Pack sizes (PHA_CND_TOP) for exposures by pack size; null when not needed.
  const DrugReferential* referential = nullptr;
};

// censored:<event> is kCensored with CohortRow::censor naming which of spec.censor.
enum class EndReason : uint8_t {
  kOutcome = 0,
  kDeath = 1,
  kStudyEnd = 2,
  kCensored = 3,
  kExposureEnd = 4,
  kLost = 5
};
const char* end_reason_name(EndReason r);
// end_reason as cohort.csv writes it: "censored:<event>" for a censoring.
std::string end_reason_text(const CohortSpec& spec, EndReason r, uint8_t censor);

// One patient of the cohort: a row of cohort.csv.
struct CohortRow {
  std::string nir;   // BEN_NIR_PSA
  int64_t rank = 0;  // BEN_RNG_GEM
  Date index_date = kMissingDate;
  int64_t age_at_index = INT64_MIN;  // kMissingInt when the birth year is unknown
  std::string sex;                   // BEN_SEX_COD as stored
  Date outcome_date = kMissingDate;  // kMissingDate when none
  Date end_date = kMissingDate;
  EndReason end_reason = EndReason::kStudyEnd;
  uint8_t censor = 0;                 // kCensored: index in spec.censor
  std::vector<Date> outcome_dates{};  // one per spec.outcomes (kMissingDate when none)
  // Bit k: outcome k of spec.incidence_outcome_names() occurred in the clean window before
  // index (not an incident outcome: the patient is not at risk of it).
  uint32_t prevalent = 0;
  int64_t birth_year = kMissingInt, birth_month = kMissingInt;  // for incidence age bands
  std::vector<ExposurePeriod> exposures{};                      // with `exposure:` only
  uint32_t pseudo_nirs = 1;  // the person's pseudo-NIRs (nir, rank: its smallest)

  bool operator==(const CohortRow&) const = default;
};

// Cohort order: BEN_NIR_PSA by bytes, then BEN_RNG_GEM by value.
bool cohort_row_less(const CohortRow& a, const CohortRow& b);

// What a set of patients gives: cohort rows (in patient order) and, per attrition step
// (spec.step_names()), how many patients passed it.
struct CohortPartial {
  std::vector<CohortRow> rows;
  std::vector<uint64_t> attrition;
  CohortTallies tallies;  // baseline and index_codes counts

  // Adds another partial (rows appended, counts summed); sort_rows() afterwards gives the same
  // result whatever the order partials were merged in.
  void merge(CohortPartial&& other);
  void sort_rows();
};

void encode_partial(ByteWriter& w, const CohortPartial& p);
CohortPartial decode_partial(ByteReader& r);

// What the study designs need of a patient beyond the dates of each definition.
struct PatientHistory {
  std::vector<Supply> supplies;  // the index event's dispensings, by date (exposure)
  std::vector<Date> claim_days;  // distinct dates of any claim line, sorted (loss to follow-up)
  // Per event definition of an interval source (ald): its periods [start, end], sorted by start
  // as the definition's dates are; empty for the others. Criteria windows test overlap on them.
  std::vector<std::vector<std::pair<Date, Date>>> periods;
};

// The rule for one patient. `dates[d]` holds the sorted dates of event definition d for this
// patient (only the definitions the study uses need to be filled). Returns how many attrition
// steps the patient passed (0: no index event in the study period ... step count: in the cohort,
// and then `row` is filled). `history` is needed with exposure or loss_to_follow_up.
size_t evaluate_patient(const CohortSpec& spec, const Patient& patient,
                        std::span<const std::vector<Date>> dates, CohortRow* row,
                        const PatientHistory* history = nullptr);

// The first date D in [from, to] on which `o` occurs (see NamedOutcome), or kMissingDate.
Date first_occurrence(const NamedOutcome& o, std::span<const std::vector<Date>> dates, int64_t from,
                      int64_t to);

// Every patient of the shard: events of each source are grouped by patient, each patient's
// events are matched against the definitions once, then evaluate_patient() decides.
// The diagnosis prefixes of the spec's hospital-stay definitions, by position: extract_stays
// with this filter keeps every stay some definition can match, and only those.
StayCodeFilter cohort_stay_codes(const CohortSpec& spec);

// The dispensing events the spec's definitions can match, for the whole shard: lines of other
// CIP13s are never extracted (netting is per CIP13, so leaving them out changes no other event).
// The rank's threads extract patient-aligned row ranges; the result is the same sequence as
// dispensing_events(extract_dispensing_lines(...)) restricted to those CIP13s, whatever `threads`
// (and whatever the rows' order: see DispensingSource::ranges). `rows_per_range` is a tuning
// knob (tests set it small to get many ranges from small shards). `alongside`, when given, runs
// once on one thread of the team while the others extract ranges (then it helps them): the
// shard's serial extractions (claims, stays) overlap the parallel one. Its exception, if any, is
// rethrown after the team is done. `codes`, when given, receives the events' DispensingCodes.
inline constexpr size_t kCohortRowsPerRange = 32768;
std::vector<DispensingEvent> cohort_dispensing_events(const CohortSpec& spec,
                                                      const DispensingSource& source, int threads,
                                                      size_t rows_per_range = kCohortRowsPerRange,
                                                      const std::function<void()>& alongside = {},
                                                      DispensingCodes* codes = nullptr);

// DispensingCodes of events made otherwise (hand-made events: each distinct (CIP13, ATC) pair is
// one entry of the tables); evaluate_cohort gives the same answer with them as without.
DispensingCodes resolve_dispensing_codes(const CohortSpec& spec,
                                         const std::vector<DispensingEvent>& events);

CohortPartial evaluate_cohort(const CohortSpec& spec, const PatientIndex& patients,
                              const ShardEvents& events, int threads);

}  // namespace snds
