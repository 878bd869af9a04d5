// The aggregate job (contract section 5) as one DuckDB query, built from the same YAML config
// that `snds-batch run` reads, and its result.csv written byte for byte as snds-batch writes it
// (core/aggregate/result_output.cpp) so the two files can be compared with cmp.
import { withClause, prefixMatch, stayMatch, ageBand, sqlString } from './events_sql.mjs';

const ATC_CHARS = { atc: 7, atc1: 1, atc2: 3, atc3: 4, atc4: 5 };

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
    default: throw new Error(`aggregate: dimension '${dim}' is not supported for source ${source}`);
  }
}

function measureExpr(m) {
  switch (m) {
    case 'lines': return 'count(*)';
    case 'boxes': return 'sum(boxes)';
    case 'patients': return 'count(DISTINCT pid)';
    case 'amount': return 'sum(amount)';
    case 'days': return 'sum(days)';
    default: throw new Error(`aggregate: unknown measure '${m}'`);
  }
}

const isoDate = (v) => (v instanceof Date ? v.toISOString().slice(0, 10) : String(v));

// cfg: the parsed YAML of an aggregate config.
export function aggregateQuery(cfg) {
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
  } else {
    throw new Error(`aggregate: unknown source '${source}'`);
  }
  const dims = groupBy.map((g, i) => `${dimensionExpr(g, source)} AS g${i}`);
  // 'patients' is needed for masking even when not asked for.
  const ms = [...new Set([...measures, 'patients'])];
  const inner = `SELECT ${[...dims, ...ms.map((m) => `${measureExpr(m)} AS m_${m}`)].join(', ')}
FROM ${from}
WHERE ${where.join(' AND ')}
${dims.length ? 'GROUP BY ' + groupBy.map((_, i) => `g${i}`).join(', ') : ''}`;
  const outCols = [
    ...groupBy.map((g, i) => `g${i}`),
    ...measures.map((m) => `CASE WHEN m_patients < ${minPatients} THEN NULL ELSE CAST(m_${m} AS VARCHAR) END AS "${m}"`),
    `CASE WHEN m_patients < ${minPatients} THEN 1 ELSE 0 END AS suppressed`,
  ];
  const sql = `${with_},
agg AS (${inner})
SELECT ${outCols.join(', ')} FROM agg
${groupBy.length ? 'ORDER BY ' + groupBy.map((_, i) => `g${i}`).join(', ') : ''}`;
  return { sql, header: [...groupBy, ...measures, 'suppressed'], groupCount: groupBy.length, measures };
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
  let out = query.header.map(csvField).join(',') + '\n';
  for (const r of sorted) {
    const cells = [];
    for (let i = 0; i < g; ++i) cells.push(r[i] ?? '');
    query.measures.forEach((m, k) => {
      const v = r[g + k];
      cells.push(m === 'boxes' || m === 'amount' ? formatDecimal(v) : v ?? '');
    });
    cells.push(String(r[r.length - 1]));
    out += cells.map(csvField).join(',') + '\n';
  }
  return out;
}
