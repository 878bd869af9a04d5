// The catalog's data: the jobs' 7 tables as the jobs read them, every other table as the SNDS
// schema types it, each with its patient link, and the file-name rules.
#include "core/catalog.hpp"

#include <algorithm>
#include <cctype>
#include <deque>
#include <map>
#include <memory>

#include <fmt/format.h>

#include "core/csv/value_parse.hpp"
#include "core/error.hpp"

namespace snds {
namespace {

using T = ColumnType;

// The jobs' tables: the columns the jobs read, in the in-memory type they read them in (which
// the schema's columns of these tables do not change; the schema's type is checked on top).
constexpr ColumnSpec kIrBenR[] = {
    {"BEN_NIR_PSA", T::kString, true},  {"BEN_RNG_GEM", T::kInt64, true},
    {"BEN_SEX_COD", T::kString, true},  {"BEN_NAI_ANN", T::kInt64, true},
    {"BEN_NAI_MOI", T::kInt64, true},   {"BEN_RES_DPT", T::kString, true},
    {"BEN_DCD_DTE", T::kDate, true},    {"BEN_IDT_ANO", T::kString, false},
    {"BEN_CDI_NIR", T::kString, false},
};
constexpr ColumnSpec kErPrsF[] = {
    {"DCT_ORD_NUM", T::kInt64, true},    {"FLX_DIS_DTD", T::kDate, true},
    {"FLX_EMT_NUM", T::kInt64, true},    {"FLX_EMT_ORD", T::kInt64, true},
    {"FLX_EMT_TYP", T::kInt64, true},    {"FLX_TRT_DTD", T::kDate, true},
    {"ORG_CLE_NUM", T::kString, true},   {"PRS_ORD_NUM", T::kInt64, true},
    {"REM_TYP_AFF", T::kInt64, true},    {"BEN_NIR_PSA", T::kString, true},
    {"BEN_RNG_GEM", T::kInt64, true},    {"EXE_SOI_DTD", T::kDate, true},
    {"PRS_NAT_REF", T::kInt64, true},    {"PRS_ACT_QTE", T::kDecimal, true},
    {"PRS_PAI_MNT", T::kDecimal, true},  {"DPN_QLF", T::kInt64, true},
    {"BSE_REM_MNT", T::kDecimal, false}, {"CPL_MAJ_TOP", T::kInt64, false},
    {"PSE_SPE_COD", T::kString, false},  {"PSP_SPE_COD", T::kString, false},
};
constexpr ColumnSpec kErPhaF[] = {
    {"DCT_ORD_NUM", T::kInt64, true},   {"FLX_DIS_DTD", T::kDate, true},
    {"FLX_EMT_NUM", T::kInt64, true},   {"FLX_EMT_ORD", T::kInt64, true},
    {"FLX_EMT_TYP", T::kInt64, true},   {"FLX_TRT_DTD", T::kDate, true},
    {"ORG_CLE_NUM", T::kString, true},  {"PRS_ORD_NUM", T::kInt64, true},
    {"REM_TYP_AFF", T::kInt64, true},   {"PHA_PRS_C13", T::kString, true},
    {"PHA_ACT_QSN", T::kDecimal, true},
};
// Not in the public schema (the drug referential is delivered beside it).
constexpr ColumnSpec kIrPhaR[] = {
    {"PHA_CIP_C13", T::kString, true},  {"PHA_ATC_C07", T::kString, true},
    {"PHA_CND_TOP", T::kString, false}, {"PHA_GRP_GEN", T::kString, false},
    {"PHA_MED_NOM", T::kString, false},  // the pack's label
};
constexpr ColumnSpec kMcoB[] = {
    {"ETA_NUM", T::kString, true},  {"RSA_NUM", T::kString, true},  {"DGN_PAL", T::kString, true},
    {"DGN_REL", T::kString, true},  {"GRG_GHM", T::kString, true},  {"SEJ_NBJ", T::kInt64, true},
    {"SEJ_TYP", T::kString, false}, {"SOR_MOD", T::kString, false},
};
constexpr ColumnSpec kMcoC[] = {
    {"ETA_NUM", T::kString, true},    {"RSA_NUM", T::kString, true},
    {"NIR_ANO_17", T::kString, true}, {"EXE_SOI_DTD", T::kDate, true},
    {"EXE_SOI_DTF", T::kDate, true},  {"NIR_RET", T::kString, true},
    {"NAI_RET", T::kString, true},    {"SEX_RET", T::kString, true},
    {"SEJ_RET", T::kString, true},    {"FHO_RET", T::kString, true},
    {"PMS_RET", T::kString, true},    {"DAT_RET", T::kString, true},
};
constexpr ColumnSpec kMcoD[] = {
    {"ETA_NUM", T::kString, true},
    {"RSA_NUM", T::kString, true},
    {"ASS_DGN", T::kString, true},
};

struct JobTable {
  TableKind kind;
  std::string_view pattern;
  std::span<const ColumnSpec> columns;
};
constexpr JobTable kJobTables[7] = {
    {TableKind::kIrBenR, "IR_BEN_R", kIrBenR}, {TableKind::kErPrsF, "ER_PRS_F", kErPrsF},
    {TableKind::kErPhaF, "ER_PHA_F", kErPhaF}, {TableKind::kIrPhaR, "IR_PHA_R", kIrPhaR},
    {TableKind::kMcoB, "T_MCOaaB", kMcoB},     {TableKind::kMcoC, "T_MCOaaC", kMcoC},
    {TableKind::kMcoD, "T_MCOaaD", kMcoD},
};

// The stay key of each PMSI field within a year: the primary key of its C table in the schema
// (a test checks it). RIP is psychiatry (RIM-P). The SUP tables have no C table.
struct PmsiField {
  std::string_view field;
  std::string_view keys[2];
};
constexpr PmsiField kPmsiFields[] = {{"MCO", {"ETA_NUM", "RSA_NUM"}},
                                     {"SSR", {"ETA_NUM", "RHA_NUM"}},
                                     {"HAD", {"ETA_NUM_EPMSI", "RHAD_NUM"}},
                                     {"RIP", {"ETA_NUM_EPMSI", "RIP_NUM"}}};
// Stored as text in every PMSI table whatever the schema says: they are matched as text in the
// join (as they always were), and FINESS numbers of Corsica hold 2A / 2B.
constexpr std::string_view kPmsiTextKeys[] = {"ETA_NUM", "ETA_NUM_EPMSI", "RSA_NUM",
                                              "RHA_NUM", "RHAD_NUM",      "RIP_NUM"};

// Also text, unchecked: the PMSI return codes (NIR_RET, SEX_RET...), booleans in the schema but
// `2` and others in deliveries; the jobs' rule reads any value but `0` as an invalid stay.
bool is_pmsi_text_key(std::string_view c) {
  return c.ends_with("_RET") || std::find(std::begin(kPmsiTextKeys), std::end(kPmsiTextKeys), c) !=
                                    std::end(kPmsiTextKeys);
}

const PmsiField* pmsi_field_of(std::string_view pattern) {
  if (!pattern.starts_with("T_") || pattern.size() < 7 || pattern.substr(5, 2) != "aa")
    return nullptr;
  for (const auto& f : kPmsiFields)
    if (pattern.substr(2, 3) == f.field) return &f;
  return nullptr;
}

// The check of a schema column whose in-memory type stays `kept` (the jobs' columns).
ValueRule rule_for_kept_type(ColumnType kept, const ColumnSpec& natural) {
  if (natural.type == kept) return natural.rule;
  if (kept == T::kString && natural.rule == ValueRule::kNone)
    return natural.type == T::kInt64     ? ValueRule::kInteger
           : natural.type == T::kDecimal ? ValueRule::kNumber
                                         : ValueRule::kDate;
  if (kept == T::kString) return natural.rule;
  // An integer where the schema says number or text is already stricter; PHA_ACT_QSN, a decimal
  // where the schema says integer, keeps accepting fractions as it always has.
  return ValueRule::kNone;
}

std::string upper(std::string_view s) {
  std::string out(s);
  for (auto& ch : out) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  return out;
}

class Catalog {
 public:
  Catalog() { build(); }
  std::vector<TableSpec> specs;
  std::map<std::string, uint16_t, std::less<>> by_pattern;  // plain names and patterns

