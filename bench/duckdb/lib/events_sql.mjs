// The rules of reference section 3 and docs/data-model.md as SQL common table expressions over
// the loaded tables, written from the docs (not from core/events/): the aggregate and cohort
// queries are built on them.
//
//   pmap         one row per pseudo-NIR (IR_BEN_R's (BEN_NIR_PSA, BEN_RNG_GEM), non-empty
//                BEN_NIR_PSA) with `ppid` (its number) and its person's `pid` and attributes.
//                Persons (docs/data-model.md, "Persons"): the pseudo-NIRs whose rows carry one
//                BEN_IDT_ANO (rows with BEN_CDI_NIR other than 00 link nothing; a pseudo-NIR with
//                several takes the smallest) are one person, named by its smallest pseudo-NIR;
//                sex, birth year and month, department: the most frequent non-missing value of
//                its pseudo-NIRs, ties to the smallest; death: the earliest BEN_DCD_DTE.
//                Without BEN_IDT_ANO a person is a pseudo-NIR. BEN_NAI_ANN 1600 is unknown.
//   patients     one row per person (pid, its smallest pseudo-NIR as nir, rng, attributes,
//                `npseudo`: its pseudo-NIR count)
//   ref          CIP13 -> ATC from IR_PHA_R
//   disp_lines   pharmacy lines: joined ER_PHA_F rows of known patients, DPN_QLF = 71 left out,
//                ATC 'UNKNOWN' when the CIP13 is absent from IR_PHA_R (or its ATC is empty), the
//                claim's amount, base and prescriber specialty
//   stays        valid stays (all *_RET = '0', GHM not 90*, NIR_ANO_17 no placeholder), once per
//                person of NIR_ANO_17
//   das          associated diagnoses (T_MCOyyD), empty ones left out
//   claim_lines  ER_PRS_F lines of known patients, DPN_QLF = 71 left out
//   ald          IR_IMB_R periods [d, e] (open end: 9999-12-31), IMB_ETM_NAT 11-13 and rows
//                without a start left out; the ICD-10 code only when MED_NCL_IDT is CIM10
//   acts         DCIR acts (ER_CAM_F netted per pseudo-NIR, day and CCAM code on the line's
//                PRS_ACT_QTE, kept when > 0) and PMSI acts (T_MCOyyA rows of valid stays, dated
//                admission + ENT_DAT_DEL), with their setting
//   labs         lab tests (ER_BIO_F netted per pseudo-NIR, day and NABM code on BIO_ACT_QSN)
//   death_dates  every valid death date of each pseudo-NIR: 1 IR_BEN_R, 2 its certificate
//                (KI_CCI_R by BEN_IDT_ANO, or BEN_NIR_ANO when no twin shares it; the earliest
//                valid one), 3 a valid stay with SOR_MOD 9 (discharge day; not for twins); valid:
//                not before January 1st of the birth year; with the certificate's causes
//
// Dispensing events (netted by pseudo-NIR, date and CIP13) are built per definition in cohort.mjs,
// deaths (one per person, per definition's sources) in deathCte() below.
//
// Strings that snds-batch stores as "" are NULL in DuckDB: COALESCE(x, '') where it is compared or
// printed.

export const sqlString = (s) => `'${String(s).replaceAll("'", "''")}'`;

export function prefixMatch(expr, prefixes) {
  if (!prefixes || prefixes.length === 0) return 'FALSE';
  return '(' + prefixes.map((p) => `starts_with(${expr}, ${sqlString(p)})`).join(' OR ') + ')';
}

const RET = ['NIR_RET', 'NAI_RET', 'SEX_RET', 'SEJ_RET', 'FHO_RET', 'PMS_RET', 'DAT_RET'];

// Whether the extract has persons of several pseudo-NIRs (bench.mjs asks the loaded IR_BEN_R, as
// snds-batch's ingest writes its person column only then): the person grouping and the per-person
// de-duplication of stays are only in the SQL when they can change an answer.
let persons = false;
export function setPersons(on) {
  persons = !!on;
}
// The netting key of dispensings, acts and lab tests: the pseudo-NIR (a regularisation line
// carries the pseudo-NIR of the line it cancels), inside its person.
export const pseudoKey = () => (persons ? 'ppid, pid' : 'pid');

