// The cohort job's study designs (docs/cohort.md, "Study designs") as DuckDB SQL, for configs that
// use them: exposure periods (durations, grace merge, without stockpile), follow_up end and lag,
// censor events, loss to follow-up, outcomes (event, any_of, all_of) with a clean window, incidence.csv,
// baseline.csv and index_codes.csv. Written the way an analyst would: islands by window
// functions, person-time split at year ends and birthdays by generating each year's two pieces,
// the baseline by grouped counts. Heavy lifting in SQL; the Poisson bounds, quartiles and the
// CSV text in JavaScript (small inputs). Runs after cohortQueries()' stepsSql (cohort_steps).
import { withClause, prefixMatch, sqlString, ageBand, evName, eventCte, basesOf, eventIn, isPersons, useConfig, claimRules } from './events_sql.mjs';
import { csvField } from './aggregate.mjs';

const DESIGN_KEYS = ['exposure', 'follow_up', 'censor', 'loss_to_follow_up', 'outcomes',
  'clean_window_days', 'incidence', 'baseline', 'index_codes'];
export const hasDesigns = (cfg) => DESIGN_KEYS.some((k) => cfg[k] !== undefined);

const isoDate = (v) => (v instanceof Date ? v.toISOString().slice(0, 10) : String(v));

const basesFor = (cfg, names, extra = []) => basesOf(cfg.events, names, extra);

function dispensingMatch(def) {
  const conds = [];
  if (def.atc) conds.push(prefixMatch('l.atc', def.atc));
  if (def.cip13) conds.push(`l.cip IN (${def.cip13.map(sqlString).join(', ')})`);
  return `(${conds.join(' OR ')})`;
}

// Each outcome: {name, events, single, days} in incidence order (the outcome: event first);
// `days` for all_of (every event within the days up to the day one of them occurs).
function outcomeList(cfg) {
  const list = [];
  if (cfg.outcome) list.push({ name: cfg.outcome.event, events: [cfg.outcome.event], single: true });
  for (const [name, o] of Object.entries(cfg.outcomes ?? {})) {
    if (o.all_of) list.push({ name, events: o.all_of, single: false, days: Number(o.days) });
    else list.push({ name, events: o.event ? [o.event] : o.any_of, single: false });
  }
  return list;
}

