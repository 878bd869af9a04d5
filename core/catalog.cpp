// The catalog's data: typed columns of every known SNDS table and the file-name rules.
#include "core/catalog.hpp"

#include <array>
#include <cctype>

namespace snds {
namespace {

using T = ColumnType;

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
constexpr ColumnSpec kIrPhaR[] = {
    {"PHA_CIP_C13", T::kString, true},
    {"PHA_ATC_C07", T::kString, true},
    {"PHA_CND_TOP", T::kString, false},
    {"PHA_GRP_GEN", T::kString, false},
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

constexpr std::array<TableSpec, 7> kSpecs = {{
    {TableKind::kIrBenR, "IR_BEN_R", kIrBenR},
    {TableKind::kErPrsF, "ER_PRS_F", kErPrsF},
    {TableKind::kErPhaF, "ER_PHA_F", kErPhaF},
    {TableKind::kIrPhaR, "IR_PHA_R", kIrPhaR},
    {TableKind::kMcoB, "T_MCOaaB", kMcoB},
    {TableKind::kMcoC, "T_MCOaaC", kMcoC},
    {TableKind::kMcoD, "T_MCOaaD", kMcoD},
}};

bool starts_with_table(std::string_view stem, std::string_view table) {
  if (stem.size() < table.size() || stem.substr(0, table.size()) != table) return false;
  return stem.size() == table.size() || stem[table.size()] == '_';
}

}  // namespace

const TableSpec& table_spec(TableKind kind) {
  return kSpecs[static_cast<size_t>(kind)];
}
std::span<const TableSpec> all_table_specs() {
  return kSpecs;
}

const ColumnSpec* find_column(const TableSpec& spec, std::string_view name) {
  for (const auto& c : spec.columns)
    if (c.name == name) return &c;
  return nullptr;
}

const char* table_kind_name(TableKind kind) {
  return table_spec(kind).pattern.data();
}

std::string table_instance_name(TableKind kind, int year) {
  if (!is_mco_table(kind)) return std::string(table_spec(kind).pattern);
  const char suffix = kind == TableKind::kMcoB ? 'B' : kind == TableKind::kMcoC ? 'C' : 'D';
  const int yy = year % 100;
  std::string s = "T_MCO";
  s += static_cast<char>('0' + yy / 10);
  s += static_cast<char>('0' + yy % 10);
  s += suffix;
  return s;
}

std::optional<TableName> parse_table_name(std::string_view name) {
  for (const auto& spec : kSpecs) {
    if (is_mco_table(spec.kind)) continue;
    if (name == spec.pattern) return TableName{spec.kind, std::string(name), 0};
  }
  // T_MCOyyX: two-digit discharge year, then B, C or D.
  if (name.size() == 8 && name.substr(0, 5) == "T_MCO" &&
      std::isdigit(static_cast<unsigned char>(name[5])) &&
      std::isdigit(static_cast<unsigned char>(name[6]))) {
    const int yy = (name[5] - '0') * 10 + (name[6] - '0');
    // PMSI MCO tables exist from 2006: read 00-69 as 20yy and 70-99 as 19yy.
    const int year = yy < 70 ? 2000 + yy : 1900 + yy;
    TableKind kind;
    switch (name[7]) {
      case 'B':
        kind = TableKind::kMcoB;
        break;
      case 'C':
        kind = TableKind::kMcoC;
        break;
      case 'D':
        kind = TableKind::kMcoD;
        break;
      default:
        return std::nullopt;
    }
    return TableName{kind, std::string(name), year};
  }
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
  } else {
    return std::nullopt;
  }
  // Table names match in any case: deliveries come as ir_ben_r.csv as often as IR_BEN_R.csv.
  std::string upper(stem);
  for (auto& ch : upper) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  stem = upper;
  for (const auto& spec : kSpecs) {
    if (is_mco_table(spec.kind)) continue;
    if (starts_with_table(stem, spec.pattern))
      return TableName{spec.kind, std::string(spec.pattern), 0};
  }
  if (stem.size() >= 8) {
    auto t = parse_table_name(stem.substr(0, 8));
    if (t && (stem.size() == 8 || stem[8] == '_')) return t;
  }
  return std::nullopt;
}

std::string_view canonical_column_name(TableKind kind, std::string_view header_name) {
  if (header_name == "NUM_ENQ") {
    if (kind == TableKind::kMcoC) return "NIR_ANO_17";
    if (kind == TableKind::kIrBenR || kind == TableKind::kErPrsF) return "BEN_NIR_PSA";
  }
  return header_name;
}

}  // namespace snds
