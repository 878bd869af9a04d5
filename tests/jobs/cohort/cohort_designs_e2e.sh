#!/usr/bin/env bash
# The study-design example configs (configs/cohort_statins_as_treated.yaml,
# configs/cohort_hip_fracture_incidence.yaml) end to end on a small generated extract: generate,
# ingest, run, and every output agrees with tests/jobs/cohort/cohort_reference.py, an independent
# reading of the raw CSV files in standard-library Python.
set -euo pipefail
work="$(mktemp -d /tmp/cohort-designs-XXXXXX)"
trap 'rm -rf "$work"' EXIT
cd "$work"
"$SNDS_BIN" generate --patients 1500 --seed 5 --out extract >/dev/null
printf 'store: store/\nshards: 4\ninputs: extract/\n' > ingest.yaml
"$SNDS_BIN" ingest ingest.yaml >/dev/null 2>&1
for config in cohort_statins_as_treated cohort_hip_fracture_incidence; do
  "$SNDS_BIN" run "$SNDS_SOURCE_DIR/configs/$config.yaml" >/dev/null 2>&1
  python3 "$SNDS_SOURCE_DIR/tests/jobs/cohort/cohort_reference.py" extract "out/$config"
done
# Loss to follow-up that fires (20 days without a claim), so that the claim days each cohort
# member is looked up with are checked too.
sed 's/no_claim_days: 180/no_claim_days: 20/; s#^output: .*#output: out/statins_lost/#' \
  "$SNDS_SOURCE_DIR/configs/cohort_statins_as_treated.yaml" > lost.yaml
"$SNDS_BIN" run lost.yaml >/dev/null 2>&1
grep -q ',lost' out/statins_lost/cohort.csv
python3 "$SNDS_SOURCE_DIR/tests/jobs/cohort/cohort_reference.py" extract out/statins_lost
