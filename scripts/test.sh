#!/usr/bin/env bash
# README command (b): installs the packages, builds the `ci` preset and runs the whole test suite
# (unit, MPI at np 1-4, end-to-end, Slurm). Extra arguments go to ctest (e.g. -L mpi, -R Ingest).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh ci
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
export OMPI_MCA_btl_vader_single_copy_mechanism=none
cd build/ci
# A failing test is run once more before it counts: the Slurm tests drive real daemons on a shared
# 2-core machine and failed once in about ten full runs here (see the issue notes); a real
# regression fails both times.
ctest --output-on-failure -j "$(nproc)" --repeat until-pass:2 "$@"
