// The SNDS table catalog: the tables snds-batch knows, their typed columns, which columns the
// built-in jobs need, and how a file name maps to a table (reference section 2).
// Shared by the generator (what it writes), ingest (how it parses) and the jobs (what they read).
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/column.hpp"

namespace snds {

enum class TableKind : uint8_t { kIrBenR, kErPrsF, kErPhaF, kIrPhaR, kMcoB, kMcoC, kMcoD };

struct ColumnSpec {
  std::string_view name;
  ColumnType type;
  bool required;  // used by a built-in job: a file of the table without it is refused
};

struct TableSpec {
  TableKind kind;
  std::string_view pattern;  // "IR_BEN_R", or "T_MCOaaB" for the yearly PMSI tables
  std::span<const ColumnSpec> columns;
};

// The 9 DCIR keys joining ER_PHA_F (and every detail table) to ER_PRS_F.
inline constexpr std::string_view kDcirJoinKeys[9] = {"DCT_ORD_NUM", "FLX_DIS_DTD", "FLX_EMT_NUM",
                                                      "FLX_EMT_ORD", "FLX_EMT_TYP", "FLX_TRT_DTD",
                                                      "ORG_CLE_NUM", "PRS_ORD_NUM", "REM_TYP_AFF"};
// The PMSI stay key within a year (the year comes from the table name).
inline constexpr std::string_view kMcoStayKeys[2] = {"ETA_NUM", "RSA_NUM"};
// Return codes of T_MCOaaC; a stay is valid when all are "0".
inline constexpr std::string_view kMcoReturnCodes[7] = {"NIR_RET", "NAI_RET", "SEX_RET", "SEJ_RET",
                                                        "FHO_RET", "PMS_RET", "DAT_RET"};

const TableSpec& table_spec(TableKind kind);
std::span<const TableSpec> all_table_specs();
const ColumnSpec* find_column(const TableSpec& spec, std::string_view name);
const char* table_kind_name(TableKind kind);  // "IR_BEN_R", "T_MCOaaB"...

// A table instance as named in the input: "ER_PRS_F", or "T_MCO19B" (kind kMcoB, year 2019).
struct TableName {
  TableKind kind;
  std::string name;
  int year = 0;  // PMSI tables only

  bool operator==(const TableName&) const = default;
};

// Maps a file name ("ER_PRS_F_2019.csv.gz", "T_MCO19B.csv") to its table, or nullopt when the
// file is not an SNDS table snds-batch knows. Case-insensitive ("ir_ben_r.CSV" is IR_BEN_R).
std::optional<TableName> table_for_file(std::string_view file_name);
// Parses a table instance name ("T_MCO19B", "IR_PHA_R"); nullopt when unknown.
std::optional<TableName> parse_table_name(std::string_view name);
// "T_MCO19B" for (kMcoB, 2019); the plain name otherwise.
std::string table_instance_name(TableKind kind, int year);

// Project extracts rename the patient key (BEN_NIR_PSA, NIR_ANO_17) as NUM_ENQ.
std::string_view canonical_column_name(TableKind kind, std::string_view header_name);

// True for the detail tables whose rows reach their patient through a join.
inline bool is_detail_table(TableKind k) {
  return k == TableKind::kErPhaF || k == TableKind::kMcoB || k == TableKind::kMcoD;
}
inline bool is_mco_table(TableKind k) {
  return k == TableKind::kMcoB || k == TableKind::kMcoC || k == TableKind::kMcoD;
}

}  // namespace snds
