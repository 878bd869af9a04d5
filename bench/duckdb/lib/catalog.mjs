// The SNDS tables as snds-batch types them and the file-name rules of docs/reference.md (section
// 2), so DuckDB loads exactly the columns and types that snds-batch's jobs read. The tables,
// types, join keys and patient columns come from catalog_tables.mjs, generated from snds-batch's
// own catalog (core/catalog.cpp; a test keeps it equal). Columns not listed there are loaded as
// VARCHAR: the jobs never read them.
import { TABLES, PATIENT_COLUMN } from './catalog_tables.mjs';

export { DATE, INT, DEC, STR, TABLES, DCIR_KEYS } from './catalog_tables.mjs';

// The DuckDB table each catalog table is loaded into. PMSI years share one table per letter,
// with a `year` column (the table name's year), as snds-batch's jobs read every yearly instance.
export const DUCK_TABLE = {
  IR_BEN_R: 'ir_ben_r', ER_PRS_F: 'er_prs_f', ER_PHA_F: 'er_pha_f', IR_PHA_R: 'ir_pha_r',
  T_MCOaaB: 't_mco_b', T_MCOaaC: 't_mco_c', T_MCOaaD: 't_mco_d',
};

// The tables named without a year ("IR_BEN_R"), matched as a whole name or a name prefix.
const PLAIN_KINDS = Object.keys(TABLES).filter((k) => !k.includes('aa'));

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
  for (const kind of PLAIN_KINDS) {
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
  return PATIENT_COLUMN[kind] ?? header;
}
