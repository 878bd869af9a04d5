#!/usr/bin/env bash
# The capacity run by hand on one machine (no Slurm): a tiny scale at 2 ranks under mpirun must
# append one well-formed line to the history, keep the run's logs and manifests, and render the
# report with its plots. Then the regression path end to end: a history whose three earlier
# comparable runs were twice as fast makes `--report-only` exit 10 with the phase named.
set -euo pipefail
: "${SNDS_BIN:?}" "${SNDS_SOURCE_DIR:?}" "${SNDS_CAPACITY_WORK:?}"
fail() { echo "FAIL: $*" >&2; exit 1; }
work="$SNDS_CAPACITY_WORK"
rm -rf "$work"
mkdir -p "$work"
out="$work/results"

"$SNDS_SOURCE_DIR/scripts/capacity-run.sh" --patients 200 --ranks 2 --threads 1 --shards 8 \
  --out "$out" --bin "$SNDS_BIN" --label test-machine --work "$work/scratch"
[ ! -e "$work/scratch" ] || fail "the scratch folder was not removed"
[ "$(wc -l < "$out/history.jsonl")" = 1 ] || fail "expected one history line"

python3 - "$out/history.jsonl" "$SNDS_SOURCE_DIR/configs" <<'PY'
import glob, json, os, re, sys
rec = json.loads(open(sys.argv[1]).readline())
def need(cond, what):
    if not cond:
        sys.exit(f"FAIL: history record: {what}")
need(rec["format"] == 1, "format 1")
need((rec["patients"], rec["ranks"], rec["threads"], rec["shards"], rec["label"]) == (200, 2, 1, 8, "test-machine"), "run parameters")
need(rec["status"] == "ok" and rec["store_bytes"] > 0 and rec["extract_bytes"] > 0, "status and sizes")
# Every config on the default store (those on store_persons/ need the persons extract).
jobs = {os.path.basename(p)[:-5] for p in glob.glob(os.path.join(sys.argv[2], "*.yaml"))
        if re.search(r"^store:\s*store/?\s*$", open(p).read(), re.M)}
steps = {s["step"]: s for s in rec["steps"]}
need({"generate", "ingest"} | jobs <= set(steps), f"steps {sorted(steps)}")
for s in rec["steps"]:
    need(s["exit"] == 0 and s["wall_s"] > 0 and s["phases"], f"step {s['step']}")
    need(s["ranks"] == 2, f"step {s['step']} ranks")
    for p in s["phases"]:
        need(p["wall_s"] >= 0 and p["rows"] >= 0, f"phase {s['step']}/{p['name']}")
ph = {p["name"]: p for p in steps["ingest"]["phases"]}
need({"read", "join", "write"} <= set(ph), "ingest phases")
need(ph["read"]["exchange_rounds"] > 0 and ph["read"]["exchange_bytes"] > 0 and ph["read"]["cpu_s"] > 0,
     "the read phase's all-to-all rounds and bytes, and its CPU seconds")
need(ph["read"]["mb_s_per_core"] > 0 and ph["read"]["rows_s_per_core"] > 0, "read throughput per core")
need(len(ph["read"]["peak_rss_per_rank"]) == 2 and ph["read"]["peak_rss_max_bytes"] > 0, "peak RSS per rank")
# The ingest's headline figures: CSV MB/s per core over all its phases, each rank's peak RSS.
ing = rec["ingest"]
need(ing["csv_bytes"] == ph["read"]["bytes"] > 0 and ing["wall_s"] >= ph["read"]["wall_s"], "ingest CSV bytes and wall")
need(abs(ing["mb_s_per_core"] - ing["csv_bytes"] / 1e6 / ing["wall_s"] / 2) < 1e-3, "ingest MB/s per core")
need(len(ing["peak_rss_per_rank"]) == 2 and ing["peak_rss_max_bytes"] == max(ing["peak_rss_per_rank"])
     >= ph["read"]["peak_rss_max_bytes"], "ingest peak RSS per rank")
print("history record ok:", len(rec["steps"]), "steps")
PY

run_dir="$(ls -d "$out"/runs/*)"
[ -f "$run_dir/logs/ingest.log" ] && [ -f "$run_dir/manifests/ingest.json" ] || fail "run logs or manifests missing in $run_dir"
grep -q "| ingest/write |" "$out/report.md" || fail "the report lacks the phase table"
for png in throughput.png scale.png; do
  [ "$(head -c 4 "$out/plots/$png" | od -An -c | tr -d ' ')" = "211PNG" ] || fail "$png is not a PNG"
done

# Three earlier runs twice as fast, then this run: the check must name a regression.
python3 - "$out/history.jsonl" "$work/doctored.jsonl" <<'PY'
import copy, json, sys
rec = json.loads(open(sys.argv[1]).readline())
with open(sys.argv[2], "w") as f:
    for i in range(3):
        fast = copy.deepcopy(rec)
        fast["run_id"] = f"fast{i}"
        for s in fast["steps"]:
            for p in s["phases"]:
                p["wall_s"] /= 2
        f.write(json.dumps(fast) + "\n")
    f.write(json.dumps(rec) + "\n")
PY
rc=0
"$SNDS_SOURCE_DIR/scripts/capacity-run.sh" --report-only --out "$work/doctored-report" \
  --history "$work/doctored.jsonl" --min-seconds 0.05 > "$work/check.out" 2>&1 || rc=$?
cat "$work/check.out"
[ "$rc" = 10 ] || fail "the regression check exited $rc, expected 10"
grep -q "capacity: REGRESSION in ingest/" "$work/check.out" || fail "no REGRESSION message naming the ingest"
grep -q "REGRESSION" "$work/doctored-report/report.md" || fail "the report does not show the regression"

# The operator's large size: a second run at --large-patients, same campaign, one report. One
# config keeps it short.
large="$work/large"
"$SNDS_SOURCE_DIR/scripts/capacity-run.sh" --patients 150 --large-patients 300 --ranks 2 --threads 1 \
  --shards 8 --out "$large" --bin "$SNDS_BIN" --label test-machine --work "$work/scratch-large" \
  --configs "$SNDS_SOURCE_DIR/configs/aggregate_dispensing.yaml" --min-seconds 1000 > "$work/large.out" 2>&1 \
  || { cat "$work/large.out"; fail "the run with a large size failed"; }
[ ! -e "$work/scratch-large" ] || fail "the scratch folders of the large size were not removed"
python3 - "$large/history.jsonl" <<'PY'
import json, sys
runs = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
if [r["patients"] for r in runs] != [150, 300] or len({r["campaign"] for r in runs}) != 1:
    sys.exit(f"FAIL: expected runs at 150 then 300 patients in one campaign, got {[(r['patients'], r['campaign']) for r in runs]}")
if any(r["status"] != "ok" or not r["ingest"]["mb_s_per_core"] for r in runs):
    sys.exit("FAIL: both runs must succeed and record the ingest's MB/s per core")
PY
grep -q "## Run .*-p150-r2t1" "$large/report.md" && grep -q "## Run .*-p300-r2t1" "$large/report.md" \
  || fail "the report does not cover both sizes"
echo "capacity run by hand: record, report, plots, regression exit code and large size ok"
