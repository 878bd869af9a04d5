// One patient's rows as values, before any CSV formatting: what the patient model produces and the
// formatter writes. Small plain structs in vectors reused from patient to patient (no allocation
// in the steady state).
#pragma once

#include <array>
#include <cstdint>
#include <string_view>
#include <vector>

#include "core/date.hpp"

namespace snds::synth {

// The 9 DCIR join keys of a claim line (ORG_CLE_NUM is rendered from a department index).
struct DcirKey {
  int64_t dct_ord_num = 0;
  Date flx_dis_dtd = 0;
  Date flx_trt_dtd = 0;
  int16_t flx_emt_num = 0;
  int8_t flx_emt_ord = 0;
  int8_t flx_emt_typ = 0;
  int8_t prs_ord_num = 1;
  int8_t rem_typ_aff = 1;
  uint16_t org_department = 0;  // index into departments()
};

struct PrsRow {
  DcirKey key;
  Date exe_soi_dtd = 0;
  int16_t nature = 0;       // PRS_NAT_REF
  int16_t quantity = 0;     // PRS_ACT_QTE (signed)
  int64_t paid_cents = 0;   // PRS_PAI_MNT (signed)
  int64_t base_cents = 0;   // BSE_REM_MNT (signed)
  uint8_t dpn_qlf = 0;      // 71 = information only
  uint8_t cpl_maj_top = 0;  // 2 = majoration line
  uint8_t exec_specialty = 0;
  uint8_t presc_specialty = 0;
  uint8_t sector = 1;  // PRS_PPU_SEC (an extra column no job reads)
};

struct PhaRow {
  DcirKey key;
  uint32_t cip = 0;   // index into DrugReferential::codes()
  int16_t boxes = 0;  // PHA_ACT_QSN (signed)
  uint8_t line = 1;   // PHA_ORD_NUM (an extra column)
  bool orphan = false;
};

struct StayRow {
  int year = 0;               // discharge year: the T_MCOaaX tables it goes to
  Date admission = 0;         // EXE_SOI_DTD
  Date discharge = 0;         // EXE_SOI_DTF
  int64_t rsa = 0;            // RSA_NUM, written zero-padded to 10 digits
  std::array<char, 9> eta{};  // ETA_NUM (FINESS)
  std::string_view dp;        // DGN_PAL
  std::string_view dr;        // DGN_REL ("" when none)
  std::array<char, 6> ghm{};
  int16_t los = 0;                                             // SEJ_NBJ
  std::array<char, 7> ret{'0', '0', '0', '0', '0', '0', '0'};  // NIR..DAT_RET
  char sej_typ = 0;                                            // 0 = empty, else the code
  char sor_mod = '8';
  char ent_mod = '8';
  uint16_t das_begin = 0;  // range in PatientRecords::das
  uint16_t das_count = 0;
  bool invalid = false;
  char placeholder = 0;  // 0: NIR_ANO_17 is the patient's; 'x' or 'D': a placeholder
};

struct PatientRecords {
  uint64_t index = 0;
  std::array<char, 17> nir{};  // BEN_NIR_PSA = NIR_ANO_17
  std::array<char, 17> idt{};  // BEN_IDT_ANO
  // The persons quirk: from nir2_from on, claims and stays carry a second pseudo-NIR (IR_BEN_R
  // has a row for each, with one BEN_IDT_ANO). kMissingDate: one pseudo-NIR.
  std::array<char, 17> nir2{};
  Date nir2_from = kMissingDate;
  bool nir2_birth_year_off = false;  // the second row's BEN_NAI_ANN is one year later (a conflict)
  const std::array<char, 17>& nir_on(Date d) const {
    return nir2_from != kMissingDate && d >= nir2_from ? nir2 : nir;
  }
  int rng_gem = 1;
  int sex = 1;
  int birth_year = 0;
  int birth_month = 1;
  uint16_t department = 0;  // index into departments()
  Date death = kMissingDate;
  bool in_ir_ben_r = true;
  bool heavy = false;  // dialysis or daily home nursing: the heavy tail

  std::vector<PrsRow> prs;
  std::vector<PhaRow> pha;
  std::vector<StayRow> stays;
  std::vector<std::string_view> das;  // ASS_DGN of every stay, by StayRow ranges

  // What the quirks did to this patient (summed into generate.json).
  uint32_t info71_lines = 0;
  uint32_t regularisation_lines = 0;
  uint32_t orphan_rows = 0;
  uint32_t unknown_cip_rows = 0;  // every ER_PHA_F row with a code absent from IR_PHA_R
  uint32_t late_claims = 0;

  void clear() {
    prs.clear();
    pha.clear();
    stays.clear();
    das.clear();
    info71_lines = regularisation_lines = orphan_rows = unknown_cip_rows = late_claims = 0;
    death = kMissingDate;
    nir2_from = kMissingDate;
    nir2_birth_year_off = false;
    in_ir_ben_r = true;
    heavy = false;
  }
};

}  // namespace snds::synth
