// Finds, for each CSV file of an extract, what DuckDB must be told to read it the way snds-batch
// does: its table, header (NUM_ENQ renamed), date form (ISO, dd/mm/yyyy or SAS datetime, one per
// file), decimal separator and compression. snds-batch detects these per file by itself; DuckDB's
// sniffer picks one dateformat per read_csv call and cannot tell "1,5" from a field separator in a
// header-less guess, so the benchmark reads the head of every file first (a few ms, reported).
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';

import { TABLES, DATE, DEC, tableForFile, canonicalColumn } from './care_tables.mjs';

// The head read from each file: enough rows to see dates and decimals, cheap to scan.
const SAMPLE_BYTES = 64 << 10;

// DuckDB strptime formats of the reference's three date forms.
export const DATE_FORMATS = {
  iso: '%Y-%m-%d',
  dmy: '%d/%m/%Y',
  sas: '%d%b%Y:%H:%M:%S',
};

function readHead(file, gzip) {
  const fd = fs.openSync(file, 'r');
  try {
    const buf = Buffer.alloc(gzip ? SAMPLE_BYTES / 4 : SAMPLE_BYTES);
    const n = fs.readSync(fd, buf, 0, buf.length, 0);
    const raw = buf.subarray(0, n);
    if (!gzip) return raw.toString('utf8');
    // A truncated gzip stream: inflate what is there.
    return zlib.gunzipSync(raw, { finishFlush: zlib.constants.Z_SYNC_FLUSH }).toString('utf8');
  } finally {
    fs.closeSync(fd);
  }
}

// One CSV record split on ';' with RFC 4180 double quotes.
export function splitRecord(line) {
  const out = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; ++i) {
    const ch = line[i];
    if (quoted) {
      if (ch === '"') {
        if (line[i + 1] === '"') {
          field += '"';
          ++i;
        } else {
          quoted = false;
        }
      } else {
        field += ch;
      }
    } else if (ch === '"') {
      quoted = true;
    } else if (ch === ';') {
      out.push(field);
      field = '';
    } else {
      field += ch;
    }
  }
  out.push(field);
  return out;
}

function dateForm(value) {
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) return 'iso';
  if (/^\d{2}\/\d{2}\/\d{4}$/.test(value)) return 'dmy';
  if (/^\d{2}[A-Za-z]{3}\d{4}:\d{2}:\d{2}:\d{2}$/.test(value)) return 'sas';
  return null;
}

export function sniffFile(file) {
  const base = path.basename(file);
  const table = tableForFile(base);
  if (!table) return null;
  const text = readHead(file, table.gzip);
  const lines = text.split(/\r?\n/);
  lines.pop();  // possibly cut short
  if (lines.length === 0) throw new Error(`${file}: no header line`);
  const header = splitRecord(lines[0]).map((h) => canonicalColumn(table.kind, h.trim()));
  const types = TABLES[table.kind];
  const dateCols = [], decCols = [];
  header.forEach((h, i) => {
    if (types[h] === DATE) dateCols.push(i);
    if (types[h] === DEC) decCols.push(i);
  });
  const votes = { iso: 0, dmy: 0, sas: 0 };
  let comma = 0, dot = 0;
  for (let l = 1; l < lines.length; ++l) {
    const f = splitRecord(lines[l]);
    if (f.length !== header.length) continue;  // a malformed row: no evidence
    for (const i of dateCols) {
      const form = dateForm(f[i]);
      if (form) ++votes[form];
    }
    for (const i of decCols) {
      if (/^-?\d+,\d+$/.test(f[i])) ++comma;
      else if (/^-?\d+\.\d+$/.test(f[i])) ++dot;
    }
  }
  let form = 'iso';
  for (const k of Object.keys(votes)) if (votes[k] > votes[form]) form = k;
  return {
    file,
    base,
    ...table,
    header,
    dateForm: form,
    decimalComma: comma > dot,
    decimalEvidence: comma + dot > 0,
    bytes: fs.statSync(file).size,
  };
}

// Every file of an extract folder that names a known table, sorted by name.
export function sniffFolder(dir) {
  return fs
    .readdirSync(dir)
    .sort()
    .map((f) => sniffFile(path.join(dir, f)))
    .filter((x) => x !== null);
}
