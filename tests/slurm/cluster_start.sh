#!/usr/bin/env bash
# Fixture set-up for the Slurm tests: a fresh private cluster of two emulated nodes (n1, n2) in the
# test scratch folder, and the synthetic extract and ingest configs the tests share.
# shellcheck source=tests/slurm/lib.sh
source "$(dirname "$0")/lib.sh"
if [ "$(id -u)" -ne 0 ] || ! command -v slurmctld >/dev/null 2>&1; then
  echo "SKIP: the Slurm tests need root and slurm-wlm (scripts/install-deps.sh)"
  exit "$SKIP"
fi
# Leftovers of an earlier run (a crashed test run leaves its daemons to the cleanup fixture).
"$SNDS_SOURCE_DIR/scripts/slurm-cluster.sh" stop "$CLUSTER" >/dev/null 2>&1 || true
rm -rf "$WORK"
mkdir -p "$WORK" "$LOGS" "$SNDS_SCRATCH"
"$SNDS_SOURCE_DIR/scripts/slurm-cluster.sh" start "$CLUSTER" --nodes 2 >/dev/null

cd "$WORK"
note "generating the shared extract (${SNDS_SLURM_PATIENTS:-1500} patients)"
OMP_NUM_THREADS=1 "$SNDS_BIN" generate --patients "${SNDS_SLURM_PATIENTS:-1500}" --seed 20240601 --care-tables \
  --out extract >/dev/null
for name in store store-requeue store-2n; do
  printf 'store: %s/\nshards: 64\ninputs: extract/\n' "$name" > "ingest-$name.yaml"
done
sinfo -N
