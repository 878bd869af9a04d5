// The event sources of issue #13 beside dispensings, stays and claims: long-term disease (ALD)
// periods from IR_IMB_R, medical acts (CCAM) from ER_CAM_F and the PMSI's T_MCOyyA, lab tests
// (NABM) from ER_BIO_F, and one death per patient from IR_BEN_R, the causes-of-death tables and
// the PMSI. The rules, with the SNDS pitfalls they handle, are in docs/data-model.md.
//
// Same conventions as events.hpp: events refer to their patient by index in the shard's
// PatientIndex, come out sorted by (patient, date, then a stable tie-break), and tables absent
// from the shard give no events. The new tables are read by name; their columns may come typed
// as the schema says (integers as integers) or as strings, both are read.
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/events/events.hpp"

namespace snds {

// The end of a still open ALD period (IMB_ALD_DTF empty or 1600-01-01).
inline constexpr Date kOpenEnd = std::numeric_limits<Date>::max();

// An ALD period of IR_IMB_R: exonerations of nature 11, 12, 13 (work accident, occupational
// disease, disability) and rows without a start date are left out.
struct AldPeriod {
  uint32_t patient;
  Date date;               // IMB_ALD_DTD, the start (events sort and index on it)
  Date end;                // IMB_ALD_DTF, kOpenEnd when open; an end before the start is kept
  int64_t ald;             // IMB_ALD_NUM, kMissingInt when missing
  std::string_view icd10;  // MED_MTF_COD when MED_NCL_IDT is CIM10, "" otherwise
};

// Whether the period [p.date, p.end] meets the days [from, to] (both included).
inline bool period_overlaps(const AldPeriod& p, int64_t from, int64_t to) {
  return int64_t{p.date} <= to && int64_t{p.end} >= from && from <= to;
}

enum ActSetting : uint8_t { kActDcir = 1, kActPmsi = 2 };
inline constexpr uint8_t kAllActSettings = kActDcir | kActPmsi;

// One medical act: a (patient, EXE_SOI_DTD, CAM_PRS_IDE) of ER_CAM_F whose summed PRS_ACT_QTE
// (of the lines' ER_PRS_F rows) is > 0, or a T_MCOyyA row of a valid stay, dated admission +
// ENT_DAT_DEL (a missing delay counts as 0), once per patient the stay reaches.
struct ActEvent {
  uint32_t patient;
  Date date;
  std::string_view ccam;  // CAM_PRS_IDE or CDC_ACT
  ActSetting setting;
};

// One lab test: a (patient, EXE_SOI_DTD, BIO_PRS_IDE) of ER_BIO_F whose summed BIO_ACT_QSN is > 0.
struct LabEvent {
  uint32_t patient;
  Date date;
  int64_t nabm;      // BIO_PRS_IDE
  int64_t quantity;  // the positive net BIO_ACT_QSN
};

enum DeathSource : uint8_t { kDeathIrBenR = 1, kDeathCauses = 2, kDeathPmsi = 4 };
inline constexpr uint8_t kAllDeathSources = kDeathIrBenR | kDeathCauses | kDeathPmsi;
const char* death_source_name(DeathSource s);  // "ir_ben_r", "causes", "pmsi"

// A patient's death: the earliest valid date among the chosen sources (valid: known, not
// 1600-01-01, not before January 1st of the birth year when that is known); `source` is the
// source of that date, ir_ben_r before causes before pmsi on a tie. The causes come from the
// patient's certificate (its earliest valid one, else its first) whatever source gave the date.
struct DeathEvent {
  uint32_t patient;
  Date date;
  DeathSource source;
  std::string_view cause;                      // DCD_CIM_COD, the initial cause ("" when none)
  std::vector<std::string_view> other_causes;  // ECD_CIM_COD of KI_ECD_R, in stored order
};

// The causes-of-death tables (KI_CCI_R, KI_ECD_R), a referential of the store (they carry no
// BEN_NIR_PSA): indexed once per rank by BEN_IDT_ANO, the key that links a certificate to the
// IR_BEN_R rows of its person. Views point into `tables`, which must outlive the index.
class DeathCertificates {
 public:
  DeathCertificates() = default;
  explicit DeathCertificates(const ShardData& tables);
  struct Certificate {
    Date date;               // BEN_DCD_DTE (kMissingDate when missing or 1600-01-01)
    std::string_view cause;  // DCD_CIM_COD
    std::vector<std::string_view> other_causes;  // KI_ECD_R rows of its DCD_IDT_ENC
  };
  // The certificates of a BEN_IDT_ANO, in stored order (null when none).
  const std::vector<Certificate>* of(std::string_view idt) const;
  // The certificates of a BEN_NIR_ANO: the fallback link, BEN_NIR_ANO = BEN_NIR_PSA, for IR_BEN_R
  // rows without BEN_IDT_ANO (extracts that do not deliver it).
  const std::vector<Certificate>* of_nir(std::string_view nir) const;
  bool empty() const { return by_idt_.empty() && by_nir_.empty(); }

 private:
  std::unordered_map<std::string_view, std::vector<Certificate>> by_idt_, by_nir_;
};

std::vector<AldPeriod> extract_ald_periods(const ShardData& shard, const PatientIndex& patients);
// `settings`: ActSetting bits.
std::vector<ActEvent> extract_acts(const ShardData& shard, const PatientIndex& patients,
                                   uint8_t settings, int threads = 1);
std::vector<LabEvent> extract_labs(const ShardData& shard, const PatientIndex& patients);
// `sources`: DeathSource bits. At most one event per patient (per person after
// dedupe_deaths). `certificates`: the store's; null reads KI_CCI_R and KI_ECD_R from the shard
// itself (hand-made shards). Patients are linked to certificates through IR_BEN_R's BEN_IDT_ANO.
std::vector<DeathEvent> extract_deaths(const ShardData& shard, const PatientIndex& patients,
                                       uint8_t sources, const DeathCertificates* certificates,
                                       int threads = 1);
// After to_persons: one death per person, its earliest (then the first in source precedence).
void dedupe_deaths(std::vector<DeathEvent>& deaths);

// The shard tables and columns each new source reads, by table name ("T_MCOaaA" stands for
// every year), for kinds kAld, kAct, kLab, kDeath (empty for the others). `optional` tables may
// be absent from a store (KI_ECD_R: a certificate need not list other causes).
struct SourceTable {
  std::string table;
  std::vector<std::string> columns;
  bool optional = false;
};
std::vector<SourceTable> care_source_tables(ExtractorKind kind, uint8_t settings = 0xff);

}  // namespace snds