const PMAP_SIMPLE = `pmap AS (
  SELECT row_number() OVER (ORDER BY nir, rng) AS pid, pid AS ppid, nir AS pnir, rng AS prng,
         1 AS npseudo, born AS own_born, death AS own_death, * FROM (
    SELECT DISTINCT ON (BEN_NIR_PSA, BEN_RNG_GEM)
      BEN_NIR_PSA AS nir, BEN_RNG_GEM AS rng, COALESCE(BEN_SEX_COD, '') AS sex,
      NULLIF(BEN_NAI_ANN, 1600) AS born, COALESCE(BEN_RES_DPT, '') AS dpt, BEN_DCD_DTE AS death,
      CASE WHEN BEN_NAI_MOI BETWEEN 1 AND 12 THEN BEN_NAI_MOI END AS month,
      COALESCE(BEN_IDT_ANO, '') AS idt_row
    FROM ir_ben_r WHERE BEN_NIR_PSA <> ''))`;
const PATIENTS_SIMPLE = `patients AS (SELECT pid, nir, rng, sex, born, dpt, death, month, npseudo FROM pmap)`;

const PMAP_PERSONS = `pseudo_rows AS (
  SELECT DISTINCT ON (BEN_NIR_PSA, BEN_RNG_GEM)
    BEN_NIR_PSA AS nir, BEN_RNG_GEM AS rng, COALESCE(BEN_SEX_COD, '') AS sex,
    NULLIF(BEN_NAI_ANN, 1600) AS born, COALESCE(BEN_RES_DPT, '') AS dpt, BEN_DCD_DTE AS death,
    CASE WHEN BEN_NAI_MOI BETWEEN 1 AND 12 THEN BEN_NAI_MOI END AS month,
    COALESCE(BEN_IDT_ANO, '') AS idt_row
  FROM ir_ben_r WHERE BEN_NIR_PSA <> ''),
pseudo_idt AS (
  SELECT BEN_NIR_PSA AS nir, BEN_RNG_GEM AS rng, min(BEN_IDT_ANO) AS idt FROM ir_ben_r
  WHERE BEN_NIR_PSA <> '' AND BEN_IDT_ANO <> '' AND COALESCE(BEN_CDI_NIR, '') IN ('', '00')
  GROUP BY ALL),
pseudo_numbered AS (
  SELECT r.*, i.idt, row_number() OVER (ORDER BY r.nir, r.rng) AS ppid
  FROM pseudo_rows r LEFT JOIN pseudo_idt i ON i.nir = r.nir AND i.rng = r.rng),
pseudo_pid AS (
  SELECT *, first_value(ppid) OVER w AS pid, first_value(nir) OVER w AS pnir,
         first_value(rng) OVER w AS prng, count(*) OVER w2 AS npseudo
  FROM pseudo_numbered
  WINDOW w AS (PARTITION BY COALESCE(idt, '#' || ppid) ORDER BY ppid),
         w2 AS (PARTITION BY COALESCE(idt, '#' || ppid))),
multi AS (SELECT * FROM pseudo_pid WHERE npseudo > 1),
${['sex', 'born', 'dpt', 'month'].map((c) => `major_${c} AS (
  SELECT pid, first(v ORDER BY n DESC, v) AS v FROM (
    SELECT pid, ${c} AS v, count(*) AS n FROM multi WHERE ${c === 'sex' || c === 'dpt' ? `${c} <> ''` : `${c} IS NOT NULL`} GROUP BY ALL)
  GROUP BY pid),`).join('\n')}
person_attr AS (
  SELECT m.pid, COALESCE(s.v, '') AS sex, b.v AS born, COALESCE(d.v, '') AS dpt, mo.v AS month, m.death
  FROM (SELECT pid, min(death) AS death FROM multi GROUP BY pid) m
  LEFT JOIN major_sex s ON s.pid = m.pid LEFT JOIN major_born b ON b.pid = m.pid
  LEFT JOIN major_dpt d ON d.pid = m.pid LEFT JOIN major_month mo ON mo.pid = m.pid),
pmap AS (
  SELECT p.nir, p.rng, p.ppid, p.pid, p.pnir, p.prng, p.npseudo, p.born AS own_born,
         p.idt_row, p.death AS own_death,
         CASE WHEN p.npseudo > 1 THEN a.sex ELSE p.sex END AS sex,
         CASE WHEN p.npseudo > 1 THEN a.born ELSE p.born END AS born,
         CASE WHEN p.npseudo > 1 THEN a.dpt ELSE p.dpt END AS dpt,
         CASE WHEN p.npseudo > 1 THEN a.month ELSE p.month END AS month,
         CASE WHEN p.npseudo > 1 THEN a.death ELSE p.death END AS death
  FROM pseudo_pid p LEFT JOIN person_attr a ON a.pid = p.pid)`;
