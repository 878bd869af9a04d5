#!/usr/bin/env bash
# One job across the two emulated nodes: the ingest with one rank on n1 and one on n2 (srun
# --mpi=pmix; Open MPI's TCP transport, as shared memory does not cross nodes, and here the two
# nodes' segment names would collide). The store must equal the one-node reference, shard for
# shard, and the template must have logged the facts of both nodes.
# shellcheck source=tests/slurm/lib.sh
source "$(dirname "$0")/lib.sh"
require_cluster
cd "$WORK"
[ -f store/manifest.json ] || fail "the reference store is missing (ingest_then_jobs_test)"
rm -rf store-2n

id=$(OMPI_MCA_btl=self,tcp sbatch "${JOB_OPTS[@]}" -N 2 -n 2 --ntasks-per-node=1 -c 1 --job-name=ingest-2n \
  "$SNDS_SOURCE_DIR/slurm/ingest.sbatch" ingest-store-2n.yaml)
expect_ok "$id" ingest-2n
log="$(log_of ingest-2n "$id")"
nodes="$(job_field "$id" NodeList)"
[ "$nodes" = "n[1-2]" ] || fail "job $id ran on '$nodes', expected n[1-2]"
grep -q "\[node .* n1\]" "$log" && grep -q "\[node .* n2\]" "$log" || { cat "$log" >&2; fail "the log lacks the facts of both nodes"; }
[ "$(python3 -c 'import json; print(json.load(open("store-2n/manifest.json"))["ranks"])')" = 2 ] || fail "the manifest does not say 2 ranks"
[ ! -e "$SNDS_SCRATCH/snds-$id" ] || fail "the job's scratch folder was not removed on every node"
same_store store store-2n
note "job $id on $nodes: store identical to the one-node reference"