export function designQueries(cfg, stepCount) {
  useConfig(cfg);
  const start = `DATE ${sqlString(isoDate(cfg.study.start))}`;
  const end = `DATE ${sqlString(isoDate(cfg.study.end))}`;
  const x = cfg.exposure;
  if (x && (x.stockpile || x.min_purchases)) throw new Error('cohort bench: stockpile and min_purchases are not benchmarked');
  const fu = cfg.follow_up ?? { end: 'study_end', lag_days: 0 };
  const censor = cfg.censor ?? [];
  const noClaim = cfg.loss_to_follow_up?.no_claim_days;
  const clean = cfg.clean_window_days;
  const outs = outcomeList(cfg);
  const names = new Set([...censor, ...outs.flatMap((o) => o.events)]);
  const ctes = [...names].map((n) => eventCte(n, cfg.events[n]));
  const extra = noClaim ? ['claim_lines'] : [];
  if (x) extra.push('disp_lines');

  ctes.push(`c AS (SELECT s.pid, s.idx, pt.nir, pt.rng, pt.sex, pt.born, pt.month, pt.death, pt.npseudo,
    year(s.idx) - pt.born AS age FROM cohort_steps s JOIN patients pt ON pt.pid = s.pid WHERE s.passed = ${stepCount})`);
  let expEnd = 'NULL::DATE';
  if (x) {
    const perBox = x.days_per_box ? `${Number(x.days_per_box)}` : `CASE WHEN pk.gc THEN 90 ELSE 30 END`;
    ctes.push(`packs AS (SELECT PHA_CIP_C13 AS cip, bool_or(PHA_CND_TOP = 'GC') AS gc FROM ir_pha_r GROUP BY PHA_CIP_C13)`);
    ctes.push(`sup AS (
  SELECT l.pid, l.d, sum(l.boxes) AS boxes, any_value(COALESCE(pk.gc, FALSE)) AS gc
  FROM disp_lines l JOIN c ON c.pid = l.pid AND l.d >= c.idx LEFT JOIN packs pk ON pk.cip = l.cip
  WHERE ${dispensingMatch(cfg.events[cfg.index.event])}
  GROUP BY ${isPersons() ? 'l.ppid, ' : ''}l.pid, l.d, l.cip HAVING sum(l.boxes) > 0)`.replace('CASE WHEN pk.gc', 'CASE WHEN gc'));
    ctes.push(`sup_e AS (SELECT pid, d, boxes, d + greatest(1, CAST(floor(${perBox.replace('pk.gc', 'gc')} * boxes) AS INTEGER)) - 1 AS e FROM sup)`);
    ctes.push(`sup_m AS (SELECT *, max(e) OVER (PARTITION BY pid ORDER BY d, e ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS prev FROM sup_e)`);
    ctes.push(`sup_g AS (SELECT *, sum(CASE WHEN prev IS NULL OR d - prev - 1 > ${Number(x.grace_days ?? 0)} THEN 1 ELSE 0 END)
    OVER (PARTITION BY pid ORDER BY d, e ROWS UNBOUNDED PRECEDING) AS grp FROM sup_m)`);
    ctes.push(`periods AS (SELECT pid, grp, min(d) AS a, max(e) AS b, sum(boxes) AS boxes FROM sup_g GROUP BY pid, grp)`);
    if (fu.end === 'exposure_end')
      expEnd = `(SELECT p.b + ${Number(fu.lag_days ?? 0)} FROM periods p WHERE p.pid = c.pid AND p.grp = 1)`;
  }
  if (noClaim) {
    ctes.push(`cd AS (SELECT DISTINCT l.pid, l.d FROM claim_lines l JOIN c ON c.pid = l.pid AND l.d > c.idx)`);
    ctes.push(`chain AS (SELECT pid, d AS s FROM cd UNION ALL SELECT pid, idx FROM c)`);
    ctes.push(`nx AS (SELECT pid, s, lead(s) OVER (PARTITION BY pid ORDER BY s) AS nxt FROM chain)`);
    ctes.push(`lost AS (SELECT pid, min(s) + ${Number(noClaim)} AS d FROM nx WHERE nxt IS NULL OR nxt > s + ${Number(noClaim)} GROUP BY pid)`);
  }
  const first = (ev, lo, hi) => `(SELECT min(e.d) FROM ${evName(ev)} e WHERE e.pid = c.pid AND e.d BETWEEN ${lo} AND ${hi})`;
  // all_of: the first day in [lo, hi] on which one of the events occurs with every one of them in
  // the `days` before (that day included).
  const allOf = (o, lo, hi) => `(SELECT min(u.d) FROM (${o.events.map((e) => `SELECT d FROM ${evName(e)} WHERE pid = c.pid`).join(' UNION ')}) u
      WHERE u.d BETWEEN ${lo} AND ${hi} AND ${o.events.map((e) => `EXISTS (SELECT 1 FROM ${evName(e)} y WHERE y.pid = c.pid AND y.d BETWEEN u.d - ${o.days} AND u.d)`).join(' AND ')})`;
  const firstOf = (evs, lo, hi, o) => (o?.days !== undefined ? allOf(o, lo, hi)
    : evs.length === 1 ? first(evs[0], lo, hi) : `least(${evs.map((e) => first(e, lo, hi)).join(', ')})`);
  const cols = [`CASE WHEN c.death IS NOT NULL AND c.death <= ${end} THEN c.death END AS death_d`];
  censor.forEach((n, k) => cols.push(`${first(n, 'c.idx + 1', 'DATE \'9999-12-31\'')} AS cens_${k}`));
  cols.push(`${expEnd} AS exp_end`);
  cols.push(noClaim ? '(SELECT l.d FROM lost l WHERE l.pid = c.pid) AS lost_d' : 'NULL::DATE AS lost_d');
  const cand = ['death_d', ...censor.map((_, k) => `cens_${k}`), 'exp_end', end];
  const reason0 = `CASE WHEN death_d = end0 THEN 'death' ${censor.map((n, k) => `WHEN cens_${k} = end0 THEN 'censored:${n}'`).join(' ')}
    WHEN exp_end = end0 THEN 'exposure_end' ELSE 'study_end' END`;
  ctes.push(`f0 AS (SELECT c.*, ${cols.join(', ')} FROM c)`);
  ctes.push(`f1 AS (SELECT *, least(${cand.join(', ')}) AS end0 FROM f0)`);
  ctes.push(`f2 AS (SELECT *, CASE WHEN lost_d < end0 THEN lost_d ELSE end0 END AS end1,
    CASE WHEN lost_d < end0 THEN 'lost' ELSE ${reason0} END AS reason1 FROM f1)`);
  // Outcomes: prevalent in [idx - clean, idx - 1], else the first in (idx, end].
  const prev = (o) => (clean ? `${firstOf(o.events, `c.idx - ${Number(clean)}`, 'c.idx - 1', o)} IS NOT NULL` : 'FALSE');
  const single = outs.find((o) => o.single);
  ctes.push(`f3 AS (SELECT *, ${single ? `CASE WHEN ${prev(single).replaceAll('c.', 'f2.')} THEN NULL ELSE ${firstOf(single.events, 'f2.idx + 1', 'f2.end1').replaceAll('c.pid', 'f2.pid')} END` : 'NULL::DATE'} AS outcome,
    ${single ? prev(single).replaceAll('c.', 'f2.') : 'FALSE'} AS p_0 FROM f2)`);
  ctes.push(`f4 AS (SELECT *, COALESCE(outcome, end1) AS end_d, CASE WHEN outcome IS NOT NULL THEN 'outcome' ELSE reason1 END AS reason FROM f3)`);
  const outCols = outs.map((o, k) => (o.single ? `outcome AS o_${k}, p_0 AS p_${k}`
    : `CASE WHEN ${prev(o).replaceAll('c.', 'f4.')} THEN NULL ELSE ${firstOf(o.events, 'f4.idx + 1', 'f4.end_d', o).replaceAll('c.pid', 'f4.pid')} END AS o_${k},
       ${prev(o).replaceAll('c.', 'f4.')} AS p_${k}`));
  const cohortSql = `CREATE OR REPLACE TEMP TABLE dz_cohort AS
${withClause(basesFor(cfg, names, extra), ctes)}
SELECT pid, nir, rng, idx, age, sex, born, month, end_d, reason, outcome${outCols.length ? ', ' + outCols.join(', ') : ''}, npseudo FROM f4`;
  const statements = [{ name: 'cohort', sql: cohortSql }];
  if (x) {
    // periods again for the output: the CTE chain restated over dz_cohort's patients.
    statements.push({ name: 'exposures', sql: `${withClause(basesFor(cfg, [], ['disp_lines']), ctes.filter((t) => /^(c|packs|sup|sup_e|sup_m|sup_g|periods) AS/.test(t)))}
SELECT z.nir, z.rng, CAST(p.a AS VARCHAR), CAST(p.b AS VARCHAR), CAST(p.boxes AS VARCHAR)
FROM periods p JOIN dz_cohort z ON z.pid = p.pid ORDER BY z.nir, z.rng, p.a` });
  }
  if (cfg.incidence) {
    const strata = cfg.incidence.strata ?? [];
    const key = strata.map((s) => (s === 'sex' ? 'sex' : s === 'age_band' ? ageBand('age_y') : 'CAST(yr AS VARCHAR)'));
    const parts = outs.map((o, k) => `SELECT ${k} AS o, pid, sex, born, COALESCE(month, 1) AS m, idx, COALESCE(o_${k}, end_d) AS stop, o_${k} AS ev
  FROM dz_cohort WHERE NOT p_${k} AND COALESCE(o_${k}, end_d) >= idx`);
    statements.push({ name: 'incidence', sql: `WITH r AS (${parts.join('\n  UNION ALL ')}),
y AS (SELECT *, unnest(generate_series(year(idx), year(stop))) AS yr FROM r),
seg AS (
  SELECT o, pid, sex, yr, yr - born - 1 AS age_y, greatest(idx, make_date(yr, 1, 1)) AS a, least(stop, make_date(yr, m, 1) - 1) AS b, ev FROM y
  UNION ALL
  SELECT o, pid, sex, yr, yr - born AS age_y, greatest(idx, make_date(yr, m, 1)) AS a, least(stop, make_date(yr, 12, 31)) AS b, ev FROM y)
SELECT o${key.map((k, i) => `, ${k} AS k${i}`).join('')}, count(DISTINCT pid) AS persons, sum(b - a + 1) AS days,
       count(DISTINCT pid) FILTER (WHERE ev BETWEEN a AND b) AS events
FROM seg WHERE a <= b GROUP BY ALL` });
  }
  if (cfg.baseline) {
    const b = cfg.baseline;
    const [lo, hi] = b.window_days ?? [-365, 0];
    const covs = b.covariates ?? [];
    const n = { 1: 1, 2: 3, 3: 4, 4: 5, 5: 7 }[b.atc_level ?? 3];
    const evs = b.events ?? [];
    const needDisp = covs.includes('atc') || covs.includes('drugs');
    const needStays = covs.includes('dp_chapter') || covs.includes('stays');
    const bctes = evs.map((e) => eventCte(e, cfg.events[e]));
    bctes.push(`w AS (SELECT pid, idx + ${Number(lo)} AS lo, idx + ${Number(hi)} AS hi, sex, age FROM dz_cohort)`);
    if (needDisp) bctes.push(`de AS (SELECT l.pid, l.cip, any_value(l.atc) AS atc FROM disp_lines l JOIN w ON w.pid = l.pid AND l.d BETWEEN w.lo AND w.hi
  GROUP BY l.pid, l.d, l.cip HAVING sum(l.boxes) > 0)`);
    if (needStays) bctes.push(`ws AS (SELECT s.pid, s.dp FROM stays s JOIN w ON w.pid = s.pid AND s.d BETWEEN w.lo AND w.hi)`);
    const chapter = `CASE WHEN regexp_matches(substr(dp, 1, 3), '^[A-Z][0-9][0-9]$') THEN CASE ${CHAPTERS.map(([a, z, r]) => `WHEN substr(dp, 1, 3) BETWEEN '${a}' AND '${z}' THEN '${r} (${a}-${z})'`).join(' ')} END END`;
    const sel = [];
    if (covs.includes('sex')) sel.push(`SELECT 'sex' AS cov, sex AS v, count(*) AS n FROM w GROUP BY sex`);
    if (covs.includes('age_band')) sel.push(`SELECT 'age_band', ${ageBand('age')}, count(*) FROM w GROUP BY 2`);
    if (covs.includes('atc')) sel.push(`SELECT 'atc', substr(atc, 1, ${n}), count(DISTINCT pid) FROM de WHERE atc <> 'UNKNOWN' AND length(atc) >= ${n} GROUP BY 2`);
    if (covs.includes('dp_chapter')) sel.push(`SELECT 'dp_chapter', ch, count(DISTINCT pid) FROM (SELECT pid, ${chapter} AS ch FROM ws) WHERE ch IS NOT NULL GROUP BY 2`);
    if (covs.includes('stays')) sel.push(`SELECT 'h:stays', CAST(k AS VARCHAR), count(*) FROM (SELECT w.pid, count(ws.pid) AS k FROM w LEFT JOIN ws ON ws.pid = w.pid GROUP BY w.pid) GROUP BY k`);
    if (covs.includes('drugs')) sel.push(`SELECT 'h:drugs', CAST(k AS VARCHAR), count(*) FROM (SELECT w.pid, count(DISTINCT substr(de.atc, 1, 7)) FILTER (WHERE de.atc <> 'UNKNOWN' AND length(de.atc) >= 7) AS k FROM w LEFT JOIN de ON de.pid = w.pid GROUP BY w.pid) GROUP BY k`);
    evs.forEach((e) => sel.push(`SELECT 'event', ${sqlString(e)}, count(*) FROM w WHERE EXISTS (SELECT 1 FROM ${evName(e)} x WHERE x.pid = w.pid AND ${eventIn(cfg.events[e], 'x', 'w.lo', 'w.hi')})`));
    const bases = basesFor(cfg, evs, [...(needDisp ? ['disp_lines'] : []), ...(needStays ? ['stays'] : [])]);
    statements.push({ name: 'baseline', sql: `${withClause(bases, bctes)}\n${sel.join('\nUNION ALL ')}` });
  }
  if (cfg.index_codes) {
    const def = cfg.events[cfg.index.event];
    let sql;
    if (def.source === 'dispensing') {
      sql = `${withClause(['disp_lines'])},
e AS (SELECT l.pid, l.cip, any_value(l.atc) AS atc FROM disp_lines l JOIN cohort_steps s ON s.pid = l.pid AND l.d = s.idx
  WHERE ${dispensingMatch(def)} GROUP BY l.pid, l.cip HAVING sum(l.boxes) > 0)
SELECT 'CIP13', cip, count(DISTINCT pid) FROM e GROUP BY cip UNION ALL SELECT 'ATC', atc, count(DISTINCT pid) FROM e GROUP BY atc`;
    } else if (def.source === 'claim') {
      sql = `${withClause(['claim_lines'])},
e AS (SELECT l.pid, l.nature FROM claim_lines l JOIN cohort_steps s ON s.pid = l.pid AND l.d = s.idx
  WHERE l.nature IN (${def.nature.map(Number).join(', ')})${claimRules('l.')} GROUP BY l.pid, l.nature HAVING sum(l.quantity) > 0)
SELECT 'PRS_NAT_REF', CAST(nature AS VARCHAR), count(DISTINCT pid) FROM e GROUP BY nature`;
    } else {
      throw new Error('cohort bench: index_codes of a hospital_stay index are not benchmarked');
    }
    statements.push({ name: 'index_codes', sql });
  }
  return { statements, outcomes: outs };
}

