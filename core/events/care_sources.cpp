// What the sources of care_sources.hpp read from a shard, and their names.
#include "core/events/care_sources.hpp"

namespace snds {

const char* death_source_name(DeathSource s) {
  switch (s) {
    case kDeathIrBenR:
      return "ir_ben_r";
    case kDeathCauses:
      return "causes";
    case kDeathPmsi:
      return "pmsi";
  }
  return "?";
}

namespace {

// What extract_stays reads of B and C (validity, admission date, length), without D.
void add_valid_stays(std::vector<SourceTable>& out) {
  out.push_back({"T_MCOaaB", {"ETA_NUM", "RSA_NUM", "DGN_PAL", "DGN_REL", "GRG_GHM", "SEJ_NBJ"}});
  out.push_back({"T_MCOaaC",
                 {"ETA_NUM", "RSA_NUM", "NIR_ANO_17", "EXE_SOI_DTD", "NIR_RET", "NAI_RET",
                  "SEX_RET", "SEJ_RET", "FHO_RET", "PMS_RET", "DAT_RET"}});
}

}  // namespace

std::vector<SourceTable> care_source_tables(ExtractorKind kind, uint8_t settings) {
  std::vector<SourceTable> out;
  switch (kind) {
    case ExtractorKind::kAld:
      out.push_back({"IR_IMB_R",
                     {"BEN_NIR_PSA", "BEN_RNG_GEM", "IMB_ALD_DTD", "IMB_ALD_DTF", "IMB_ALD_NUM",
                      "IMB_ETM_NAT", "MED_MTF_COD", "MED_NCL_IDT"}});
      break;
    case ExtractorKind::kAct:
      if (settings & kActDcir)
        out.push_back({"ER_CAM_F",
                       {"BEN_NIR_PSA", "BEN_RNG_GEM", "EXE_SOI_DTD", "DPN_QLF", "PRS_ACT_QTE",
                        "CAM_PRS_IDE"}});
      if (settings & kActPmsi) {
        add_valid_stays(out);
        out.push_back({"T_MCOaaA", {"ETA_NUM", "RSA_NUM", "CDC_ACT", "ENT_DAT_DEL"}});
      }
      break;
    case ExtractorKind::kLab:
      out.push_back(
          {"ER_BIO_F",
           {"BEN_NIR_PSA", "BEN_RNG_GEM", "EXE_SOI_DTD", "DPN_QLF", "BIO_PRS_IDE", "BIO_ACT_QSN"}});
      break;
    case ExtractorKind::kDeath:
      // Certificates are read whatever the sources (their causes); pmsi needs SOR_MOD.
      // The causes tables are referentials (read by the job from the store's referential file,
      // load_death_tables); IR_BEN_R's BEN_IDT_ANO links them, when the store has it.
      out.push_back({"IR_BEN_R", {"?BEN_IDT_ANO"}});
      out.push_back({"KI_CCI_R",
                     {"?BEN_IDT_ANO", "?BEN_NIR_ANO", "BEN_DCD_DTE", "?DCD_CIM_COD", "?DCD_IDT_ENC"},
                     (settings & kDeathCauses) == 0});
      out.push_back({"KI_ECD_R", {"?DCD_IDT_ENC", "?ECD_CIM_COD"}, true});
      if (settings & kDeathPmsi) {
        add_valid_stays(out);
        out[out.size() - 2].columns.push_back("?SOR_MOD");  // an extra column
      }
      break;
    default:
      break;
  }
  return out;
}

}  // namespace snds
