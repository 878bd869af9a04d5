// Event extractors shared by the aggregate and cohort jobs: per-shard, per-patient views of the
// store built from the columns they need only (reference section 3).
//
// A shard's patients are the IR_BEN_R rows of the shard, sorted by BEN_NIR_PSA then BEN_RNG_GEM
// (the stored order; build_patient_index sorts anyway, so hand-made shards need not be sorted);
// a (BEN_NIR_PSA, BEN_RNG_GEM) listed twice is one patient (its first row). Every event refers
// to its patient by index in that list. Lines of patients absent from IR_BEN_R are left out.
// Events come out sorted by (patient, date, then a stable tie-break), so a cohort walks each
// patient's history once and an aggregate sees each patient's events contiguously.
//
// Missing values: an event keeps a missing date (kMissingDate, sorted first); a missing quantity,
// amount or SEJ_NBJ reads as 0 (the line still exists). Tables absent from the shard give no
// events; a needed column absent from a present table is an internal error (ingest guarantees it).
#pragma once

#include <algorithm>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/catalog.hpp"
#include "core/column.hpp"
#include "core/date.hpp"
#include "core/shard_data.hpp"

namespace snds {

// The ATC of a CIP13 absent from IR_PHA_R (or present with an empty PHA_ATC_C07).
inline constexpr std::string_view kUnknownAtc = "UNKNOWN";

// Code lists match by prefix (reference section 3): whether `code` starts with one of `prefixes`.
inline bool has_code_prefix(std::string_view code, const std::vector<std::string>& prefixes) {
  // Byte by byte rather than starts_with's memcmp call: prefixes are a few bytes long and most
  // codes differ at the first, and this runs for every event of every definition.
  for (const auto& p : prefixes) {
    if (p.size() > code.size()) continue;
    size_t i = 0;
    while (i < p.size() && p[i] == code[i]) ++i;
    if (i == p.size()) return true;
  }
  return false;
}

struct Patient {
  std::string_view nir;              // BEN_NIR_PSA (points into the shard's IR_BEN_R column)
  int64_t rank = 0;                  // BEN_RNG_GEM
  std::string_view sex;              // BEN_SEX_COD as stored
  int64_t birth_year = kMissingInt;  // BEN_NAI_ANN; kMissingInt when missing or 1600
  // BEN_NAI_MOI (1-12) when the shard was read with it (cohort incidence by age band);
  // kMissingInt otherwise or when out of range.
  int64_t birth_month = kMissingInt;
  std::string_view department;  // BEN_RES_DPT
  Date death = kMissingDate;    // BEN_DCD_DTE
  // At the person level (PatientIndex::persons): how many pseudo-NIRs the person has; nir and
  // rank are then its smallest (BEN_NIR_PSA, BEN_RNG_GEM).
  uint32_t pseudo_nirs = 1;
};

struct PatientIndex {
  std::vector<Patient> patients;
  // Patients are sorted by BEN_NIR_PSA (byte order), then rank: twins are adjacent. `nirs` lists
  // the distinct values in that order, `nir_patients` the [first, first + count) of each.
  // Sorted vectors rather than a hash map: no allocation per patient, and a store dictionary
  // (sorted the same way) resolves against them in one merge (patients_of_sorted).
  std::vector<std::string_view> nirs;
  std::vector<std::pair<uint32_t, uint32_t>> nir_patients;
  // [first, count) of a BEN_NIR_PSA; count 0 when no patient has it.
  std::pair<uint32_t, uint32_t> patients_of(std::string_view nir) const;
  // patients_of() of every value of `sorted` (distinct, byte order), by a merge.
  std::vector<std::pair<uint32_t, uint32_t>> patients_of_sorted(
      const std::vector<std::string_view>& sorted) const;
  // Index of (nir, rank), or -1.
  int64_t find(std::string_view nir, int64_t rank) const;