const PATIENTS_PERSONS = `patients AS (
  SELECT DISTINCT ON (pid) pid, pnir AS nir, prng AS rng, sex, born, dpt, death, month, npseudo
  FROM pmap)`;

function staysCte() {
  return `stays AS (
  SELECT ${persons ? 'DISTINCT ON (pt.pid, c.year, c.ETA_NUM, c.RSA_NUM) ' : ''}pt.pid, c.year, c.ETA_NUM AS eta, c.RSA_NUM AS rsa, c.EXE_SOI_DTD AS d,
         COALESCE(b.DGN_PAL, '') AS dp, COALESCE(b.DGN_REL, '') AS dr,
         COALESCE(b.SEJ_NBJ, 0) AS days, pt.sex, pt.born, pt.dpt
  FROM t_mco_c c
  JOIN t_mco_b b ON b.year = c.year AND b.ETA_NUM = c.ETA_NUM AND b.RSA_NUM = c.RSA_NUM
  JOIN pmap pt ON pt.nir = c.NIR_ANO_17
  WHERE ${RET.map((r) => `c.${r} = '0'`).join(' AND ')}
    AND NOT starts_with(COALESCE(b.GRG_GHM, ''), '90') AND NOT ${placeholder('c.NIR_ANO_17')})`;
}


// The DCIR cleaning rules of a config (docs/data-model.md, `dcir_rules`: true, the default, both;
// false none; or a list), set by useConfig() before a config's queries are built; and whether the
// extract has ER_ETE_F lines of ETE_IND_TAA = 1 at all (bench.mjs asks after the load: without
// them the public_hospital rule leaves nothing out and is not in the SQL).
let rules = new Set(['majorations', 'public_hospital']);
let publicLines = false;
export function setPublicLines(on) {
  publicLines = !!on;
}
export function useConfig(cfg) {
  const r = cfg.dcir_rules;
  rules = new Set(r === undefined || r === true ? ['majorations', 'public_hospital'] : r === false ? [] : r);
}
const DCIR_KEY_COLUMNS = ['DCT_ORD_NUM', 'FLX_DIS_DTD', 'FLX_EMT_NUM', 'FLX_EMT_ORD', 'FLX_EMT_TYP',
  'FLX_TRT_DTD', 'ORG_CLE_NUM', 'PRS_ORD_NUM', 'REM_TYP_AFF'];
const publicOn = () => publicLines && rules.has('public_hospital');
// A DCIR row (alias a) whose 9 keys are those of an ER_ETE_F row with ETE_IND_TAA = 1.
function publicFlag(a) {
  if (!publicOn()) return 'FALSE';
  return `EXISTS (SELECT 1 FROM er_ete_f e WHERE e.ETE_IND_TAA = 1 AND ${DCIR_KEY_COLUMNS.map((k) => `e.${k} = ${a}.${k}`).join(' AND ')})`;
}
function notPublic(a) {
  return publicOn() ? ` AND NOT ${publicFlag(a)}` : '';
}
// Claim lines the claim source counts: majorations and public hospital lines out, per the rules.
export function claimRules(alias = '') {
  const parts = [];
  if (rules.has('majorations')) parts.push(`NOT ${alias}majoration`);
  if (publicOn()) parts.push(`NOT ${alias}public_hospital`);
  return parts.length ? ' AND ' + parts.join(' AND ') : '';
}

