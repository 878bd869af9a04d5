#!/usr/bin/env bash
# README command (a): installs the packages, builds, then runs the built-in example under MPI:
# generate a small synthetic SNDS extract with 2 ranks (then ingest and the jobs, see below).
# Outputs go to ./example/ (or the folder given as the first argument).
set -euo pipefail
cd "$(dirname "$0")/.."
root="$(pwd)"
scripts/install-deps.sh
scripts/build.sh release
bin="$root/build/release/bin/snds-batch"
out="${1:-$root/example}"
mkdir -p "$out"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
export OMPI_MCA_btl_vader_single_copy_mechanism=none
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-1}"
ranks="${SNDS_EXAMPLE_RANKS:-2}"

echo "== generate: 2,000 synthetic patients, 2019-2022, $ranks ranks"
rm -rf "$out/extract"
mpirun -n "$ranks" "$bin" generate --patients 2000 --seed 42 --out "$out/extract"
ls -l "$out/extract"
