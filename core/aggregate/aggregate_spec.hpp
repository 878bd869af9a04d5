// The aggregate job as the engine sees it (reference section 5), once jobs/aggregate has read and
// checked the YAML: the event source, the period and code filters, the group columns, the
// measures and the disclosure threshold. Names and applicability rules live here so the config
// reader, the engine, the writers and the docs agree on one list.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/date.hpp"
#include "core/events/events.hpp"

namespace snds {

enum class Dimension : uint8_t {
  kAtc,   // PHA_ATC_C07 (7 chars)
  kAtc1,  // prefixes of 1, 3, 4 and 5 chars (ATC levels 1 to 4)
  kAtc2,
  kAtc3,
  kAtc4,
  kCip13,       // PHA_PRS_C13
  kMonth,       // YYYY-MM of the event date
  kYear,        // YYYY of the event date
  kSex,         // BEN_SEX_COD as stored
  kAgeBand,     // age in the event's year, in 10-year bands
  kDepartment,  // BEN_RES_DPT
  kDp,          // a stay's main diagnosis (DGN_PAL), first 3 chars
  // Open Medic's dimensions and the processing month (docs/aggregate.md).
  kAtc5,                // alias of kAtc, printed as atc5 (ATC level 5)
  kRegion,              // the region of BEN_RES_DPT (core/aggregate/regions.hpp)
  kPrescriberSpecialty, // PSP_SPE_COD of the pharmacy line's ER_PRS_F row
  kGenericGroup,        // PHA_GRP_GEN of the CIP13 in IR_PHA_R, empty when none
  kFluxMonth,           // YYYY-MM of FLX_DIS_DTD (DCIR processing month)
  // The sources of core/events/care_sources.hpp.
  kCcam,   // act: the CCAM code (CAM_PRS_IDE, CDC_ACT)
  kNabm,   // lab: BIO_PRS_IDE
  kAld,    // ald: IMB_ALD_NUM ("" when missing)
  kCause,  // death: the initial cause's first 3 characters ("" when none)
};

enum class Measure : uint8_t {
  kLines,     // pharmacy lines, stays (per patient) or claim lines
  kBoxes,     // sum of PHA_ACT_QSN, signed (dispensing)
  kPatients,  // distinct patients
  kAmount,    // sum of PRS_PAI_MNT (claim)
  kDays,      // sum of SEJ_NBJ (hospital_stay)
  kBase,      // sum of BSE_REM_MNT (dispensing: of the line's ER_PRS_F row)
};

std::string_view source_name(ExtractorKind source);  // "dispensing", "hospital_stay", "claim"
std::string_view dimension_name(Dimension d);
std::string_view measure_name(Measure m);
std::optional<ExtractorKind> parse_source(std::string_view name);
std::optional<Dimension> parse_dimension(std::string_view name);
std::optional<Measure> parse_measure(std::string_view name);
std::vector<std::string> all_source_names();
std::vector<std::string> all_dimension_names();
std::vector<std::string> all_measure_names();
bool dimension_applies(Dimension d, ExtractorKind source);
bool measure_applies(Measure m, ExtractorKind source);
// The sources a dimension or measure applies to, for error messages ("dispensing").
std::string dimension_sources(Dimension d);
std::string measure_sources(Measure m);
// Decimal measures (scaled by 10^4, printed with format_decimal); the others are counts.
inline bool is_decimal_measure(Measure m) {
  return m == Measure::kBoxes || m == Measure::kAmount || m == Measure::kBase;
}
// Measures that add up over groups (every one but the distinct patients).
inline bool is_additive_measure(Measure m) {
  return m != Measure::kPatients;
}
// The ATC family of dimensions, coarsest first: a hierarchy (each level is a prefix of the next,
// a CIP13 has one ATC). Margins collapse a hierarchy from its finest level up.
int hierarchy_level(Dimension d);  // 0 (atc1) ... 5 (cip13); -1 outside the ATC family

// Which diagnoses of a stay an icd10 filter looks at.
struct StayPositions {
  bool dp = true;
  bool dr = false;
  bool das = false;
};

struct AggregateSpec {
  ExtractorKind source = ExtractorKind::kDispensing;
  std::optional<Date> period_start;       // inclusive; none: no bound
  std::optional<Date> period_end;         // inclusive
  std::vector<std::string> atc_filter;    // dispensing: ATC prefixes (empty: every line)
  std::vector<std::string> icd10_filter;  // hospital_stay, ald, death: ICD-10 prefixes
  // The sources of core/events/care_sources.hpp (empty lists: no filter).
  std::vector<int64_t> ald_filter;        // ald: IMB_ALD_NUM (either list may match)
  std::vector<std::string> ccam_filter;   // act: CCAM prefixes
  uint8_t act_settings = 3;               // act: kActDcir | kActPmsi
  std::vector<int64_t> nabm_filter;       // lab: BIO_PRS_IDE
  uint8_t death_sources = 7;              // death: DeathSource bits
  bool any_cause = false;                 // death: icd10 also looks at the other causes
  StayPositions positions;                // hospital_stay: where icd10 prefixes are looked for
  std::vector<Dimension> group_by;
  std::vector<Measure> measures;
  int64_t min_patients = 10;  // rows with fewer distinct patients are masked; 1 masks nothing
  bool totals = false;        // margin rows (ALL in collapsed columns), core/aggregate/margins.hpp
  bool secondary = false;     // secondary suppression over the margins (disclosure.hpp)
  // DCIR processing cut-off: lines with FLX_DIS_DTD after it are left out (none: no cut-off).
  // `flux_months_after_period` keeps how it was written, for the manifest.
  std::optional<Date> flux_until;
  std::optional<int64_t> flux_months_after_period;

  bool groups_by(Dimension d) const;
  bool measures_include(Measure m) const;
};

// The value of a collapsed column in margin rows.
inline constexpr std::string_view kAllValue = "ALL";

}  // namespace snds
