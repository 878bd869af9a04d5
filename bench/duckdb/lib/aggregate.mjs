// The aggregate job (reference section 5) as one DuckDB query, built from the same YAML config
// that `snds-batch run` reads, and its result.csv written byte for byte as snds-batch writes it
// (core/aggregate/result_output.cpp) so the two files can be compared with cmp.
//
// `totals: true` is GROUPING SETS over every allowed margin (docs/aggregate.md, Margins), with
// 'ALL' in the collapsed columns, in the same statement. Primary masking is in SQL; secondary
// suppression (docs/disclosure.md) is applied after the query, in JavaScript, from the written
// rule (not timed: it is not SQL, and the comparison is about the table with its margins).
import fs from 'node:fs';
import { withClause, prefixMatch, stayMatch, ageBand, sqlString, deathCte, causeMatch, aldMatch, actMatch, labMatch, useConfig, claimRules } from './events_sql.mjs';

const ATC_CHARS = { atc: 7, atc1: 1, atc2: 3, atc3: 4, atc4: 5, atc5: 7 };
// The ATC family, coarsest first (atc and atc5 are one level): a level collapses to ALL only with
// every finer one.
const ATC_LEVEL = { atc1: 0, atc2: 1, atc3: 2, atc4: 3, atc5: 4, atc: 4, cip13: 5 };

// The department -> region referential (GEO_DPT_COD;GEO_REG_COD), as a VALUES list.
function regionsCte() {
  const file = new URL('../../../data/nomenclatures/IR_DPT_V.csv', import.meta.url);
  const lines = fs.readFileSync(file, 'utf8').split(/\r?\n/).filter((l) => l.length);
  const header = lines[0].split(';');
  const d = header.indexOf('GEO_DPT_COD'), r = header.indexOf('GEO_REG_COD');
  const values = lines.slice(1).map((l) => l.split(';')).map((f) => `(${sqlString(f[d])}, ${sqlString(f[r])})`);
  return `regions(rdpt, reg) AS (VALUES ${values.join(', ')})`;
}

function dimensionExpr(dim, source) {
  if (dim in ATC_CHARS) return `CASE WHEN atc = 'UNKNOWN' THEN atc ELSE left(atc, ${ATC_CHARS[dim]}) END`;
  switch (dim) {
    case 'cip13': return 'cip';
    case 'month': return `strftime(d, '%Y-%m')`;
    case 'year': return `strftime(d, '%Y')`;
    case 'sex': return 'sex';
    case 'department': return 'dpt';
    case 'age_band': return ageBand('year(d) - born');
    case 'dp': return 'left(dp, 3)';
    case 'region': return `COALESCE(reg, '')`;
    case 'prescriber_specialty': return 'psp';
    case 'ccam': return 'code';
    case 'nabm': return 'CAST(code AS VARCHAR)';
    case 'ald': return `COALESCE(CAST(num AS VARCHAR), '')`;
    case 'cause': return 'left(cause, 3)';
    default: throw new Error(`aggregate: dimension '${dim}' is not supported for source ${source}`);
  }
}

function measureExpr(m) {
  switch (m) {
    case 'lines': return 'count(*)';
    case 'boxes': return 'sum(boxes)';
    case 'patients': return 'count(DISTINCT pid)';
    case 'amount': return 'sum(amount)';
    case 'base': return 'sum(base)';
    case 'lines_raw': return 'count(*)';
    case 'days': return 'sum(days)';
    default: throw new Error(`aggregate: unknown measure '${m}'`);
  }
}

const isoDate = (v) => (v instanceof Date ? v.toISOString().slice(0, 10) : String(v));