const CHAPTERS = [['A00', 'B99', 'I'], ['C00', 'D48', 'II'], ['D50', 'D89', 'III'], ['E00', 'E90', 'IV'],
  ['F00', 'F99', 'V'], ['G00', 'G99', 'VI'], ['H00', 'H59', 'VII'], ['H60', 'H95', 'VIII'], ['I00', 'I99', 'IX'],
  ['J00', 'J99', 'X'], ['K00', 'K93', 'XI'], ['L00', 'L99', 'XII'], ['M00', 'M99', 'XIII'], ['N00', 'N99', 'XIV'],
  ['O00', 'O99', 'XV'], ['P00', 'P96', 'XVI'], ['Q00', 'Q99', 'XVII'], ['R00', 'R99', 'XVIII'], ['S00', 'T98', 'XIX'],
  ['U00', 'U85', 'XXII'], ['V01', 'Y98', 'XX'], ['Z00', 'Z99', 'XXI']];
const chapterRank = (label) => CHAPTERS.findIndex(([a, z, r]) => label === `${r} (${a}-${z})`);

const byteCompare = (a, b) => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
const decimalText = (s) => (s.includes('.') ? s.replace(/0+$/, '').replace(/\.$/, '') : s);

// Exact Poisson 95% bounds: bisection on the distribution function.
function poisson(k) {
  // Each term from its logarithm: exp(-lam) alone underflows past lam = 745.
  const cdf = (kk, lam) => {
    if (lam === 0) return 1;
    let s = 0, lf = 0;
    for (let i = 0; i <= kk; ++i) { if (i > 0) lf += Math.log(i); s += Math.exp(i * Math.log(lam) - lam - lf); }
    return s;
  };
  const solve = (fn, target) => { let lo = 0, hi = 10 + 10 * k; for (let i = 0; i < 200; ++i) { const m = (lo + hi) / 2; if (fn(m) > target) lo = m; else hi = m; } return (lo + hi) / 2; };
  return [k === 0 ? 0 : solve((l) => cdf(k - 1, l), 0.975), solve((l) => cdf(k, l), 0.025)];
}

