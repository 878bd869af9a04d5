#!/usr/bin/env bash
# Submits the nightly capacity run as a Slurm dependency chain: one slurm/capacity.sbatch job per
# rank count, each starting when the previous one ended (so that they never compete for nodes),
# then a report job that renders the report over the whole campaign and checks it for regressions.
# With --large-patients M, one more job in the chain: the operator's large size, at the largest
# rank count of --ranks, with --large-sbatch options after --sbatch's (a longer --time...).
#
#   scripts/capacity-submit.sh --patients 1000000 --ranks 4,8,16 --threads 4 --out DIR \
#       [--sbatch "--partition=compute --account=snds --time=02:00:00"] [--wait] [capacity-run options]
#       [--large-patients 20000000 --large-sbatch "--time=12:00:00 --mem-per-cpu=8G"]
#
# Run from the repository (or set SNDS_HOME); SNDS_BIN names the program for the jobs. Prints the
# job ids and the campaign id. With --wait, polls until the report job ends and exits with its
# exit code (0 fine, 10 a phase regressed, other: a step or job failed: see the job logs in DIR).
# Every other option goes to scripts/capacity-run.sh (--shards, --seed, --label, --threshold...).
set -euo pipefail

die() { echo "capacity-submit: $*" >&2; exit 2; }
home="${SNDS_HOME:-$(cd "$(dirname "$0")/.." && pwd)}"
export SNDS_HOME="$home"

ranks_list="" threads=1 out="" sbatch_opts="" wait=0 patients="" large="" large_opts=""
pass=() judge=()
while [ $# -gt 0 ]; do
  case "$1" in
    --ranks) ranks_list="$2"; shift 2 ;;
    --threads) threads="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    --patients) patients="$2"; shift 2 ;;
    --sbatch) sbatch_opts="$2"; shift 2 ;;
    --large-patients) large="$2"; shift 2 ;;
    --large-sbatch) large_opts="$2"; shift 2 ;;
    --wait) wait=1; shift ;;
    --threshold | --window | --min-runs | --min-seconds) judge+=("$1" "$2"); shift 2 ;;
    --campaign | --no-report | --report-only | --launcher | --bin | --work)
      die "$1 is set by capacity-submit.sh itself" ;;
    -h | --help) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) pass+=("$1"); [ $# -ge 2 ] && [[ "$2" != --* ]] && { pass+=("$2"); shift; }; shift ;;
  esac
done
[ -n "$patients" ] || die "--patients N is required"
[ -n "$ranks_list" ] || die "--ranks R1,R2,... is required"
[ -n "$out" ] || die "--out DIR is required (on a file system every node sees)"
[ -z "$large" ] || [[ "$large" =~ ^[1-9][0-9]*$ ]] || die "--large-patients must be a positive integer (got '$large')"
mkdir -p "$out"
out="$(cd "$out" && pwd)"
mkdir -p "$out/slurm-logs"
campaign="$(date -u +%Y%m%dT%H%M%SZ)-capacity"
# shellcheck disable=SC2206
extra=($sbatch_opts)
# shellcheck disable=SC2206
large_extra=($large_opts)

ids=()
prev=""
IFS=, read -r -a rank_counts <<< "$ranks_list"
for r in "${rank_counts[@]}"; do
  [[ "$r" =~ ^[1-9][0-9]*$ ]] || die "--ranks: '$r' is not a positive integer"
  dep=()
  [ -n "$prev" ] && dep=(--dependency="afterany:$prev")
  id=$(sbatch --parsable "${extra[@]}" "${dep[@]}" --ntasks="$r" --cpus-per-task="$threads" \
    --job-name="snds-capacity-r$r" --output="$out/slurm-logs/%x-%j.out" \
    "$home/slurm/capacity.sbatch" --patients "$patients" --out "$out" --campaign "$campaign" --no-report \
    "${pass[@]}")
  id="${id%%;*}"
  ids+=("$id")
  prev="$id"
  echo "capacity-submit: job $id: $patients patients, $r ranks x $threads threads"
done
if [ -n "$large" ]; then
  r=0
  for x in "${rank_counts[@]}"; do [ "$x" -gt "$r" ] && r="$x"; done
  id=$(sbatch --parsable "${extra[@]}" "${large_extra[@]}" --dependency="afterany:$prev" --ntasks="$r" \
    --cpus-per-task="$threads" --job-name="snds-capacity-large-r$r" --output="$out/slurm-logs/%x-%j.out" \
    "$home/slurm/capacity.sbatch" --patients "$large" --out "$out" --campaign "$campaign" --no-report \
    "${pass[@]}")
  id="${id%%;*}"
  ids+=("$id")
  echo "capacity-submit: job $id: $large patients (the large size), $r ranks x $threads threads"
fi
deps="$(IFS=:; echo "${ids[*]}")"
report=$(sbatch --parsable "${extra[@]}" --dependency="afterany:$deps" --ntasks=1 --cpus-per-task=1 \
  --job-name=snds-capacity-report --output="$out/slurm-logs/%x-%j.out" \
  "$home/slurm/capacity.sbatch" --report-only --out "$out" --campaign "$campaign" "${judge[@]}")
report="${report%%;*}"
echo "capacity-submit: job $report: report and regression check of campaign $campaign -> $out/report.md"
echo "campaign=$campaign"
echo "report_job=$report"

[ "$wait" = 1 ] || exit 0
while :; do
  line="$(scontrol -o show job "$report" 2>/dev/null || true)"
  state="$(sed -n 's/.*JobState=\([A-Z_]*\).*/\1/p' <<< "$line")"
  case "$state" in
    COMPLETED | FAILED | CANCELLED | TIMEOUT | NODE_FAIL | OUT_OF_MEMORY | BOOT_FAIL | DEADLINE) break ;;
    "") echo "capacity-submit: job $report is no longer known to Slurm" >&2; exit 1 ;;
  esac
  sleep 2
done
code="$(sed -n 's/.* ExitCode=\([0-9]*\):.*/\1/p' <<< "$line")"
echo "capacity-submit: report job $report ended $state, exit code ${code:-?}"
[ "$state" = COMPLETED ] && exit 0
exit "${code:-1}"
