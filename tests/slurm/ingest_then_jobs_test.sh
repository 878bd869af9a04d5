#!/usr/bin/env bash
# The operator's path: sbatch the ingest template, then every job config of configs/ with the run
# template chained on it (--dependency=afterok), 2 ranks each under srun --mpi=pmix. Every job
# must end COMPLETED with exit 0, and its outputs must be those of the same config run directly
# (one process, outside Slurm). One config also goes through the mpirun launcher.
# The store written here is the reference of the requeue and two-node tests.
# shellcheck source=tests/slurm/lib.sh
source "$(dirname "$0")/lib.sh"
require_cluster
cd "$WORK"

ingest=$(sbatch "${JOB_OPTS[@]}" -n 2 -c 1 "$SNDS_SOURCE_DIR/slurm/ingest.sbatch" ingest-store.yaml)
note "ingest job $ingest"
declare -A jobs=()
for config in "$SNDS_SOURCE_DIR"/configs/*.yaml; do
  name="$(basename "$config" .yaml)"
  # Only the configs on the store this test ingests (store_persons/ needs the persons extract).
  grep -Eq '^store:[[:space:]]*store/?([[:space:]]|$)' "$config" || continue
  jobs[$name]=$(sbatch "${JOB_OPTS[@]}" -n 2 -c 1 --job-name="run-$name" --dependency="afterok:$ingest" \
    "$SNDS_SOURCE_DIR/slurm/run.sbatch" "$config")
done
[ ${#jobs[@]} -ge 2 ] || fail "expected job configs in $SNDS_SOURCE_DIR/configs"

expect_ok "$ingest" snds-ingest
grep -q "snds-batch exited with code 0" "$(log_of snds-ingest "$ingest")" || fail "the ingest log lacks the exit line"
grep -q "batch node:" "$(log_of snds-ingest "$ingest")" || fail "the ingest log lacks the node facts"
[ "$(python3 -c 'import json; print(json.load(open("store/manifest.json"))["ranks"])')" = 2 ] \
  || fail "the store manifest does not say 2 ranks"

# The direct runs, for comparison (a singleton: one rank, one thread).
mkdir -p direct
ln -sfn ../store direct/store
for name in "${!jobs[@]}"; do
  (cd direct && OMP_NUM_THREADS=1 "$SNDS_BIN" run "$SNDS_SOURCE_DIR/configs/$name.yaml" >/dev/null 2>&1) \
    || fail "direct run of $name failed"
done

for name in "${!jobs[@]}"; do
  id=${jobs[$name]}
  expect_ok "$id" "run-$name"
  out="$(python3 - "$SNDS_SOURCE_DIR/configs/$name.yaml" <<'PY'
import re, sys
for line in open(sys.argv[1]):
    m = re.match(r"output:\s*(\S+)", line)
    if m:
        print(m.group(1).rstrip("/"))
PY
)"
  [ -f "$out/manifest.json" ] || fail "$name: no $out/manifest.json after job $id"
  n=0
  for f in "$out"/*.csv; do
    cmp -s "$f" "direct/$f" || fail "$name: $f differs between the Slurm job $id and the direct run"
    n=$((n + 1))
  done
  [ "$n" -ge 1 ] || fail "$name: no CSV output in $out"
  note "$name: job $id COMPLETED, $n CSV file(s) identical to the direct run"
done

# The launcher switch: the same cohort under mpirun inside the allocation.
config="$SNDS_SOURCE_DIR/configs/cohort_statins_mi.yaml"
mkdir -p via-mpirun
ln -sfn ../store via-mpirun/store
id=$(SNDS_LAUNCHER=mpirun sbatch "${JOB_OPTS[@]}" -n 2 -c 1 --job-name=run-mpirun --chdir="$WORK/via-mpirun" \
  "$SNDS_SOURCE_DIR/slurm/run.sbatch" "$config")
expect_ok "$id" run-mpirun
grep -q "running: mpirun -n 2" "$(log_of run-mpirun "$id")" || fail "job $id did not use mpirun"
for f in cohort.csv attrition.csv; do
  cmp -s "via-mpirun/out/cohort_statins_mi/$f" "direct/out/cohort_statins_mi/$f" \
    || fail "mpirun launcher: $f differs from the direct run"
done
note "mpirun launcher: job $id COMPLETED, same cohort"