// The design files' text from the statements' rows (same order as designQueries()).
export function designOutputs(cfg, q, results) {
  const min = cfg.disclosure?.min_patients ?? 10;
  const out = {};
  const cohort = results.cohort;
  const outcomesMap = Object.keys(cfg.outcomes ?? {});
  const firstMap = cfg.outcome ? 1 : 0;
  const str = (v) => (v === null || v === undefined ? '' : v instanceof Date ? isoDate(v) : String(v));
  // cohort rows: pid, nir, rng, idx, age, sex, born, month, end_d, reason, outcome, o_k, p_k...
  // pseudo_nirs last, only when some member is a person of several pseudo-NIRs.
  const several = cohort.some((r) => Number(r.at(-1)) > 1);
  const rows = cohort.map((r) => [str(r[1]), str(r[2]), str(r[3]), str(r[4]), str(r[5]), str(r[10]), str(r[8]), str(r[9]),
    ...outcomesMap.map((_, k) => str(r[11 + 2 * (firstMap + k)])), ...(several ? [str(r.at(-1))] : [])]);
  rows.sort((a, b) => byteCompare(a[0], b[0]) || Number(a[1]) - Number(b[1]));
  out['cohort.csv'] = 'BEN_NIR_PSA,BEN_RNG_GEM,index_date,age_at_index,sex,outcome_date,end_date,end_reason' +
    outcomesMap.map((n) => `,${n}_date`).join('') + (several ? ',pseudo_nirs' : '') + '\n' +
    rows.map((r) => r.map(csvField).join(',') + '\n').join('');
  if (results.exposures) {
    out['exposures.csv'] = 'BEN_NIR_PSA,BEN_RNG_GEM,start,end,boxes\n' + results.exposures
      .map((r) => [str(r[0]), str(r[1]), str(r[2]), str(r[3]), decimalText(str(r[4]))])
      .sort((a, b) => byteCompare(a[0], b[0]) || Number(a[1]) - Number(b[1]) || byteCompare(a[2], b[2]))
      .map((r) => r.map(csvField).join(',') + '\n').join('');
  }
  if (results.incidence) {
    const strata = cfg.incidence.strata ?? [];
    const per = cfg.incidence.per ?? 1000;
    const lines = results.incidence.map((r) => ({ o: Number(r[0]), k: strata.map((_, i) => str(r[1 + i])), persons: Number(r[1 + strata.length]), days: Number(r[2 + strata.length]), events: Number(r[3 + strata.length]) }));
    lines.sort((a, b) => a.o - b.o || a.k.reduce((c, v, i) => c || byteCompare(v, b.k[i]), 0));
    let text = `outcome,${strata.map((s) => s + ',').join('')}persons,person_years,events,rate,rate_low,rate_high\n`;
    for (const l of lines) {
      const head = [q.outcomes[l.o].name, ...l.k].join(',');
      if (l.persons < min) { text += head + ',,,,,,\n'; continue; }
      const years = l.days / 365.25, scale = per / years, [lo, hi] = poisson(l.events);
      text += `${head},${l.persons},${years.toFixed(4)},${l.events},${(l.events * scale).toFixed(4)},${(lo * scale).toFixed(4)},${(hi * scale).toFixed(4)}\n`;
    }
    out['incidence.csv'] = text;
  }
  if (results.baseline) {
    const N = cohort.length;
    const b = cfg.baseline;
    const by = new Map();
    for (const r of results.baseline) {
      const key = str(r[0]);
      if (!by.has(key)) by.set(key, []);
      by.get(key).push([str(r[1]), Number(r[2])]);
    }
    const row = (cov, v, n, stats = ',,,,') => `${cov},${v},${n < min ? '' : n},${n < min || N === 0 ? '' : (100 * n / N).toFixed(2)},${stats}\n`;
    let text = 'covariate,value,patients,percent,mean,sd,q1,median,q3\n' + row('cohort', '', N);
    for (const cov of b.covariates ?? []) {
      if (cov === 'stays' || cov === 'drugs') {
        const h = (by.get('h:' + cov) ?? []).map(([v, c]) => [Number(v), c]).sort((a, c) => a[0] - c[0]);
        let stats = ',,,,';
        if (N > 0 && N >= min) {
          const mean = h.reduce((s, [v, c]) => s + v * c, 0) / N;
          const sd = N > 1 ? Math.sqrt(h.reduce((s, [v, c]) => s + c * (v - mean) ** 2, 0) / (N - 1)).toFixed(4) : '';
          const qv = (p) => { const rank = Math.max(1, Math.ceil(p * N)); let seen = 0; for (const [v, c] of h) { seen += c; if (seen >= rank) return v; } return 0; };
          stats = `${mean.toFixed(4)},${sd},${qv(0.25)},${qv(0.5)},${qv(0.75)}`;
        }
        text += row(cov, '', h.filter(([v]) => v > 0).reduce((s, [, c]) => s + c, 0), stats);
        continue;
      }
      const values = (by.get(cov) ?? []).sort((a, c) => (cov === 'dp_chapter' ? chapterRank(a[0]) - chapterRank(c[0]) : byteCompare(a[0], c[0])));
      for (const [v, n] of values) text += row(cov, v, n);
    }
    for (const e of b.events ?? []) text += row('event', e, (by.get('event') ?? []).find(([v]) => v === e)?.[1] ?? 0);
    out['baseline.csv'] = text;
  }
  if (results.index_codes) {
    out['index_codes.csv'] = 'code_type,code,patients\n' + results.index_codes
      .map((r) => [str(r[0]), str(r[1]), Number(r[2])])
      .sort((a, b) => byteCompare(a[0], b[0]) || byteCompare(a[1], b[1]))
      .map(([t, c, n]) => `${t},${c},${n < min ? '' : n}\n`).join('');
  }
  return out;
}
