// The SNDS tables as snds-batch types them (a copy of core/catalog.cpp, kept in step by hand) and
// the file-name rules of docs/reference.md (section 2), so DuckDB loads exactly the columns and types
// that snds-batch's ingest does. Columns not listed here are loaded as VARCHAR, as ingest keeps
// unknown extra columns of a known table as strings.

export const DATE = 'DATE';
export const INT = 'BIGINT';
// snds-batch stores decimals as int64 x 10^4: DECIMAL(18,4) is the same value set.
export const DEC = 'DECIMAL(18,4)';
export const STR = 'VARCHAR';

export const TABLES = {
  IR_BEN_R: {
    BEN_NIR_PSA: STR, BEN_RNG_GEM: INT, BEN_SEX_COD: STR, BEN_NAI_ANN: INT, BEN_NAI_MOI: INT,
    BEN_RES_DPT: STR, BEN_DCD_DTE: DATE, BEN_IDT_ANO: STR, BEN_CDI_NIR: STR,
  },
  ER_PRS_F: {
    DCT_ORD_NUM: INT, FLX_DIS_DTD: DATE, FLX_EMT_NUM: INT, FLX_EMT_ORD: INT, FLX_EMT_TYP: INT,
    FLX_TRT_DTD: DATE, ORG_CLE_NUM: STR, PRS_ORD_NUM: INT, REM_TYP_AFF: INT, BEN_NIR_PSA: STR,
    BEN_RNG_GEM: INT, EXE_SOI_DTD: DATE, PRS_NAT_REF: INT, PRS_ACT_QTE: DEC, PRS_PAI_MNT: DEC,
    DPN_QLF: INT, BSE_REM_MNT: DEC, CPL_MAJ_TOP: INT, PSE_SPE_COD: STR, PSP_SPE_COD: STR,
  },
  ER_PHA_F: {
    DCT_ORD_NUM: INT, FLX_DIS_DTD: DATE, FLX_EMT_NUM: INT, FLX_EMT_ORD: INT, FLX_EMT_TYP: INT,
    FLX_TRT_DTD: DATE, ORG_CLE_NUM: STR, PRS_ORD_NUM: INT, REM_TYP_AFF: INT, PHA_PRS_C13: STR,
    PHA_ACT_QSN: DEC,
  },
  IR_PHA_R: { PHA_CIP_C13: STR, PHA_ATC_C07: STR, PHA_CND_TOP: STR },
  T_MCOaaB: {
    ETA_NUM: STR, RSA_NUM: STR, DGN_PAL: STR, DGN_REL: STR, GRG_GHM: STR, SEJ_NBJ: INT,
    SEJ_TYP: STR, SOR_MOD: STR,
  },
  T_MCOaaC: {
    ETA_NUM: STR, RSA_NUM: STR, NIR_ANO_17: STR, EXE_SOI_DTD: DATE, EXE_SOI_DTF: DATE,
    NIR_RET: STR, NAI_RET: STR, SEX_RET: STR, SEJ_RET: STR, FHO_RET: STR, PMS_RET: STR,
    DAT_RET: STR,
  },
  T_MCOaaD: { ETA_NUM: STR, RSA_NUM: STR, ASS_DGN: STR },
};

export const DCIR_KEYS = [
  'DCT_ORD_NUM', 'FLX_DIS_DTD', 'FLX_EMT_NUM', 'FLX_EMT_ORD', 'FLX_EMT_TYP', 'FLX_TRT_DTD',
  'ORG_CLE_NUM', 'PRS_ORD_NUM', 'REM_TYP_AFF',
];

// The DuckDB table each catalog table is loaded into. PMSI years share one table per letter,
// with a `year` column (the table name's year), as snds-batch's jobs read every yearly instance.
export const DUCK_TABLE = {
  IR_BEN_R: 'ir_ben_r', ER_PRS_F: 'er_prs_f', ER_PHA_F: 'er_pha_f', IR_PHA_R: 'ir_pha_r',
  T_MCOaaB: 't_mco_b', T_MCOaaC: 't_mco_c', T_MCOaaD: 't_mco_d',
};

// "ER_PRS_F_2019.csv.gz" -> {kind: 'ER_PRS_F', name: 'ER_PRS_F'}; "T_MCO19B_p0000.csv" ->
// {kind: 'T_MCOaaB', name: 'T_MCO19B', year: 2019}; null for other files (generate.json...).
export function tableForFile(fileName) {
  const lower = fileName.toLowerCase();
  let stem;
  let gzip = false;
  if (lower.endsWith('.csv.gz')) {
    stem = fileName.slice(0, -7);
    gzip = true;
  } else if (lower.endsWith('.csv')) {
    stem = fileName.slice(0, -4);
  } else {
    return null;
  }
  for (const kind of ['IR_BEN_R', 'ER_PRS_F', 'ER_PHA_F', 'IR_PHA_R']) {
    if (stem === kind || stem.startsWith(kind + '_')) return { kind, name: kind, gzip };
  }
  const m = /^T_MCO(\d\d)([BCD])(?:_.*)?$/.exec(stem);
  if (m) {
    const yy = Number(m[1]);
    return { kind: `T_MCOaa${m[2]}`, name: `T_MCO${m[1]}${m[2]}`, year: yy < 70 ? 2000 + yy : 1900 + yy, gzip };
  }
  return null;
}

// Project extracts name the patient key NUM_ENQ.
export function canonicalColumn(kind, header) {
  if (header !== 'NUM_ENQ') return header;
  if (kind === 'T_MCOaaC') return 'NIR_ANO_17';
  if (kind === 'IR_BEN_R' || kind === 'ER_PRS_F') return 'BEN_NIR_PSA';
  return header;
}
