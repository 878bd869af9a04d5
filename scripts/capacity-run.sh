#!/usr/bin/env bash
# The nightly capacity run, by hand on one machine or inside a Slurm allocation: generate a
# synthetic extract at a given scale, ingest it, run every job config of configs/, then append one
# line to the history file (JSON lines), render the report (Markdown + gnuplot PNGs) and compare
# each phase with the median of its last 5 comparable runs, and the ingest's CSV MB/s per core and
# peak RSS per rank with the previous comparable run.
#
#   scripts/capacity-run.sh --patients 20000 --ranks 2 --threads 1 --out bench/results/
#   scripts/capacity-run.sh --patients 50000 --large-patients 1000000 --ranks 2 --out bench/results/
#
# Options (defaults in brackets):
#   --patients N      extract size [required unless --report-only]
#   --large-patients M  then the same run at M patients (the operator's large size), its own
#                     history line in the same campaign; one report and check over both
#   --ranks R         MPI ranks [$SLURM_NTASKS, else 1]      --threads T  OpenMP threads per rank
#                     [$SLURM_CPUS_PER_TASK, else 1]
#   --out DIR         results: DIR/history.jsonl, DIR/report.md, DIR/plots/, DIR/runs/<run id>/
#   --history FILE    [DIR/history.jsonl]
#   --seed S [1]   --years A-B [2019-2022]   --shards N [64]
#   --configs GLOB    job configs to run ['configs/*.yaml' of the repository]
#   --launcher L      srun | mpirun | none [srun inside a Slurm allocation, else mpirun]
#   --bin PATH        snds-batch [$SNDS_BIN, else build/release/bin/snds-batch, else on PATH]
#   --work DIR        scratch for the extract, store and outputs [$TMPDIR/snds-capacity-<pid>]
#   --keep            keep the scratch folder (removed by default)
#   --label L         comparison group, e.g. the cluster name [$SLURM_CLUSTER_NAME, else hostname]
#   --campaign ID     groups the runs of one chain (scripts/capacity-submit.sh) [the run id]
#   --threshold PCT [10]  --window N [5]  --min-runs N [3]  --min-seconds S [1.0]: the check
#   --no-report       record only (a chain renders one report at the end)
#   --report-only     no run: render the report and check --campaign (or the last run)
#   --no-check        do not fail on a regression
#
# Exit codes: 0 fine; 1 a step failed (its log is named); 2 bad usage; 10 a phase or an ingest
# figure regressed by more than the threshold (the report is written first); 75 stopped by
# SIGTERM/SIGUSR1.
set -euo pipefail

repo="$(cd "$(dirname "$0")/.." && pwd)"
tool="$repo/scripts/capacity/capacity.py"

usage() { sed -n '2,34p' "$0" | sed 's/^# \{0,1\}//'; exit "${1:-2}"; }
die() { echo "capacity-run: $*" >&2; exit 2; }
log() { echo "[$(date -u +%H:%M:%S) capacity] $*"; }

patients="" ranks="${SLURM_NTASKS:-1}" threads="${SLURM_CPUS_PER_TASK:-1}" out="" history=""
seed=1 years=2019-2022 shards=64 configs="$repo/configs/*.yaml" launcher="" bin="${SNDS_BIN:-}"
work="" keep=0 label="${SLURM_CLUSTER_NAME:-$(hostname -s)}" campaign="" no_report=0 report_only=0 no_check=0
judge=()
large="" args=("$@")
while [ $# -gt 0 ]; do
  case "$1" in
    --patients) patients="$2"; shift 2 ;;
    --large-patients) large="$2"; shift 2 ;;
    --ranks) ranks="$2"; shift 2 ;;
    --threads) threads="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    --history) history="$2"; shift 2 ;;
    --seed) seed="$2"; shift 2 ;;
    --years) years="$2"; shift 2 ;;
    --shards) shards="$2"; shift 2 ;;
    --configs) configs="$2"; shift 2 ;;
    --launcher) launcher="$2"; shift 2 ;;
    --bin) bin="$2"; shift 2 ;;
    --work) work="$2"; shift 2 ;;
    --keep) keep=1; shift ;;
    --label) label="$2"; shift 2 ;;
    --campaign) campaign="$2"; shift 2 ;;
    --threshold | --window | --min-runs | --min-seconds) judge+=("$1" "$2"); shift 2 ;;
    --no-report) no_report=1; shift ;;
    --report-only) report_only=1; shift ;;
    --no-check) no_check=1; shift ;;
    -h | --help) usage 0 ;;
    *) die "unknown option '$1' (see --help)" ;;
  esac
done
[ -n "$out" ] || die "--out DIR is required"
mkdir -p "$out"
out="$(cd "$out" && pwd)"
[ -n "$history" ] || history="$out/history.jsonl"

