// Every key of an aggregate job config: what docs/reference.md section 5 shows and what
// tests/jobs/config_keys_test.cpp holds read_aggregate_config to.
#include "jobs/config_keys.hpp"

namespace snds {

std::span<const KeySpec> aggregate_keys() {
  static constexpr KeySpec kKeys[] = {
      {"job", "string", "required", "aggregate", "the job kind"},
      {"store", "path", "required", "", "a complete store written by `snds-batch ingest`"},
      {"output", "path", "required", "",
       "the output folder: created (mode 0750), or one holding a previous snds-batch output; "
       "never a store or a folder inside one"},
      {"source", "string", "required", "dispensing, hospital_stay, claim, ald, act, lab, death",
       "which events are counted (section 3; docs/data-model.md)"},
      {"period", "map", "required with ald", "", "without it every dated event counts"},
      {"period.start", "date", "required", "", "first day, on the event date, inclusive"},
      {"period.end", "date", "required", ">= period.start", "last day, inclusive"},
      {"filter", "map", "none", "", "code filters of the source"},
      {"filter.atc", "list of strings", "none", "",
       "dispensing: ATC prefixes (`UNKNOWN` for a CIP13 absent from IR_PHA_R)"},
      {"filter.icd10", "list of strings", "none", "",
       "hospital_stay: ICD-10 prefixes, without the dot; ald: of MED_MTF_COD; death: of the "
       "causes"},
      {"filter.positions", "list of strings", "[DP]", "DP, DR, DAS",
       "hospital_stay: which diagnoses `icd10` looks at"},
      {"filter.ald", "list of integers", "none", "", "ald: IMB_ALD_NUM values (or `icd10`)"},
      {"filter.ccam", "list of strings", "none", "", "act: CCAM code prefixes"},
      {"filter.settings", "list of strings", "[dcir, pmsi]", "dcir, pmsi",
       "act: ER_CAM_F acts, T_MCOaaA acts of valid stays"},
      {"filter.nabm", "list of integers", "none", "", "lab: BIO_PRS_IDE codes, exact"},
      {"filter.sources", "list of strings", "[ir_ben_r, causes, pmsi]", "ir_ben_r, causes, pmsi",
       "death: where the date may come from (the earliest wins)"},
      {"filter.causes", "string", "initial", "initial, any",
       "death: `icd10` looks at the initial cause, or at any cause"},
      {"group_by", "list of strings", "required", "docs/aggregate.md#dimensions",
       "dimensions, in the order of the output columns; `[]` gives one total row"},
      {"measures", "list of strings", "required", "docs/aggregate.md#measures",
       "measures, in the order of the output columns"},
      {"flux", "map", "none", "",
       "DCIR processing cut-off on FLX_DIS_DTD (dispensing, claim); exactly one of its two keys"},
      {"flux.until", "date", "none", "", "keep lines whose FLX_DIS_DTD is on or before it"},
      {"flux.months_after_period", "integer", "none", "0-1200",
       "cut-off = last day of the N-th month after `period.end`"},
      {"totals", "boolean", "false", "", "adds margin rows (`ALL` in collapsed columns)"},
      {"disclosure", "map", "none", "", "small-count masking of the published table"},
      {"disclosure.min_patients", "integer", "10", "1-2147483647",
       "rows with fewer patients are masked (`suppressed` = 1); 1 turns masking off"},
      {"disclosure.secondary", "boolean", "false", "",
       "secondary suppression (`suppressed` = 2) so masked cells cannot be recomputed from the "
       "margins; needs `totals: true`"},
      {"dcir_rules", "boolean or list of strings", "true", "majorations, public_hospital",
       "the DCIR cleaning rules applied (section 3): `true` both, `false` none, or a list"},
  };
  return kKeys;
}

}  // namespace snds