 private:
  void build();
  std::string_view keep(std::string s) { return strings_.emplace_back(std::move(s)); }

  std::deque<std::string> strings_;
  std::deque<std::vector<ColumnSpec>> columns_;
};

void Catalog::build() {
  // The schema, grouped by table in its order of appearance.
  std::map<std::string, std::vector<SchemaColumn>> schema;
  for (auto& c : parse_schema_csv(snds_schema_csv())) schema[c.table].push_back(std::move(c));
  const auto& prs = kJobTables[1];

  struct Draft {
    TableKind kind;
    std::string_view pattern;
    std::vector<ColumnSpec> columns;
    std::string_view product;
  };
  std::vector<Draft> drafts;
  auto has = [](const Draft& d, std::string_view c) {
    return std::any_of(d.columns.begin(), d.columns.end(),
                       [&](const ColumnSpec& s) { return s.name == c; });
  };
  auto typed = [&](std::string_view table, const SchemaColumn& s, std::string_view name) {
    auto [type, rule] = schema_column_type(s.type, s.format);
    ColumnSpec c{name, type, false, rule, keep(s.format == "%m" ? s.type + " %m" : s.type)};
    const bool dcir_detail = table.starts_with("ER_") && table.ends_with("_F");
    if (dcir_detail)
      for (const auto& k : prs.columns)
        if (k.name == name && std::find(std::begin(kDcirJoinKeys), std::end(kDcirJoinKeys), name) !=
                                  std::end(kDcirJoinKeys)) {
          c.type = k.type;  // both sides of the join key alike
          c.rule = ValueRule::kNone;
        }
    if (s.product == "PMSI" && is_pmsi_text_key(name)) {
      c.type = T::kString;
      c.rule = ValueRule::kNone;
    }
    return c;
  };

  for (const auto& job : kJobTables) {
    Draft d{job.kind, job.pattern, {job.columns.begin(), job.columns.end()}, {}};
    auto it = schema.find(std::string(job.pattern));
    if (it != schema.end()) {
      d.product = keep(it->second.front().product);
      for (const auto& s : it->second) {
        const std::string name = upper(s.column);
        auto own = std::find_if(d.columns.begin(), d.columns.end(),
                                [&](const ColumnSpec& c) { return c.name == name; });
        const ColumnSpec natural = typed(job.pattern, s, keep(name));
        if (own == d.columns.end()) {
          d.columns.push_back(natural);
          continue;
        }
        // A column the jobs read keeps its type; the schema's is checked on its values.
        own->schema_type = natural.schema_type;
        own->rule = rule_for_kept_type(own->type, natural);
        if (s.product == "PMSI" && is_pmsi_text_key(name)) own->rule = ValueRule::kNone;
      }
    }
    drafts.push_back(std::move(d));
  }
  std::vector<std::string> others;
  for (const auto& [table, cols] : schema)
    if (std::none_of(std::begin(kJobTables), std::end(kJobTables),
                     [&](const JobTable& j) { return j.pattern == table; }))
      others.push_back(table);
  std::sort(others.begin(), others.end());
  for (const auto& table : others) {
    const auto& cols = schema.at(table);
    Draft d{TableKind::kOther, keep(table), {}, keep(cols.front().product)};
    for (const auto& s : cols) {
      const std::string name = upper(s.column);
      if (has(d, name)) continue;
      d.columns.push_back(typed(table, s, keep(name)));
    }
    drafts.push_back(std::move(d));
  }

  // Links, and the columns routing needs made required.
  specs.reserve(drafts.size());
  for (size_t i = 0; i < drafts.size(); ++i)
    by_pattern[std::string(drafts[i].pattern)] = static_cast<uint16_t>(i);
  for (size_t i = 0; i < drafts.size(); ++i) {
    Draft& d = drafts[i];
    TableSpec s{d.kind, d.pattern, {}};
    s.id = static_cast<uint16_t>(i);
    s.product = d.product;
    const PmsiField* field = pmsi_field_of(d.pattern);
    const bool has_keys = field && has(d, field->keys[0]) && has(d, field->keys[1]);
    const std::string c_table = field ? fmt::format("T_{}aaC", field->field) : "";
    std::vector<std::string_view> required;
    if (d.pattern == "ER_PRS_F") {
      s.link = TableLink::kDcirParent;
      s.patient_column = "BEN_NIR_PSA";
    } else if (has_keys && d.pattern == c_table && has(d, "NIR_ANO_17")) {
      s.link = TableLink::kPmsiParent;
      s.patient_column = "NIR_ANO_17";
    } else if (has(d, "BEN_NIR_PSA")) {
      s.link = TableLink::kPatient;
      s.patient_column = "BEN_NIR_PSA";
    } else if (d.product == "PMSI" && has(d, "NIR_ANO_17")) {
      s.link = TableLink::kPatient;
      s.patient_column = "NIR_ANO_17";
    } else if (d.pattern.starts_with("ER_") && d.pattern.ends_with("_F") &&
               std::all_of(std::begin(kDcirJoinKeys), std::end(kDcirJoinKeys),
                           [&](std::string_view k) { return has(d, k); })) {
      s.link = TableLink::kDcirDetail;
      s.parent = by_pattern.at("ER_PRS_F");
      required.assign(std::begin(kDcirJoinKeys), std::end(kDcirJoinKeys));
    } else if (has_keys && by_pattern.count(c_table)) {
      s.link = TableLink::kPmsiDetail;
      s.parent = by_pattern.at(c_table);
    }
    if (field && has_keys) {
      s.stay_keys = field->keys;
      if (s.link == TableLink::kPmsiParent || s.link == TableLink::kPmsiDetail)
        required.insert(required.end(), std::begin(field->keys), std::end(field->keys));
    }
    if (!s.patient_column.empty()) required.push_back(s.patient_column);
    for (auto& c : d.columns)
      if (std::find(required.begin(), required.end(), c.name) != required.end()) c.required = true;
    s.columns = columns_.emplace_back(std::move(d.columns));
    specs.push_back(s);
  }
  // A PMSI detail table's parent must be a parent (a C table without NIR_ANO_17 is none).
  for (auto& s : specs)
    if (s.link == TableLink::kPmsiDetail && specs[s.parent].link != TableLink::kPmsiParent) {
      s.link = TableLink::kReferential;
      s.parent = kNoTable;
    }
}

const Catalog& catalog() {
  static const Catalog c;
  return c;
}

// `name` matches the yearly pattern: the year's digits in place of "aa" or "AAAA".
std::optional<int> year_in(const TableSpec& spec, std::string_view name) {
  const int digits = spec.year_digits();
  if (digits == 0) return std::nullopt;
  const size_t at = spec.pattern.find(digits == 2 ? "aa" : "AAAA");
  // The rest matches in any case: T_MCOaaGVxx is delivered as T_MCO19GVXX.
  const auto same = [](std::string_view a, std::string_view b) {
    return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
      return std::toupper(static_cast<unsigned char>(x)) ==
             std::toupper(static_cast<unsigned char>(y));
    });
  };
  if (name.size() != spec.pattern.size() || !same(name.substr(0, at), spec.pattern.substr(0, at)) ||
      !same(name.substr(at + static_cast<size_t>(digits)),
            spec.pattern.substr(at + static_cast<size_t>(digits))))
    return std::nullopt;
  int v = 0;
  for (int i = 0; i < digits; ++i) {
    const char ch = name[at + static_cast<size_t>(i)];
    if (!std::isdigit(static_cast<unsigned char>(ch))) return std::nullopt;
    v = v * 10 + (ch - '0');
  }
  // Two-digit PMSI years: the PMSI starts in the 1990s, so 00-69 are 20yy and 70-99 19yy.
  if (digits == 2) v = v < 70 ? 2000 + v : 1900 + v;
  return v;
}

}  // namespace