report_and_check() {
  local sel=()
  [ -n "$campaign" ] && sel=(--campaign "$campaign")
  python3 "$tool" report --history "$history" --out "$out" "${sel[@]}" "${judge[@]}"
  [ "$no_check" = 1 ] && return 0
  local rc=0
  python3 "$tool" check --history "$history" "${sel[@]}" "${judge[@]}" || rc=$?
  return "$rc"
}

if [ "$report_only" = 1 ]; then
  report_and_check
  exit $?
fi

# With a large size: this script twice (--patients, then --large-patients), one campaign, then
# one report and check over both runs. A stop signal goes to the run in progress.
if [ -n "$large" ]; then
  [[ "$large" =~ ^[1-9][0-9]*$ ]] || die "--large-patients must be a positive integer (got '$large')"
  [ -n "$patients" ] || die "--patients N is required"
  [ -n "$campaign" ] || campaign="$(date -u +%Y%m%dT%H%M%SZ)-$(hostname -s)-capacity"
  inner=()
  set -- "${args[@]}"
  while [ $# -gt 0 ]; do
    case "$1" in
      --large-patients | --campaign) shift 2 ;;
      --no-report) shift ;;
      *) inner+=("$1"); shift ;;
    esac
  done
  run_pid=""
  trap '[ -n "$run_pid" ] && kill -USR1 "$run_pid" 2>/dev/null || true' USR1 TERM
  failed=0
  for n in "$patients" "$large"; do
    log "campaign $campaign: the run at $n patients"
    # Each run its own scratch folder (with --keep, both stay).
    "$0" "${inner[@]}" --patients "$n" --campaign "$campaign" --no-report ${work:+--work "$work/p$n"} &
    run_pid=$!
    while :; do
      wait "$run_pid" && rc=0 || rc=$?
      if [ "$rc" -gt 128 ] && kill -0 "$run_pid" 2>/dev/null; then continue; fi
      break
    done
    run_pid=""
    case "$rc" in
      0) ;;
      75) exit 75 ;;
      2) exit 2 ;;
      *) failed=1 ;;
    esac
  done
  if [ -n "$work" ] && [ "$keep" = 0 ]; then rmdir "$work" 2>/dev/null || true; fi
  rc=0
  if [ "$no_report" = 0 ]; then
    report_and_check || rc=$?
  fi
  [ "$failed" = 1 ] && { log "a run of campaign $campaign failed: see its logs in $out/runs"; exit 1; }
  exit "$rc"
fi

for v in patients ranks threads shards; do
  [[ "${!v}" =~ ^[1-9][0-9]*$ ]] || die "--$v must be a positive integer (got '${!v}')"
done
[[ "$seed" =~ ^[0-9]+$ ]] || die "--seed must be a non-negative integer (got '$seed')"
if [ -z "$launcher" ]; then
  if [ -n "${SLURM_JOB_ID:-}" ]; then launcher=srun; else launcher=mpirun; fi
fi
case "$launcher" in srun | mpirun | none) ;; *) die "--launcher must be srun, mpirun or none" ;; esac
[ "$launcher" = none ] && [ "$ranks" -gt 1 ] && die "--launcher none runs one process: use --ranks 1"
if [ -z "$bin" ]; then
  if [ -x "$repo/build/release/bin/snds-batch" ]; then bin="$repo/build/release/bin/snds-batch"; else bin="$(command -v snds-batch || true)"; fi
fi
{ [ -n "$bin" ] && [ -x "$bin" ]; } || die "snds-batch not found: pass --bin or set SNDS_BIN (build it with scripts/build.sh)"
bin="$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")"

started="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
run_id="$(date -u +%Y%m%dT%H%M%SZ)-$(hostname -s)-p${patients}-r${ranks}t${threads}"
[ -n "${SLURM_JOB_ID:-}" ] && run_id="$run_id-j$SLURM_JOB_ID"
[ -n "$campaign" ] || campaign="$run_id"
run_dir="$out/runs/$run_id"
mkdir -p "$run_dir/logs" "$run_dir/manifests"
if [ -z "$work" ]; then work="${TMPDIR:-/tmp}/snds-capacity-$$"; fi
rm -rf "$work"
mkdir -p "$work"
work="$(cd "$work" && pwd)"
cleanup() { [ "$keep" = 1 ] || rm -rf "$work"; }
trap cleanup EXIT

export OMP_NUM_THREADS="$threads" SNDS_PROGRESS=0
launch=()
case "$launcher" in
  srun) launch=(srun --mpi=pmix --kill-on-bad-exit=1 -n "$ranks" --cpus-per-task="$threads") ;;
  mpirun)
    launch=(mpirun -n "$ranks" --bind-to none)
    if [ $((ranks * threads)) -gt "$(env -u OMP_NUM_THREADS nproc)" ]; then
      log "warning: $ranks ranks x $threads threads is more than the $(env -u OMP_NUM_THREADS nproc) cores here: oversubscribed, timings will suffer"
      launch+=(--oversubscribe)
    else
      launch+=(--map-by "slot:PE=$threads")
    fi
    if [ "$(id -u)" -eq 0 ]; then export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1; fi
    ;;
