// The rules of reference section 3 as SQL common table expressions over the loaded tables, written
// to mean exactly what core/events/ does (patient_index.cpp, dispensing.cpp, hospital_stay.cpp,
// claim.cpp): the aggregate and cohort queries are built on them.
//
//   patients     IR_BEN_R, one row per (BEN_NIR_PSA, BEN_RNG_GEM) with a non-empty BEN_NIR_PSA,
//                numbered `pid`; BEN_NAI_ANN 1600 is unknown
//   ref          CIP13 -> ATC from IR_PHA_R
//   disp_lines   pharmacy lines: joined ER_PHA_F rows of known patients, DPN_QLF = 71 left out,
//                ATC 'UNKNOWN' when the CIP13 is absent from IR_PHA_R (or its ATC is empty), the
//                claim's amount, base and prescriber specialty
//   stays        valid stays (all *_RET = '0', GHM not 90*), once per patient of NIR_ANO_17
//   das          associated diagnoses (T_MCOyyD), empty ones left out
//   claim_lines  ER_PRS_F lines of known patients, DPN_QLF = 71 left out
//
// Dispensing events (netted by patient, date and CIP13) are built per definition in cohort.mjs.
//
// Strings that snds-batch stores as "" are NULL in DuckDB: COALESCE(x, '') where it is compared or
// printed.

export const sqlString = (s) => `'${String(s).replaceAll("'", "''")}'`;

export function prefixMatch(expr, prefixes) {
  if (!prefixes || prefixes.length === 0) return 'FALSE';
  return '(' + prefixes.map((p) => `starts_with(${expr}, ${sqlString(p)})`).join(' OR ') + ')';
}

const RET = ['NIR_RET', 'NAI_RET', 'SEX_RET', 'SEJ_RET', 'FHO_RET', 'PMS_RET', 'DAT_RET'];

export const CTE = {
  patients: `patients AS (
  SELECT row_number() OVER (ORDER BY nir, rng) AS pid, * FROM (
    SELECT DISTINCT ON (BEN_NIR_PSA, BEN_RNG_GEM)
      BEN_NIR_PSA AS nir, BEN_RNG_GEM AS rng, COALESCE(BEN_SEX_COD, '') AS sex,
      NULLIF(BEN_NAI_ANN, 1600) AS born, COALESCE(BEN_RES_DPT, '') AS dpt, BEN_DCD_DTE AS death,
      CASE WHEN BEN_NAI_MOI BETWEEN 1 AND 12 THEN BEN_NAI_MOI END AS month
    FROM ir_ben_r WHERE BEN_NIR_PSA <> ''))`,
  ref: `ref AS (
  SELECT PHA_CIP_C13 AS cip, any_value(PHA_ATC_C07) AS atc
  FROM ir_pha_r WHERE PHA_CIP_C13 <> '' GROUP BY PHA_CIP_C13)`,
  disp_lines: `disp_lines AS (
  SELECT pt.pid, h.EXE_SOI_DTD AS d, COALESCE(h.PHA_PRS_C13, '') AS cip,
         COALESCE(NULLIF(r.atc, ''), 'UNKNOWN') AS atc, COALESCE(h.PHA_ACT_QSN, 0) AS boxes,
         COALESCE(h.PRS_PAI_MNT, 0) AS amount, COALESCE(h.BSE_REM_MNT, 0) AS base,
         COALESCE(h.PSP_SPE_COD, '') AS psp, pt.sex, pt.born, pt.dpt
  FROM er_pha_f h
  JOIN patients pt ON pt.nir = h.BEN_NIR_PSA AND pt.rng = h.BEN_RNG_GEM
  LEFT JOIN ref r ON r.cip = h.PHA_PRS_C13
  WHERE NOT h.orphan AND h.DPN_QLF IS DISTINCT FROM 71)`,
  stays: `stays AS (
  SELECT pt.pid, c.year, c.ETA_NUM AS eta, c.RSA_NUM AS rsa, c.EXE_SOI_DTD AS d,
         COALESCE(b.DGN_PAL, '') AS dp, COALESCE(b.DGN_REL, '') AS dr,
         COALESCE(b.SEJ_NBJ, 0) AS days, pt.sex, pt.born, pt.dpt
  FROM t_mco_c c
  JOIN t_mco_b b ON b.year = c.year AND b.ETA_NUM = c.ETA_NUM AND b.RSA_NUM = c.RSA_NUM
  JOIN patients pt ON pt.nir = c.NIR_ANO_17
  WHERE ${RET.map((r) => `c.${r} = '0'`).join(' AND ')}
    AND NOT starts_with(COALESCE(b.GRG_GHM, ''), '90'))`,
  das: `das AS (
  SELECT year, ETA_NUM AS eta, RSA_NUM AS rsa, ASS_DGN AS code
  FROM t_mco_d WHERE ASS_DGN <> '')`,
  claim_lines: `claim_lines AS (
  SELECT pt.pid, p.EXE_SOI_DTD AS d, p.PRS_NAT_REF AS nature,
         COALESCE(p.PRS_ACT_QTE, 0) AS quantity, COALESCE(p.PRS_PAI_MNT, 0) AS amount,
         pt.sex, pt.born, pt.dpt
  FROM er_prs_f p
  JOIN patients pt ON pt.nir = p.BEN_NIR_PSA AND pt.rng = p.BEN_RNG_GEM
  WHERE p.DPN_QLF IS DISTINCT FROM 71)`,
};

// Which CTEs each one needs, so a query lists only what it uses (in dependency order).
const DEPS = {
  patients: [], ref: [], disp_lines: ['patients', 'ref'],
  stays: ['patients'], das: [], claim_lines: ['patients'],
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