int TableSpec::year_digits() const {
  if (pattern.find("AAAA") != std::string_view::npos) return 4;
  if (pattern.find("aa") != std::string_view::npos) return 2;
  return 0;
}

std::span<const ColumnSpec> job_columns(TableKind kind) {
  const auto k = static_cast<size_t>(kind);
  if (k >= std::size(kJobTables)) throw internal_error("job_columns: not a job table");
  return table_spec(kind).columns.first(kJobTables[k].columns.size());
}

const TableSpec& table_spec(TableKind kind) {
  if (kind == TableKind::kOther) throw internal_error("table_spec: kOther has no single table");
  return catalog().specs[static_cast<size_t>(kind)];
}
const TableSpec& table_spec_by_id(uint16_t id) {
  return catalog().specs.at(id);
}
const TableSpec& table_spec(const TableName& table) {
  return table.id != kNoTable ? table_spec_by_id(table.id) : table_spec(table.kind);
}
std::span<const TableSpec> all_table_specs() {
  return catalog().specs;
}
const TableSpec* find_table_spec(std::string_view pattern) {
  const auto& c = catalog();
  auto it = c.by_pattern.find(pattern);
  return it == c.by_pattern.end() ? nullptr : &c.specs[it->second];
}

const ColumnSpec* find_column(const TableSpec& spec, std::string_view name) {
  for (const auto& c : spec.columns)
    if (c.name == name) return &c;
  return nullptr;
}

