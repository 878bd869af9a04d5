// The cohort engine: evaluates a study (core/cohort/cohort_spec.hpp) on one shard's patients and
// events, each patient on its own (a patient's whole history lives in one shard), in OpenMP
// threads over fixed ranges of patients. The answer never depends on the thread count.
//
// Rules (contract section 6; docs/cohort.md):
//   index    = the patient's first index event dated in [study.start, study.end]
//   washout  = out when an index event is dated in [index - washout_days, index - 1]
//   criteria = in order; each is one attrition step
//   outcome  = first outcome event dated in (index, min(death, study.end)]
//   end      = min(outcome, death, study.end); end_reason: outcome beats death beats study_end
//              on a tie
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "core/cohort/cohort_spec.hpp"
#include "core/events/events.hpp"
#include "core/serialize.hpp"

namespace snds {

// The events of one shard a study may need, each sorted by patient (then date).
struct ShardEvents {
  std::vector<DispensingEvent> dispensing;
  std::vector<StayEvent> stays;
  std::vector<ClaimLine> claims;
};

enum class EndReason : uint8_t { kOutcome = 0, kDeath = 1, kStudyEnd = 2 };
const char* end_reason_name(EndReason r);

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

  bool operator==(const CohortRow&) const = default;
};

// Cohort order: BEN_NIR_PSA by bytes, then BEN_RNG_GEM by value.
bool cohort_row_less(const CohortRow& a, const CohortRow& b);

// What a set of patients gives: cohort rows (in patient order) and, per attrition step
// (spec.step_names()), how many patients passed it.
struct CohortPartial {
  std::vector<CohortRow> rows;
  std::vector<uint64_t> attrition;

  // Adds another partial (rows appended, counts summed); sort_rows() afterwards gives the same
  // result whatever the order partials were merged in.
  void merge(CohortPartial&& other);
  void sort_rows();
};

void encode_partial(ByteWriter& w, const CohortPartial& p);
CohortPartial decode_partial(ByteReader& r);

// The rule for one patient. `dates[d]` holds the sorted dates of event definition d for this
// patient (only the definitions the study uses need to be filled). Returns how many attrition
// steps the patient passed (0: no index event in the study period ... step count: in the cohort,
// and then `row` is filled).
size_t evaluate_patient(const CohortSpec& spec, const Patient& patient,
                        std::span<const std::vector<Date>> dates, CohortRow* row);

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
// knob (tests set it small to get many ranges from small shards).
inline constexpr size_t kCohortRowsPerRange = 32768;
std::vector<DispensingEvent> cohort_dispensing_events(const CohortSpec& spec,
                                                      const DispensingSource& source, int threads,
                                                      size_t rows_per_range = kCohortRowsPerRange);

CohortPartial evaluate_cohort(const CohortSpec& spec, const PatientIndex& patients,
                              const ShardEvents& events, int threads);

}  // namespace snds
