#!/usr/bin/env bash
# The DCIR cleaning rules end to end (docs/data-model.md): on a generated extract with ER_ETE_F,
# the public_hospital rule leaves lines out of lab tests, DCIR acts, claims and dispensings; with
# `dcir_rules: false` every answer is that of the same extract without ER_ETE_F (the rule is all
# ER_ETE_F changes); with the rules on, the lab and act aggregates agree with
# aggregate_reference.py, and the answers are the same from another shard count and 2 ranks.
set -euo pipefail
work="$(mktemp -d /tmp/dcir-rules-XXXXXX)"
trap 'rm -rf "$work"' EXIT
cd "$work"
"$SNDS_BIN" generate --patients 1200 --seed 8 --care-tables --out extract >/dev/null
mkdir no_ete && cp extract/*.csv* no_ete/ && rm no_ete/ER_ETE_F*
printf 'store: store/\nshards: 4\ninputs: extract/\n' > ingest.yaml
"$SNDS_BIN" ingest ingest.yaml >/dev/null 2>&1
configs="aggregate_lab_tests aggregate_acts_by_ccam aggregate_claims_monthly aggregate_dispensing"
# Each config as is, and with dcir_rules: false (output in out/<name>_off/).
for c in $configs; do
  "$SNDS_BIN" run "$SNDS_SOURCE_DIR/configs/$c.yaml" >/dev/null 2>&1
  out=$(sed -n 's/^output: *//p' "$SNDS_SOURCE_DIR/configs/$c.yaml" | sed 's:/*$::')
  sed -e '/^dcir_rules:/d' -e "s:^output\: .*:output\: ${out}_off/:" \
    "$SNDS_SOURCE_DIR/configs/$c.yaml" > "$c.off.yaml"
  echo "dcir_rules: false" >> "$c.off.yaml"
  "$SNDS_BIN" run "$c.off.yaml" >/dev/null 2>&1
done
for o in lab_tests acts_by_ccam; do
  python3 "$SNDS_SOURCE_DIR/tests/jobs/aggregate/aggregate_reference.py" extract "out/$o"
  python3 "$SNDS_SOURCE_DIR/tests/jobs/aggregate/aggregate_reference.py" extract "out/${o}_off"
done
# The rule changes what it should: the lab tests, acts and claims lose lines.
for o in lab_tests acts_by_ccam claims_monthly; do
  if cmp -s "out/$o/result.csv" "out/${o}_off/result.csv"; then
    echo "dcir_rules changed nothing in $o" >&2
    exit 1
  fi
done

mkdir without && cd without
printf 'store: store/\nshards: 4\ninputs: ../no_ete/\n' > ingest.yaml
"$SNDS_BIN" ingest ingest.yaml >/dev/null 2>&1
for c in $configs; do "$SNDS_BIN" run "../$c.off.yaml" >/dev/null 2>&1; done
cd ..
for f in out/*_off/result.csv; do cmp "$f" "without/$f"; done

mkdir other && cd other
printf 'store: store/\nshards: 7\ninputs: ../extract/\n' > ingest.yaml
"$SNDS_BIN" ingest ingest.yaml >/dev/null 2>&1
for c in $configs; do
  OMP_NUM_THREADS=2 mpirun -n 2 "$SNDS_BIN" run "$SNDS_SOURCE_DIR/configs/$c.yaml" >/dev/null 2>&1
done
for f in lab_tests acts_by_ccam claims_monthly dispensing; do cmp "../out/$f/result.csv" "out/$f/result.csv"; done
echo "rules applied; off = without ER_ETE_F; same from 7 shards, 2 ranks x 2 threads"