  // The person level (core/events/persons.hpp), filled when IR_BEN_R has the stored person
  // column and some person of the shard has several pseudo-NIRs; empty otherwise, every patient
  // being a person (extracts without BEN_IDT_ANO: the jobs then run exactly as before).
  // Persons are numbered in the order of their first patient. A person's attributes, when its
  // pseudo-NIRs disagree: sex, birth year and month, department are the most frequent
  // non-missing value, ties to the smallest (majority_value); death is the earliest date.
  std::vector<uint32_t> person_of;  // per patient
  std::vector<Patient> persons;
  uint64_t birth_year_conflicts = 0;  // persons whose pseudo-NIRs give several birth years
  uint64_t sex_conflicts = 0;         // ... several sexes
  bool has_persons() const { return !person_of.empty(); }
};

// The jobs' units of analysis when the shard has persons: an index whose `patients` are the
// persons (only `patients` is filled: events are extracted with the patient-level index, then
// renumbered by to_persons).
PatientIndex person_view(const PatientIndex& index);

// Renumbers events (anything with a `patient` member, sorted by patient) from patients to
// persons and regroups them by person: a stable sort, so a person's events keep their patient,
// then date order (a cohort re-sorts dates; an aggregate needs persons contiguous). Nothing to do
// without persons.
template <typename Event>
void to_persons(std::vector<Event>& events, const PatientIndex& index) {
  if (!index.has_persons()) return;
  for (auto& e : events) e.patient = index.person_of[e.patient];
  std::stable_sort(events.begin(), events.end(),
                   [](const Event& a, const Event& b) { return a.patient < b.patient; });
}

// The views point into `shard`, which must outlive the index and every event built from it.
PatientIndex build_patient_index(const ShardData& shard);

// Age in `year` (reference section 3: that year - BEN_NAI_ANN); kMissingInt when the birth year is
// unknown.
int64_t age_in_year(const Patient& p, int year);
// "0-9", "10-19", ..., "80-89", "90+"; "unknown" for a missing or negative age.
std::string_view age_band(int64_t age);

// A pharmacy line: an ER_PHA_F row joined to its ER_PRS_F row, DPN_QLF = 71 left out.
struct DispensingLine {
  uint32_t patient;
  Date date;               // EXE_SOI_DTD of the ER_PRS_F row
  uint32_t cip;            // the CIP13's rank among the shard's CIP13s (byte order)
  std::string_view cip13;  // PHA_PRS_C13
  std::string_view atc;    // PHA_ATC_C07 from IR_PHA_R, "UNKNOWN" when absent
  int64_t boxes;           // PHA_ACT_QSN, Decimal scaled, signed
  uint32_t row;            // the ER_PHA_F row, for the optional per-row columns of the source
};

// A dispensing event: (patient, date, CIP13) whose summed boxes are > 0.
struct DispensingEvent {
  uint32_t patient;
  Date date;
  std::string_view cip13;
  std::string_view atc;
  int64_t boxes;  // the positive net quantity
};

// A valid hospital stay, once per IR_BEN_R patient whose BEN_NIR_PSA equals its NIR_ANO_17
// (twins each get it).
struct StayEvent {
  uint32_t patient;
  Date date;                          // EXE_SOI_DTD (admission)
  int year;                           // the table's year
  std::string_view dp;                // DGN_PAL
  std::string_view dr;                // DGN_REL
  std::vector<std::string_view> das;  // ASS_DGN of its T_MCOyyD rows (empty values left out)
  int64_t days;                       // SEJ_NBJ
  std::string_view eta_num;           // ETA_NUM: with year and RSA_NUM, the stay's identity
  std::string_view rsa_num;           // RSA_NUM
};

// An ER_PRS_F claim line, DPN_QLF = 71 left out.
struct ClaimLine {
  uint32_t patient;
  Date date;         // EXE_SOI_DTD
  int64_t nature;    // PRS_NAT_REF
  int64_t quantity;  // PRS_ACT_QTE, Decimal scaled
  int64_t amount;    // PRS_PAI_MNT, Decimal scaled
  Date flux;         // FLX_DIS_DTD (processing month); kMissingDate when not read
};

// A day on which a patient has at least one claim line: all that loss to follow-up asks of the
// claims (8 bytes where a ClaimLine takes 40).
struct ClaimDay {
  uint32_t patient;
  Date date;  // EXE_SOI_DTD
};

// CIP13 -> ATC from IR_PHA_R. A CIP13 listed twice keeps its first row. Cheap to copy and move
// (the rows are shared), and the returned views stay valid as long as any copy lives.
class DrugReferential {
 public:
  DrugReferential() = default;
  explicit DrugReferential(const Batch& ir_pha_r);
  std::string_view atc_of(std::string_view cip13) const;  // "UNKNOWN" when absent
  // Whether PHA_CND_TOP is "GC" (a large, three-month pack); false when absent.
  bool large_pack(std::string_view cip13) const;
  // PHA_GRP_GEN (generic group) when IR_PHA_R has that column; empty when absent or none.
  std::string_view generic_group_of(std::string_view cip13) const;
  size_t size() const { return atc_ ? atc_->size() : 0; }

