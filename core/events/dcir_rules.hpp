// The DCIR cleaning rules researchers apply by hand (docs/data-model.md, "DCIR cleaning rules"),
// beside DPN_QLF = 71 which every DCIR source always leaves out:
//   - majorations: a claim line with CPL_MAJ_TOP >= 2 is a majoration, not a visit (the `claim`
//     source only);
//   - public_hospital: a line whose ER_ETE_F row has ETE_IND_TAA = 1 is a public hospital's
//     activity, already in the PMSI (every DCIR source: claim, dispensing, act, lab).
// A rule applies where the shard holds its data: the jobs read CPL_MAJ_TOP and ER_ETE_F (with
// the 9 DCIR keys of the tables it must match) only when the config keeps the rule on
// (`dcir_rules`, jobs/job_support.hpp: add_dcir_rule_columns). A shard read without them, or
// an extract without them, answers as without the rules.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "core/column.hpp"
#include "core/shard_data.hpp"

namespace snds {

// The rules a config keeps on (bits); `dcir_rules: true` (the default) is both.
enum DcirRule : uint8_t { kRuleMajorations = 1, kRulePublicHospital = 2 };
inline constexpr uint8_t kAllDcirRules = kRuleMajorations | kRulePublicHospital;
// "majorations", "public_hospital".
const char* dcir_rule_name(DcirRule r);

// The 9 keys joining a DCIR detail row (ER_ETE_F, ER_PHA_F, ER_CAM_F...) to its ER_PRS_F line.
inline constexpr std::string_view kDcirKeys[9] = {"DCT_ORD_NUM", "FLX_DIS_DTD", "FLX_EMT_NUM",
                                                  "FLX_EMT_ORD", "FLX_EMT_TYP", "FLX_TRT_DTD",
                                                  "ORG_CLE_NUM", "PRS_ORD_NUM", "REM_TYP_AFF"};
inline constexpr std::string_view kEteTable = "ER_ETE_F";
inline constexpr std::string_view kEteTaaColumn = "ETE_IND_TAA";
inline constexpr std::string_view kMajorationColumn = "CPL_MAJ_TOP";

// The rows of `table` (a DCIR table of `shard`: ER_PRS_F or a detail table, with its 9 keys)
// whose line has an ER_ETE_F row of ETE_IND_TAA = 1: one byte per row, 1 for a row left out.
// Empty when no row is (no ER_ETE_F in the shard, none of ETE_IND_TAA = 1, or none matching).
// Keys are compared as the schema types them (integers, dates, ORG_CLE_NUM as text) whatever
// type each table stores them in. `name` names the table in an internal error.
std::vector<uint8_t> public_hospital_rows(const ShardData& shard, const Batch& table,
                                          std::string_view name);

// Whether a claim line is a majoration: CPL_MAJ_TOP >= 2 (a missing value is not).
inline bool is_majoration(int64_t cpl_maj_top) {
  return cpl_maj_top != kMissingInt && cpl_maj_top >= 2;
}

}  // namespace snds
