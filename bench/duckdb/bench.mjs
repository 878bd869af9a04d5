#!/usr/bin/env node
// DuckDB side of the snds-batch vs DuckDB benchmark (bench/README.md): loads an extract's CSV files
// into typed tables with the same joins as snds-batch's ingest, then runs the aggregate and cohort
// jobs of the given YAML configs as SQL, timing every statement with performance.now(). Writes
// each job's outputs in snds-batch's format, compares them with snds-batch's outputs when those
// exist, and prints a JSON summary and a Markdown table (side by side with snds-batch's figures
// when --snds-store and the job manifests are there).
//
//   node bench.mjs --csv DIR --threads N [--db FILE|:memory:] [--out DIR] [--repeat R]
//                  [--rejects store|ignore] [--fused] [--cwd DIR] [--snds-store DIR]
//                  [--snds-time DIR] CONFIG.yaml...
//
// CONFIG paths (aggregate or cohort, by their `job:` key) are read as snds-batch reads them: their
// `output:` folder, relative to --cwd (default: the current directory), is where snds-batch's
// answer is looked for.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';

import { DuckDBInstance } from '@duckdb/node-api';
import YAML from 'yaml';

import { sniffFolder } from './lib/sniff.mjs';
import { loadStatements } from './lib/load.mjs';
import { aggregateQuery, resultCsv } from './lib/aggregate.mjs';
import { cohortQueries, cohortCsv, attritionCsv } from './lib/cohort.mjs';
import { hasDesigns, designQueries, designOutputs } from './lib/cohort_designs.mjs';
import { sndsIngestFigures, sndsJobFigures, compareFiles } from './lib/snds.mjs';
import { markdownReport } from './lib/report.mjs';
import { setPersons, setPublicLines } from './lib/events_sql.mjs';

const { values: opt, positionals: configs } = parseArgs({
  allowPositionals: true,
  options: {
    csv: { type: 'string' },
    threads: { type: 'string', default: '1' },
    db: { type: 'string' },
    out: { type: 'string', default: 'duckdb-out' },
    repeat: { type: 'string', default: '3' },
    rejects: { type: 'string', default: 'store' },
    fused: { type: 'boolean', default: false },
    cwd: { type: 'string', default: '.' },
    'snds-store': { type: 'string' },
    'snds-time': { type: 'string' },
    'memory-limit': { type: 'string' },
    'print-sql': { type: 'boolean', default: false },
  },
});
if (!opt.csv) {
  console.error('usage: node bench.mjs --csv DIR --threads N [options] CONFIG.yaml...');
  process.exit(2);
}
const threads = Number(opt.threads);
const repeat = Math.max(1, Number(opt.repeat));
fs.mkdirSync(opt.out, { recursive: true });
const dbPath = opt.db ?? path.join(opt.out, 'snds.duckdb');
if (dbPath !== ':memory:') for (const f of [dbPath, dbPath + '.wal']) fs.rmSync(f, { force: true });

const log = (...a) => console.error('[duckdb]', ...a);
const rssMB = () => process.resourceUsage().maxRSS / 1024;  // KB -> MB, peak so far
const js = (v) => (typeof v === 'bigint' ? Number(v) : v);

const instance = await DuckDBInstance.create(dbPath);
const con = await instance.connect();
const version = (await (await con.runAndReadAll('SELECT version()')).getRows())[0][0];
await con.run(`SET threads = ${threads}`);
if (opt['memory-limit']) await con.run(`SET memory_limit = '${opt['memory-limit']}'`);
await con.run('SET preserve_insertion_order = false');  // nothing here depends on it
const baseRss = rssMB();

// The design's first statement creates dz_cohort; its rows are then fetched (timed too).
const st_cohort_first = (dq) => dq.statements[0].name === 'cohort';

// Wall time and this process's CPU time (DuckDB's threads included) of one statement, results
// fetched. CPU time is the steadier figure on a shared machine.
const cpuS = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};
async function timed(sql) {
  const c0 = cpuS();
  const t0 = performance.now();
  const reader = await con.runAndReadAll(sql);
  const rows = reader.getRows();
  return { s: (performance.now() - t0) / 1000, cpu: cpuS() - c0, rows };
}

const summary = {
  duckdb: version, node: process.version, threads, db: dbPath, repeat,
  csv: path.resolve(opt.csv), rejects_mode: opt.rejects, fused_join: opt.fused,
  ingest: {}, jobs: [],
  load_average_start: os.loadavg(), cpus: os.cpus().length,
  omp_wait_policy: process.env.OMP_WAIT_POLICY ?? null,
};