 private:
  std::shared_ptr<const Batch> rows_;
  std::shared_ptr<const std::unordered_map<std::string_view, std::string_view>> atc_;
  std::shared_ptr<const std::unordered_map<std::string_view, bool>> large_;
  std::shared_ptr<const std::unordered_map<std::string_view, std::string_view>> generic_;
};

// The IR_PHA_R column of the generic group (optional: a referential without it has no groups).
inline constexpr std::string_view kGenericGroupColumn = "PHA_GRP_GEN";

// Columns of ER_PHA_F that ingest copies from the line's ER_PRS_F row besides the patient, date
// and DPN_QLF, read by the aggregate only when its spec needs them (FLX_DIS_DTD is a join key).
inline constexpr std::string_view kPharmacyPaidColumn = "PRS_PAI_MNT";
inline constexpr std::string_view kPharmacyBaseColumn = "BSE_REM_MNT";
inline constexpr std::string_view kPharmacyPrescriberColumn = "PSP_SPE_COD";

// A shard's pharmacy lines, resolved once per dictionary entry rather than once per row: which
// patients a BEN_NIR_PSA names, which ATC a CIP13 has. Reads ER_PHA_F in either string form
// (decoded, or the store's codes). The views it hands out point into the shard, the patient
// index and the referential, which must outlive it.
class DispensingSource {
 public:
  DispensingSource(const ShardData& shard, const PatientIndex& patients,
                   const DrugReferential& referential);

  size_t rows() const { return rows_; }
  // The distinct CIP13s of the shard in byte order (DispensingLine::cip indexes them), and the
  // ATC of each.
  const std::vector<std::string_view>& cip13s() const { return cip13_; }
  const std::vector<std::string_view>& atcs() const { return atc_; }
  // EXE_SOI_DTD of every row (lines or not), for range scans.
  std::span<const Date> dates() const { return {date_, rows_}; }
  // The first and last EXE_SOI_DTD of the rows within [lo, hi] (missing dates left out);
  // {max, min} of Date when there is none.
  std::pair<Date, Date> date_range(Date lo, Date hi) const;
  // Bounds of row ranges of about `rows_per_range` rows, for threads to extract independently:
  // {0, b1, ..., rows()}, a range ending only where (BEN_NIR_PSA, BEN_RNG_GEM) changes. In the
  // stored order (rows grouped by patient) no patient's rows then straddle two ranges. Nothing
  // checks that order up front (it was a pass over every row): a caller checks the lines it got
  // with lines_straddle_ranges() and, in the rare case they do, extracts again as one range.
  std::vector<size_t> ranges(size_t rows_per_range) const;
  // Whether a patient's lines straddle ranges, given each range's lines (sorted by patient, as
  // lines() and selected_lines() give them) as {first patient, last patient}, in range order;
  // ranges without lines are absent or given as {1, 0}.
  static bool lines_straddle_ranges(const std::vector<std::pair<uint32_t, uint32_t>>& spans);
  // Appends the lines of rows [begin, end) to `out`, sorted by (patient, date, CIP13) with input
  // order kept among equals. `keep_cip`, when given, is indexed by DispensingLine::cip: lines of
  // a CIP13 it marks 0 are left out. Returns the lines of the range before that filter.
  size_t lines(size_t begin, size_t end, std::vector<DispensingLine>& out,
               const std::vector<uint8_t>* keep_cip = nullptr) const;
  // The same lines as lines(begin, end, out, &keep_cip), for a caller that needs no count: rows
  // of CIP13s left out are skipped before anything else is read of them (a selection vector),
  // the right path when the filter keeps few CIP13s (a study's drugs). Returns the lines kept.
  size_t selected_lines(size_t begin, size_t end, std::vector<DispensingLine>& out,
                        const std::vector<uint8_t>& keep_cip) const;
  // The lines of rows [begin, end), counted without building them: what lines() returns. A
  // patient's rows are counted together (one lookup per patient, not per row).
  size_t count_lines(size_t begin, size_t end) const;

  // Optional per-row columns (indexed by DispensingLine::row), present when the shard was read
  // with them: PRS_PAI_MNT, BSE_REM_MNT (decimal, kMissingInt when missing), FLX_DIS_DTD; and
  // PSP_SPE_COD as ids into prescribers() (byte order). Null when not read.
  const Column* paid() const { return paid_; }
  const Column* base() const { return base_; }
  const Date* flux_dates() const { return flux_; }
  const int32_t* prescriber_ids() const { return prescriber_codes_; }
  const std::vector<std::string_view>& prescribers() const { return prescribers_; }
  // PHA_GRP_GEN per CIP13 (as cip13s()), empty when none.
  const std::vector<std::string_view>& generic_groups() const { return generic_; }

 private:
  const Column* paid_ = nullptr;
  const Column* base_ = nullptr;
  const Date* flux_ = nullptr;
  const int32_t* prescriber_codes_ = nullptr;
  std::vector<uint32_t> prescriber_of_row_;
  std::vector<std::string_view> prescribers_, generic_;
  size_t rows_ = 0;
  std::vector<uint32_t> cip_of_row_;      // set when PHA_PRS_C13 came decoded
  std::vector<uint32_t> nir_of_row_;      // set when BEN_NIR_PSA came decoded
  std::vector<uint8_t> public_hospital_;  // per row, 1: left out (core/events/dcir_rules.hpp)
  const int32_t* cip_codes_ = nullptr;
  const int32_t* nir_codes_ = nullptr;
  // The patient of a (BEN_NIR_PSA code, BEN_RNG_GEM), or -1 when IR_BEN_R has none.
  int64_t patient_of(int32_t nir_code, int64_t rank) const;
  template <typename RowOf>
  size_t append_lines(size_t n, RowOf row_of, const int64_t* rank, const int64_t* dpn,
                      const int64_t* qsn, std::vector<DispensingLine>& out,
                      const std::vector<uint8_t>* keep_cip) const;

