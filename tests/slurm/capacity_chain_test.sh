#!/usr/bin/env bash
# The nightly capacity run as a Slurm dependency chain (scripts/capacity-submit.sh): one
# slurm/capacity.sbatch job at 1 rank, one at 2 ranks after it, one at the large size (2 ranks)
# after that, then the report job after all three. The report job must end COMPLETED (exit 0), the
# history hold the three runs of the campaign, and the report draw the scaling chart that two rank
# counts allow.
# shellcheck source=tests/slurm/lib.sh
source "$(dirname "$0")/lib.sh"
require_cluster
out="$WORK/capacity-chain"
rm -rf "$out"
"$SNDS_SOURCE_DIR/scripts/capacity-submit.sh" --patients 200 --ranks 1,2 --threads 1 --shards 8 \
  --large-patients 300 --large-sbatch "--time=12" \
  --out "$out" --sbatch "--mem-per-cpu=256M --time=10 --signal=B:USR1@60" --wait | tee "$WORK/chain.out" \
  || { cat "$out"/slurm-logs/*.out >&2 || true; fail "the capacity chain failed"; }
campaign="$(sed -n 's/^campaign=//p' "$WORK/chain.out")"
python3 - "$out/history.jsonl" "$campaign" <<'PY'
import json, sys
runs = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
if sorted((r["patients"], r["ranks"]) for r in runs) != [(200, 1), (200, 2), (300, 2)]:
    sys.exit(f"FAIL: expected runs at 200 patients x 1 and 2 ranks and 300 x 2, got {[(r['patients'], r['ranks']) for r in runs]}")
if any(not r["ingest"]["mb_s_per_core"] or len(r["ingest"]["peak_rss_per_rank"]) != r["ranks"] for r in runs):
    sys.exit("FAIL: a run lacks the ingest's MB/s per core or peak RSS per rank")
if any(r["campaign"] != sys.argv[2] or r["launcher"] != "srun" or not r["slurm_job"] or r["status"] != "ok" for r in runs):
    sys.exit("FAIL: the runs do not all belong to the campaign, ran under srun in a Slurm job, and succeeded")
PY
grep -q "(plots/scaling.png)" "$out/report.md" || fail "the report has no scaling chart"
[ -s "$out/plots/scaling.png" ] || fail "scaling.png missing"
grep -q "batch node:" "$out"/slurm-logs/snds-capacity-r2-*.out || fail "the run job logged no node facts"
grep -q "large size" "$WORK/chain.out" || fail "capacity-submit did not announce the large-size job"
note "capacity chain: 3 runs + report, campaign $campaign"
