// snds-batch's side of the comparison, read from what it leaves behind: the store's manifest.json
// (ingest phases, peak RSS per rank), a job output folder's manifest.json (phases, rows read,
// ranks, threads) and GNU time -v reports; and the comparison of its output files with DuckDB's.
// Differences are reported as counts and column names only: cohort.csv holds patient pseudonyms,
// which never go into a report.
import fs from 'node:fs';

const readJson = (p) => (fs.existsSync(p) ? JSON.parse(fs.readFileSync(p, 'utf8')) : null);

// GNU time -v: wall clock and max RSS of the timed command (for mpirun: of its largest child).
export function readGnuTime(file) {
  if (!file || !fs.existsSync(file)) return null;
  const text = fs.readFileSync(file, 'utf8');
  const wall = /Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): ([\d:.]+)/.exec(text);
  const rss = /Maximum resident set size \(kbytes\): (\d+)/.exec(text);
  const user = /User time \(seconds\): ([\d.]+)/.exec(text);
  const sys = /System time \(seconds\): ([\d.]+)/.exec(text);
  let wallS = null;
  if (wall) wallS = wall[1].split(':').reduce((a, x) => a * 60 + Number(x), 0);
  return {
    wall_s: wallS,
    max_rss_mb: rss ? Number(rss[1]) / 1024 : null,
    cpu_s: user && sys ? Number(user[1]) + Number(sys[1]) : null,
  };
}

function phases(manifest) {
  const out = {};
  for (const p of manifest.phases ?? []) out[p.name] = p.wall_s;
  return out;
}

function peakRssMb(manifest) {
  let peak = manifest.peak_rss_bytes ?? 0;
  for (const p of manifest.phases ?? []) for (const r of p.peak_rss_bytes_per_rank ?? []) peak = Math.max(peak, r);
  return peak ? peak / (1 << 20) : null;
}

export function sndsIngestFigures(store, timeFile) {
  const m = readJson(`${store}/manifest.json`);
  if (!m) return null;
  const ph = phases(m);
  const wall = Object.values(ph).reduce((a, b) => a + b, 0);
  const bytes = (m.inputs ?? []).reduce((a, f) => a + (f.bytes ?? 0), 0);
  const cores = (m.ranks ?? 1) * (m.threads ?? 1);
  const tables = {};
  for (const [name, t] of Object.entries(m.tables ?? {})) tables[name] = { rows: t.rows, rejected: t.rejected, orphans: t.orphans };
  return {
    ranks: m.ranks, threads: m.threads, cores, shards: m.shards,
    csv_bytes: bytes,
    phases_s: ph,
    wall_s: wall,
    mb_per_s: bytes / 1e6 / wall,
    mb_per_s_per_core: bytes / 1e6 / wall / cores,
    peak_rss_mb_per_rank: peakRssMb(m),
    rejected_rows: m.rejects?.rows ?? null,
    duplicate_parent_keys: m.duplicate_parent_keys ?? null,
    spilled_bytes: m.memory?.spilled_bytes ?? null,
    tables,
    time: readGnuTime(timeFile),
  };
}

// A job's figures: from each run's saved manifest (<timeDir>/<stem>.run<k>.manifest.json, with
// <stem>.run<k>.time.txt beside it, as bench/compare.sh saves them) or else from the output
// folder's manifest. The best run (least manifest wall time) is reported, with every run's time.
export function sndsJobFigures(outDir, timeDir, stem) {
  const runs = [];
  if (timeDir && fs.existsSync(timeDir)) {
    const prefix = `${stem}.run`, suffix = '.manifest.json';
    for (const f of fs.readdirSync(timeDir).sort()) {
      if (!f.startsWith(prefix) || !f.endsWith(suffix)) continue;
      const k = f.slice(prefix.length, -suffix.length);
      if (!/^\d+$/.test(k)) continue;
      runs.push({ manifest: readJson(`${timeDir}/${f}`), time: readGnuTime(`${timeDir}/${stem}.run${k}.time.txt`) });
    }
  }
  if (runs.length === 0) {
    const m = readJson(`${outDir}/manifest.json`);
    if (!m) return null;
    runs.push({ manifest: m, time: null });
  }
  const figures = runs.map(({ manifest: m, time }) => {
    const ph = phases(m);
    const wall = Object.values(ph).reduce((a, b) => a + b, 0);
    const cores = (m.ranks ?? 1) * (m.threads ?? 1);
    return {
      ranks: m.ranks, threads: m.threads, cores,
      phases_s: ph,
      wall_s: wall,
      rows_read: m.rows_read ?? null,
      peak_rss_mb_per_rank: peakRssMb(m),
      time,
    };
  });
  const best = figures.reduce((a, b) => (b.wall_s < a.wall_s ? b : a));
  return {
    ...best,
    rows_per_s_per_core: best.rows_read ? best.rows_read / best.wall_s / best.cores : null,
    runs_s: figures.map((x) => x.wall_s),
    runs_process_s: figures.map((x) => x.time?.wall_s ?? null),
    runs_process_cpu_s: figures.map((x) => x.time?.cpu_s ?? null),
    median_s: [...figures.map((x) => x.wall_s)].sort((a, b) => a - b)[Math.floor(figures.length / 2)],
  };
}