// ---- ingest: sniff, load + type, join
const ingestCpu0 = cpuS();
let t0 = performance.now();
const files = sniffFolder(opt.csv);
const sniffS = (performance.now() - t0) / 1000;
const csvBytes = files.reduce((a, f) => a + f.bytes, 0);
// The generator records each file's format: check the sniffer against it (not timed).
const formatMismatches = [];
const genJson = path.join(opt.csv, 'generate.json');
if (fs.existsSync(genJson)) {
  const recorded = new Map(JSON.parse(fs.readFileSync(genJson, 'utf8')).files.map((x) => [x.file, x]));
  for (const f of files) {
    const r = recorded.get(f.base);
    if (!r) continue;
    const hasDates = f.header.some((h) => /_DT[DEF]$|_DTE$/.test(h));
    if ((hasDates && r.date_form !== f.dateForm) || (f.decimalEvidence && r.decimal_comma !== f.decimalComma))
      formatMismatches.push({ file: f.base, sniffed: [f.dateForm, f.decimalComma], recorded: [r.date_form, r.decimal_comma] });
  }
  if (formatMismatches.length) log(`warning: sniffed formats differ from generate.json for ${formatMismatches.length} file(s)`);
}
log(`${files.length} files, ${(csvBytes / 1e6).toFixed(1)} MB, ${threads} threads, DuckDB ${version}`);
const statements = loadStatements(files, { rejects: opt.rejects, fused: opt.fused });
const steps = [];
for (const st of statements) {
  if (opt['print-sql']) console.error(st.sql + ';\n');
  const r = await timed(st.sql);
  steps.push({ name: st.name, phase: st.phase, s: r.s, cpu_s: r.cpu, bytes: st.bytes ?? 0 });
  log(`${st.name}: ${r.s.toFixed(2)} s`);
}
let checkpointS = 0;
if (dbPath !== ':memory:') {
  const r = await timed('CHECKPOINT');
  checkpointS = r.s;
  steps.push({ name: 'checkpoint', phase: 'checkpoint', s: r.s, cpu_s: r.cpu, bytes: 0 });
}
const loadRss = rssMB();
const ingestCpuS = cpuS() - ingestCpu0;
const phaseS = {};
for (const s of steps) phaseS[s.phase] = (phaseS[s.phase] ?? 0) + s.s;
const totalS = sniffS + steps.reduce((a, s) => a + s.s, 0);

// Row counts, rejects and orphans (not timed): the same reconciliation snds-batch's manifest has.
const count = async (sql) => js((await con.runAndReadAll(sql)).getRows()[0][0]);
const tables = {};
for (const t of ['ir_ben_r', 'er_prs_f', 'er_pha_f', 'ir_pha_r', 't_mco_b', 't_mco_c', 't_mco_d',
  'ir_imb_r', 'er_cam_f', 'er_bio_f', 't_mco_a', 'ki_cci_r', 'ki_ecd_r', 'er_ete_f']) {
  tables[t] = { rows: await count(`SELECT count(*) FROM ${t}`) };
  if (['er_pha_f', 't_mco_b', 't_mco_d', 'er_cam_f', 'er_bio_f', 't_mco_a'].includes(t)) tables[t].orphans = await count(`SELECT count(*) FROM ${t} WHERE orphan`);
}
// Persons (docs/data-model.md): a BEN_IDT_ANO naming several pseudo-NIRs turns the person
// grouping on in the job queries (not timed: snds-batch's ingest finds them in its persons phase).
const personGroups = await count(`SELECT count(*) FROM (SELECT BEN_IDT_ANO FROM ir_ben_r
  WHERE BEN_NIR_PSA <> '' AND BEN_IDT_ANO <> '' AND COALESCE(BEN_CDI_NIR, '') IN ('', '00')
  GROUP BY BEN_IDT_ANO HAVING count(DISTINCT (BEN_NIR_PSA, BEN_RNG_GEM)) > 1)`);