// cfg: the parsed YAML of an aggregate config.
export function aggregateQuery(cfg) {
  useConfig(cfg);
  const source = cfg.source ?? 'dispensing';
  const groupBy = cfg.group_by ?? [];
  const measures = cfg.measures ?? [];
  const minPatients = cfg.disclosure?.min_patients ?? 10;
  const where = ['d IS NOT NULL'];
  if (cfg.period?.start) where.push(`d >= DATE ${sqlString(isoDate(cfg.period.start))}`);
  if (cfg.period?.end) where.push(`d <= DATE ${sqlString(isoDate(cfg.period.end))}`);
  let with_, from;
  if (source === 'dispensing') {
    with_ = withClause(['disp_lines']);
    from = 'disp_lines';
    if (cfg.filter?.atc) where.push(prefixMatch('atc', cfg.filter.atc));
  } else if (source === 'hospital_stay') {
    with_ = withClause(['stays', 'das']);
    from = 'stays s';
    if (cfg.filter?.icd10) where.push(stayMatch('s', cfg.filter.icd10, cfg.filter.positions ?? ['DP']));
  } else if (source === 'claim') {
    with_ = withClause(['claim_lines']);
    from = 'claim_lines';
    const r = claimRules();
    if (r) where.push(r.slice(5));
  } else if (source === 'act') {
    with_ = withClause(['acts']);
    from = 'acts';
    where.push(actMatch(cfg.filter ?? {}));
  } else if (source === 'lab') {
    with_ = withClause(['labs']);
    from = 'labs';
    where.push(labMatch(cfg.filter ?? {}));
  } else if (source === 'death') {
    with_ = withClause(['death_dates'], [deathCte('deaths', cfg.filter?.sources)]);
    from = 'deaths';
    where.push(causeMatch(cfg.filter ?? {}));
  } else if (source === 'ald') {
    // An ALD period counts once in every month (or year) of `period` it is open in, dated on the
    // first such day; without month or year, once, on its first day in the period.
    const ps = `DATE ${sqlString(isoDate(cfg.period.start))}`, pe = `DATE ${sqlString(isoDate(cfg.period.end))}`;
    const step = groupBy.includes('month') ? 'month' : groupBy.includes('year') ? 'year' : null;
    const pieces = step
      ? `SELECT pid, greatest(CAST(m AS DATE), d, ${ps}) AS d, num, code, sex, born, dpt FROM (
    SELECT *, unnest(generate_series(date_trunc('${step}', greatest(d, ${ps})), least(e, ${pe}), INTERVAL 1 ${step.toUpperCase()})) AS m
    FROM ald WHERE d <= ${pe} AND e >= ${ps} AND ${aldMatch(cfg.filter ?? {})})`
      : `SELECT pid, greatest(d, ${ps}) AS d, num, code, sex, born, dpt FROM ald
    WHERE d <= ${pe} AND e >= ${ps} AND ${aldMatch(cfg.filter ?? {})}`;
    with_ = withClause(['ald'], [`ald_pieces AS (${pieces})`]);
    from = 'ald_pieces';
  } else {
    throw new Error(`aggregate: unknown source '${source}'`);
  }
  const totals = cfg.totals === true;
  const secondary = cfg.disclosure?.secondary === true;
  if (groupBy.includes('region')) {
    with_ += `,\n${regionsCte()}`;
    from += ` LEFT JOIN regions ON rdpt = CASE WHEN length(dpt) = 2 THEN '0' || dpt ELSE dpt END`;
  }
  const dims = groupBy.map((g, i) => `${dimensionExpr(g, source)} AS g${i}`);
  // 'patients' is needed for masking even when not asked for; 'lines' for secondary's cost.
  const ms = [...new Set([...measures, 'patients', ...(secondary ? ['lines'] : [])])];
  const gcols = groupBy.map((_, i) => `g${i}`);
  let inner;
  if (!totals) {
    inner = `SELECT ${[...dims, ...ms.map((m) => `${measureExpr(m)} AS m_${m}`)].join(', ')}
FROM ${from}
WHERE ${where.join(' AND ')}
${dims.length ? 'GROUP BY ' + gcols.join(', ') : ''}`;
  } else {
    // The lines with their group values, then every margin as a grouping set.
    const needs = new Set(['pid']);
    for (const m of ms) if (['boxes', 'amount', 'days', 'base'].includes(m)) needs.add(m);
    const lcols = groupBy.map((_, i) => `l${i}`);
    const ldims = groupBy.map((g, i) => `${dimensionExpr(g, source)} AS l${i}`);
    const sets = marginSets(groupBy).map((collapsed) =>
      '(' + lcols.filter((_, i) => !collapsed.has(i)).join(', ') + ')');
    with_ += `,\nlines AS (SELECT ${[...ldims, ...needs].join(', ')} FROM ${from} WHERE ${where.join(' AND ')})`;
    const shown = lcols.map((l, i) => `CASE WHEN grouping(${l}) = 1 THEN 'ALL' ELSE ${l} END AS g${i}`);
    inner = `SELECT ${[...shown, ...ms.map((m) => `${measureExpr(m)} AS m_${m}`)].join(', ')}
FROM lines
GROUP BY GROUPING SETS (${sets.join(', ')})`;
  }
  const outCols = [
    ...gcols,
    ...measures.map((m) => `CASE WHEN m_patients < ${minPatients} THEN NULL ELSE CAST(m_${m} AS VARCHAR) END AS "${m}"`),
    `CASE WHEN m_patients < ${minPatients} THEN 1 ELSE 0 END AS suppressed`,
  ];
  // Secondary suppression needs every value (masked or not) and the cost: raw columns last.
  if (secondary) outCols.push(...measures.map((m) => `CAST(m_${m} AS VARCHAR)`), 'm_patients', 'm_lines');
  const sql = `${with_},
agg AS (${inner})
SELECT ${outCols.join(', ')} FROM agg
${groupBy.length ? 'ORDER BY ' + gcols.join(', ') : ''}`;
  return { sql, header: [...groupBy, ...measures, 'suppressed'], groupCount: groupBy.length, measures,
           groupBy, secondary };
}

