// The DuckDB side of ingest: every CSV file read with read_csv and explicit per-file options
// (the sniffed date form and decimal separator, the header's column order, NUM_ENQ renamed,
// unknown columns as VARCHAR), typed as snds-batch types them, 1600-01-01 turned into NULL,
// malformed rows rejected into a rejects table; then the same joins as snds-batch's ingest:
// ER_PHA_F to ER_PRS_F on the 9 DCIR keys (taking BEN_NIR_PSA, BEN_RNG_GEM, EXE_SOI_DTD,
// DPN_QLF, and PRS_PAI_MNT, BSE_REM_MNT, PSP_SPE_COD for the pharmacy amounts and prescriber), T_MCOyyB and T_MCOyyD to T_MCOyyC on (year, ETA_NUM, RSA_NUM) (taking NIR_ANO_17,
// EXE_SOI_DTD). Detail rows without a parent are kept, flagged `orphan`, as the store keeps them.
// The care tables of issue #13 too (lib/care_tables.mjs): ER_CAM_F and ER_BIO_F joined to ER_PRS_F
// like ER_PHA_F (ER_CAM_F also takes the line's PRS_ACT_QTE, on which acts are netted), T_MCOyyA
// to T_MCOyyC like B and D, IR_IMB_R, KI_CCI_R, KI_ECD_R and ER_ETE_F (its 9 keys and
// ETE_IND_TAA, for the public_hospital cleaning rule) as they are. Every column the job
// queries name exists even when no file has it (NULL), as the store reads a missing column.
import { TABLES, DATE, STR, DCIR_KEYS, DUCK_TABLE } from './care_tables.mjs';
import { DATE_FORMATS } from './sniff.mjs';

const q = (s) => `'${String(s).replaceAll("'", "''")}'`;
const id = (s) => `"${String(s).replaceAll('"', '""')}"`;

// `rejects`: 'store' (store_rejects: a table of rejected rows with file, line and reason, as
// snds-batch's rejects.csv) or 'ignore' (ignore_errors: dropped and only counted by difference).
function readCsv(f, rejects) {
  const types = TABLES[f.kind];
  const columns = f.header.map((h) => `${q(h)}: ${q(types[h] ?? STR)}`).join(', ');
  const opts = [
    `delim=';'`, `quote='"'`, `escape='"'`, `header=true`, `auto_detect=false`,
    `columns={${columns}}`, `dateformat=${q(DATE_FORMATS[f.dateForm])}`,
    `decimal_separator=${q(f.decimalComma ? ',' : '.')}`,
    `compression=${q(f.gzip ? 'gzip' : 'none')}`,
  ];
  if (rejects === 'store') {
    opts.push('store_rejects=true', `rejects_table='reject_errors'`, `rejects_scan='reject_scans'`);
  } else {
    opts.push('ignore_errors=true');
  }
  // Duplicate names would make the select ambiguous; first occurrence wins, as in ingest.
  const seen = new Set();
  const select = [];
  for (const h of f.header) {
    if (seen.has(h)) continue;
    seen.add(h);
    select.push(types[h] === DATE ? `NULLIF(${id(h)}, DATE '1600-01-01') AS ${id(h)}` : id(h));
  }
  if (f.year !== undefined) select.push(`${f.year}::INTEGER AS year`);
  return `SELECT ${select.join(', ')} FROM read_csv(${q(f.file)}, ${opts.join(', ')})`;
}

function unionOf(files, rejects) {
  return files.map((f) => readCsv(f, rejects)).join('\nUNION ALL BY NAME\n');
}

const PARENT_OF = {
  ER_PHA_F: 'ER_PRS_F', ER_CAM_F: 'ER_PRS_F', ER_BIO_F: 'ER_PRS_F',
  T_MCOaaA: 'T_MCOaaC', T_MCOaaB: 'T_MCOaaC', T_MCOaaD: 'T_MCOaaC',
};

// Claim columns ingest copies onto pharmacy lines (docs/aggregate.md, Measures); NULL when the
// ER_PRS_F files lack them, as the store has them missing.
const CARRIED_BY = {
  ER_PHA_F: { PRS_PAI_MNT: 'DECIMAL(18,4)', BSE_REM_MNT: 'DECIMAL(18,4)', PSP_SPE_COD: 'VARCHAR' },
  ER_CAM_F: { PRS_ACT_QTE: 'DECIMAL(18,4)' },
  ER_BIO_F: {},
};

