#!/usr/bin/env bash
# The sources ald, act, lab and death in cohorts, end to end, against
# tests/jobs/cohort/cohort_reference.py (standard-library Python reading the raw CSV): on a
# generated extract with the care tables, persons (two pseudo-NIRs for 10% of them), placeholder
# NIR_ANO_17 and SOR_MOD in every T_MCOyyB (extra columns, so that PMSI deaths exist),
# configs/cohort_statins_outcomes_ald_acts_deaths{,_persons}.yaml and two designs that use every key of the
# four sources (ALD periods as index, criteria by window overlap, outcomes and baseline events;
# acts per setting; lab codes; deaths per source, initial or any cause) give every output the
# reference computes. Each outcome must occur somewhere, so the check cannot pass on empty columns.
set -euo pipefail
work="$(mktemp -d /tmp/care-cohort-XXXXXX)"
trap 'rm -rf "$work"' EXIT
cd "$work"
"$SNDS_BIN" generate --patients 2000 --seed 11 --care-tables \
  --quirks persons=0.1,placeholder_nir=0.02,extra_columns=1 --out extract >/dev/null
printf 'store: store/\nshards: 5\ninputs: extract/\n' > ingest.yaml
"$SNDS_BIN" ingest ingest.yaml >/dev/null 2>&1

cat > lab_index.yaml <<'YAML'
job: cohort
store: store/
output: out/lab_index/
study: {start: 2019-06-01, end: 2022-12-31}
events:
  drug:         {source: dispensing, atc: [A10, C10, C07, N02, H03]}
  diabetes_ald: {source: ald, ald: [8]}
  any_ald:      {source: ald}
  cancer_ald:   {source: ald, icd10: [C]}
  death_any:    {source: death}
  death_ben:    {source: death, sources: [ir_ben_r]}
  death_cert:   {source: death, sources: [causes], icd10: [I, C]}
  death_pmsi:   {source: death, sources: [pmsi]}
  death_other:  {source: death, icd10: [I10, E11], causes: any}
  ecg_dcir:     {source: act, ccam: [DEQP], settings: [dcir]}
  act_pmsi:     {source: act, settings: [pmsi]}
  any_act:      {source: act}
  hba1c:        {source: lab, nabm: [1577]}
  any_lab:      {source: lab}
index: {event: any_lab, washout_days: 90}
criteria:
  - {name: no_diabetes_ald, exclude_event: diabetes_ald, window_days: [-365, 0]}
  - {name: drug_before, require_event: drug, window_days: [-400, 0]}
censor: [act_pmsi]
outcomes:
  o_death_any:   {event: death_any}
  o_death_ben:   {event: death_ben}
  o_death_cert:  {event: death_cert}
  o_death_pmsi:  {event: death_pmsi}
  o_death_other: {event: death_other}
  o_ecg:         {event: ecg_dcir}
  o_hba1c:       {event: hba1c}
  o_act_lab:     {all_of: [any_act, any_lab], days: 10}
  o_either:      {any_of: [death_pmsi, cancer_ald]}
baseline:
  window_days: [-365, 0]
  covariates: [sex, age_band]
  events: [any_ald, cancer_ald, diabetes_ald, hba1c, any_act, death_any]
incidence: {strata: [sex], per: 1000}
disclosure: {min_patients: 1}
YAML
# Indexed on the start of an ALD period; a cancer ALD open in the 30 days before excludes.
sed -e 's#^output: .*#output: out/ald_index/#' -e 's#^index: .*#index: {event: any_ald, washout_days: 0}#' \
  -e '/drug_before/d' -e 's#no_diabetes_ald, exclude_event: diabetes_ald, window_days: \[-365, 0\]#no_cancer_ald, exclude_event: cancer_ald, window_days: [-30, 0]#' \
  lab_index.yaml > ald_index.yaml

ln -s store store_persons
for c in cohort_statins_outcomes_ald_acts_deaths cohort_statins_outcomes_ald_acts_deaths_persons; do
  "$SNDS_BIN" run "$SNDS_SOURCE_DIR/configs/$c.yaml" >/dev/null 2>&1
done
"$SNDS_BIN" run lab_index.yaml >/dev/null 2>&1
"$SNDS_BIN" run ald_index.yaml >/dev/null 2>&1
for o in cohort_statins_outcomes_ald_acts_deaths_persons lab_index ald_index; do
  python3 "$SNDS_SOURCE_DIR/tests/jobs/cohort/cohort_reference.py" extract "out/$o"
done
grep -q pseudo_nirs out/lab_index/cohort.csv
# The config on store_persons/ is the same study on the same store.
cmp out/cohort_statins_outcomes_ald_acts_deaths/cohort.csv \
  out/cohort_statins_outcomes_ald_acts_deaths_persons/cohort.csv
# Every outcome column of the larger design holds a date somewhere, and an ALD window excludes.
for o in lab_index; do
  awk -F, 'NR == 1 { for (i = 9; i <= NF; i++) if ($i ~ /_date$/) name[i] = $i; next }
           { for (i in name) if ($i != "") seen[i] = 1 }
           END { for (i in name) if (!seen[i]) { print FILENAME ": no " name[i]; bad = 1 }; exit bad }' \
    "out/$o/cohort.csv"
done
awk -F, 'NR > 2 && $2 < previous { dropped = 1 } { previous = $2 } END { exit !dropped }' \
  out/ald_index/attrition.csv
echo "cohorts with ald, act, lab and death events agree with the independent reading"
