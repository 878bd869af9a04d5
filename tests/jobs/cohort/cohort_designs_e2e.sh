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