export const CTE = {
  get pmap() { return persons ? PMAP_PERSONS : PMAP_SIMPLE; },
  get patients() { return persons ? PATIENTS_PERSONS : PATIENTS_SIMPLE; },
  ref: `ref AS (
  SELECT PHA_CIP_C13 AS cip, any_value(PHA_ATC_C07) AS atc
  FROM ir_pha_r WHERE PHA_CIP_C13 <> '' GROUP BY PHA_CIP_C13)`,
  get disp_lines() {
    return `disp_lines AS (
  SELECT pt.pid, pt.ppid, h.EXE_SOI_DTD AS d, COALESCE(h.PHA_PRS_C13, '') AS cip,
         COALESCE(NULLIF(r.atc, ''), 'UNKNOWN') AS atc, COALESCE(h.PHA_ACT_QSN, 0) AS boxes,
         COALESCE(h.PRS_PAI_MNT, 0) AS amount, COALESCE(h.BSE_REM_MNT, 0) AS base,
         COALESCE(h.PSP_SPE_COD, '') AS psp, pt.sex, pt.born, pt.dpt
  FROM er_pha_f h
  JOIN pmap pt ON pt.nir = h.BEN_NIR_PSA AND pt.rng = h.BEN_RNG_GEM
  LEFT JOIN ref r ON r.cip = h.PHA_PRS_C13
  WHERE NOT h.orphan AND h.DPN_QLF IS DISTINCT FROM 71${notPublic('h')})`;
  },
  get stays() { return staysCte(); },
  das: `das AS (
  SELECT year, ETA_NUM AS eta, RSA_NUM AS rsa, ASS_DGN AS code
  FROM t_mco_d WHERE ASS_DGN <> '')`,
  get claim_lines() {
    return `claim_lines AS (
  SELECT pt.pid, p.EXE_SOI_DTD AS d, p.PRS_NAT_REF AS nature,
         COALESCE(p.CPL_MAJ_TOP, 0) >= 2 AS majoration, ${publicFlag('p')} AS public_hospital,
         COALESCE(p.PRS_ACT_QTE, 0) AS quantity, COALESCE(p.PRS_PAI_MNT, 0) AS amount,
         pt.sex, pt.born, pt.dpt
  FROM er_prs_f p
  JOIN pmap pt ON pt.nir = p.BEN_NIR_PSA AND pt.rng = p.BEN_RNG_GEM
  WHERE p.DPN_QLF IS DISTINCT FROM 71)`;
  },
  ald: `ald AS (
  SELECT pt.pid, i.IMB_ALD_DTD AS d, COALESCE(i.IMB_ALD_DTF, DATE '9999-12-31') AS e,
         i.IMB_ALD_NUM AS num, CASE WHEN i.MED_NCL_IDT = 'CIM10' THEN COALESCE(i.MED_MTF_COD, '') ELSE '' END AS code,
         pt.sex, pt.born, pt.dpt
  FROM ir_imb_r i JOIN pmap pt ON pt.nir = i.BEN_NIR_PSA AND pt.rng = i.BEN_RNG_GEM
  WHERE i.IMB_ALD_DTD IS NOT NULL AND (i.IMB_ETM_NAT IS NULL OR i.IMB_ETM_NAT NOT IN (11, 12, 13)))`,
  get acts() {
    return `acts AS (
  SELECT pid, d, code, 'dcir' AS setting, sex, born, dpt FROM (
    SELECT pt.pid, pt.ppid, h.EXE_SOI_DTD AS d, COALESCE(h.CAM_PRS_IDE, '') AS code,
           any_value(pt.sex) AS sex, any_value(pt.born) AS born, any_value(pt.dpt) AS dpt
    FROM er_cam_f h JOIN pmap pt ON pt.nir = h.BEN_NIR_PSA AND pt.rng = h.BEN_RNG_GEM
    WHERE NOT h.orphan AND h.DPN_QLF IS DISTINCT FROM 71 AND h.EXE_SOI_DTD IS NOT NULL${notPublic('h')}
    GROUP BY pt.pid, pt.ppid, h.EXE_SOI_DTD, code HAVING sum(COALESCE(h.PRS_ACT_QTE, 0)) > 0)
  UNION ALL
  SELECT s.pid, s.d + CAST(COALESCE(a.ENT_DAT_DEL, 0) AS INTEGER) AS d, COALESCE(a.CDC_ACT, '') AS code, 'pmsi', s.sex, s.born, s.dpt
  FROM t_mco_a a JOIN stays s ON s.year = a.year AND s.eta = a.ETA_NUM AND s.rsa = a.RSA_NUM
  WHERE s.d IS NOT NULL)`;
  },
  get labs() {
    return `labs AS (
  SELECT pt.pid, h.EXE_SOI_DTD AS d, h.BIO_PRS_IDE AS code,
         any_value(pt.sex) AS sex, any_value(pt.born) AS born, any_value(pt.dpt) AS dpt
  FROM er_bio_f h JOIN pmap pt ON pt.nir = h.BEN_NIR_PSA AND pt.rng = h.BEN_RNG_GEM
  WHERE NOT h.orphan AND h.DPN_QLF IS DISTINCT FROM 71 AND h.EXE_SOI_DTD IS NOT NULL
    AND h.BIO_PRS_IDE IS NOT NULL${notPublic('h')}
  GROUP BY pt.pid, pt.ppid, h.EXE_SOI_DTD, h.BIO_PRS_IDE HAVING sum(COALESCE(h.BIO_ACT_QSN, 0)) > 0)`;
  },
  death_dates: `twins AS (SELECT nir FROM pmap GROUP BY nir HAVING count(*) > 1),
certificates AS (
  SELECT pt.ppid, pt.own_born, c.BEN_DCD_DTE AS d, c.DCD_CIM_COD, c.DCD_IDT_ENC AS enc, c.rowid AS r
  FROM pmap pt JOIN ki_cci_r c ON c.BEN_IDT_ANO = pt.idt_row WHERE pt.idt_row <> ''
  UNION ALL
  SELECT pt.ppid, pt.own_born, c.BEN_DCD_DTE, c.DCD_CIM_COD, c.DCD_IDT_ENC, c.rowid
  FROM pmap pt JOIN ki_cci_r c ON c.BEN_NIR_ANO = pt.nir
  WHERE pt.idt_row = '' AND pt.nir NOT IN (SELECT nir FROM twins)),
certificates_valid AS (
  SELECT ppid, d, COALESCE(DCD_CIM_COD, '') AS cause, enc, r,
         d IS NOT NULL AND (own_born IS NULL OR year(d) >= own_born) AS valid FROM certificates),
certificate AS (SELECT DISTINCT ON (ppid) * FROM certificates_valid ORDER BY ppid, valid DESC, CASE WHEN valid THEN d END, r),
other_causes AS (SELECT DCD_IDT_ENC AS enc, list(ECD_CIM_COD) AS codes FROM ki_ecd_r WHERE ECD_CIM_COD <> '' GROUP BY ALL),
death_dates AS (
  SELECT x.*, COALESCE(c.cause, '') AS cause, COALESCE(o.codes, []) AS others FROM (
    SELECT pid, ppid, nir, rng, own_born, own_death AS d, 1 AS src FROM pmap
    UNION ALL SELECT pt.pid, pt.ppid, pt.nir, pt.rng, pt.own_born, c.d, 2 FROM certificate c JOIN pmap pt ON pt.ppid = c.ppid
    UNION ALL
    SELECT pt.pid, pt.ppid, pt.nir, pt.rng, pt.own_born, c.EXE_SOI_DTD + CAST(COALESCE(b.SEJ_NBJ, 0) AS INTEGER), 3
    FROM t_mco_c c
    JOIN t_mco_b b ON b.year = c.year AND b.ETA_NUM = c.ETA_NUM AND b.RSA_NUM = c.RSA_NUM
    JOIN pmap pt ON pt.nir = c.NIR_ANO_17
    WHERE ${RET.map((r) => `c.${r} = '0'`).join(' AND ')} AND b.SOR_MOD = '9'
      AND NOT starts_with(COALESCE(b.GRG_GHM, ''), '90') AND NOT ${placeholder('c.NIR_ANO_17')}
      AND c.EXE_SOI_DTD IS NOT NULL AND c.NIR_ANO_17 NOT IN (SELECT nir FROM twins)) x
  LEFT JOIN certificate c ON c.ppid = x.ppid LEFT JOIN other_causes o ON o.enc = c.enc
  WHERE x.d IS NOT NULL AND (x.own_born IS NULL OR year(x.d) >= x.own_born))`,
};

