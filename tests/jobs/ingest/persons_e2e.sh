#!/usr/bin/env bash
# The persons example configs (configs/cohort_statins_mi_persons.yaml,
# configs/aggregate_dispensing_persons.yaml) end to end on a generated extract with persons
# (quirks persons and placeholder_nir): generate, ingest at 1 rank and at 3 ranks with another
# shard count, run; both stores give the same bytes, and every output agrees with the independent
# readings of the raw CSV (tests/jobs/cohort/cohort_reference.py,
# tests/jobs/aggregate/aggregate_reference.py), which group pseudo-NIRs into persons themselves.
set -euo pipefail
work="$(mktemp -d /tmp/persons-e2e-XXXXXX)"
trap 'rm -rf "$work"' EXIT
cd "$work"
"$SNDS_BIN" generate --patients 2000 --seed 7 --quirks persons=0.2,placeholder_nir=0.02 \
  --out extract >/dev/null
configs="cohort_statins_mi_persons aggregate_dispensing_persons"
printf 'store: store_persons/\nshards: 5\ninputs: extract/\n' > ingest.yaml
"$SNDS_BIN" ingest ingest.yaml >/dev/null 2>&1
grep -q '"persons_with_several_pseudo_nirs":[1-9]' store_persons/manifest.json
for config in $configs; do "$SNDS_BIN" run "$SNDS_SOURCE_DIR/configs/$config.yaml" >/dev/null 2>&1; done
mv out one
rm -rf store_persons
printf 'store: store_persons/\nshards: 16\ninputs: extract/\n' > ingest.yaml
OMP_NUM_THREADS=2 mpirun -n 3 "$SNDS_BIN" ingest ingest.yaml >/dev/null 2>&1
for config in $configs; do
  OMP_NUM_THREADS=2 mpirun -n 2 "$SNDS_BIN" run "$SNDS_SOURCE_DIR/configs/$config.yaml" >/dev/null 2>&1
done
for f in cohort_statins_mi_persons/cohort.csv cohort_statins_mi_persons/attrition.csv \
    dispensing_persons/result.csv; do
  cmp "one/$f" "out/$f"
done
grep -q pseudo_nirs out/cohort_statins_mi_persons/cohort.csv
python3 "$SNDS_SOURCE_DIR/tests/jobs/cohort/cohort_reference.py" extract out/cohort_statins_mi_persons
python3 "$SNDS_SOURCE_DIR/tests/jobs/aggregate/aggregate_reference.py" extract out/dispensing_persons