setPersons(personGroups > 0);
tables.ir_ben_r.ben_idt_ano_naming_several = personGroups;
// DCIR cleaning rules (docs/data-model.md): ER_ETE_F lines of ETE_IND_TAA = 1 put the
// public_hospital rule in the queries (not timed, as the persons check).
const publicLines = await count('SELECT count(*) FROM er_ete_f WHERE ETE_IND_TAA = 1');
setPublicLines(publicLines > 0);
tables.er_ete_f = { rows: await count('SELECT count(*) FROM er_ete_f'), public_hospital: publicLines };
let rejected = null;
if (opt.rejects === 'store') {
  try {
    rejected = await count('SELECT count(*) FROM (SELECT DISTINCT scan_id, file_id, line FROM reject_errors)');
  } catch {
    rejected = 0;  // no reject table: nothing was rejected
  }
}
const checks = {
  duplicate_patients: await count('SELECT count(*) - count(DISTINCT (BEN_NIR_PSA, BEN_RNG_GEM)) FROM ir_ben_r'),
  duplicate_cip13: await count('SELECT count(*) - count(DISTINCT PHA_CIP_C13) FROM ir_pha_r'),
  duplicate_prs_keys: await count(`SELECT count(*) - count(DISTINCT (DCT_ORD_NUM, FLX_DIS_DTD, FLX_EMT_NUM, FLX_EMT_ORD, FLX_EMT_TYP, FLX_TRT_DTD, ORG_CLE_NUM, PRS_ORD_NUM, REM_TYP_AFF)) FROM er_prs_f`),
  duplicate_stay_keys_c: await count('SELECT count(*) - count(DISTINCT (year, ETA_NUM, RSA_NUM)) FROM t_mco_c'),
  duplicate_stay_keys_b: await count('SELECT count(*) - count(DISTINCT (year, ETA_NUM, RSA_NUM)) FROM t_mco_b'),
};
summary.ingest = {
  files: files.length,
  csv_bytes: csvBytes,
  formats: files.map((f) => ({ file: f.base, date_form: f.dateForm, decimal_comma: f.decimalComma, gzip: !!f.gzip })),
  wall_s: totalS,
  sniff_s: sniffS,
  cpu_s: ingestCpuS,
  phases_s: phaseS,
  checkpoint_s: checkpointS,
  statements: steps,
  mb_per_s: csvBytes / 1e6 / totalS,
  mb_per_s_per_core: csvBytes / 1e6 / totalS / threads,
  peak_rss_mb: loadRss,
  node_baseline_rss_mb: baseRss,
  tables,
  rejected_rows: rejected,
  format_mismatches: formatMismatches,
  checks,
};
log(`ingest: ${totalS.toFixed(2)} s, ${(csvBytes / 1e6 / totalS).toFixed(1)} MB/s, peak RSS ${loadRss.toFixed(0)} MB`);

// ---- jobs
const tableRows = (names) => names.reduce((a, n) => a + (tables[n]?.rows ?? 0), 0);
const ROWS_READ = {
  dispensing: ['ir_ben_r', 'er_pha_f', 'ir_pha_r'],
  hospital_stay: ['ir_ben_r', 't_mco_b', 't_mco_c', 't_mco_d'],
  claim: ['ir_ben_r', 'er_prs_f'],
  ald: ['ir_ben_r', 'ir_imb_r'],
  act: ['ir_ben_r', 'er_cam_f', 't_mco_a', 't_mco_b', 't_mco_c'],
  lab: ['ir_ben_r', 'er_bio_f'],
  death: ['ir_ben_r', 'ki_cci_r', 'ki_ecd_r', 't_mco_b', 't_mco_c'],
};

