#!/usr/bin/env node
// Times the job queries of bench.mjs on a DuckDB database bench.mjs already loaded (its
// --db file, kept by compare.sh in $WORK/duckdb/snds.duckdb), without loading again: for quick
// before/after comparisons on a quiet machine.
//
//   node query-only.mjs --db FILE --threads N [--repeat R] CONFIG.yaml...
import fs from 'node:fs';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';

import { DuckDBInstance } from '@duckdb/node-api';
import YAML from 'yaml';

import { aggregateQuery } from './lib/aggregate.mjs';
import { cohortQueries } from './lib/cohort.mjs';
import { setPersons, setPublicLines } from './lib/events_sql.mjs';

const { values: opt, positionals: configs } = parseArgs({
  allowPositionals: true,
  options: {
    db: { type: 'string' },
    threads: { type: 'string', default: '1' },
    repeat: { type: 'string', default: '5' },
  },
});
if (!opt.db || !fs.existsSync(opt.db)) {
  console.error('usage: node query-only.mjs --db FILE --threads N [--repeat R] CONFIG.yaml...');
  process.exit(2);
}
const instance = await DuckDBInstance.create(opt.db);
const con = await instance.connect();
await con.run(`SET threads = ${Number(opt.threads)}`);
await con.run('SET preserve_insertion_order = false');
// Persons of several pseudo-NIRs turn the person grouping on, as in bench.mjs.
const groups = (await con.runAndReadAll(`SELECT count(*) FROM (SELECT BEN_IDT_ANO FROM ir_ben_r
  WHERE BEN_NIR_PSA <> '' AND BEN_IDT_ANO <> '' AND COALESCE(BEN_CDI_NIR, '') IN ('', '00')
  GROUP BY BEN_IDT_ANO HAVING count(DISTINCT (BEN_NIR_PSA, BEN_RNG_GEM)) > 1)`)).getRows()[0][0];
setPersons(Number(groups) > 0);
setPublicLines(Number((await con.runAndReadAll('SELECT count(*) FROM er_ete_f WHERE ETE_IND_TAA = 1')).getRows()[0][0]) > 0);
// Wall seconds, and CPU seconds of the process (DuckDB's threads included) in `cpu`.
let cpu = 0;
const timed = async (sql) => {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  (await con.runAndReadAll(sql)).getRows();
  const c = process.cpuUsage(c0);
  cpu += (c.user + c.system) / 1e6;
  return (performance.now() - t0) / 1000;
};
for (const configPath of configs) {
  const cfg = YAML.parse(fs.readFileSync(configPath, 'utf8'));
  const sqls = cfg.job === 'aggregate' ? [aggregateQuery(cfg).sql]
    : (({ stepsSql, attritionSql, rowsSql }) => [stepsSql, attritionSql, rowsSql])(cohortQueries(cfg));
  const runs = [];
  cpu = 0;
  for (let k = 0; k < Number(opt.repeat); ++k) {
    let s = 0;
    for (const q of sqls) s += await timed(q);
    runs.push(s);
  }
  runs.sort((a, b) => a - b);
  console.log(`${configPath}: best ${runs[0].toFixed(3)} s, median ${runs[Math.floor(runs.length / 2)].toFixed(3)} s, CPU ${(cpu / runs.length).toFixed(2)} s per run (${runs.length} runs, ${opt.threads} threads, load average ${os.loadavg()[0].toFixed(1)})`);
}
