// The SNDS table catalog: every table of the official SNDS schema (core/catalog/snds-schema.csv,
// compiled in) with its typed columns, how its rows reach their patient (which decides where the
// ingest stores them), which columns the built-in jobs need, and how a file name maps to a table
// (reference section 2, docs/tables.md). Shared by the generator (what it writes), ingest (how it
// parses and routes) and the jobs (what they read).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/column.hpp"

namespace snds {

// The tables the jobs read by name; every other catalog table is kOther (known by its TableSpec).
enum class TableKind : uint8_t { kIrBenR, kErPrsF, kErPhaF, kIrPhaR, kMcoB, kMcoC, kMcoD, kOther };

// How a table's rows reach their patient (docs/tables.md): where the ingest routes them.
enum class TableLink : uint8_t {
  kPatient,      // a patient column (BEN_NIR_PSA, or NIR_ANO_17 in the PMSI): the patient's shard
  kDcirParent,   // ER_PRS_F: patient-keyed, and the parent the DCIR detail tables join
  kDcirDetail,   // ER_*_F but ER_PRS_F: joins ER_PRS_F on the 9 DCIR keys
  kPmsiParent,   // T_<FIELD>aaC: patient-keyed by NIR_ANO_17, the parent of its field's tables
  kPmsiDetail,   // T_<FIELD>aa<X>: joins T_<FIELD>aaC on (year, the field's stay keys)
  kReferential,  // no patient link: stored once (STORE/referential.h5), readable by every rank
};

// The schema's type, checked on a value beyond what its in-memory type's parser checks (a column
// keeps an in-memory type other than the schema's when the jobs read it so: BEN_SEX_COD is a
// string the jobs compare, yet `x1` is no integer and is rejected). Empty values are missing and
// always pass.
enum class ValueRule : uint8_t {
  kNone,
  kInteger,    // a whole number (parse_int64); on a Decimal column: no fraction
  kNumber,     // a decimal number (parse_decimal)
  kDate,       // a date in any accepted form (parse_date)
  kBoolean,    // 0 or 1
  kYear,       // 0 to 9999
  kYearMonth,  // YYYYMM, month 01 to 12 (202301)
  kMonth,      // a month number 0 (unknown) to 12: the schema's `date` with format `%m`
};

struct ColumnSpec {
  std::string_view name;
  ColumnType type;  // in memory and in the store
  bool required;  // used by a built-in job or by routing: a file of the table without it is refused
  ValueRule rule = ValueRule::kNone;
  std::string_view schema_type = {};  // as the schema says ("integer", "date %m"); empty: not in it
};

inline constexpr uint16_t kNoTable = UINT16_MAX;

struct TableSpec {
  TableKind kind;
  // "IR_BEN_R"; yearly tables hold their year's place: "T_MCOaaB" (two digits, PMSI),
  // "CT_DEP_AAAA_GN" (four digits).
  std::string_view pattern;
  std::span<const ColumnSpec> columns;
  uint16_t id = kNoTable;  // index in all_table_specs()
  TableLink link = TableLink::kReferential;
  std::string_view product = {};  // the schema's product (DCIR, PMSI...); empty when not in it
  // The column the table's own rows are routed by (kPatient, kDcirParent, kPmsiParent).
  std::string_view patient_column = {};
  // kDcirDetail, kPmsiDetail: the parent table (ER_PRS_F, T_<FIELD>aaC).
  uint16_t parent = kNoTable;
  // PMSI tables of a field with a parent: the stay key within a year (ETA_NUM + RSA_NUM in MCO).
  std::span<const std::string_view> stay_keys = {};

