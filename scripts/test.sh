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
# Every test runs once: a failure counts. Only the Slurm tests (label `slurm`) get a second try
# (--repeat until-pass:2): they drive real slurmctld/slurmd daemons on a shared machine and failed
# once in about ten full runs here; a real regression fails both times. The cause found since
# (commit d0bb3bd, tests/slurm/lib.sh JOB_OPTS): the templates' `--signal=B:USR1@600` under the
# tests' 10-minute limit was due at once, so Slurm sent USR1 at a random moment of a test (an
# unplanned second requeue in requeue_test); the tests now ask for it 60 s before the limit.
# Since then, 5 runs of `ctest -L slurm -E capacity` at a load average of about 15 on this
# 2-core machine passed at the first try; the retry stays until more runs show no other cause. One exit status: the
# first run's failure, else the Slurm run's.
status=0
ctest --output-on-failure -j "$(nproc)" -LE slurm "$@" || status=$?
slurm_status=0
ctest --output-on-failure -j "$(nproc)" -L slurm --repeat until-pass:2 "$@" || slurm_status=$?
if [ "$status" -eq 0 ]; then status=$slurm_status; fi
exit "$status"
