#!/usr/bin/env bash
# A private Slurm cluster on this machine, for the tests of the sbatch templates (tests/slurm) and
# for trying the templates by hand: one munged, one slurmctld and one slurmd per emulated node, all
# run as root without systemd, with every file (slurm.conf, spool, state, logs, pid files, munge
# socket) under one folder. Daemons are stopped by the pids in their pid files, never by name.
#
#   scripts/slurm-cluster.sh start DIR [--nodes N] [--port P]   # prints `export SLURM_CONF=...`
#   scripts/slurm-cluster.sh stop DIR                            # idempotent; cancels jobs first
#   scripts/slurm-cluster.sh status DIR
#
# After `start`, `source DIR/env.sh` points sbatch, squeue, scontrol... at this cluster.
# The munge socket, key check and logs are in /tmp/snds-munge-<hash of DIR> (see below).
# Nodes are n1..nN, each announcing this machine's CPUs and memory; with N > 1 they share the
# host (MPI jobs spanning them need OMPI_MCA_btl=self,tcp: shared-memory segment names collide).
# Ports: P for slurmctld, P+1..P+N for the slurmds; by default the first free block from 16817.
set -euo pipefail

die() { echo "slurm-cluster: $*" >&2; exit 1; }
usage() { sed -n '6,9p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }

[ $# -ge 2 ] || usage
cmd="$1"
dir="$2"
shift 2
nodes=1
port=""
while [ $# -gt 0 ]; do
  case "$1" in
    --nodes) nodes="$2"; shift 2 ;;
    --port) port="$2"; shift 2 ;;
    *) usage ;;
  esac
done
[[ "$nodes" =~ ^[1-9][0-9]*$ ]] || die "--nodes must be a positive integer, not '$nodes'"

mkdir -p "$dir"
dir="$(cd "$dir" && pwd)"
conf="$dir/slurm.conf"
# munged runs as user munge, which must reach its folder: a home folder of mode 0700 (root's
# build tree in CI) would not do, so the munge files live in /tmp, in a folder named after DIR.
munge_dir="/tmp/snds-munge-$(printf '%s' "$dir" | md5sum | cut -c1-10)"
munge_socket="$munge_dir/munge.socket"

node_names() {
  local n
  for n in $(seq 1 "$1"); do printf 'n%d ' "$n"; done
}

port_free() {
  python3 - "$1" <<'EOF'
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
try:
    s.bind(("127.0.0.1", int(sys.argv[1])))
except OSError:
    sys.exit(1)
EOF
}

pick_ports() {
  local base p ok
  for base in $(seq 16817 10 17817); do
    ok=1
    for p in $(seq "$base" $((base + nodes))); do
      port_free "$p" || { ok=0; break; }
    done
    [ "$ok" = 1 ] && { echo "$base"; return; }
  done
  die "no block of $((nodes + 1)) free ports between 16817 and 17827; pass --port"
}

pid_alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

# Waits up to $2 seconds for the process in pid file $1 to exit.
wait_gone() {
  local i
  for i in $(seq 1 $(( $2 * 10 ))); do
    pid_alive "$1" || return 0
    sleep 0.1
  done
  return 1
}

stop_pidfile() {
  local f="$1"
  [ -f "$f" ] || return 0
  if pid_alive "$f"; then
    kill -TERM "$(cat "$f")" 2>/dev/null || true
    if ! wait_gone "$f" 10; then
      echo "slurm-cluster: $(basename "$f" .pid) did not stop on SIGTERM; sending SIGKILL" >&2
      kill -KILL "$(cat "$f")" 2>/dev/null || true
      wait_gone "$f" 5 || true
    fi
  fi
  rm -f "$f"
}

write_conf() {
  local ctl_port="$1" cpus mem_mb i name
  # The CPUs this process may use (nproc honours OMP_NUM_THREADS: not that), at least 2 so that
  # 2-rank jobs fit on one node; SlurmdParameters=config_overrides lets a node announce more.
  cpus="$(env -u OMP_NUM_THREADS -u OMP_THREAD_LIMIT nproc)"
  [ "$cpus" -ge 2 ] || cpus=2
  mem_mb=$(( $(awk '/^MemTotal:/ {print $2}' /proc/meminfo) / 1024 - 512 ))
  [ "$mem_mb" -gt 256 ] || mem_mb=256
  cat > "$conf" <<EOF
# Written by scripts/slurm-cluster.sh for a private test cluster in $dir.
ClusterName=snds-test
# Job ids unique among the clusters alive on this host (their ports differ): two clusters both
# running a job 10.0 would give Open MPI the same PMIx namespace, hence the same shared-memory
# segment names, and crash or hang both jobs.
FirstJobId=$(( (ctl_port - 16000) * 10000 + 1 ))
SlurmctldHost=localhost
SlurmctldPort=$ctl_port
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$munge_socket,cred_expire=5
MpiDefault=pmix
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/linux
JobAcctGatherFrequency=5
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/filetxt
JobCompLoc=$dir/log/jobcomp.txt
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SlurmdParameters=config_overrides
EnforcePartLimits=ALL
MailProg=/bin/true
ReturnToService=2
JobRequeue=1
MinJobAge=600
KillWait=5
InactiveLimit=0
MessageTimeout=20
SlurmctldTimeout=60
SlurmdTimeout=60
SchedulerParameters=sched_interval=2,bf_interval=2,sched_min_interval=0
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool/%n
SlurmctldPidFile=$dir/run/slurmctld.pid
SlurmdPidFile=$dir/run/slurmd-%n.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd-%n.log
SlurmctldDebug=info
SlurmdDebug=info
TmpFS=$dir/tmp/%n
EOF
  i=1
  for name in $(node_names "$nodes"); do
    echo "NodeName=$name NodeHostname=localhost NodeAddr=127.0.0.1 Port=$((ctl_port + i)) CPUs=$cpus RealMemory=$mem_mb State=UNKNOWN" >> "$conf"
    mkdir -p "$dir/spool/$name" "$dir/tmp/$name"
    i=$((i + 1))
  done
  echo "PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP" >> "$conf"
}