  int year_digits() const;  // 2 ("aa"), 4 ("AAAA") or 0
};

// The 9 DCIR keys joining every DCIR detail table (ER_PHA_F, ER_CAM_F...) to ER_PRS_F.
inline constexpr std::string_view kDcirJoinKeys[9] = {"DCT_ORD_NUM", "FLX_DIS_DTD", "FLX_EMT_NUM",
                                                      "FLX_EMT_ORD", "FLX_EMT_TYP", "FLX_TRT_DTD",
                                                      "ORG_CLE_NUM", "PRS_ORD_NUM", "REM_TYP_AFF"};
// The PMSI MCO stay key within a year (the year comes from the table name).
inline constexpr std::string_view kMcoStayKeys[2] = {"ETA_NUM", "RSA_NUM"};
// Return codes of T_MCOaaC; a stay is valid when all are "0".
inline constexpr std::string_view kMcoReturnCodes[7] = {"NIR_RET", "NAI_RET", "SEX_RET", "SEJ_RET",
                                                        "FHO_RET", "PMS_RET", "DAT_RET"};

const TableSpec& table_spec(TableKind kind);  // not kOther
// The columns the jobs read of one of their tables, in the type they read them: the first of
// table_spec(kind).columns (the schema's other columns follow).
std::span<const ColumnSpec> job_columns(TableKind kind);  // not kOther
const TableSpec& table_spec_by_id(uint16_t id);
std::span<const TableSpec> all_table_specs();  // the jobs' 7 first (id = kind), then by name
const TableSpec* find_table_spec(std::string_view pattern);  // "T_MCOaaA", "IR_IMB_R"
const ColumnSpec* find_column(const TableSpec& spec, std::string_view name);
const char* table_kind_name(TableKind kind);  // "IR_BEN_R", "T_MCOaaB"... (not kOther)

// A table instance as named in the input: "ER_PRS_F", or "T_MCO19B" (kind kMcoB, year 2019).
struct TableName {
  TableKind kind;
  std::string name;
  int year = 0;            // yearly tables only
  uint16_t id = kNoTable;  // its catalog entry

  bool operator==(const TableName&) const = default;
};
const TableSpec& table_spec(const TableName& table);

// Maps a file name ("ER_PRS_F_2019.csv.gz", "T_MCO19B.csv", "t_ssr20c.csv") to its table, or
// nullopt when the file is not an SNDS table of the catalog. Case-insensitive; the longest
// table name wins ("T_MCO19FASTC.csv" is T_MCOaaFASTC, not T_MCOaaFA).
std::optional<TableName> table_for_file(std::string_view file_name);
// Parses a table instance name ("T_MCO19B", "IR_PHA_R", "CT_DEP_2021_GN"); nullopt when unknown.
std::optional<TableName> parse_table_name(std::string_view name);
// "T_MCO19B" for (kMcoB, 2019); the plain name otherwise.
std::string table_instance_name(TableKind kind, int year);
std::string table_instance_name(const TableSpec& spec, int year);

// Project extracts rename the patient key (BEN_NIR_PSA, NIR_ANO_17) as NUM_ENQ.
std::string_view canonical_column_name(const TableSpec& spec, std::string_view header_name);
inline std::string_view canonical_column_name(TableKind kind, std::string_view header_name) {
  return canonical_column_name(table_spec(kind), header_name);
}

// The patient column a stored row of the table has: its own (patient-keyed tables) or the one
// its parent gave it in the join (detail tables); empty for referentials.
std::string_view stored_patient_column(const TableSpec& spec);

// True for the detail tables whose rows reach their patient through a join.
inline bool is_detail_table(const TableSpec& s) {
  return s.link == TableLink::kDcirDetail || s.link == TableLink::kPmsiDetail;
}
inline bool is_detail_table(TableKind k) {
  return k == TableKind::kErPhaF || k == TableKind::kMcoB || k == TableKind::kMcoD;
}
inline bool is_mco_table(TableKind k) {
  return k == TableKind::kMcoB || k == TableKind::kMcoC || k == TableKind::kMcoD;
}

// The schema text compiled in (core/catalog/snds-schema.csv, generated into the build).
std::string_view snds_schema_csv();

// One line of the schema: product;table;column;type;length;format;primary_key;nomenclature.
struct SchemaColumn {
  std::string product, table, column, type, format;
  bool primary_key = false;
};
// Parses schema text (header row first). data_error naming the line on a malformed line or an
// unknown type.
std::vector<SchemaColumn> parse_schema_csv(std::string_view text);
// The in-memory type and value rule of a schema type ("integer", "date" with format "%m"...).
std::pair<ColumnType, ValueRule> schema_column_type(std::string_view type, std::string_view format);

// True when `value` (trimmed) passes `rule`, for a String column; `x` for Int64/Decimal columns.
bool string_fits_rule(ValueRule rule, std::string_view value);
bool int_fits_rule(ValueRule rule, ColumnType type, int64_t x);
const char* value_rule_name(ValueRule rule);  // "integer", "boolean (0 or 1)"...

// The generated table list (docs/tables.md): every table with its link and typed columns.
std::string catalog_markdown();
// The DuckDB bench's copy of the jobs' tables (bench/duckdb/lib/catalog_tables.mjs): each job
// table's job columns with DuckDB types, the DCIR join keys, the patient column NUM_ENQ names.
std::string catalog_js_module();

}  // namespace snds
