// The catalog rendered for readers outside the code, each kept equal to this output by a test
// (tests/core/catalog_doc_test.cpp): docs/tables.md (the type mapping, every table with how the
// ingest stores it, every column with its type) and the DuckDB bench's table module.
#include <string>
#include <vector>

#include <fmt/format.h>

#include "core/catalog.hpp"

namespace snds {
namespace {

std::string stored_as(const TableSpec& s) {
  const auto keys = [&](std::span<const std::string_view> k) {
    std::string out;
    for (auto n : k) out += (out.empty() ? "" : ", ") + std::string(n);
    return out;
  };
  switch (s.link) {
    case TableLink::kPatient:
      return fmt::format("by patient ({})", s.patient_column);
    case TableLink::kDcirParent:
      return fmt::format("by patient ({}); parent of the DCIR detail tables", s.patient_column);
    case TableLink::kDcirDetail:
      return fmt::format("joined to {} on the 9 DCIR keys", table_spec_by_id(s.parent).pattern);
    case TableLink::kPmsiParent:
      return fmt::format("by patient ({}); parent of its field on (year, {})", s.patient_column,
                         keys(s.stay_keys));
    case TableLink::kPmsiDetail:
      return fmt::format("joined to {} on (year, {})", table_spec_by_id(s.parent).pattern,
                         keys(s.stay_keys));
    case TableLink::kReferential:
      return "referential (once, every rank)";
  }
  return "";
}

// The heading's anchor as Markdown renderers make it: lower case.
std::string anchor(std::string_view name) {
  std::string out(name);
  for (auto& ch : out)
    if (ch >= 'A' && ch <= 'Z') ch = static_cast<char>(ch - 'A' + 'a');
  return out;
}

}  // namespace

std::string catalog_markdown() {
  std::string md = R"(# SNDS tables: what the ingest reads and how it stores them

<!-- Generated from the catalog (core/catalog.cpp, core/catalog_doc.cpp); do not edit.
     SNDS_UPDATE_TABLES=1 ctest -R TablesDoc rewrites it; the test otherwise keeps it equal. -->

The catalog is the public SNDS schema (`core/catalog/snds-schema.csv`, Mozilla Public License
2.0, see `core/catalog/README.md`) compiled into snds-batch, plus the drug referential IR_PHA_R.
Every table below found among the inputs (file names as in reference section 2: `T.csv`,
`T_<anything>.csv`, any case, compressed or not; yearly tables carry their year, `T_SSR20B.csv`,
`CT_DEP_2021_GN.csv`) is ingested with these types. `snds-batch inspect STORE` lists the
tables of a store with the columns and types it holds.

## Types

| schema type | stored as | a value is rejected when it is not |
| --- | --- | --- |
| integer | integer (int64) | a whole number (`3`, `003`, `3.0`) |
| number | decimal (int64, 4 decimals) | a number with `.` or `,` (`12,5`), rounded to 4 decimals |
| date, datetime | date (days) | a date in a form of reference section 2 (`2020-03-15`, `15/03/2020`, `15MAR2020:00:00:00`, `15032020`); the time is dropped |
| date with format `%m` | integer | a month number, 0 (unknown) to 12 (BEN_NAI_MOI) |
| year | integer | a year, 0 to 9999 |
| yearmonth | integer | `YYYYMM` with a month 01 to 12 (`202301`) |
| boolean | integer | `0` or `1` |
| string | string | (any text without a NUL byte) |

An empty value is missing in every type. A row with a rejected value goes to the store's
`rejects.csv` with its file, line and the column (reference section 2).

Exceptions, per column:
- **The columns the jobs read** (reference section 2) keep the in-memory type the jobs read them
  in, and their values are still checked against the schema's type: BEN_SEX_COD, PSE_SPE_COD,
  PSP_SPE_COD, PHA_PRS_C13 stay strings checked as integers (`x1` is not a sex); BEN_NAI_ANN
  and BEN_NAI_MOI stay integers checked as a year and a month. PHA_ACT_QSN stays a decimal and
  accepts fractions, as it always has. Below, such a column reads `string, checked as integer`.
- **Join keys** are typed alike on both sides of their join: the 9 DCIR keys of every `ER_*_F`
  table as in ER_PRS_F; the PMSI stay keys (ETA_NUM, ETA_NUM_EPMSI, RSA_NUM, RHA_NUM, RHAD_NUM,
  RIP_NUM) as strings in every PMSI table, unchecked (they are matched as text, and FINESS
  numbers of Corsica hold `2A`/`2B`). The PMSI return codes (`*_RET`, booleans in the schema)
  are strings, unchecked, in every PMSI table: deliveries hold `2` and others, and the jobs read
  any value but `0` as an invalid stay.
- **Columns absent from the catalog** are kept as strings.
- **Required** columns (a file without one is refused): those the jobs read (reference
  section 2) and those routing needs (the patient column, the join keys).

## How each table is stored

- **by patient**: tables with BEN_NIR_PSA (or NIR_ANO_17 in the PMSI; `NUM_ENQ` is read as
  either) go to their patient's shard.
- **joined**: DCIR detail tables (every `ER_*_F` but ER_PRS_F) join ER_PRS_F on the 9 DCIR keys;
  PMSI tables of a field (MCO, SSR, HAD, RIP for psychiatry) join their `T_<FIELD>aaC` table on
  the year and the field's stay key. A joined row takes its parent's patient (and the date and
  the columns reference section 3 names) and goes to the patient's shard; a row without a parent
  is an orphan, stored apart (`<TABLE>.orphans`) and counted.
- **referential**: tables with no patient column and no join are stored once, in
  `STORE/referential.h5`, which every rank reads. This holds for tables whose only patient
  link is BEN_IDT_ANO or BEN_NIR_ANO (the causes of death KI_CCI_R and KI_ECD_R, the DCIRS
  `NS_*` and EGB `EB_*` tables) until persons are built from BEN_IDT_ANO.

)";
  md += "| table | product | stored | columns |\n| --- | --- | --- | ---: |\n";
  for (const auto& s : all_table_specs())
    md += fmt::format("| [{}](#{}) | {} | {} | {} |\n", s.pattern, anchor(s.pattern), s.product,
                      stored_as(s), s.columns.size());
  md += "\n## Columns\n";
  for (const auto& s : all_table_specs()) {
    md += fmt::format("\n### {}\n\n", s.pattern);
    std::string line;
    for (const auto& c : s.columns) {
      std::string item = fmt::format("`{}` {}", c.name, column_type_word(c.type));
      if (c.rule != ValueRule::kNone)
        item += c.type == ColumnType::kString
                    ? fmt::format(", checked as {}", value_rule_name(c.rule))
                    : fmt::format(" ({})", value_rule_name(c.rule));
      if (c.required) item += ", required";
      line += (line.empty() ? "" : "; ") + item;
    }
    md += line + "\n";
  }
  return md;
}