function joinSelect(kind, detailFrom, parentColumns = new Set()) {
  if (PARENT_OF[kind] === 'ER_PRS_F') {
    const on = DCIR_KEYS.map((k) => `h.${k} = p.${k}`).join(' AND ');
    const carried = Object.entries(CARRIED_BY[kind]).map(([c, t]) =>
      parentColumns.has(c) ? `p.${c}` : `CAST(NULL AS ${t}) AS ${c}`);
    return `SELECT h.*, p.BEN_NIR_PSA, p.BEN_RNG_GEM, p.EXE_SOI_DTD, p.DPN_QLF, ${carried.map((c) => c + ', ').join('')}
       p.DCT_ORD_NUM IS NULL AS orphan
FROM (${detailFrom}) h LEFT JOIN er_prs_f p ON ${on}`;
  }
  return `SELECT h.*, p.NIR_ANO_17, p.EXE_SOI_DTD, p.ETA_NUM IS NULL AS orphan
FROM (${detailFrom}) h LEFT JOIN t_mco_c p
  ON h.year = p.year AND h.ETA_NUM = p.ETA_NUM AND h.RSA_NUM = p.RSA_NUM`;
}

// The statements of the load, in order, each {name, phase, sql}. `fused`: detail tables are
// joined as they are read (one statement each, DuckDB's fastest plan); otherwise they are loaded
// into a table, joined into a second one, and the first is dropped, so load and join time apart.
export function loadStatements(files, { rejects = 'store', fused = false } = {}) {
  const byKind = new Map();
  for (const f of files) {
    if (!byKind.has(f.kind)) byKind.set(f.kind, []);
    byKind.get(f.kind).push(f);
  }
  const stmts = [];
  const prsColumns = new Set((byKind.get('ER_PRS_F') ?? []).flatMap((f) => f.header));
  // Parents first: the joins need them.
  const order = ['IR_PHA_R', 'IR_BEN_R', 'ER_PRS_F', 'T_MCOaaC', 'ER_PHA_F', 'T_MCOaaB', 'T_MCOaaD',
    'IR_IMB_R', 'KI_CCI_R', 'KI_ECD_R', 'ER_ETE_F', 'ER_CAM_F', 'ER_BIO_F', 'T_MCOaaA'];
  for (const kind of order) {
    const list = byKind.get(kind) ?? [];
    const table = DUCK_TABLE[kind];
    const bytes = list.reduce((a, f) => a + f.bytes, 0);
    if (list.length === 0) {
      // An absent table still exists, empty, so the job queries run.
      const cols = Object.entries(TABLES[kind]).map(([c, t]) => `${id(c)} ${t}`);
      if (kind.startsWith('T_MCO')) cols.push('year INTEGER');
      if (PARENT_OF[kind] === 'ER_PRS_F') cols.push('BEN_NIR_PSA VARCHAR', 'BEN_RNG_GEM BIGINT', 'EXE_SOI_DTD DATE', 'DPN_QLF BIGINT', ...Object.entries(CARRIED_BY[kind]).map(([c, t]) => `${c} ${t}`), 'orphan BOOLEAN');
      if (PARENT_OF[kind] === 'T_MCOaaC') cols.push('NIR_ANO_17 VARCHAR', 'EXE_SOI_DTD DATE', 'orphan BOOLEAN');
      const uniq = [...new Map(cols.map((c) => [c.split(' ')[0], c])).values()];
      stmts.push({ name: `create empty ${kind}`, phase: 'load', table, bytes: 0, sql: `CREATE OR REPLACE TABLE ${table} (${uniq.join(', ')})` });
      continue;
    }
    const from = unionOf(list, rejects);
    const had = new Set(list.flatMap((f) => f.header));
    const missing = Object.entries(TABLES[kind]).filter(([c]) => !had.has(c));
    const addMissing = () => {
      for (const [c, t] of missing)
        stmts.push({ name: `column ${c} of ${kind}`, phase: 'load', table, bytes: 0, sql: `ALTER TABLE ${table} ADD COLUMN ${id(c)} ${t}` });
    };
    if (!PARENT_OF[kind]) {
      stmts.push({ name: `load ${kind}`, phase: 'load', table, bytes, files: list.length, sql: `CREATE OR REPLACE TABLE ${table} AS\n${from}` });
      addMissing();
    } else if (fused) {
      stmts.push({ name: `load+join ${kind}`, phase: 'load+join', table, bytes, files: list.length, sql: `CREATE OR REPLACE TABLE ${table} AS\n${joinSelect(kind, from, prsColumns)}` });
      addMissing();
    } else {
      stmts.push({ name: `load ${kind}`, phase: 'load', table: `${table}_raw`, bytes, files: list.length, sql: `CREATE OR REPLACE TABLE ${table}_raw AS\n${from}` });
      stmts.push({ name: `join ${kind}`, phase: 'join', table, bytes: 0, sql: `CREATE OR REPLACE TABLE ${table} AS\n${joinSelect(kind, `SELECT * FROM ${table}_raw`, prsColumns)}` });
      stmts.push({ name: `drop ${kind} raw`, phase: 'join', table, bytes: 0, sql: `DROP TABLE ${table}_raw` });
      addMissing();
    }
  }
  return stmts;
}
