#!/usr/bin/env bash
# configs/open_medic.yaml end to end on a small generated extract: generate, ingest, run, and
# result.csv (every cell and margin, which cells are masked and why) agrees byte for byte with
# tests/jobs/aggregate/aggregate_reference.py, an independent reading of the raw CSV files in
# standard-library Python. Then the same table from another shard count, 3 ranks and 2 threads
# per rank: result.csv, result.h5 and disclosure_audit.json are byte-identical.
set -euo pipefail
work="$(mktemp -d /tmp/open-medic-XXXXXX)"
trap 'rm -rf "$work"' EXIT
cd "$work"
"$SNDS_BIN" generate --patients 1200 --seed 7 --out extract >/dev/null
printf 'store: store/\nshards: 4\ninputs: extract/\n' > ingest.yaml
"$SNDS_BIN" ingest ingest.yaml >/dev/null 2>&1
"$SNDS_BIN" run "$SNDS_SOURCE_DIR/configs/open_medic.yaml" >/dev/null 2>&1
grep -q ',2$' out/open_medic/result.csv || { echo "no secondary suppression to check"; exit 1; }
python3 "$SNDS_SOURCE_DIR/tests/jobs/aggregate/aggregate_reference.py" extract out/open_medic

mkdir other && cd other
printf 'store: store/\nshards: 7\ninputs: ../extract/\n' > ingest.yaml
"$SNDS_BIN" ingest ingest.yaml >/dev/null 2>&1
OMP_NUM_THREADS=2 mpirun -n 3 "$SNDS_BIN" run "$SNDS_SOURCE_DIR/configs/open_medic.yaml" >/dev/null 2>&1
for f in result.csv result.h5 disclosure_audit.json; do
  cmp "../out/open_medic/$f" "out/open_medic/$f"
done
echo "same files from 7 shards, 3 ranks x 2 threads"
