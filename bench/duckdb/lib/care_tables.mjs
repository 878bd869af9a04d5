// The tables of issue #13's event sources (ALD, CCAM acts, lab tests, causes of death) and of the
// public_hospital cleaning rule (ER_ETE_F) that the
// benchmark loads beside lib/catalog.mjs's, with the types of the SNDS schema
// (core/catalog/snds-schema.csv) for the columns the sources read, and every table the loader
// knows merged from both: lib/catalog.mjs is generated from the compiled catalog (a table it
// already describes is taken from it), this file only adds what it lacks.
import * as catalog from './catalog.mjs';

const { DATE, INT, DEC, STR } = catalog;
export { DATE, INT, DEC, STR };
export const DCIR_KEYS = catalog.DCIR_KEYS;
export const canonicalColumn = catalog.canonicalColumn;

const DCIR_KEY_TYPES = {
  DCT_ORD_NUM: INT, FLX_DIS_DTD: DATE, FLX_EMT_NUM: INT, FLX_EMT_ORD: INT, FLX_EMT_TYP: INT,
  FLX_TRT_DTD: DATE, ORG_CLE_NUM: STR, PRS_ORD_NUM: INT, REM_TYP_AFF: INT,
};

const CARE_TABLES = {
  IR_IMB_R: {
    BEN_NIR_PSA: STR, BEN_RNG_GEM: INT, IMB_ALD_DTD: DATE, IMB_ALD_DTF: DATE, IMB_ALD_NUM: INT,
    IMB_ETM_NAT: INT, MED_MTF_COD: STR, MED_NCL_IDT: STR, INS_DTE: DATE, UPD_DTE: DATE,
  },
  ER_CAM_F: { ...DCIR_KEY_TYPES, CAM_PRS_IDE: STR },
  ER_BIO_F: { ...DCIR_KEY_TYPES, BIO_PRS_IDE: INT, BIO_ACT_QSN: INT },
  T_MCOaaA: { ETA_NUM: STR, RSA_NUM: STR, CDC_ACT: STR, ENT_DAT_DEL: INT },
  KI_CCI_R: {
    BEN_IDT_ANO: STR, BEN_NIR_ANO: STR, BEN_DCD_DTE: DATE, DCD_CIM_COD: STR, DCD_IDT_ENC: STR,
    BEN_NAI_ANN: INT, BEN_SEX_COD: INT,
  },
  KI_ECD_R: { DCD_IDT_ENC: STR, ECD_CAU_RNG: INT, ECD_CIM_COD: STR },
  ER_ETE_F: { ...DCIR_KEY_TYPES, ETE_IND_TAA: INT },
};

export const TABLES = { ...CARE_TABLES, ...catalog.TABLES };
export const DUCK_TABLE = {
  IR_IMB_R: 'ir_imb_r', ER_CAM_F: 'er_cam_f', ER_BIO_F: 'er_bio_f', T_MCOaaA: 't_mco_a',
  KI_CCI_R: 'ki_cci_r', KI_ECD_R: 'ki_ecd_r', ER_ETE_F: 'er_ete_f', ...catalog.DUCK_TABLE,
};

// lib/catalog.mjs's file rules, then the care tables' (same rules: <TABLE>[_...].csv[.gz], the
// PMSI year in the name).
export function tableForFile(fileName) {
  const known = catalog.tableForFile(fileName);
  if (known && TABLES[known.kind]) return known;
  const m = /^(.*?)\.csv(\.gz)?$/i.exec(fileName);
  if (!m) return null;
  const [stem, gzip] = [m[1], !!m[2]];
  for (const kind of ['IR_IMB_R', 'ER_CAM_F', 'ER_BIO_F', 'ER_ETE_F', 'KI_CCI_R', 'KI_ECD_R']) {
    if (stem === kind || stem.startsWith(kind + '_')) return { kind, name: kind, gzip };
  }
  const a = /^T_MCO(\d\d)A(?:_.*)?$/.exec(stem);
  if (a) {
    const yy = Number(a[1]);
    return { kind: 'T_MCOaaA', name: `T_MCO${a[1]}A`, year: yy < 70 ? 2000 + yy : 1900 + yy, gzip };
  }
  return null;
}
