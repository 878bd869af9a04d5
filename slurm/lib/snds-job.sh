# Shared body of the sbatch templates in slurm/ (sourced, not run): logs the node facts, sets
# threads and binding from the allocation, makes a node-local scratch folder, launches
# snds-batch with srun or mpirun, forwards Slurm's warning signal to it, and requeues the job when
# the program stopped at a checkpoint (exit 75). docs/operators.md describes the whole protocol.
#
# The template sets these before sourcing (each may also come from the submit environment):
#   SNDS_BIN           the snds-batch program (a path, or a name on PATH)
#   SNDS_LAUNCHER      srun | mpirun | none (one process: an MPI singleton)
#   SNDS_SCRATCH       node-local folder for spills and temporary files
#   SNDS_MAX_RESTARTS  how many times the job may requeue itself after exit 75
#   SNDS_SRUN_ARGS, SNDS_MPIRUN_ARGS  extra launcher options (word-split)
# shellcheck shell=bash

# Exit codes of the templates (also in docs/operators.md).
readonly SNDS_EXIT_STOPPED=75
readonly SNDS_EXIT_TEMPLATE=64  # the template was misused: missing argument, program not found

snds_log() { printf '[%s snds-slurm] %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$*"; }
snds_fail() { snds_log "error: $*" >&2; exit "$SNDS_EXIT_TEMPLATE"; }

# Facts an operator needs when a run is slow or fails: where it ran, with what, and how much room.
snds_node_facts() {
  local cpus="${SLURM_CPUS_PER_TASK:-1}"
  snds_log "job ${SLURM_JOB_ID:-?} (${SLURM_JOB_NAME:-?}) restart ${SLURM_RESTART_COUNT:-0}," \
    "partition ${SLURM_JOB_PARTITION:-?}, cluster ${SLURM_CLUSTER_NAME:-?}"
  snds_log "allocation: nodes ${SLURM_JOB_NODELIST:-?} (${SLURM_JOB_NUM_NODES:-1})," \
    "${SLURM_NTASKS:-1} tasks x $cpus cpus, tasks per node ${SLURM_TASKS_PER_NODE:-?}," \
    "memory ${SLURM_MEM_PER_NODE:-?} MB per node, ${SLURM_MEM_PER_CPU:-?} MB per cpu"
  snds_log "batch node: $(hostname), $(uname -sr), $(env -u OMP_NUM_THREADS -u OMP_THREAD_LIMIT nproc) of $(nproc --all) cpus usable," \
    "$(awk -F': *' '/^model name/ {print $2; exit}' /proc/cpuinfo 2>/dev/null)"
  snds_log "memory: $(awk '/^MemTotal/ {t=$2} /^MemAvailable/ {a=$2} END {printf "%.1f GB total, %.1f GB available", t/1048576, a/1048576}' /proc/meminfo)"
  snds_log "scratch: $SNDS_SCRATCH ($(df -Ph "$SNDS_SCRATCH" 2>/dev/null | awk 'NR==2 {print $4 " free on " $6}'))"
  snds_log "submit dir: ${SLURM_SUBMIT_DIR:-$PWD} ($(df -Ph "${SLURM_SUBMIT_DIR:-$PWD}" 2>/dev/null | awk 'NR==2 {print $4 " free on " $6}'))"
  snds_log "program: $SNDS_BIN ($("$SNDS_BIN" --version 2>/dev/null || echo 'version unknown')), launcher $SNDS_LAUNCHER"
  case "$SNDS_LAUNCHER" in
    srun) snds_log "srun: $(srun --version 2>/dev/null)" ;;
    mpirun) snds_log "mpirun: $(mpirun --version 2>/dev/null | head -n 1)" ;;
  esac
  snds_log "threads: OMP_NUM_THREADS=$OMP_NUM_THREADS OMP_PLACES=${OMP_PLACES:-unset} OMP_PROC_BIND=${OMP_PROC_BIND:-unset}; limits: open files $(ulimit -n), locked memory $(ulimit -l)"
  if [ "${SLURM_JOB_NUM_NODES:-1}" -gt 1 ]; then
    # shellcheck disable=SC2016  # expanded on each node, by the bash that srun starts there
    # One line per node: skew in free memory or scratch space shows here first.
    srun --ntasks-per-node=1 --ntasks="$SLURM_JOB_NUM_NODES" --cpus-per-task=1 --overlap --kill-on-bad-exit=0 \
      bash -c 'echo "[node $(hostname) ${SLURMD_NODENAME:-}] $(nproc) cpus, $(awk "/^MemAvailable/ {printf \"%.1f GB available\", \$2/1048576}" /proc/meminfo), scratch $(df -Ph "$0" | awk "NR==2 {print \$4}") free"' \
      "$SNDS_SCRATCH" 2>&1 | sort || true
  fi
}