const char* table_kind_name(TableKind kind) {
  return table_spec(kind).pattern.data();
}

std::string table_instance_name(const TableSpec& spec, int year) {
  const int digits = spec.year_digits();
  if (digits == 0) return std::string(spec.pattern);
  std::string s(spec.pattern);
  const size_t at = s.find(digits == 2 ? "aa" : "AAAA");
  s.replace(at, static_cast<size_t>(digits),
            digits == 2 ? fmt::format("{:02}", year % 100) : fmt::format("{:04}", year));
  return s;
}
std::string table_instance_name(TableKind kind, int year) {
  return table_instance_name(table_spec(kind), year);
}

std::optional<TableName> parse_table_name(std::string_view name) {
  const auto& c = catalog();
  if (auto it = c.by_pattern.find(name);
      it != c.by_pattern.end() && c.specs[it->second].year_digits() == 0) {
    const TableSpec& s = c.specs[it->second];
    return TableName{s.kind, std::string(name), 0, s.id};
  }
  for (const auto& s : c.specs)
    if (auto year = year_in(s, name))
      return TableName{s.kind, table_instance_name(s, *year), *year, s.id};
  return std::nullopt;
}

std::optional<TableName> table_for_file(std::string_view file_name) {
  const size_t slash = file_name.find_last_of('/');
  if (slash != std::string_view::npos) file_name.remove_prefix(slash + 1);
  std::string lower(file_name);
  for (auto& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  std::string_view stem = file_name;
  // Compressed extracts are streamed (core/csv/decompress.hpp).
  if (lower.ends_with(".csv.gz")) {
    stem.remove_suffix(7);
  } else if (lower.ends_with(".csv.zst") || lower.ends_with(".csv.bz2")) {
    stem.remove_suffix(8);
  } else if (lower.ends_with(".csv")) {
    stem.remove_suffix(4);
  } else if (lower.ends_with(".sas7bdat")) {  // SAS tables (core/sas)
    stem.remove_suffix(9);
  } else {
    return std::nullopt;
  }
  // Table names match in any case: deliveries come as ir_ben_r.csv as often as IR_BEN_R.csv.
  const std::string name = upper(stem);
  // `T.csv` or `T_<anything>.csv`: the longest table name ending at the stem's end or a '_'.
  for (size_t end = name.size(); end > 0; --end) {
    if (end != name.size() && name[end] != '_') continue;
    if (auto t = parse_table_name(std::string_view(name).substr(0, end))) return t;
  }
  return std::nullopt;
}

std::string_view canonical_column_name(const TableSpec& spec, std::string_view header_name) {
  if (header_name == "NUM_ENQ" && !spec.patient_column.empty()) return spec.patient_column;
  return header_name;
}

std::string_view stored_patient_column(const TableSpec& spec) {
  switch (spec.link) {
    case TableLink::kDcirDetail:
      return "BEN_NIR_PSA";
    case TableLink::kPmsiDetail:
      return "NIR_ANO_17";
    default:
      return spec.patient_column;
  }
}

std::vector<SchemaColumn> parse_schema_csv(std::string_view text) {
  std::vector<SchemaColumn> out;
  size_t line_no = 0;
  while (!text.empty()) {
    const size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line_no == 1 || line.empty()) continue;  // the header
    std::vector<std::string_view> f;
    for (size_t start = 0;;) {
      const size_t semi = line.find(';', start);
      f.push_back(line.substr(start, semi - start));
      if (semi == std::string_view::npos) break;
      start = semi + 1;
    }
    if (f.size() != 8 || f[1].empty() || f[2].empty())
      throw data_error("SNDS schema line {}: expected 8 ';'-separated fields", line_no);
    SchemaColumn c{std::string(f[0]), std::string(f[1]), std::string(f[2]),
                   std::string(f[3]), std::string(f[5]), f[6] == "1"};
    schema_column_type(c.type, c.format);  // refuses an unknown type
    out.push_back(std::move(c));
  }
  return out;
}