esac

child=""
stopped=0
on_signal() {
  stopped=1
  log "received a stop signal: stopping the current step"
  if [ -n "$child" ]; then kill -USR1 "$child" 2>/dev/null || true; fi
}
trap on_signal USR1 TERM

# run_step NAME KIND LOG MANIFEST CONFIG -- COMMAND...: times one step, records it in steps.tsv.
run_step() {
  local name="$1" kind="$2" logf="$3" manifest="$4" config="$5"
  shift 6
  log "$name: ${launch[*]} snds-batch ${*:2}"
  local t0 t1 rc=0
  t0="$(date +%s.%N)"
  "${launch[@]}" "$@" >"$logf" 2>&1 &
  child=$!
  while :; do
    wait "$child" && rc=0 || rc=$?
    if [ "$rc" -gt 128 ] && kill -0 "$child" 2>/dev/null; then continue; fi
    break
  done
  child=""
  t1="$(date +%s.%N)"
  local wall
  wall="$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.3f", b - a}')"
  printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$kind" "$rc" "$wall" "$manifest" "$config" >> "$work/steps.tsv"
  [ -f "$manifest" ] && cp "$manifest" "$run_dir/manifests/$name.json"
  if [ "$stopped" = 1 ]; then
    log "stopped during $name: nothing recorded"
    exit 75
  fi
  if [ "$rc" -ne 0 ]; then
    log "$name FAILED with exit code $rc after $wall s; its log: $logf"
    tail -n 5 "$logf" | sed 's/^/    /'
    return 1
  fi
  log "$name: $wall s"
}

log "run $run_id: $patients patients, $ranks ranks x $threads threads ($launcher), $shards shards, label $label"
log "scratch $work; results $out"
cd "$work"
: > steps.tsv
failed=0
run_step generate generate "$run_dir/logs/generate.log" "$work/extract/generate.json" "" -- \
  "$bin" generate --patients "$patients" --seed "$seed" --years "$years" --care-tables --out extract \
  || failed=1
if [ "$failed" = 0 ]; then
  printf 'store: store/\nshards: %s\ninputs: extract/\nscratch: %s\n' "$shards" "$work/spill" > ingest.yaml
  run_step ingest ingest "$run_dir/logs/ingest.log" "$work/store/manifest.json" ingest.yaml -- \
    "$bin" ingest ingest.yaml || failed=1
fi
if [ "$failed" = 0 ]; then
  n=0
  for config in $configs; do
    [ -f "$config" ] || continue
    kind="$(sed -n 's/^job:[[:space:]]*\([a-z]*\).*/\1/p' "$config" | head -n 1)"
    case "$kind" in aggregate | cohort) ;; *) continue ;; esac
    name="$(basename "$config" .yaml)"
    # Configs on another store (store_persons/: an extract with the persons quirk) need their own
    # extract; the capacity run ingests the default one only.
    store="$(sed -n 's/^store:[[:space:]]*\([^[:space:]#]*\).*/\1/p' "$config" | head -n 1)"
    if [ "${store%/}" != store ]; then
      log "skipping $name: it reads ${store%/}/, not the store/ this run ingests"
      continue
    fi
    output="$(sed -n 's/^output:[[:space:]]*\([^[:space:]#]*\).*/\1/p' "$config" | head -n 1)"
    run_step "$name" "$kind" "$run_dir/logs/$name.log" "$work/${output%/}/manifest.json" "$config" -- \
      "$bin" run "$config" || failed=1
    n=$((n + 1))
  done
  [ "$n" -gt 0 ] || log "warning: no aggregate or cohort config matched $configs"
fi

git_rev="$(git -C "$repo" rev-parse --short HEAD 2>/dev/null || true)"
version="$("$bin" --version 2>/dev/null | awk '{print $NF}')"
python3 "$tool" record --work "$work" --out "$run_dir/record.json" \
  --meta run_id="$run_id" --meta campaign="$campaign" --meta label="$label" \
  --meta started="$started" --meta finished="$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
  --meta host="$(hostname -s)" --meta nodes="${SLURM_JOB_NODELIST:-$(hostname -s)}" \
  --meta slurm_job="${SLURM_JOB_ID:-}" --meta launcher="$launcher" --meta program_version="$version" \
  --meta git="$git_rev" --meta years="$years" --meta patients="$patients" --meta seed="$seed" \
  --meta ranks="$ranks" --meta threads="$threads" --meta shards="$shards"
python3 "$tool" append --history "$history" --record "$run_dir/record.json"
log "recorded in $history"

rc=0
if [ "$no_report" = 0 ]; then
  report_and_check || rc=$?
fi
if [ "$failed" = 1 ]; then
  log "a step failed: see the logs in $run_dir/logs"
  exit 1
fi
exit "$rc"
