#!/usr/bin/env bash
# README command (a): installs the packages, builds, then runs the built-in example under MPI
# (2 ranks): generate a synthetic SNDS extract -> ingest it into a shard store -> run the
# aggregate and cohort jobs of configs/. Everything lands in ./example/ (or the folder given as
# the first argument); rerunning starts over.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$(pwd)"
scripts/install-deps.sh
scripts/build.sh release
bin="$root/build/release/bin/snds-batch"
work="${1:-$root/example}"
patients="${SNDS_EXAMPLE_PATIENTS:-5000}"
ranks="${SNDS_EXAMPLE_RANKS:-2}"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
export OMPI_MCA_btl_vader_single_copy_mechanism=none
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-1}" OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-passive}"
run() { echo "+ $*"; "$@"; }

rm -rf "$work"
mkdir -p "$work"
cd "$work"   # the configs name store/ and out/ relative to the working folder

echo "== 1. generate: $patients synthetic patients, 2019-2022, $ranks ranks"
run mpirun -n "$ranks" "$bin" generate --patients "$patients" --seed 42 --care-tables --out extract

echo "== 2. ingest into a 16-shard store"
cat > ingest.yaml <<YAML
store: store/
shards: 16
inputs: extract/
YAML
run mpirun -n "$ranks" "$bin" ingest ingest.yaml
run "$bin" inspect store

echo "== 3. jobs"
for config in aggregate_dispensing open_medic aggregate_stays_by_dp_month cohort_statins_mi cohort_metformin_hip_fracture \
    cohort_statins_as_treated cohort_hip_fracture_incidence \
    aggregate_lab_tests aggregate_ald_monthly aggregate_deaths_by_cause aggregate_acts_by_ccam \
    cohort_statins_outcomes_ald_acts_deaths; do
  run "$bin" validate "$root/configs/$config.yaml"
  run mpirun -n "$ranks" "$bin" run "$root/configs/$config.yaml"
done

echo "== results in $work/out"
echo "-- out/dispensing/result.csv (first rows; masked cells have suppressed=1)"
head -6 out/dispensing/result.csv
echo "-- out/cohort_statins_mi/attrition.csv"
cat out/cohort_statins_mi/attrition.csv
echo "-- out/cohort_statins_as_treated/cohort.csv: end reasons (exposure periods in exposures.csv)"
cut -d, -f8 out/cohort_statins_as_treated/cohort.csv | tail -n +2 | sort | uniq -c
echo "-- ALD, acts, lab tests, deaths (docs/data-model.md): out/lab_tests, out/ald_monthly,"
echo "   out/deaths_by_cause, out/acts_by_ccam (first rows),"
echo "   out/cohort_statins_outcomes_ald_acts_deaths/attrition.csv"
head -4 out/lab_tests/result.csv out/ald_monthly/result.csv out/deaths_by_cause/result.csv \
  out/acts_by_ccam/result.csv
cat out/cohort_statins_outcomes_ald_acts_deaths/attrition.csv
echo "-- out/cohort_hip_fracture_incidence/incidence.csv (first rows)"
head -6 out/cohort_hip_fracture_incidence/incidence.csv
echo "-- out/cohort_hip_fracture_incidence/baseline.csv (first rows)"
head -8 out/cohort_hip_fracture_incidence/baseline.csv
if command -v python3 >/dev/null; then
  echo "== the study designs against an independent reading of the raw CSV (Python)"
  for config in cohort_statins_as_treated cohort_hip_fracture_incidence; do
    python3 "$root/tests/jobs/cohort/cohort_reference.py" extract "out/$config" | tail -1
  done
  echo "== the Open Medic table (cells, margins, masking) against an independent reading (Python)"
  python3 "$root/tests/jobs/aggregate/aggregate_reference.py" extract out/open_medic | tail -1
  echo "== ALD, acts, lab tests and deaths against the independent readings (Python)"
  for output in lab_tests ald_monthly deaths_by_cause acts_by_ccam; do
    python3 "$root/tests/jobs/aggregate/aggregate_reference.py" extract "out/$output" | tail -1
  done
  python3 "$root/tests/jobs/cohort/cohort_reference.py" extract \
    out/cohort_statins_outcomes_ald_acts_deaths | tail -1
fi

echo "== 4. persons: the same patients, 3% of them with two pseudo-NIRs linked by BEN_IDT_ANO"
echo "   (claims, stays, ALD, acts, tests split between them) and 1% of stays with a placeholder NIR_ANO_17"
run mpirun -n "$ranks" "$bin" generate --patients "$patients" --seed 42 --care-tables \
  --quirks persons=0.03,placeholder_nir=0.01 --out extract_persons
cat > ingest_persons.yaml <<YAML
store: store_persons/
shards: 16
inputs: extract_persons/
YAML
run mpirun -n "$ranks" "$bin" ingest ingest_persons.yaml
for config in cohort_statins_mi_persons aggregate_dispensing_persons \
    cohort_statins_outcomes_ald_acts_deaths_persons; do
  run "$bin" validate "$root/configs/$config.yaml"
  run mpirun -n "$ranks" "$bin" run "$root/configs/$config.yaml"
done
echo "-- out/cohort_statins_mi_persons/attrition.csv (persons)"
cat out/cohort_statins_mi_persons/attrition.csv
if command -v python3 >/dev/null; then
  echo "== persons against an independent reading of the raw CSV (Python)"
  python3 "$root/tests/jobs/cohort/cohort_reference.py" extract_persons out/cohort_statins_mi_persons | tail -1
  python3 "$root/tests/jobs/aggregate/aggregate_reference.py" extract_persons out/dispensing_persons | tail -1
  python3 "$root/tests/jobs/cohort/cohort_reference.py" extract_persons \
    out/cohort_statins_outcomes_ald_acts_deaths_persons | tail -1
fi
