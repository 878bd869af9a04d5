#!/usr/bin/env bash
# Weak scaling of the ingest across nodes: the same work per rank (P patients per rank) at 1 rank
# on one node and at R ranks on R nodes (one rank per node, Open MPI's TCP transport between
# them), on a private Slurm cluster of emulated nodes started here (scripts/slurm-cluster.sh) and
# stopped at the end. Each size is generated once (the extract does not depend on the rank count
# that writes it); each ingest is the operator's template, slurm/ingest.sbatch, under srun.
#
#   bench/weak_scaling.sh [--per-rank 20000] [--ranks 1,2] [--repeat 3] [--threads 1] [--shards 16]
#                         [--quirks gzip=0] [--work DIR] [--bin PATH] [--keep]
#
# Prints, per rank count, the median over --repeat runs of each ingest phase's wall time (the
# slowest rank's), the weak-scaling efficiency T(1) / T(R) (1.0 is perfect: R times the data in
# the same time), CSV MB/s per core, CPU seconds (the work apart from waiting on a loaded machine;
# Open MPI's busy waits count), peak RSS per rank, and the all-to-all shuffle: rounds, bytes
# sent between ranks, bytes per round per rank (each phase's `exchange` in the manifest). Writes
# the same as Markdown to DIR/weak_scaling.md and every run's figures to DIR/weak_scaling.json.
# The extracts are generated with --quirks gzip=0 by default: a gzip part costs a rank several
# times a plain one, and which parts are gzip differs between the sizes: not the same work.
# Needs root and slurm-wlm (scripts/install-deps.sh), as the Slurm tests do. The emulated nodes
# share this machine: the network is the loopback, so the bytes moved are real but their cost is
# not a real network's; with 2 cores, 2 ranks is the most that measures anything.
set -euo pipefail

repo="$(cd "$(dirname "$0")/.." && pwd)"
die() { echo "weak_scaling: $*" >&2; exit 2; }
log() { echo "[$(date -u +%H:%M:%S) weak] $*" >&2; }

per_rank=20000 ranks_list=1,2 repeat=3 threads=1 shards=16 work="" bin="${SNDS_BIN:-}" keep=0 seed=1
quirks=gzip=0
while [ $# -gt 0 ]; do
  case "$1" in
    --per-rank) per_rank="$2"; shift 2 ;;
    --ranks) ranks_list="$2"; shift 2 ;;
    --repeat) repeat="$2"; shift 2 ;;
    --threads) threads="$2"; shift 2 ;;
    --shards) shards="$2"; shift 2 ;;
    --seed) seed="$2"; shift 2 ;;
    --quirks) quirks="$2"; shift 2 ;;
    --work) work="$2"; shift 2 ;;
    --bin) bin="$2"; shift 2 ;;
    --keep) keep=1; shift ;;
    -h | --help) sed -n '2,21p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown option '$1' (see --help)" ;;
  esac
done
for v in per_rank repeat threads shards; do
  [[ "${!v}" =~ ^[1-9][0-9]*$ ]] || die "--${v//_/-} must be a positive integer (got '${!v}')"
done
IFS=, read -r -a rank_counts <<< "$ranks_list"
max_ranks=1
for r in "${rank_counts[@]}"; do
  [[ "$r" =~ ^[1-9][0-9]*$ ]] || die "--ranks: '$r' is not a positive integer"
  [ "$r" -gt "$max_ranks" ] && max_ranks="$r"
done
[ "$(id -u)" -eq 0 ] && command -v slurmctld >/dev/null || die "needs root and slurm-wlm (scripts/install-deps.sh)"
if [ -z "$bin" ]; then
  for b in "$repo/build/release/bin/snds-batch" "$repo/build/ci/bin/snds-batch"; do
    [ -x "$b" ] && { bin="$b"; break; }
  done
