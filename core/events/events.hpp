// Event extractors shared by the aggregate and cohort jobs: per-shard, per-patient views of the
// store built from the columns they need only (contract section 3).
//
// A shard's patients are the IR_BEN_R rows of the shard, in stored order (sorted by BEN_NIR_PSA
// then BEN_RNG_GEM); every event refers to its patient by index in that list. Lines of patients
// absent from IR_BEN_R are left out. Events come out sorted by (patient, date, then a stable
// tie-break), so a cohort walks each patient's history once.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/column.hpp"
#include "core/date.hpp"
#include "core/shard_data.hpp"

namespace snds {

struct Patient {
  std::string_view nir;  // BEN_NIR_PSA (points into the shard's IR_BEN_R column)
  int64_t rank = 0;      // BEN_RNG_GEM
  std::string_view sex;  // BEN_SEX_COD as stored
  int64_t birth_year = kMissingInt;  // BEN_NAI_ANN; kMissingInt when missing or 1600
  std::string_view department;       // BEN_RES_DPT
  Date death = kMissingDate;         // BEN_DCD_DTE
};

struct PatientIndex {
  std::vector<Patient> patients;
  // Patients sharing a BEN_NIR_PSA (twins) are adjacent: [first, first+count) for a NIR.
  std::unordered_map<std::string_view, std::pair<uint32_t, uint32_t>> by_nir;
  // Index of (nir, rank), or -1.
  int64_t find(std::string_view nir, int64_t rank) const;
};

PatientIndex build_patient_index(const ShardData& shard);

// A pharmacy line: an ER_PHA_F row joined to its ER_PRS_F row, DPN_QLF = 71 left out.
struct DispensingLine {
  uint32_t patient;
  Date date;               // EXE_SOI_DTD of the ER_PRS_F row
  std::string_view cip13;  // PHA_PRS_C13
  std::string_view atc;    // PHA_ATC_C07 from IR_PHA_R, "UNKNOWN" when absent
  int64_t boxes;           // PHA_ACT_QSN, Decimal scaled, signed
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
  Date date;  // EXE_SOI_DTD (admission)
  int year;   // the table's year
  std::string_view dp;              // DGN_PAL
  std::string_view dr;              // DGN_REL
  std::vector<std::string_view> das;  // ASS_DGN of its T_MCOyyD rows
  int64_t days;                     // SEJ_NBJ
};

// An ER_PRS_F claim line, DPN_QLF = 71 left out.
struct ClaimLine {
  uint32_t patient;
  Date date;  // EXE_SOI_DTD
  int64_t nature;  // PRS_NAT_REF
  int64_t quantity;  // PRS_ACT_QTE, Decimal scaled
  int64_t amount;    // PRS_PAI_MNT, Decimal scaled
};

// CIP13 -> ATC from IR_PHA_R.
class DrugReferential {
 public:
  DrugReferential() = default;
  explicit DrugReferential(const Batch& ir_pha_r);
  std::string_view atc_of(std::string_view cip13) const;  // "UNKNOWN" when absent
 private:
  Batch rows_;
  std::unordered_map<std::string_view, std::string_view> atc_;
};

std::vector<DispensingLine> extract_dispensing_lines(const ShardData& shard, const PatientIndex& patients,
                                                     const DrugReferential& referential);
std::vector<DispensingEvent> dispensing_events(const std::vector<DispensingLine>& lines);
std::vector<StayEvent> extract_stays(const ShardData& shard, const PatientIndex& patients);
std::vector<ClaimLine> extract_claims(const ShardData& shard, const PatientIndex& patients);

}  // namespace snds
