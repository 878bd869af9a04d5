#!/usr/bin/env bash
# The time-limit protocol, with a real signal: while the ingest job writes its shards, the test
# sends SIGUSR1 to the batch shell exactly as `--signal=B:USR1@N` would near the time limit
# (`scancel --signal=USR1 --batch`: Slurm's time-limit signal fires on a ~30 s clock, too coarse
# for a test). The template forwards it, snds-batch checkpoints and exits 75, the template
# requeues the job, and the second run resumes. The job must end COMPLETED with exit 0 after one
# restart, reusing the shards written before the stop, with a store identical, row for row and
# shard for shard, to the uninterrupted ingest of ingest_then_jobs_test.
# The signal is sent when the first shard file appears: the write phase of 64 shards lasts
# seconds, so the stop lands mid-phase whatever the machine's speed.
# shellcheck source=tests/slurm/lib.sh
source "$(dirname "$0")/lib.sh"
require_cluster
cd "$WORK"
[ -f store/manifest.json ] || fail "the reference store is missing (ingest_then_jobs_test)"
rm -rf store-requeue

id=$(sbatch "${JOB_OPTS[@]}" -n 2 -c 1 --job-name=ingest-requeue "$SNDS_SOURCE_DIR/slurm/ingest.sbatch" ingest-store-requeue.yaml)
log="$(log_of ingest-requeue "$id")"
note "ingest job $id: waiting for its first shard"
start=$SECONDS
until compgen -G "store-requeue/shards/*.h5" >/dev/null; do
  state="$(job_field "$id" JobState)"
  case "$state" in COMPLETED | FAILED | CANCELLED | TIMEOUT) cat "$log" >&2; fail "job $id ended ($state) before its first shard was seen";; esac
  [ $((SECONDS - start)) -lt 180 ] || fail "no shard written by job $id after 180 s"
  sleep 0.05
done
scancel --signal=USR1 --batch "$id"
note "sent SIGUSR1 to the batch shell of job $id after $((SECONDS - start)) s ($(ls store-requeue/shards | wc -l) shard files)"

result="$(wait_job "$id" 300)"
cat "$log"
[ "$result" = "COMPLETED 0:0" ] || fail "job $id ended '$result', expected 'COMPLETED 0:0'"
[ "$(job_field "$id" Restarts)" = 1 ] || fail "job $id restarted $(job_field "$id" Restarts) times, expected 1 (if 0 and the log shows no signal, the ingest ended before the signal reached it)"
grep -q "received SIGUSR1" "$log" || fail "the template did not log the signal"
grep -q "exited with code 75" "$log" || fail "snds-batch did not exit 75 on the signal"
grep -q "requeued (restart 1" "$log" || fail "the template did not requeue the job"
grep -q "resuming the unfinished ingest" "$log" || fail "the restarted ingest did not resume"
[ ! -e "$SNDS_SCRATCH/snds-$id" ] || fail "the job's scratch folder $SNDS_SCRATCH/snds-$id was not removed"

reused="$(python3 -c 'import json; m = json.load(open("store-requeue/manifest.json")); print(int(m["resumed"]), m["shards_reused"])')"
[ "${reused%% *}" = 1 ] && [ "${reused##* }" -ge 1 ] || fail "the manifest does not show a resume reusing shards (resumed, reused = $reused)"
same_store store store-requeue
note "job $id: stopped, requeued, resumed ($reused shards reused); store identical to the uninterrupted ingest"