# Threads per rank follow --cpus-per-task. Since Slurm 22.05 srun no longer inherits
# --cpus-per-task from sbatch: SRUN_CPUS_PER_TASK carries it to the job steps.
snds_threads() {
  local cpus="${SLURM_CPUS_PER_TASK:-1}"
  export OMP_NUM_THREADS="$cpus"
  export SRUN_CPUS_PER_TASK="$cpus"
  # Pinning threads only helps when each rank owns a set of cores. Without a task binding plugin
  # (task/none) every rank sees the whole node, and OMP_PROC_BIND would pin all ranks' threads
  # onto the same first cores: leave placement to the kernel then.
  local bind="${SNDS_BIND:-auto}"
  if [ "$bind" = auto ]; then
    bind=no
    if [ "$SNDS_LAUNCHER" = mpirun ]; then
      bind=yes
    elif [ "$SNDS_LAUNCHER" = srun ] && scontrol show config 2>/dev/null | grep -E '^TaskPlugin ' | grep -qE 'affinity|cgroup'; then
      bind=yes
    fi
  fi
  SNDS_BIND="$bind"
  if [ "$bind" = yes ]; then
    export OMP_PLACES="${OMP_PLACES:-cores}"
    export OMP_PROC_BIND="${OMP_PROC_BIND:-close}"
  fi
}

# A per-job folder under the node-local scratch root, the same across requeues of the job (the
# job id does not change), created on every node of the allocation and removed at the end.
snds_scratch() {
  local root="$SNDS_SCRATCH"
  SNDS_JOB_TMP="$root/snds-${SLURM_JOB_ID:-$$}"
  mkdir -p "$SNDS_JOB_TMP" || snds_fail "cannot create the scratch folder $SNDS_JOB_TMP (SNDS_SCRATCH)"
  if [ "${SLURM_JOB_NUM_NODES:-1}" -gt 1 ]; then
    srun --ntasks-per-node=1 --ntasks="$SLURM_JOB_NUM_NODES" --cpus-per-task=1 --overlap mkdir -p "$SNDS_JOB_TMP" \
      || snds_fail "cannot create the scratch folder $SNDS_JOB_TMP on every node"
  fi
  export TMPDIR="$SNDS_JOB_TMP"
  SNDS_SCRATCH="$root"
}

snds_cleanup_scratch() {
  [ -n "${SNDS_JOB_TMP:-}" ] || return 0
  if [ "${SLURM_JOB_NUM_NODES:-1}" -gt 1 ]; then
    srun --ntasks-per-node=1 --ntasks="$SLURM_JOB_NUM_NODES" --cpus-per-task=1 --overlap rm -rf "$SNDS_JOB_TMP" 2>/dev/null || true
  fi
  rm -rf "$SNDS_JOB_TMP"
}

# Checks the parameters and prepares the environment; call once, before snds_run.
snds_setup() {
  : "${SNDS_BIN:=snds-batch}" "${SNDS_LAUNCHER:=srun}" "${SNDS_SCRATCH:=${TMPDIR:-/tmp}}" "${SNDS_MAX_RESTARTS:=5}"
  command -v "$SNDS_BIN" >/dev/null 2>&1 || snds_fail "program not found: SNDS_BIN=$SNDS_BIN (set SNDS_BIN to the snds-batch path)"
  case "$SNDS_LAUNCHER" in
    srun | none) ;;
    mpirun) command -v mpirun >/dev/null 2>&1 || snds_fail "SNDS_LAUNCHER=mpirun but mpirun is not on PATH" ;;
    *) snds_fail "SNDS_LAUNCHER must be srun, mpirun or none, not '$SNDS_LAUNCHER'" ;;
  esac
  export SNDS_PROGRESS="${SNDS_PROGRESS:-0}"  # progress bars do not belong in a log file
  snds_threads
  snds_scratch
  snds_node_facts
}

SNDS_SIGNAL=""
SNDS_CHILD=""