namespace {

const char* duckdb_type(ColumnType t) {
  switch (t) {
    case ColumnType::kInt64:
      return "INT";
    case ColumnType::kDecimal:
      return "DEC";
    case ColumnType::kDate:
      return "DATE";
    case ColumnType::kString:
      break;
  }
  return "STR";
}

// `items` joined by ", " in lines of at most 100 characters, each opening with `indent`.
std::string wrapped(const std::vector<std::string>& items, std::string_view indent) {
  std::string out, line;
  for (size_t i = 0; i < items.size(); ++i) {
    const std::string item = items[i] + (i + 1 < items.size() ? "," : "");
    if (!line.empty() && indent.size() + line.size() + 1 + item.size() > 100) {
      out += std::string(indent) + line + "\n";
      line.clear();
    }
    line += (line.empty() ? "" : " ") + item;
  }
  if (!line.empty()) out += std::string(indent) + line + "\n";
  return out;
}

}  // namespace

std::string catalog_js_module() {
  std::string js =
      R"(// Generated from snds-batch's catalog (core/catalog.cpp) by catalog_js_module()
// (core/catalog_doc.cpp); do not edit. SNDS_UPDATE_TABLES=1 ctest -R TablesDoc rewrites it; the
// test otherwise keeps it equal. The columns the jobs read of each of their tables, typed as the
// ingest stores them; catalog.mjs adds the file-name rules.

export const DATE = 'DATE';
export const INT = 'BIGINT';
// snds-batch stores decimals as int64 x 10^4: DECIMAL(18,4) is the same value set.
export const DEC = 'DECIMAL(18,4)';
export const STR = 'VARCHAR';

export const TABLES = {
)";
  std::vector<std::string> patients;
  for (const auto& spec : all_table_specs()) {
    if (spec.kind == TableKind::kOther) break;  // the jobs' tables come first
    std::vector<std::string> cols;
    for (const auto& c : job_columns(spec.kind))
      cols.push_back(fmt::format("{}: {}", c.name, duckdb_type(c.type)));
    js += fmt::format("  {}: {{\n{}  }},\n", spec.pattern, wrapped(cols, "    "));
    if (!spec.patient_column.empty())
      patients.push_back(fmt::format("{}: '{}'", spec.pattern, spec.patient_column));
  }
  js += "};\n\nexport const DCIR_KEYS = [\n";
  std::vector<std::string> keys;
  for (auto k : kDcirJoinKeys) keys.push_back(fmt::format("'{}'", k));
  js += wrapped(keys, "  ");
  js +=
      "];\n\n// The patient column of the tables keyed by patient: project extracts name it "
      "NUM_ENQ.\n";
  js += "export const PATIENT_COLUMN = {\n" + wrapped(patients, "  ") + "};\n";
  return js;
}

}  // namespace snds