const MEASURES = new Set(['lines', 'boxes', 'patients', 'amount', 'days', 'suppressed']);

function parseCsv(text) {
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  return lines;
}

// Splits one line of a `,` CSV with RFC 4180 quotes.
function fields(line) {
  const out = [];
  let f = '', q = false;
  for (let i = 0; i < line.length; ++i) {
    const c = line[i];
    if (q) {
      if (c === '"' && line[i + 1] === '"') { f += '"'; ++i; } else if (c === '"') q = false; else f += c;
    } else if (c === '"') q = true;
    else if (c === ',') { out.push(f); f = ''; } else f += c;
  }
  out.push(f);
  return out;
}

// 'identical', or counts of rows only on one side and, for rows whose key is on both sides, how
// many differ in each column. The key: group columns (result.csv), the patient (cohort.csv), the
// step (attrition.csv).
export function compareFiles(sndsFile, duckFile) {
  if (!fs.existsSync(sndsFile)) return { status: 'snds-batch output missing' };
  const a = fs.readFileSync(sndsFile, 'utf8');
  const b = fs.readFileSync(duckFile, 'utf8');
  const la = parseCsv(a), lb = parseCsv(b);
  if (a === b) return { status: 'identical', rows: la.length - 1 };
  const header = fields(la[0] ?? '');
  const headerB = fields(lb[0] ?? '');
  if (header.join(',') !== headerB.join(',')) return { status: 'different headers', snds: header, duckdb: headerB };
  let keyCols = header.findIndex((h) => MEASURES.has(h));
  if (sndsFile.endsWith('cohort.csv')) keyCols = 2;
  if (sndsFile.endsWith('attrition.csv')) keyCols = 1;
  if (keyCols <= 0) keyCols = header.length;
  const index = (lines) => {
    const m = new Map();
    for (const l of lines.slice(1)) {
      const f = fields(l);
      m.set(f.slice(0, keyCols).join('\u0001'), f);
    }
    return m;
  };
  const ma = index(la), mb = index(lb);
  let onlySnds = 0, onlyDuck = 0, differing = 0;
  const byColumn = {};
  for (const [k, fa] of ma) {
    const fb = mb.get(k);
    if (!fb) { ++onlySnds; continue; }
    let diff = false;
    for (let i = keyCols; i < header.length; ++i) {
      if (fa[i] !== fb[i]) {
        byColumn[header[i]] = (byColumn[header[i]] ?? 0) + 1;
        diff = true;
      }
    }
    if (diff) ++differing;
  }
  for (const k of mb.keys()) if (!ma.has(k)) ++onlyDuck;
  const status = onlySnds || onlyDuck || differing ? 'different' : 'same rows, different order or bytes';
  const out = { status, snds_rows: la.length - 1, duckdb_rows: lb.length - 1, only_in_snds: onlySnds, only_in_duckdb: onlyDuck, rows_differing: differing, differing_columns: byColumn };
  if (sndsFile.endsWith('attrition.csv')) {
    out.snds = Object.fromEntries([...ma].map(([k, f]) => [k, f[1]]));
    out.duckdb = Object.fromEntries([...mb].map(([k, f]) => [k, f[1]]));
  }
  return out;
}