start_munge() {
  mkdir -p "$munge_dir"
  chown munge:munge "$munge_dir"
  chmod 0711 "$munge_dir"  # munged requires execute permission for all on its socket folder
  ln -sfn "$munge_dir" "$dir/munge"
  pid_alive "$munge_dir/munged.pid" && return 0
  runuser -u munge -- munged --socket="$munge_socket" --pid-file="$munge_dir/munged.pid" \
    --log-file="$munge_dir/munged.log" --seed-file="$munge_dir/munged.seed" \
    || die "munged failed to start; see $munge_dir/munged.log"
  local i
  for i in $(seq 1 50); do
    [ -S "$munge_socket" ] && return 0
    sleep 0.1
  done
  die "munged did not create its socket $munge_socket"
}

# Polls until every node is idle (or $1 seconds have passed).
wait_idle() {
  local i out
  for i in $(seq 1 $(( $1 * 5 ))); do
    out="$(SLURM_CONF="$conf" sinfo -h -N -o '%N %t' 2>/dev/null || true)"
    if [ -n "$out" ] && [ "$(echo "$out" | grep -cE ' idle$')" -ge "$nodes" ]; then return 0; fi
    sleep 0.2
  done
  echo "slurm-cluster: nodes not idle after $1 s:" >&2
  echo "$out" >&2
  tail -n 20 "$dir/log/slurmctld.log" "$dir"/log/slurmd-*.log >&2 || true
  return 1
}

cmd_start() {
  [ "$(id -u)" -eq 0 ] || die "must run as root (munged, slurmctld and slurmd start here without systemd)"
  local b
  for b in munged slurmctld slurmd sbatch scontrol sinfo; do
    command -v "$b" >/dev/null || die "$b not found: run scripts/install-deps.sh (slurm-wlm, munge)"
  done
  if pid_alive "$dir/run/slurmctld.pid"; then
    echo "slurm-cluster: already running in $dir" >&2
    echo "export SLURM_CONF=$conf"
    return 0
  fi
  mkdir -p "$dir/state" "$dir/spool" "$dir/run" "$dir/log" "$dir/tmp"
  [ -n "$port" ] || port="$(pick_ports)"
  write_conf "$port"
  echo "export SLURM_CONF=$conf" > "$dir/env.sh"
  start_munge
  # -c: a clean start (no jobs or node state left from an earlier cluster in this folder).
  slurmctld -c -f "$conf" || die "slurmctld failed to start; see $dir/log/slurmctld.log"
  local name
  for name in $(node_names "$nodes"); do
    slurmd -N "$name" -f "$conf" || die "slurmd -N $name failed to start; see $dir/log/slurmd-$name.log"
  done
  if ! wait_idle 30; then
    cmd_stop
    die "the cluster in $dir did not come up"
  fi
  echo "slurm-cluster: $nodes node(s) idle, slurmctld on port $port, state in $dir" >&2
  echo "export SLURM_CONF=$conf"
}

cmd_stop() {
  if [ -f "$conf" ] && pid_alive "$dir/run/slurmctld.pid"; then
    # Jobs first, so their steps end under slurmd's control rather than being orphaned.
    SLURM_CONF="$conf" scancel --full --quiet --user="$(id -un)" 2>/dev/null || true
    local i
    for i in $(seq 1 50); do
      [ -z "$(SLURM_CONF="$conf" squeue -h -t R,CG -o %i 2>/dev/null)" ] && break
      sleep 0.2
    done
    SLURM_CONF="$conf" scontrol shutdown >/dev/null 2>&1 || true
  fi
  local f
  for f in "$dir"/run/slurmd-*.pid "$dir/run/slurmctld.pid"; do
    [ -e "$f" ] || continue
    wait_gone "$f" 10 || true
    stop_pidfile "$f"
  done
  stop_pidfile "$munge_dir/munged.pid"
  rm -rf "$munge_dir"
  rm -f "$dir/munge"
}

cmd_status() {
  local f state=0
  for f in "$munge_dir/munged.pid" "$dir/run/slurmctld.pid" "$dir"/run/slurmd-*.pid; do
    [ -e "$f" ] || continue
    if pid_alive "$f"; then echo "$(basename "$f" .pid): running (pid $(cat "$f"))"; else echo "$(basename "$f" .pid): not running"; state=1; fi
  done
  [ -f "$conf" ] && SLURM_CONF="$conf" sinfo -N 2>/dev/null || state=1
  return "$state"
}

case "$cmd" in
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  *) usage ;;
esac
