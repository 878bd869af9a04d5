#!/usr/bin/env bash
# Side-by-side benchmark of snds-batch against DuckDB on the same machine, thread count and CSV
# files (bench/README.md): generates an extract, ingests it with snds-batch, runs the job configs
# with snds-batch, then loads the same CSV into DuckDB and runs the same jobs as SQL
# (bench/duckdb/bench.mjs), checks both answers agree and prints a Markdown table.
#
#   bench/compare.sh                      # 50,000 patients, 1 rank x $(nproc) threads
#   PATIENTS=5000 REPEAT=1 bench/compare.sh
#   RANKS=2 THREADS=1 bench/compare.sh configs/aggregate_dispensing.yaml
#   bench/compare.sh configs/open_medic.yaml   # margins (DuckDB: GROUPING SETS) + secondary suppression
#
# Settings (environment): PATIENTS (50000), SEED (1), RANKS (1), THREADS (nproc), SHARDS (64),
# REPEAT (3: job runs per side, best and median reported), WORK (bench/results/compare-<patients>),
# BIN (build/bench/bin/snds-batch, built when missing), DUCKDB_DB (file | memory), REJECTS
# (store | ignore), FUSED (0 | 1: DuckDB joins detail tables while reading them), CSV (an existing
# extract folder to use instead of generating one; PATIENTS and SEED are then only labels).
# Other variables pass through to both sides, OMP_WAIT_POLICY for one (see bench/README.md).
# Arguments: job configs (default: the reference's examples configs/aggregate_dispensing.yaml and
# configs/cohort_statins_mi.yaml). Results: $WORK/summary.md and $WORK/duckdb/summary.json.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
PATIENTS=${PATIENTS:-50000}
SEED=${SEED:-1}
RANKS=${RANKS:-1}
THREADS=${THREADS:-$(nproc)}
SHARDS=${SHARDS:-64}
REPEAT=${REPEAT:-3}
WORK=${WORK:-$ROOT/bench/results/compare-$PATIENTS}
BIN=${BIN:-$ROOT/build/bench/bin/snds-batch}
DUCKDB_DB=${DUCKDB_DB:-file}
REJECTS=${REJECTS:-store}
FUSED=${FUSED:-0}
if [ $# -gt 0 ]; then
  CONFIGS=()
  for c in "$@"; do CONFIGS+=("$(cd "$(dirname "$c")" && pwd)/$(basename "$c")"); done
else
  CONFIGS=("$ROOT/configs/aggregate_dispensing.yaml" "$ROOT/configs/cohort_statins_mi.yaml")
fi

say() { echo "[compare] $*" >&2; }

if [ ! -x "$BIN" ]; then
  say "building $BIN"
  (cd "$ROOT" && cmake --preset release -B build/bench >/dev/null && cmake --build build/bench --target snds-batch -j2)
fi
if [ ! -d "$ROOT/bench/duckdb/node_modules/@duckdb/node-api" ]; then
  say "installing DuckDB (npm ci in bench/duckdb)"
  (cd "$ROOT/bench/duckdb" && npm ci --no-audit --no-fund >&2)
fi

# Open MPI as root on a small machine; OpenMP threads per rank.
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMP_NUM_THREADS=$THREADS
LAUNCH=()
if [ "$RANKS" -gt 1 ]; then LAUNCH=(mpirun -n "$RANKS" --oversubscribe --bind-to none); fi
TIMEV=(/usr/bin/time -v)

mkdir -p "$WORK/time"
WORK=$(cd "$WORK" && pwd)
if [ -n "${CSV:-}" ]; then CSV=$(cd "$CSV" && pwd); fi
cd "$WORK"

# 1. The extract (kept between runs of the same size and seed).
if [ -n "${CSV:-}" ]; then
  rm -rf csv
  ln -s "$CSV" csv
elif [ -L csv ] || [ ! -f csv/generate.json ] || ! grep -q "\"seed\":$SEED,\"patients\":$PATIENTS," csv/generate.json; then
  say "generating $PATIENTS patients (seed $SEED) into $WORK/csv"
  rm -rf csv
  "$BIN" generate --patients "$PATIENTS" --seed "$SEED" --out csv >&2
fi
warm() { cat csv/* >/dev/null; }  # both sides start from the same (warm) page cache

# 2. snds-batch ingest.
cat >ingest.yaml <<EOF
store: store/
shards: $SHARDS
inputs: csv/
EOF
rm -rf store out duckdb time/*
warm
say "snds-batch ingest: $RANKS rank(s) x $THREADS thread(s), $SHARDS shards"
"${TIMEV[@]}" -o time/ingest.time.txt "${LAUNCH[@]}" "$BIN" ingest ingest.yaml >&2

# 3. snds-batch jobs, REPEAT times each; every run's manifest is kept. A config naming another
# store (configs/*_persons.yaml: store_persons/) reads the one just written: give it the CSV of
# an extract with persons (CSV=...), as bench/README.md says.
for cfg in "${CONFIGS[@]}"; do
  named=$(sed -n 's/^store:[[:space:]]*\([^[:space:]#]*\).*/\1/p' "$cfg")
  named=${named%/}
  if [ -n "$named" ] && [ "$named" != store ]; then ln -sfn store "$named"; fi
done
for cfg in "${CONFIGS[@]}"; do
  stem=$(basename "$cfg" .yaml)
  out=$(sed -n 's/^output:[[:space:]]*\([^[:space:]#]*\).*/\1/p' "$cfg")
  for k in $(seq 1 "$REPEAT"); do
    say "snds-batch run $stem ($k/$REPEAT)"
    "${TIMEV[@]}" -o "time/$stem.run$k.time.txt" "${LAUNCH[@]}" "$BIN" run "$cfg" >&2
    cp "$out/manifest.json" "time/$stem.run$k.manifest.json"
  done
done

# 4. DuckDB: same CSV, same thread count, same configs; compares with snds-batch's outputs.
warm
DB_ARGS=()
if [ "$DUCKDB_DB" = memory ]; then DB_ARGS=(--db :memory:); fi
FUSED_ARGS=()
if [ "$FUSED" = 1 ]; then FUSED_ARGS=(--fused); fi
say "DuckDB: $((RANKS * THREADS)) threads"
status=0
"${TIMEV[@]}" -o time/duckdb.time.txt node "$ROOT/bench/duckdb/bench.mjs" --csv csv \
  --threads $((RANKS * THREADS)) --out duckdb --repeat "$REPEAT" --rejects "$REJECTS" \
  --cwd . --snds-store store --snds-time time "${DB_ARGS[@]}" "${FUSED_ARGS[@]}" \
  "${CONFIGS[@]}" >duckdb.log || status=$?
cp duckdb/summary.md summary.md
cat summary.md
say "details: $WORK/duckdb/summary.json, outputs: $WORK/out (snds-batch), $WORK/duckdb/out (DuckDB)"
if [ "$status" -ne 0 ]; then say "DuckDB side exited with status $status (1: the answers differ)"; fi
exit "$status"