fi
[ -n "$bin" ] && [ -x "$bin" ] || die "snds-batch not found: pass --bin or build it (scripts/build.sh release)"
[ -n "$work" ] || work="${TMPDIR:-/tmp}/snds-weak-$$"
mkdir -p "$work"
work="$(cd "$work" && pwd)"
cluster="$work/cluster"

cleanup() {
  "$repo/scripts/slurm-cluster.sh" stop "$cluster" >/dev/null 2>&1 || true
  [ "$keep" = 1 ] || rm -rf "$work"/extract-* "$work"/store-*
}
trap cleanup EXIT
"$repo/scripts/slurm-cluster.sh" stop "$cluster" >/dev/null 2>&1 || true
"$repo/scripts/slurm-cluster.sh" start "$cluster" --nodes "$max_ranks" >/dev/null
export SLURM_CONF="$cluster/slurm.conf" SNDS_HOME="$repo" SNDS_BIN="$bin" SNDS_SCRATCH="$work/scratch"
export SNDS_PROGRESS=0 SNDS_MAX_RESTARTS=0
mkdir -p "$work/logs" "$SNDS_SCRATCH"

# wait_job ID: polls until the job ends; prints its state and exit code.
wait_job() {
  local state line
  while :; do
    line="$(scontrol -o show job "$1" 2>/dev/null || true)"
    state="$(sed -n 's/.*JobState=\([A-Z_]*\).*/\1/p' <<< "$line")"
    case "$state" in
      COMPLETED | FAILED | CANCELLED | TIMEOUT | NODE_FAIL | OUT_OF_MEMORY | BOOT_FAIL | DEADLINE) break ;;
    esac
    sleep 0.5
  done
  echo "$state $(sed -n 's/.* ExitCode=\([0-9:]*\).*/\1/p' <<< "$line")"
}

cd "$work"
: > runs.tsv
for r in "${rank_counts[@]}"; do
  n=$((per_rank * r))
  if [ ! -f "extract-$r/generate.json" ]; then
    log "generating $n patients for $r rank(s)"
    OMP_NUM_THREADS=2 "$bin" generate --patients "$n" --seed "$seed" --quirks "$quirks" --out "extract-$r" > "logs/generate-$r.log" 2>&1
  fi
done
# Rank counts alternate within each repetition, so that the machine's load drifts over all alike.
for k in $(seq 1 "$repeat"); do
  for r in "${rank_counts[@]}"; do
    store="store-$r-$k"
    rm -rf "$store"
    printf 'store: %s/\nshards: %s\ninputs: extract-%s/\n' "$store" "$shards" "$r" > "ingest-$r-$k.yaml"
    id=$(OMPI_MCA_btl=self,tcp sbatch --parsable -N "$r" -n "$r" --ntasks-per-node=1 -c "$threads" \
      --mem-per-cpu=6G --time=60 --no-requeue --job-name="weak-r$r-$k" --output="$work/logs/%x-%j.out" \
      "$repo/slurm/ingest.sbatch" "ingest-$r-$k.yaml")
    id="${id%%;*}"
    result="$(wait_job "$id")"
    [ "$result" = "COMPLETED 0:0" ] || { cat "$work/logs/weak-r$r-$k-$id.out" >&2; die "ingest job $id ($r ranks) ended $result"; }
    cp "$store/manifest.json" "logs/manifest-r$r-$k.json"
    printf '%s\t%s\t%s\t%s\n' "$r" "$k" "$((per_rank * r))" "logs/manifest-r$r-$k.json" >> runs.tsv
    log "$r rank(s), run $k: job $id done"
    [ "$keep" = 1 ] || rm -rf "$store"
  done
done