// docs/data-model.md, "Placeholder NIR_ANO_17": empty, or x/X everywhere but the last character.
function placeholder(col) {
  return `(COALESCE(${col}, '') = '' OR regexp_full_match(${col}, '[xX]+.'))`;
}

// One death per person (pid, d, cause, others) among a definition's sources: the earliest valid
// date, ties to ir_ben_r, causes, pmsi, then the smallest pseudo-NIR; the causes of that date's
// pseudo-NIR's certificate.
export function deathCte(name, sources) {
  const codes = { ir_ben_r: 1, causes: 2, pmsi: 3 };
  const chosen = (sources ?? ['ir_ben_r', 'causes', 'pmsi']).map((x) => codes[x]);
  return `${name} AS (SELECT DISTINCT ON (pid) pid, d, cause, others, sex, born, dpt FROM (
    SELECT x.*, pt.sex, pt.born, pt.dpt FROM death_dates x JOIN patients pt ON pt.pid = x.pid
    WHERE x.src IN (${chosen.join(', ')}))
  ORDER BY pid, d, src, nir, rng)`;
}

// A death's causes matching ICD-10 prefixes: the initial one, or any with causes: any.
export function causeMatch(def, alias = '') {
  if (!def.icd10 || def.icd10.length === 0) return 'TRUE';
  const initial = prefixMatch(`${alias}cause`, def.icd10);
  if (def.causes !== 'any') return initial;
  return `(${initial} OR len(list_filter(${alias}others, c -> ${prefixMatch('c', def.icd10)})) > 0)`;
}

