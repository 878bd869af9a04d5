// Generated from snds-batch's catalog (core/catalog.cpp) by catalog_js_module()
// (core/catalog_doc.cpp); do not edit. SNDS_UPDATE_TABLES=1 ctest -R TablesDoc rewrites it; the
// test otherwise keeps it equal. The columns the jobs read of each of their tables, typed as the
// ingest stores them; catalog.mjs adds the file-name rules.

export const DATE = 'DATE';
export const INT = 'BIGINT';
// snds-batch stores decimals as int64 x 10^4: DECIMAL(18,4) is the same value set.
export const DEC = 'DECIMAL(18,4)';
export const STR = 'VARCHAR';

export const TABLES = {
  IR_BEN_R: {
    BEN_NIR_PSA: STR, BEN_RNG_GEM: INT, BEN_SEX_COD: STR, BEN_NAI_ANN: INT, BEN_NAI_MOI: INT,
    BEN_RES_DPT: STR, BEN_DCD_DTE: DATE, BEN_IDT_ANO: STR, BEN_CDI_NIR: STR
  },
  ER_PRS_F: {
    DCT_ORD_NUM: INT, FLX_DIS_DTD: DATE, FLX_EMT_NUM: INT, FLX_EMT_ORD: INT, FLX_EMT_TYP: INT,
    FLX_TRT_DTD: DATE, ORG_CLE_NUM: STR, PRS_ORD_NUM: INT, REM_TYP_AFF: INT, BEN_NIR_PSA: STR,
    BEN_RNG_GEM: INT, EXE_SOI_DTD: DATE, PRS_NAT_REF: INT, PRS_ACT_QTE: DEC, PRS_PAI_MNT: DEC,
    DPN_QLF: INT, BSE_REM_MNT: DEC, CPL_MAJ_TOP: INT, PSE_SPE_COD: STR, PSP_SPE_COD: STR
  },
  ER_PHA_F: {
    DCT_ORD_NUM: INT, FLX_DIS_DTD: DATE, FLX_EMT_NUM: INT, FLX_EMT_ORD: INT, FLX_EMT_TYP: INT,
    FLX_TRT_DTD: DATE, ORG_CLE_NUM: STR, PRS_ORD_NUM: INT, REM_TYP_AFF: INT, PHA_PRS_C13: STR,
    PHA_ACT_QSN: DEC
  },
  IR_PHA_R: {
    PHA_CIP_C13: STR, PHA_ATC_C07: STR, PHA_CND_TOP: STR, PHA_GRP_GEN: STR, PHA_MED_NOM: STR
  },
  T_MCOaaB: {
    ETA_NUM: STR, RSA_NUM: STR, DGN_PAL: STR, DGN_REL: STR, GRG_GHM: STR, SEJ_NBJ: INT,
    SEJ_TYP: STR, SOR_MOD: STR
  },
  T_MCOaaC: {
    ETA_NUM: STR, RSA_NUM: STR, NIR_ANO_17: STR, EXE_SOI_DTD: DATE, EXE_SOI_DTF: DATE, NIR_RET: STR,
    NAI_RET: STR, SEX_RET: STR, SEJ_RET: STR, FHO_RET: STR, PMS_RET: STR, DAT_RET: STR
  },
  T_MCOaaD: {
    ETA_NUM: STR, RSA_NUM: STR, ASS_DGN: STR
  },
};

export const DCIR_KEYS = [
  'DCT_ORD_NUM', 'FLX_DIS_DTD', 'FLX_EMT_NUM', 'FLX_EMT_ORD', 'FLX_EMT_TYP', 'FLX_TRT_DTD',
  'ORG_CLE_NUM', 'PRS_ORD_NUM', 'REM_TYP_AFF'
];

// The patient column of the tables keyed by patient: project extracts name it NUM_ENQ.
export const PATIENT_COLUMN = {
  IR_BEN_R: 'BEN_NIR_PSA', ER_PRS_F: 'BEN_NIR_PSA', T_MCOaaC: 'NIR_ANO_17'
};