python3 - "$work" "$per_rank" "$threads" <<'PY'
import json, os, statistics, sys
work, per_rank, threads = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
runs = []
for line in open(os.path.join(work, "runs.tsv")):
    r, k, patients, path = line.split("\t")
    m = json.load(open(os.path.join(work, path.strip())))
    phases = {p["name"]: p for p in m["phases"]}
    ex = {p["name"]: p["exchange"] for p in m["phases"] if p.get("exchange")}
    runs.append({"ranks": int(r), "run": int(k), "patients": int(patients),
                 "csv_bytes": int(phases["read"]["bytes"]),
                 "walls": {n: p["wall_s"] for n, p in phases.items()},
                 "total_s": sum(p["wall_s"] for p in m["phases"]),
                 "cpu_s": sum(sum(p.get("cpu_s_per_rank") or [0]) for p in m["phases"]),
                 "peak_rss_per_rank": [max(p["peak_rss_bytes_per_rank"][i] for p in m["phases"])
                                       for i in range(int(m["ranks"]))],
                 "spilled_bytes": (m.get("memory") or {}).get("spilled_bytes"),
                 "exchange": ex})
json.dump(runs, open(os.path.join(work, "weak_scaling.json"), "w"), indent=1)
counts = sorted({x["ranks"] for x in runs})
names = [n for n in runs[0]["walls"] if any(x["walls"][n] >= 0.05 for x in runs)]
med = lambda xs: statistics.median(xs) if xs else None
base = {n: med([x["walls"][n] for x in runs if x["ranks"] == counts[0]]) for n in names}
base_total = med([x["total_s"] for x in runs if x["ranks"] == counts[0]])
L = [f"Weak scaling, {per_rank} patients per rank, {threads} thread(s) per rank, one rank per emulated node; "
     f"medians of {max(x['run'] for x in runs)} runs (wall s, slowest rank; efficiency = T({counts[0]}) / T(R))\n"]
L.append("| ranks | patients | CSV MB | " + " | ".join(names) + " | total | efficiency | CSV MB/s/core | CPU s (all ranks) | CSV MB per CPU s | peak RSS/rank MB | spill MB |")
L.append("|---:" * (6 + len(names) + 4) + "|")
for c in counts:
    sel = [x for x in runs if x["ranks"] == c]
    tot = med([x["total_s"] for x in sel])
    csv = sel[0]["csv_bytes"]
    cells = [f"{med([x['walls'][n] for x in sel]):.2f} ({base[n] / med([x['walls'][n] for x in sel]):.2f})" for n in names]
    rss = max(max(x["peak_rss_per_rank"]) for x in sel) / 1e6
    spill = med([x["spilled_bytes"] or 0 for x in sel]) / 1e6
    cpu = med([x["cpu_s"] for x in sel])
    L.append(f"| {c} | {sel[0]['patients']} | {csv / 1e6:.0f} | " + " | ".join(cells) +
             f" | {tot:.2f} | {base_total / tot:.2f} | {csv / 1e6 / tot / (c * threads):.2f} | {cpu:.2f} | "
             f"{csv / 1e6 / cpu if cpu else 0:.1f} | {rss:.0f} | {spill:.0f} |")
if any(x["exchange"] for x in runs):
    L.append("\nAll-to-all shuffle (each phase's `exchange` in the manifest; first run of each rank count):\n")
    L.append("| ranks | phase | rounds | MB sent between ranks | MB per round per rank (mean) | largest round, one rank, MB |")
    L.append("|---:|---|---:|---:|---:|---:|")
    for c in counts:
        sel = [x for x in runs if x["ranks"] == c]
        for ph in sorted({p for x in sel for p in x["exchange"]}):
            e = sel[0]["exchange"][ph]
            rounds = e.get("rounds") or 0
            sent = e.get("bytes_sent") or 0
            per = sent / rounds / c / 1e6 if rounds else 0
            largest = max(e.get("largest_round_bytes_per_rank") or [0])
            L.append(f"| {c} | {ph} | {rounds} | {sent / 1e6:.1f} | {per:.1f} | {largest / 1e6:.1f} |")
text = "\n".join(L) + "\n"
open(os.path.join(work, "weak_scaling.md"), "w").write(text)
print(text)
PY
log "results: $work/weak_scaling.md, $work/weak_scaling.json"