for (const configPath of configs) {
  const cfg = YAML.parse(fs.readFileSync(configPath, 'utf8'));
  const stem = path.basename(configPath).replace(/\.ya?ml$/, '');
  const outDir = path.join(opt.out, 'out', stem);
  fs.mkdirSync(outDir, { recursive: true });
  const job = { config: configPath, job: cfg.job, runs_s: [], runs_cpu_s: [] };
  let outputs = {};
  if (cfg.job === 'aggregate') {
    const q = aggregateQuery(cfg);
    if (opt['print-sql']) console.error(q.sql + ';\n');
    let rows;
    for (let k = 0; k < repeat; ++k) {
      const r = await timed(q.sql);
      job.runs_s.push(r.s);
      job.runs_cpu_s.push(r.cpu);
      rows = r.rows;
    }
    outputs['result.csv'] = resultCsv(q, rows);
    job.output_rows = rows.length;
    job.rows_read = tableRows(ROWS_READ[cfg.source ?? 'dispensing']);
  } else if (cfg.job === 'cohort') {
    const q = cohortQueries(cfg);
    if (opt['print-sql']) console.error([q.stepsSql, q.attritionSql, q.rowsSql].join(';\n') + ';\n');
    let att, rows;
    // With study designs, the rows come from the design statements (cohort_designs.mjs).
    const dq = hasDesigns(cfg) ? designQueries(cfg, q.steps.length) : null;
    if (dq && opt['print-sql']) console.error(dq.statements.map((st) => st.sql).join(';\n') + ';\n');
    for (let k = 0; k < repeat; ++k) {
      const a = await timed(q.stepsSql);
      const b = await timed(q.attritionSql);
      job.last_statements_s = { steps: a.s, attrition: b.s };
      let s = a.s + b.s, cpu = a.cpu + b.cpu;
      att = b.rows[0].map(js);
      if (dq) {
        const results = {};
        for (const st of dq.statements) {
          const r = await timed(st.sql);
          s += r.s;
          cpu += r.cpu;
          job.last_statements_s[st.name] = r.s;
          results[st.name] = r.rows;
        }
        if (st_cohort_first(dq)) {
          const r = await timed('SELECT * FROM dz_cohort');
          s += r.s;
          cpu += r.cpu;
          results.cohort = r.rows;
        }
        Object.assign(outputs, designOutputs(cfg, dq, results));
        rows = results.cohort;
      } else {
        const c = await timed(q.rowsSql);
        s += c.s;
        cpu += c.cpu;
        job.last_statements_s.rows = c.s;
        rows = c.rows.map((r) => r.map((v) => (v === null ? null : String(v))));
        outputs['cohort.csv'] = cohortCsv(rows);
      }
      job.runs_s.push(s);
      job.runs_cpu_s.push(cpu);
    }
    outputs['attrition.csv'] = attritionCsv(q.steps, att);
    job.output_rows = rows.length;
    job.attrition = Object.fromEntries(q.steps.map((s, k) => [s, att[k]]));
    const sources = new Set(Object.values(cfg.events).map((e) => e.source));
    job.rows_read = tableRows([...new Set([...sources].flatMap((s) => ROWS_READ[s]))]);
  } else {
    log(`${configPath}: job '${cfg.job}' is not benchmarked, skipped`);
    continue;
  }
  for (const [name, text] of Object.entries(outputs)) fs.writeFileSync(path.join(outDir, name), text);
  job.best_s = Math.min(...job.runs_s);
  job.median_s = [...job.runs_s].sort((a, b) => a - b)[Math.floor(job.runs_s.length / 2)];
  job.rows_per_s_per_core = job.rows_read / job.best_s / threads;
  job.duckdb_out = outDir;
  // snds-batch's answer and figures, when it has run this config.
  const sndsOut = path.resolve(opt.cwd, cfg.output);
  job.snds = sndsJobFigures(sndsOut, opt['snds-time'], stem);
  // One row count for both sides' rows/s: what snds-batch read from its store, when known.
  if (job.snds?.rows_read) job.rows_per_s_per_core_same_rows = job.snds.rows_read / job.best_s / threads;
  job.agreement = {};
  for (const name of Object.keys(outputs)) job.agreement[name] = compareFiles(path.join(sndsOut, name), path.join(outDir, name));
  log(`${stem}: best ${job.best_s.toFixed(3)} s of ${repeat}, ${job.output_rows} rows; agreement ${JSON.stringify(job.agreement)}`);
  summary.jobs.push(job);
}
summary.peak_rss_mb = rssMB();
summary.load_average_end = os.loadavg();
if (opt['snds-store']) {
  summary.snds_ingest = sndsIngestFigures(opt['snds-store'], opt['snds-time'] ? path.join(opt['snds-time'], 'ingest.time.txt') : null);
}

fs.writeFileSync(path.join(opt.out, 'summary.json'), JSON.stringify(summary, null, 1) + '\n');
const md = markdownReport(summary);
fs.writeFileSync(path.join(opt.out, 'summary.md'), md);
console.log(JSON.stringify(summary, null, 1));
console.log(md);
// A disagreement with snds-batch is a finding: the summary says where, the exit status says so.
const disagree = summary.jobs.some((j) => Object.values(j.agreement).some((a) => a.status !== 'identical' && a.status !== 'snds-batch output missing'));
if (disagree) {
  log('snds-batch and DuckDB answers differ: see the agreement column');
  process.exitCode = 1;
}
