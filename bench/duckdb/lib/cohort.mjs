// The cohort job (reference section 6; docs/cohort.md) as DuckDB SQL, built from the same YAML
// config that `snds-batch run` reads: three statements (each patient's index date and the number
// of attrition steps passed; the attrition counts; the cohort rows with outcome and end of
// follow-up), and cohort.csv / attrition.csv written as snds-batch writes them.
import { withClause, sqlString, evName, eventCte, basesOf, eventIn, useConfig } from './events_sql.mjs';
import { csvField } from './aggregate.mjs';

const isoDate = (v) => (v instanceof Date ? v.toISOString().slice(0, 10) : String(v));
export function cohortQueries(cfg) {
  useConfig(cfg);
  const start = `DATE ${sqlString(isoDate(cfg.study.start))}`;
  const end = `DATE ${sqlString(isoDate(cfg.study.end))}`;
  const events = cfg.events;
  const index = cfg.index.event;
  const washout = cfg.index.washout_days ?? 0;
  const criteria = cfg.criteria ?? [];
  const outcome = cfg.outcome?.event;

  const used = new Set([index]);
  if (outcome) used.add(outcome);
  for (const c of criteria) {
    if (c.exclude_event) used.add(c.exclude_event);
    if (c.require_event) used.add(c.require_event);
  }
  const bases = basesOf(events, used);
  const ctes = [...used].map((n) => eventCte(n, events[n]));
  const with_ = withClause([...bases], ctes);

  // The step a patient fails at (1 = washout, 2 = first criterion...), or the step count. An ALD
  // period is in a window when it overlaps it.
  const within = (ev, a, b) =>
    `EXISTS (SELECT 1 FROM ${evName(ev)} e WHERE e.pid = i.pid AND ${eventIn(events[ev], 'e', `i.idx + ${Number(a)}`, `i.idx + ${Number(b)}`)})`;
  const fails = [];
  fails.push(washout > 0 ? within(index, -washout, -1) : 'FALSE');
  for (const c of criteria) {
    if (c.age_at_index) {
      const conds = ['pt.born IS NOT NULL'];
      if (c.age_at_index.min !== undefined) conds.push(`year(i.idx) - pt.born >= ${Number(c.age_at_index.min)}`);
      if (c.age_at_index.max !== undefined) conds.push(`year(i.idx) - pt.born <= ${Number(c.age_at_index.max)}`);
      fails.push(`NOT (${conds.join(' AND ')})`);
    } else if (c.exclude_event) {
      fails.push(within(c.exclude_event, c.window_days[0], c.window_days[1]));
    } else if (c.require_event) {
      fails.push(`NOT ${within(c.require_event, c.window_days[0], c.window_days[1])}`);
    } else if (c.exclude_dead_before_index) {
      fails.push('pt.death IS NOT NULL AND pt.death < i.idx');
    } else {
      throw new Error(`cohort: criterion '${c.name}' has no rule this benchmark knows`);
    }
  }
  const steps = ['index_event', 'washout', ...criteria.map((c) => c.name)];
  const passed = `CASE ${fails.map((f, k) => `WHEN ${f} THEN ${k + 1}`).join('\n    ')}
    ELSE ${steps.length} END`;

  const stepsSql = `CREATE OR REPLACE TEMP TABLE cohort_steps AS
${with_},
idx AS (SELECT pid, min(d) AS idx FROM ${evName(index)} WHERE d BETWEEN ${start} AND ${end} GROUP BY pid)
SELECT i.pid, i.idx, ${passed} AS passed
FROM idx i JOIN patients pt ON pt.pid = i.pid`;

  const attritionSql = `SELECT ${steps.map((_, k) => `count(*) FILTER (WHERE passed >= ${k + 1})`).join(', ')} FROM cohort_steps`;

  // Follow-up: outcome in (index, min(death, study end)]; end = min(outcome, death, study end);
  // outcome beats death beats study_end on a tie.
  const outcomeWith = withClause(['patients', ...(outcome ? [...bases] : [])], outcome ? [eventCte(outcome, events[outcome])] : []);
  // Persons of several pseudo-NIRs: a last column pseudo_nirs (docs/data-model.md, "Persons").
  const limit = `CASE WHEN pt.death IS NOT NULL AND pt.death <= ${end} THEN pt.death ELSE ${end} END`;
  const outcomeExpr = outcome
    ? `(SELECT min(o.d) FROM ${evName(outcome)} o WHERE o.pid = s.pid AND o.d > s.idx AND o.d <= ${limit})`
    : 'NULL::DATE';
  const rowsSql = `${outcomeWith},
f AS (
  SELECT pt.nir, pt.rng, s.idx, year(s.idx) - pt.born AS age, pt.sex, pt.death, pt.npseudo,
         ${outcomeExpr} AS outcome
  FROM cohort_steps s JOIN patients pt ON pt.pid = s.pid
  WHERE s.passed = ${steps.length})
SELECT nir, rng, CAST(idx AS VARCHAR), CAST(age AS VARCHAR), sex, CAST(outcome AS VARCHAR),
       CAST(CASE WHEN outcome IS NOT NULL THEN outcome
                 WHEN death IS NOT NULL AND death <= ${end} THEN death ELSE ${end} END AS VARCHAR),
       CASE WHEN outcome IS NOT NULL THEN 'outcome'
            WHEN death IS NOT NULL AND death <= ${end} THEN 'death' ELSE 'study_end' END,
       CAST(npseudo AS VARCHAR)
FROM f ORDER BY nir, rng`;
  return { stepsSql, attritionSql, rowsSql, steps };
}

const byteCompare = (a, b) => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));

// rows: the cohort columns then the person's pseudo-NIR count, shown (pseudo_nirs) only when some
// member has several.
export function cohortCsv(rows, extraHeader = '') {
  const sorted = [...rows].sort((a, b) => byteCompare(a[0], b[0]) || Number(a[1]) - Number(b[1]));
  const several = rows.some((r) => Number(r.at(-1)) > 1);
  let out = 'BEN_NIR_PSA,BEN_RNG_GEM,index_date,age_at_index,sex,outcome_date,end_date,end_reason' +
    extraHeader + (several ? ',pseudo_nirs' : '') + '\n';
  for (const r of sorted) out += (several ? r : r.slice(0, -1)).map((v) => csvField(v ?? '')).join(',') + '\n';
  return out;
}

export function attritionCsv(steps, counts) {
  let out = 'step,patients\n';
  steps.forEach((s, k) => (out += `${csvField(s)},${counts[k]}\n`));
  return out;
}
