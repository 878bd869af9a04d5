#!/usr/bin/env bash
# Ingest speed of SAS tables against CSV files (issue #20): the same generated extract written as
# CSV (`generate`, clean: no quirks, so both hold the same rows) and as SAS tables (`generate
# --format sas7bdat`), each ingested REPEAT times, alternating, with wall time and user+sys CPU
# seconds of every rank (/usr/bin/time), and the two stores checked to hold the same rows per
# shard. Prints a Markdown table; the ratio is the median SAS wall time over the median CSV one.
#
#   bench/sas_ingest.sh                                  # 50,000 patients, 1 rank x 2 threads
#   PATIENTS=5000 REPEAT=1 bench/sas_ingest.sh
#   RANKS=2 THREADS=1 bench/sas_ingest.sh
#
# Settings (environment): PATIENTS (50000), SEED (1), RANKS (1), THREADS (2), SHARDS (16),
# REPEAT (3), WORK (bench/results/sas-<patients>), BIN (build/bench/bin/snds-batch, built when
# missing; the release preset).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
PATIENTS=${PATIENTS:-50000}
SEED=${SEED:-1}
RANKS=${RANKS:-1}
THREADS=${THREADS:-2}
SHARDS=${SHARDS:-16}
REPEAT=${REPEAT:-3}
WORK=${WORK:-$ROOT/bench/results/sas-$PATIENTS}
BIN=${BIN:-$ROOT/build/bench/bin/snds-batch}
export OMP_NUM_THREADS=$THREADS SNDS_PROGRESS=0
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1

say() { echo "[sas-bench] $*" >&2; }

if [ ! -x "$BIN" ]; then
  say "building $BIN"
  (cd "$ROOT" && cmake --preset release -B build/bench >/dev/null && cmake --build build/bench --target snds-batch -j2)
fi
mkdir -p "$WORK"
cd "$WORK"
for format in csv sas7bdat; do
  if [ ! -f "$format/generate.json" ]; then
    say "generating $PATIENTS patients as $format"
    rm -rf "$format"
    "$BIN" generate --patients "$PATIENTS" --seed "$SEED" --out "$format" --quirks none \
      --format "$format" >/dev/null
  fi
done

# One ingest: prints "wall cpu" (seconds; CPU summed over ranks).
ingest() {
  local format=$1 n=$2
  local store="store-$format"
  rm -rf "$store" "$store.new"
  printf 'store: %s\nshards: %s\ninputs: %s/\n' "$store" "$SHARDS" "$format" > "$format.yaml"
  local start end
  start=$(date +%s.%N)
  if [ "$RANKS" -eq 1 ]; then
    /usr/bin/time -f '%U %S' -o "time.$format.0" "$BIN" ingest "$format.yaml" --threads "$THREADS" \
      >"ingest.$format.log" 2>&1
  else
    mpirun -n "$RANKS" sh -c "/usr/bin/time -f '%U %S' -o time.$format.\$OMPI_COMM_WORLD_RANK \
      '$BIN' ingest $format.yaml --threads $THREADS" >"ingest.$format.log" 2>&1
  fi
  end=$(date +%s.%N)
  local cpu
  cpu=$(cat time."$format".* | awk '{s += $1 + $2} END {printf "%.1f", s}')
  rm -f time."$format".*
  echo "$(python3 -c "print(f'{$end - $start:.1f}')") $cpu"
}

declare -A walls cpus
for ((i = 1; i <= REPEAT; i++)); do
  for format in csv sas7bdat; do
    read -r wall cpu < <(ingest "$format" "$i")
    say "run $i $format: ${wall} s wall, ${cpu} s CPU"
    walls[$format]+="$wall "
    cpus[$format]+="$cpu "
  done
done

python3 - "$WORK/store-csv/manifest.json" "$WORK/store-sas7bdat/manifest.json" <<'PY'
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
if a["rows_per_shard"] != b["rows_per_shard"]:
    sys.exit("the CSV and SAS stores differ in rows per shard")
print("[sas-bench] same rows per shard in both stores", file=sys.stderr)
PY

median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'; }
csv_bytes=$(du -sb csv | cut -f1)
sas_bytes=$(du -sb sas7bdat | cut -f1)
mw_csv=$(echo "${walls[csv]}" | median)
mw_sas=$(echo "${walls[sas7bdat]}" | median)
mc_csv=$(echo "${cpus[csv]}" | median)
mc_sas=$(echo "${cpus[sas7bdat]}" | median)
{
  echo "| input | size | wall, each run (s) | median wall | CPU, each run (s) | median CPU |"
  echo "| --- | ---: | --- | ---: | --- | ---: |"
  echo "| CSV | $((csv_bytes / 1000000)) MB | ${walls[csv]}| $mw_csv | ${cpus[csv]}| $mc_csv |"
  echo "| SAS tables | $((sas_bytes / 1000000)) MB | ${walls[sas7bdat]}| $mw_sas | ${cpus[sas7bdat]}| $mc_sas |"
  echo
  echo "SAS / CSV: wall $(python3 -c "print(f'{$mw_sas / $mw_csv:.2f}')")x," \
    "CPU $(python3 -c "print(f'{$mc_sas / $mc_csv:.2f}')")x" \
    "($PATIENTS patients, seed $SEED, $RANKS rank(s) x $THREADS thread(s), $SHARDS shards, $REPEAT runs)"
} | tee "$WORK/summary.md"
