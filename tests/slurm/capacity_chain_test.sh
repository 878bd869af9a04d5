#!/usr/bin/env bash
# The nightly capacity run as a Slurm dependency chain (scripts/capacity-submit.sh): one
# slurm/capacity.sbatch job at 1 rank, one at 2 ranks after it, then the report job after both.
# The report job must end COMPLETED (exit 0), the history hold both runs of the campaign, and the
# report draw the scaling chart that two rank counts allow.
# shellcheck source=tests/slurm/lib.sh
source "$(dirname "$0")/lib.sh"
require_cluster
out="$WORK/capacity-chain"
rm -rf "$out"
"$SNDS_SOURCE_DIR/scripts/capacity-submit.sh" --patients 200 --ranks 1,2 --threads 1 --shards 8 \
  --out "$out" --sbatch "--mem-per-cpu=256M --time=10 --signal=B:USR1@60" --wait | tee "$WORK/chain.out" \
  || { cat "$out"/slurm-logs/*.out >&2 || true; fail "the capacity chain failed"; }
campaign="$(sed -n 's/^campaign=//p' "$WORK/chain.out")"
python3 - "$out/history.jsonl" "$campaign" <<'PY'
import json, sys
runs = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
if sorted(r["ranks"] for r in runs) != [1, 2]:
    sys.exit(f"FAIL: expected runs at 1 and 2 ranks, got {[r['ranks'] for r in runs]}")
if any(r["campaign"] != sys.argv[2] or r["launcher"] != "srun" or not r["slurm_job"] or r["status"] != "ok" for r in runs):
    sys.exit("FAIL: the runs do not all belong to the campaign, ran under srun in a Slurm job, and succeeded")
PY
grep -q "(plots/scaling.png)" "$out/report.md" || fail "the report has no scaling chart"
[ -s "$out/plots/scaling.png" ] || fail "scaling.png missing"
grep -q "batch node:" "$out"/slurm-logs/snds-capacity-r2-*.out || fail "the run job logged no node facts"
note "capacity chain: 2 runs + report, campaign $campaign"
