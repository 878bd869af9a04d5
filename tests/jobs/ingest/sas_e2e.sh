#!/usr/bin/env bash
# The same generated extract as CSV files and as SAS tables (generate --format sas7bdat), ingested
# under mpirun at 1 and 2 ranks (2 ranks share each SAS table's rows): every job's output files
# are byte-identical to the CSV store's, at 1 and 2 ranks.
set -euo pipefail
work="$(mktemp -d /tmp/sas-e2e-XXXXXX)"
trap 'rm -rf "$work"' EXIT
cd "$work"
"$SNDS_BIN" generate --patients 1000 --seed 9 --out csv >/dev/null
"$SNDS_BIN" generate --patients 1000 --seed 9 --out sas --format sas7bdat >/dev/null
configs="aggregate_dispensing aggregate_stays_by_dp_month aggregate_claims_monthly cohort_statins_mi"
for layout in csv:1 sas:1 sas:2; do
  format="${layout%:*}" ranks="${layout#*:}"
  mkdir "run_${format}_${ranks}" && cd "run_${format}_${ranks}"
  printf 'store: store/\nshards: 4\ninputs: ../%s/\nread_chunk_kb: 256\n' "$format" > ingest.yaml
  mpirun -n "$ranks" "$SNDS_BIN" ingest ingest.yaml >/dev/null 2>&1
  for config in $configs; do
    mpirun -n "$ranks" "$SNDS_BIN" run "$SNDS_SOURCE_DIR/configs/$config.yaml" >/dev/null 2>&1
  done
  cd ..
done
compared=0
for f in run_csv_1/out/*/*.csv; do
  for other in run_sas_1 run_sas_2; do
    cmp "$f" "$other/${f#run_csv_1/}"
    compared=$((compared + 1))
  done
done
[ "$compared" -ge 8 ] || { echo "only $compared output files compared"; exit 1; }
echo "$compared output files identical from SAS tables at 1 and 2 ranks"
