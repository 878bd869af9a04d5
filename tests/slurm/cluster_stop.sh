#!/usr/bin/env bash
# Fixture clean-up for the Slurm tests: cancels what is left and stops the daemons by pid file.
# Runs even when tests failed; leaves the logs in the scratch folder for a post-mortem.
# shellcheck source=tests/slurm/lib.sh
source "$(dirname "$0")/lib.sh"
[ -d "$CLUSTER" ] || exit 0
"$SNDS_SOURCE_DIR/scripts/slurm-cluster.sh" stop "$CLUSTER"
rm -rf "$SNDS_SCRATCH"