  // Integer columns in either in-memory form (Column::narrow): lines() widens its range only.
  const Column* rank_ = nullptr;
  const Date* date_ = nullptr;
  const Column* dpn_ = nullptr;
  const Column* qsn_ = nullptr;
  std::vector<std::string_view> cip13_, atc_;
  // Per BEN_NIR_PSA id: the patients bearing it, [first, first + count) in the index.
  std::vector<std::pair<uint32_t, uint32_t>> patients_of_nir_;
  const PatientIndex* patients_ = nullptr;
};

std::vector<DispensingLine> extract_dispensing_lines(const ShardData& shard,
                                                     const PatientIndex& patients,
                                                     const DrugReferential& referential);
// Nets lines (sorted as extract_dispensing_lines returns them) by (patient, date, CIP13).
std::vector<DispensingEvent> dispensing_events(const std::vector<DispensingLine>& lines);
// Diagnosis code prefixes by position. A caller that needs only the stays some code list can
// match (the cohort job) passes one: a stay none of whose DP, DR or DAS matches its position's
// prefixes is left out before its patient's events are built. Kept stays are whole (all their
// DAS), so a kept stay looks the same as without the filter.
struct StayCodeFilter {
  std::vector<std::string> dp, dr, das;
};

// `threads`: OpenMP threads over the shard's years (same result whatever the count). `only`:
// null for every valid stay.
std::vector<StayEvent> extract_stays(const ShardData& shard, const PatientIndex& patients,
                                     int threads = 1, const StayCodeFilter* only = nullptr);
// `natures`, when given (sorted), keeps only the lines of those PRS_NAT_REF codes: a cohort whose
// claim events name a few natures never looks at the other lines.
std::vector<ClaimLine> extract_claims(const ShardData& shard, const PatientIndex& patients,
                                      const std::vector<int64_t>* natures = nullptr);
// The distinct days of the lines extract_claims() returns (a missing date is no day), sorted by
// patient then date. Reads BEN_NIR_PSA, BEN_RNG_GEM, EXE_SOI_DTD and DPN_QLF only.
std::vector<ClaimDay> extract_claim_days(const ShardData& shard, const PatientIndex& patients);
// Claim days of one patient at a time, for a study that needs them of a few patients only (the
// loss to follow-up of a cohort's members): a patient's ER_PRS_F rows are found by binary search
// on the NIR ids, the store keeping the rows in NIR order, so the shard's other lines are never
// looked at.
class ClaimDayLookup {
 public:
  // Null when the shard's ER_PRS_F rows are not in NIR order (extract_claim_days then).
  static std::unique_ptr<ClaimDayLookup> make(const ShardData& shard, const PatientIndex& patients);
  // Appends patient p's claim days as extract_claim_days gives them (here in stored order, maybe
  // repeated).
  void days_of(uint32_t p, std::vector<Date>& out) const;

 private:
  ClaimDayLookup() = default;
  const PatientIndex* patients_ = nullptr;
  std::vector<std::string_view> nirs_;  // distinct, in byte order: id i is nirs_[i]
  const int32_t* id_ = nullptr;         // per row
  std::vector<uint32_t> owned_;         // backs id_ for a decoded column
  const Column* rank_ = nullptr;
  const Column* dpn_ = nullptr;
  const Date* date_ = nullptr;
  size_t rows_ = 0;
};

// to_persons for stays: a stay reaching one person through two of its pseudo-NIRs (two ranks of
// one BEN_NIR_PSA linked to one person) is kept once.
void to_persons(std::vector<StayEvent>& stays, const PatientIndex& index);

// What each extractor reads, so a job asks the store reader for these columns only. PMSI kinds
// stand for every yearly instance present in the shard (T_MCO19C, T_MCO20C...).
// kAld, kAct, kLab, kDeath: the sources of core/events/care_sources.hpp (their tables are listed
// by care_source_tables; columns_needed gives IR_BEN_R only for them).
enum class ExtractorKind : uint8_t { kDispensing, kHospitalStay, kClaim, kAld, kAct, kLab, kDeath };
struct TableColumns {
  TableKind kind;
  std::vector<std::string> columns;
};
std::vector<TableColumns> columns_needed(ExtractorKind kind);

}  // namespace snds
