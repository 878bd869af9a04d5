# Helpers for the Slurm tests (sourced): where the private cluster and the shared test data live,
# submitting a template, waiting for a job by polling scontrol (sbatch --wait polls too slowly),
# and failing with the job's log in view.
# shellcheck shell=bash disable=SC2034
set -euo pipefail

: "${SNDS_BIN:?SNDS_BIN must name the snds-batch binary (set by CTest)}"
: "${SNDS_SOURCE_DIR:?SNDS_SOURCE_DIR must name the source tree (set by CTest)}"
: "${SNDS_SLURM_WORK:?SNDS_SLURM_WORK must name the tests scratch folder (set by CTest)}"

WORK="$SNDS_SLURM_WORK"
CLUSTER="$WORK/cluster"
LOGS="$WORK/logs"
export SLURM_CONF="$CLUSTER/slurm.conf"
export SNDS_HOME="$SNDS_SOURCE_DIR"
export SNDS_SCRATCH="$WORK/scratch"
export SNDS_PROGRESS=0
readonly SKIP=77

# Options every test job gets: small, and within what one emulated node offers. The templates'
# own `--signal=B:USR1@600` would be due at once under a 10-minute limit: Slurm would then send
# its time-limit signal within its ~30 s check cycle, at a random moment of a test (a second,
# unplanned requeue in requeue_test). One minute before a 10-minute limit never comes.
JOB_OPTS=(--parsable --mem-per-cpu=256M --time=10 --signal=B:USR1@60 --output="$LOGS/%x-%j.out")

# A failing test cancels its jobs, so that the next test finds the nodes free (the tests run one
# at a time: every job on the private cluster is the current test's).
cancel_on_failure() {
  local rc=$?
  if [ "$rc" -ne 0 ] && [ "$rc" -ne "$SKIP" ] && [ -f "$SLURM_CONF" ]; then
    scancel --quiet --user="$(id -un)" 2>/dev/null || true
  fi
  return "$rc"
}
trap cancel_on_failure EXIT

fail() {
  echo "FAIL: $*" >&2
  exit 1
}

note() { echo "-- $*"; }

# Skips (exit 77) when this machine cannot run the cluster; fails when it should have.
require_cluster() {
  if [ "$(id -u)" -ne 0 ] || ! command -v slurmctld >/dev/null 2>&1; then
    echo "SKIP: the Slurm tests need root and slurm-wlm (scripts/install-deps.sh)"
    exit "$SKIP"
  fi
  [ -f "$SLURM_CONF" ] || fail "no test cluster in $CLUSTER: the fixture slurm_cluster_start did not run or failed"
  mkdir -p "$LOGS" "$SNDS_SCRATCH"
}

log_of() { echo "$LOGS/$1-$2.out"; }  # job name, job id

# job_field ID FIELD: one field of `scontrol -o show job`.
job_field() {
  scontrol -o show job "$1" 2>/dev/null | tr ' ' '\n' | sed -n "s/^$2=//p" | head -n 1
}

# wait_job ID [TIMEOUT_S]: waits until the job has ended (a requeued job has not) and prints
# "STATE EXITCODE" (e.g. "COMPLETED 0:0").
wait_job() {
  local id="$1" timeout="${2:-240}" state="" start=$SECONDS
  while [ $((SECONDS - start)) -lt "$timeout" ]; do
    state="$(job_field "$id" JobState)"
    case "$state" in
      COMPLETED | FAILED | CANCELLED | TIMEOUT | NODE_FAIL | OUT_OF_MEMORY | BOOT_FAIL | DEADLINE | PREEMPTED)
        echo "$state $(job_field "$id" ExitCode)"
        return 0
        ;;
    esac
    sleep 0.25
  done
  echo "TIMEOUT-IN-TEST $(job_field "$id" ExitCode)"
  scontrol show job "$id" >&2 || true
  return 0
}

# expect_ok ID NAME: the job completed with exit 0, or the test fails showing its log.
expect_ok() {
  local id="$1" name="$2" result
  result="$(wait_job "$id")"
  if [ "$result" != "COMPLETED 0:0" ]; then
    echo "---- log of job $id ($name)" >&2
    cat "$(log_of "$name" "$id")" >&2 || true
    fail "job $id ($name) ended '$result', expected 'COMPLETED 0:0'"
  fi
}

# The logical content of a store (all rows of all tables, per shard), hashed. Fails the test when
# the store cannot be read or is empty, so that two broken stores never compare equal.
store_digest() {
  local dump
  dump="$("$SNDS_STORE_DUMP" "$1" --per-shard)" || fail "cannot dump the store $1"
  [ "$(printf '%s\n' "$dump" | wc -l)" -gt 100 ] || fail "the store $1 holds almost nothing"
  printf '%s\n' "$dump" | sha256sum | cut -d' ' -f1
}

# Per-table rows, rejects and orphans from `inspect --json`, one line per table, sorted.
store_counts() {
  local json
  json="$("$SNDS_BIN" inspect "$1" --json)" || fail "snds-batch inspect $1 failed"
  printf '%s' "$json" | python3 -c '
import json, sys
d = json.load(sys.stdin)
print("shards", d["shards"])
for t, v in sorted(d["tables"].items()):
    print(t, v.get("rows"), v.get("rejected"), v.get("orphans"))' || fail "cannot read inspect --json of $1"
}

# same_store A B: the test fails unless the two stores hold the same tables, counts and rows.
same_store() {
  local ca cb da db
  ca="$(store_counts "$1")"
  cb="$(store_counts "$2")"
  if [ "$ca" != "$cb" ]; then
    diff <(echo "$ca") <(echo "$cb") >&2 || true
    fail "inspect --json of $2 differs from $1"
  fi
  da="$(store_digest "$1")"
  db="$(store_digest "$2")"
  [ "$da" = "$db" ] || fail "the rows stored in $2 differ from those in $1"
}