// An ALD period matching a definition (icd10 prefixes or ALD numbers; neither: every period).
export function aldMatch(def, alias = '') {
  const parts = [];
  if (def.icd10?.length) parts.push(`(${alias}code <> '' AND ${prefixMatch(`${alias}code`, def.icd10)})`);
  if (def.ald?.length) parts.push(`${alias}num IN (${def.ald.map(Number).join(', ')})`);
  return parts.length ? `(${parts.join(' OR ')})` : 'TRUE';
}

// An act matching ccam prefixes (none: every act) and settings (default both).
export function actMatch(def, alias = '') {
  const settings = def.settings ?? ['dcir', 'pmsi'];
  const parts = [`${alias}setting IN (${settings.map(sqlString).join(', ')})`];
  if (def.ccam?.length) parts.push(prefixMatch(`${alias}code`, def.ccam));
  return parts.join(' AND ');
}

export function labMatch(def, alias = '') {
  return def.nabm?.length ? `${alias}code IN (${def.nabm.map(Number).join(', ')})` : 'TRUE';
}

// Which CTEs each one needs, so a query lists only what it uses (in dependency order).
const DEPS = {
  pmap: [], patients: ['pmap'], ref: [], disp_lines: ['pmap', 'ref'],
  stays: ['pmap'], das: [], claim_lines: ['pmap'], ald: ['pmap'], acts: ['pmap', 'stays'],
  labs: ['pmap'], death_dates: ['pmap', 'patients'],
};

export function withClause(names, extra = []) {
  const out = [];
  const add = (n) => {
    if (out.includes(n)) return;
    for (const d of DEPS[n]) add(d);
    out.push(n);
  };
  names.forEach(add);
  return 'WITH ' + [...out.map((n) => CTE[n]), ...extra].join(',\n');
}

// A stay matching ICD-10 prefixes at the given positions (s: a `stays` row).
export function stayMatch(s, icd10, positions) {
  const parts = [];
  if (positions.includes('DP')) parts.push(prefixMatch(`${s}.dp`, icd10));
  if (positions.includes('DR')) parts.push(prefixMatch(`${s}.dr`, icd10));
  if (positions.includes('DAS'))
    parts.push(`EXISTS (SELECT 1 FROM das x WHERE x.year = ${s}.year AND x.eta = ${s}.eta AND x.rsa = ${s}.rsa AND ${prefixMatch('x.code', icd10)})`);
  return parts.length ? '(' + parts.join(' OR ') + ')' : 'FALSE';
}

