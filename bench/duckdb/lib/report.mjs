// The Markdown side-by-side table of a benchmark summary (bench/README.md explains each column).
const f = (x, d = 2) => (x === null || x === undefined || Number.isNaN(x) ? '-' : Number(x).toFixed(d));
const phases = (p) => (p ? Object.entries(p).map(([k, v]) => `${k} ${f(v)}`).join(', ') : '-');

function agreement(a) {
  if (!a) return '-';
  return Object.entries(a)
    .map(([file, r]) => {
      if (r.status === 'identical') return `${file}: identical (${r.rows} rows)`;
      if (r.status !== 'different') return `${file}: ${r.status}`;
      const cols = Object.entries(r.differing_columns).map(([c, n]) => `${c} ${n}`).join(' ');
      return `${file}: DIFFERENT (snds ${r.snds_rows} rows, duckdb ${r.duckdb_rows}; only snds ${r.only_in_snds}, only duckdb ${r.only_in_duckdb}, differing ${r.rows_differing}${cols ? ': ' + cols : ''})`;
    })
    .join('<br>');
}

export function markdownReport(s) {
  const si = s.snds_ingest;
  const di = s.ingest;
  let md = `## snds-batch vs DuckDB ${s.duckdb}\n\n`;
  md += `CSV: ${s.csv} (${di.files} files, ${f(di.csv_bytes / 1e6, 1)} MB). DuckDB threads = ${s.threads}`;
  if (si) md += `; snds-batch ${si.ranks} rank(s) x ${si.threads} thread(s), ${si.shards} shards`;
  md += `. Machine: ${s.cpus} cores, load average ${f(s.load_average_start?.[0], 1)} at the start of the DuckDB run, ${f(s.load_average_end?.[0], 1)} at its end; OMP_WAIT_POLICY ${s.omp_wait_policy ?? 'unset'}`;
  md += `. DuckDB database: ${s.db === ':memory:' ? 'in memory' : 'file (checkpointed)'}; rejects: ${s.rejects_mode}; join ${s.fused_join ? 'fused with the read' : 'after the load'}.\n\n`;

  md += '### Ingest (CSV -> typed, joined tables)\n\n';
  md += '| | wall s | MB/s | MB/s per core | peak RSS MB | phases (s) | rejected rows |\n| --- | ---: | ---: | ---: | ---: | --- | ---: |\n';
  if (si) {
    md += `| snds-batch ingest | ${f(si.wall_s)} | ${f(si.mb_per_s, 1)} | ${f(si.mb_per_s_per_core, 1)} | ${f(si.peak_rss_mb_per_rank, 0)} per rank | ${phases(si.phases_s)} | ${si.rejected_rows ?? '-'} |\n`;
    if (si.time) md += `| snds-batch (GNU time, whole process) | ${f(si.time.wall_s)} | ${f(si.csv_bytes / 1e6 / si.time.wall_s, 1)} | ${f(si.csv_bytes / 1e6 / si.time.wall_s / si.cores, 1)} | ${f(si.time.max_rss_mb, 0)} | cpu ${f(si.time.cpu_s)} s | |\n`;
  }
  md += `| DuckDB load+type+join | ${f(di.wall_s)} | ${f(di.mb_per_s, 1)} | ${f(di.mb_per_s_per_core, 1)} | ${f(di.peak_rss_mb, 0)} (node ${f(di.node_baseline_rss_mb, 0)}) | sniff ${f(di.sniff_s)}, ${phases(di.phases_s)}; cpu ${f(di.cpu_s)} s | ${di.rejected_rows ?? '-'} |\n`;
  if (si) md += `\nIngest speed ratio snds-batch / DuckDB: **${f(di.wall_s / si.wall_s)}x** (target: >= 1).\n`;

  md += '\n### Jobs (tables already loaded / store already written)\n\n';
  md += '| config | snds-batch job s best (median) | snds-batch process s | DuckDB query s best (median) | snds-batch speed-up (DuckDB s / snds s) | rows read | rows/s per core snds-batch | rows/s per core DuckDB | CPU s snds-batch process / DuckDB query | agreement |\n| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |\n';
  for (const j of s.jobs) {
    const sn = j.snds;
    const speed = sn ? j.best_s / sn.wall_s : null;
    const proc = sn?.runs_process_s?.filter((x) => x !== null) ?? [];
    const rows = sn?.rows_read ?? j.rows_read;
    const sndsCpu = sn?.runs_process_cpu_s?.filter((x) => x !== null) ?? [];
    md += `| ${j.config.split('/').pop()} (${j.job}) | ${sn ? `${f(sn.wall_s, 3)} (${f(sn.median_s, 3)})` : '-'} | ${proc.length ? f(Math.min(...proc)) : '-'} | ${f(j.best_s, 3)} (${f(j.median_s, 3)}) | ${speed === null ? '-' : `**${f(speed)}x**`} | ${rows} | ${sn ? f(sn.rows_per_s_per_core, 0) : '-'} | ${f(rows / j.best_s / s.threads, 0)} | ${sndsCpu.length ? f(Math.min(...sndsCpu)) : '-'} / ${f(Math.min(...j.runs_cpu_s))} | ${agreement(j.agreement)} |\n`;
  }
  md += '\nTarget: snds-batch jobs at least 3x faster than DuckDB\'s query (speed-up >= 3).\n';
  return md;
}