# The batch shell gets --signal=B:USR1@N; SIGTERM comes from scancel, preemption or the hard
# time limit. Both are passed on as SIGUSR1, which srun and mpirun forward to every rank (mpirun
# answers SIGTERM itself by killing the ranks, which would lose the checkpoint).
snds_on_signal() {
  SNDS_SIGNAL="$1"
  if [ -n "$SNDS_CHILD" ]; then
    snds_log "received SIG$1: asking snds-batch (launcher pid $SNDS_CHILD) to checkpoint and stop"
    kill -USR1 "$SNDS_CHILD" 2>/dev/null || true
  else
    snds_log "received SIG$1 before the program started"
  fi
}

# snds_spawn COMMAND...: runs COMMAND in the background with the signal traps armed, waits for
# it and returns its exit code.
snds_spawn() {
  trap 'snds_on_signal USR1' USR1
  trap 'snds_on_signal TERM' TERM
  snds_log "running: $*"
  local start=$SECONDS rc
  "$@" &
  SNDS_CHILD=$!
  # `wait` returns early (status > 128) whenever a trapped signal arrives: wait again until the
  # child itself has exited.
  while :; do
    wait "$SNDS_CHILD"
    rc=$?
    if [ "$rc" -gt 128 ] && kill -0 "$SNDS_CHILD" 2>/dev/null; then continue; fi
    break
  done
  SNDS_CHILD=""
  snds_log "${SNDS_SPAWN_LABEL:-$(basename "$1")} exited with code $rc after $((SECONDS - start)) s"
  return "$rc"
}

# snds_run ARGS...: runs `SNDS_BIN ARGS...` under the launcher and returns its exit code.
snds_run() {
  local launch=()
  case "$SNDS_LAUNCHER" in
    srun)
      # shellcheck disable=SC2206
      launch=(srun --mpi=pmix --kill-on-bad-exit=1 ${SNDS_SRUN_ARGS:-})
      [ "$SNDS_BIND" = yes ] && launch+=(--cpu-bind=cores)
      ;;
    mpirun)
      local cpus="${SLURM_CPUS_PER_TASK:-1}"
      # shellcheck disable=SC2206
      launch=(mpirun -n "${SLURM_NTASKS:-1}" --map-by "slot:PE=$cpus" ${SNDS_MPIRUN_ARGS:-})
      if [ "$SNDS_BIND" = yes ]; then launch+=(--bind-to core); else launch+=(--bind-to none); fi
      ;;
    none) launch=() ;;
  esac
  SNDS_SPAWN_LABEL="$(basename "$SNDS_BIN")" snds_spawn "${launch[@]}" "$SNDS_BIN" "$@"
}

# snds_finish RC: requeues after a checkpoint when that is what the signal meant, cleans the
# scratch folder and exits with the code to report.
snds_finish() {
  local rc="$1"
  snds_cleanup_scratch
  if [ "$rc" -ne "$SNDS_EXIT_STOPPED" ]; then
    case "$rc" in
      0) snds_log "done" ;;
      2) snds_log "failed: bad usage or bad config (exit 2); the message above names the file, line and key" ;;
      3) snds_log "failed: bad input data (exit 3); see the message above and the store's rejects.csv" ;;
      4) snds_log "failed: internal or MPI failure (exit 4)" ;;
      *) snds_log "failed: exit code $rc (launcher or killed by a signal: see the lines above)" ;;
    esac
    exit "$rc"
  fi
  local restarts="${SLURM_RESTART_COUNT:-0}"
  if [ "$SNDS_SIGNAL" = TERM ]; then
    # scancel, preemption or the hard limit: Slurm decides what happens to the job.
    snds_log "stopped at a checkpoint after SIGTERM (exit 75): not requeueing; resubmit the same command to resume"
  elif [ "$restarts" -ge "$SNDS_MAX_RESTARTS" ]; then
    snds_log "stopped at a checkpoint (exit 75) after $restarts restarts, the limit (SNDS_MAX_RESTARTS): not requeueing; resubmit to resume"
  elif [ -z "${SLURM_JOB_ID:-}" ]; then
    snds_log "stopped at a checkpoint (exit 75) outside Slurm: rerun the same command to resume"
  elif scontrol requeue "$SLURM_JOB_ID"; then
    snds_log "stopped at a checkpoint (exit 75): job $SLURM_JOB_ID requeued (restart $((restarts + 1)) of at most $SNDS_MAX_RESTARTS); it resumes when it starts again"
  else
    snds_log "stopped at a checkpoint (exit 75) but 'scontrol requeue $SLURM_JOB_ID' failed (was the job submitted with --requeue?): resubmit the same command to resume"
  fi
  exit "$SNDS_EXIT_STOPPED"
}
