#!/usr/bin/env bash
# The sources ald, act, lab, death end to end on a small generated
# extract: the aggregates of configs/ that use them agree byte for byte with
# tests/jobs/aggregate/aggregate_reference.py (standard-library Python reading the raw CSV), and
# every output of them and of configs/cohort_statins_outcomes_ald_acts_deaths.yaml is the same
# from another shard count, 2 ranks and 2 threads per rank.
set -euo pipefail
work="$(mktemp -d /tmp/care-sources-XXXXXX)"
trap 'rm -rf "$work"' EXIT
cd "$work"
configs="aggregate_lab_tests aggregate_ald_monthly aggregate_deaths_by_cause aggregate_acts_by_ccam cohort_statins_outcomes_ald_acts_deaths"
"$SNDS_BIN" generate --patients 1500 --seed 5 --care-tables --out extract >/dev/null
printf 'store: store/\nshards: 4\ninputs: extract/\n' > ingest.yaml
"$SNDS_BIN" ingest ingest.yaml >/dev/null 2>&1
for c in $configs; do "$SNDS_BIN" run "$SNDS_SOURCE_DIR/configs/$c.yaml" >/dev/null 2>&1; done
for o in lab_tests ald_monthly deaths_by_cause acts_by_ccam; do
  python3 "$SNDS_SOURCE_DIR/tests/jobs/aggregate/aggregate_reference.py" extract "out/$o"
done
test "$(wc -l < out/cohort_statins_outcomes_ald_acts_deaths/cohort.csv)" -gt 10

mkdir other && cd other
printf 'store: store/\nshards: 7\ninputs: ../extract/\n' > ingest.yaml
"$SNDS_BIN" ingest ingest.yaml >/dev/null 2>&1
for c in $configs; do
  OMP_NUM_THREADS=2 mpirun -n 2 "$SNDS_BIN" run "$SNDS_SOURCE_DIR/configs/$c.yaml" >/dev/null 2>&1
done
for f in lab_tests/result.csv ald_monthly/result.csv deaths_by_cause/result.csv acts_by_ccam/result.csv \
    cohort_statins_outcomes_ald_acts_deaths/cohort.csv \
    cohort_statins_outcomes_ald_acts_deaths/attrition.csv \
    cohort_statins_outcomes_ald_acts_deaths/cohort.h5; do
  cmp "../out/$f" "out/$f"
done
echo "same files from 7 shards, 2 ranks x 2 threads"