// Every set of column indexes a margin row may have at ALL (the empty set: detail rows).
export function marginSets(groupBy) {
  const out = [];
  for (let bits = 0; bits < 2 ** groupBy.length; ++bits) {
    const collapsed = new Set(groupBy.map((_, i) => i).filter((i) => (bits >> i) & 1));
    let ok = true;
    for (const i of collapsed) {
      if (!(groupBy[i] in ATC_LEVEL)) continue;
      groupBy.forEach((d, j) => {
        if (d in ATC_LEVEL && ATC_LEVEL[d] >= ATC_LEVEL[groupBy[i]] && !collapsed.has(j)) ok = false;
      });
    }
    if (ok) out.push(collapsed);
  }
  return out;
}

// docs/disclosure.md, step 3, on rows sorted as result.csv: relations (a margin row and the rows
// un-collapsing one unit of it: a non-ATC column, or the coarsest collapsed ATC level) visited by
// margin row then unit position; a relation with exactly one masked row masks its unmasked row
// of fewest persons, then lines, then output order; passes repeat until nothing changes.
// rows[i]: {key: [values], patients, lines, suppressed}.
export function secondarySuppression(rows, groupBy) {
  const units = [];
  groupBy.forEach((d, i) => {
    const level = ATC_LEVEL[d];
    const u = level === undefined ? undefined : units.find((x) => x.level === level);
    if (u) u.cols.push(i);
    else units.push({ cols: [i], level });
  });
  const index = new Map(rows.map((r, i) => [JSON.stringify(r.key), i]));
  const rel = new Map();  // parent * units + unit -> children
  rows.forEach((r, i) => {
    const atc = units.filter((u) => u.level !== undefined).sort((a, b) => b.level - a.level);
    const finest = atc.find((u) => r.key[u.cols[0]] !== 'ALL');
    units.forEach((u, n) => {
      if (u.level !== undefined && u !== finest) return;
      if (u.cols.some((c) => r.key[c] === 'ALL')) return;
      const parent = [...r.key];
      for (const c of u.cols) parent[c] = 'ALL';
      const p = index.get(JSON.stringify(parent));
      const k = p * units.length + n;
      if (!rel.has(k)) rel.set(k, []);
      rel.get(k).push(i);
    });
  });
  const relations = [...rel.entries()].sort((a, b) => a[0] - b[0])
    .map(([k, kids]) => [Math.floor(k / units.length), ...kids]);
  const cost = (i) => [rows[i].patients, rows[i].lines, i];
  const less = (a, b) => { for (let j = 0; j < 3; ++j) if (a[j] !== b[j]) return a[j] < b[j]; return false; };
  for (let changed = true; changed;) {
    changed = false;
    for (const members of relations) {
      if (members.filter((m) => rows[m].suppressed).length !== 1) continue;
      let best = -1;
      for (const m of members) if (!rows[m].suppressed && (best < 0 || less(cost(m), cost(best)))) best = m;
      if (best < 0) continue;
      rows[best].suppressed = 2;
      changed = true;
    }
  }
  return relations.length;
}

// snds-batch's format_decimal: no trailing zeros, no trailing dot.
export function formatDecimal(s) {
  if (s === null || s === undefined) return '';
  s = String(s);
  if (!s.includes('.')) return s;
  s = s.replace(/0+$/, '');
  return s.endsWith('.') ? s.slice(0, -1) : s;
}

export function csvField(v) {
  const s = v === null || v === undefined ? '' : String(v);
  if (!/[,"\r\n]/.test(s)) return s;
  return '"' + s.replaceAll('"', '""') + '"';
}

const byteCompare = (a, b) => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));

// rows: arrays of strings/null as the query returns them.
export function resultCsv(query, rows) {
  const g = query.groupCount;
  const sorted = [...rows].sort((a, b) => {
    for (let i = 0; i < g; ++i) {
      const c = byteCompare(a[i] ?? '', b[i] ?? '');
      if (c) return c;
    }
    return 0;
  });
  const nm = query.measures.length;
  if (query.secondary) {
    // Raw values follow `suppressed`: unmask them for the rule, then mask what it chooses.
    const table = sorted.map((r) => ({
      key: r.slice(0, g).map((v) => v ?? ''), suppressed: Number(r[g + nm]),
      raw: r.slice(g + nm + 1, g + 2 * nm + 1), patients: Number(r[g + 2 * nm + 1]),
      lines: Number(r[g + 2 * nm + 2]),
    }));
    secondarySuppression(table, query.groupBy);
    sorted.forEach((r, i) => {
      const t = table[i];
      for (let k = 0; k < nm; ++k) r[g + k] = t.suppressed ? null : t.raw[k];
      r[g + nm] = t.suppressed;
      r.length = g + nm + 1;
    });
  }
  let out = query.header.map(csvField).join(',') + '\n';
  for (const r of sorted) {
    const cells = [];
    for (let i = 0; i < g; ++i) cells.push(r[i] ?? '');
    query.measures.forEach((m, k) => {
      const v = r[g + k];
      cells.push(m === 'boxes' || m === 'amount' || m === 'base' ? formatDecimal(v) : v ?? '');
    });
    cells.push(String(r[g + nm]));
    out += cells.map(csvField).join(',') + '\n';
  }
  return out;
}