std::pair<ColumnType, ValueRule> schema_column_type(std::string_view type,
                                                    std::string_view format) {
  if (type == "string") return {T::kString, ValueRule::kNone};
  if (type == "integer") return {T::kInt64, ValueRule::kNone};
  if (type == "number") return {T::kDecimal, ValueRule::kNone};
  if (type == "boolean") return {T::kInt64, ValueRule::kBoolean};
  if (type == "year") return {T::kInt64, ValueRule::kYear};
  if (type == "yearmonth") return {T::kInt64, ValueRule::kYearMonth};
  // A `date` formatted `%m` is a month number (BEN_NAI_MOI), not a calendar date.
  if (type == "date" && format == "%m") return {T::kInt64, ValueRule::kMonth};
  if (type == "date" || type == "datetime") return {T::kDate, ValueRule::kNone};
  throw data_error("SNDS schema: unknown column type '{}'", type);
}

bool int_fits_rule(ValueRule rule, ColumnType type, int64_t x) {
  if (x == kMissingInt) return true;
  if (type == T::kDecimal) {
    if (x % kDecimalScale != 0) return false;  // every rule below is of whole numbers
    x /= kDecimalScale;
  }
  switch (rule) {
    case ValueRule::kBoolean:
      return x == 0 || x == 1;
    case ValueRule::kYear:
      return x >= 0 && x <= 9999;
    case ValueRule::kYearMonth:
      return x >= 0 && x <= 999912 && x % 100 >= 1 && x % 100 <= 12;
    case ValueRule::kMonth:
      return x >= 0 && x <= 12;
    default:
      return true;
  }
}

bool string_fits_rule(ValueRule rule, std::string_view v) {
  int64_t x;
  switch (rule) {
    case ValueRule::kNone:
      return true;
    case ValueRule::kNumber:
      return parse_decimal(v, x);
    case ValueRule::kDate: {
      Date d;
      return parse_date(v, d);
    }
    default:
      return parse_int64(v, x) && int_fits_rule(rule, T::kInt64, x);
  }
}

const char* value_rule_name(ValueRule rule) {
  switch (rule) {
    case ValueRule::kNone:
      return "";
    case ValueRule::kInteger:
      return "integer";
    case ValueRule::kNumber:
      return "number";
    case ValueRule::kDate:
      return "date";
    case ValueRule::kBoolean:
      return "boolean (0 or 1)";
    case ValueRule::kYear:
      return "year";
    case ValueRule::kYearMonth:
      return "year-month (YYYYMM)";
    case ValueRule::kMonth:
      return "month (0-12)";
  }
  return "";
}

}  // namespace snds