// Age band of an age expression, as core/events/patient_index.cpp's age_band().
export function ageBand(age) {
  return `CASE WHEN (${age}) IS NULL OR (${age}) < 0 THEN 'unknown'
       WHEN (${age}) >= 90 THEN '90+'
       ELSE CAST((${age}) // 10 * 10 AS VARCHAR) || '-' || CAST((${age}) // 10 * 10 + 9 AS VARCHAR) END`;
}

export const evName = (n) => `ev_${n.replace(/[^A-Za-z0-9_]/g, '_')}`;

// The base CTE each event source reads.
export const BASE_OF = {
  dispensing: 'disp_lines', hospital_stay: 'stays', claim: 'claim_lines', ald: 'ald', act: 'acts',
  lab: 'labs', death: 'death_dates',
};

// The events of one cohort definition as a CTE of (pid, d) (ALD: (pid, d, e), a period), netted as
// docs/data-model.md says; dates, not distinct for ALD periods.
export function eventCte(name, def) {
  const ev = evName(name);
  switch (def.source) {
    case 'dispensing': {
      // Netting groups by (pseudo-NIR, date, CIP13) and the ATC is a function of the CIP13, so
      // the definition's filter can go before the netting: the plan a careful analyst would write.
      const conds = [];
      if (def.atc) conds.push(prefixMatch('atc', def.atc));
      if (def.cip13) conds.push(`cip IN (${def.cip13.map(sqlString).join(', ')})`);
      return `${ev} AS (SELECT DISTINCT pid, d FROM (
    SELECT ${pseudoKey()}, d, cip FROM disp_lines
    WHERE d IS NOT NULL AND (${conds.join(' OR ')})
    GROUP BY ${pseudoKey()}, d, cip HAVING sum(boxes) > 0))`;
    }
    case 'hospital_stay':
      return `${ev} AS (SELECT DISTINCT pid, d FROM stays s WHERE d IS NOT NULL AND ${stayMatch('s', def.icd10, def.positions ?? ['DP'])})`;
    case 'claim':
      return `${ev} AS (SELECT DISTINCT pid, d FROM (
    SELECT pid, d, nature FROM claim_lines
    WHERE d IS NOT NULL AND nature IN (${def.nature.map(Number).join(', ')})${claimRules()}
    GROUP BY pid, d, nature HAVING sum(quantity) > 0))`;
    case 'ald':
      return `${ev} AS (SELECT pid, d, e FROM ald WHERE ${aldMatch(def)})`;
    case 'act':
      return `${ev} AS (SELECT DISTINCT pid, d FROM acts WHERE d IS NOT NULL AND ${actMatch(def)})`;
    case 'lab':
      return `${ev} AS (SELECT DISTINCT pid, d FROM labs WHERE ${labMatch(def)})`;
    case 'death':
      return `${deathCte(`${ev}_one`, def.sources)},
${ev} AS (SELECT pid, d FROM ${ev}_one WHERE ${causeMatch(def)})`;
    default:
      throw new Error(`cohort: unknown event source '${def.source}'`);
  }
}

// The bases (CTE names) a set of definitions reads.
export function basesOf(events, names, extra = []) {
  const bases = new Set(['patients', ...extra]);
  for (const n of names) {
    const def = events[n];
    bases.add(BASE_OF[def.source]);
    if (def.source === 'hospital_stay' && (def.positions ?? ['DP']).includes('DAS')) bases.add('das');
  }
  return [...bases];
}

// Whether event `ev` (alias x) is in [lo, hi]: its day, or for an ALD period an overlap.
export function eventIn(def, x, lo, hi) {
  if (def.source === 'ald') return `${x}.d <= ${hi} AND ${x}.e >= ${lo}`;
  return `${x}.d BETWEEN ${lo} AND ${hi}`;
}

export const isPersons = () => persons;
