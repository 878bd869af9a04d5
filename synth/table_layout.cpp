// Column lists of the generated tables and the per-file format draw.
#include "synth/table_layout.hpp"

#include <algorithm>
#include <array>
#include <iterator>

#include "core/error.hpp"
#include "synth/rng.hpp"

namespace snds::synth {
namespace {

// The column each Col writes, by its catalog name (Col order). Only the name is said here: the
// type comes from the catalog (core/catalog.cpp), and a name it lacks fails at first use.
constexpr std::string_view kColumnNames[] = {
    "BEN_NIR_PSA", "BEN_RNG_GEM", "BEN_SEX_COD", "BEN_NAI_ANN", "BEN_NAI_MOI", "BEN_RES_DPT",
    "BEN_DCD_DTE", "BEN_CDI_NIR", "BEN_IDT_ANO", "ORG_AFF_BEN", "DCT_ORD_NUM", "FLX_DIS_DTD",
    "FLX_EMT_NUM", "FLX_EMT_ORD", "FLX_EMT_TYP", "FLX_TRT_DTD", "ORG_CLE_NUM", "PRS_ORD_NUM",
    "REM_TYP_AFF", "EXE_SOI_DTD", "PRS_NAT_REF", "PRS_ACT_QTE", "PRS_PAI_MNT", "DPN_QLF",
    "BSE_REM_MNT", "CPL_MAJ_TOP", "PSE_SPE_COD", "PSP_SPE_COD", "PRS_PPU_SEC", "PHA_PRS_C13",
    "PHA_ACT_QSN", "PHA_ORD_NUM", "PHA_CIP_C13", "PHA_ATC_C07", "PHA_CND_TOP", "PHA_MED_NOM",
    "PHA_GRP_GEN", "ETA_NUM",     "RSA_NUM",     "DGN_PAL",     "DGN_REL",     "GRG_GHM",
    "SEJ_NBJ",     "SEJ_TYP",     "SOR_MOD",     "ENT_MOD",     "NIR_ANO_17",  "EXE_SOI_DTF",
    "NIR_RET",     "NAI_RET",     "SEX_RET",     "SEJ_RET",     "FHO_RET",     "PMS_RET",
    "DAT_RET",     "ENT_DAT",     "SOR_DAT",     "ASS_DGN",
};
static_assert(std::size(kColumnNames) == kColCount);

// Which columns a table's files hold, in their natural order: the catalog's first, then the
// extras (written only under the extra_columns quirk).
struct Pick {
  Col col;
  bool extra = false;
};

constexpr Pick kIrBenR[] = {
    {Col::kBenNirPsa},       {Col::kBenRngGem},       {Col::kBenSexCod}, {Col::kBenNaiAnn},
    {Col::kBenNaiMoi},       {Col::kBenResDpt},       {Col::kBenDcdDte}, {Col::kBenCdiNir, true},
    {Col::kBenIdtAno, true}, {Col::kOrgAffBen, true},
};
// The 9 DCIR join keys, in kDcirJoinKeys order, open ER_PRS_F and ER_PHA_F.
constexpr Pick kDcirKeys[] = {
    {Col::kDctOrdNum}, {Col::kFlxDisDtd}, {Col::kFlxEmtNum}, {Col::kFlxEmtOrd}, {Col::kFlxEmtTyp},
    {Col::kFlxTrtDtd}, {Col::kOrgCleNum}, {Col::kPrsOrdNum}, {Col::kRemTypAff},
};
constexpr Pick kErPrsF[] = {
    {Col::kBenNirPsa},       {Col::kBenRngGem},       {Col::kExeSoiDtd}, {Col::kPrsNatRef},
    {Col::kPrsActQte},       {Col::kPrsPaiMnt},       {Col::kDpnQlf},    {Col::kBseRemMnt},
    {Col::kCplMajTop, true}, {Col::kPseSpeCod, true}, {Col::kPspSpeCod}, {Col::kPrsPpuSec, true},
};
constexpr Pick kErPhaF[] = {{Col::kPhaPrsC13}, {Col::kPhaActQsn}, {Col::kPhaOrdNum, true}};
constexpr Pick kIrPhaR[] = {
    {Col::kPhaCipC13},       {Col::kPhaAtcC07}, {Col::kPhaCndTop},  // cohort exposures by pack size
    {Col::kPhaMedNom, true}, {Col::kPhaGrpGen},
};
constexpr Pick kMcoB[] = {
    {Col::kEtaNum},       {Col::kRsaNum},       {Col::kDgnPal},
    {Col::kDgnRel},       {Col::kGrgGhm},       {Col::kSejNbj},
    {Col::kSejTyp, true}, {Col::kSorMod, true}, {Col::kEntMod, true},
};
constexpr Pick kMcoC[] = {
    {Col::kEtaNum}, {Col::kRsaNum}, {Col::kNirAno17},     {Col::kExeSoiDtd},    {Col::kExeSoiDtf},
    {Col::kNirRet}, {Col::kNaiRet}, {Col::kSexRet},       {Col::kSejRet},       {Col::kFhoRet},
    {Col::kPmsRet}, {Col::kDatRet}, {Col::kEntDat, true}, {Col::kSorDat, true},
};
constexpr Pick kMcoD[] = {{Col::kEtaNum}, {Col::kRsaNum}, {Col::kAssDgn}};

constexpr TableKind kGeneratedKinds[] = {TableKind::kIrBenR, TableKind::kErPrsF, TableKind::kErPhaF,
                                         TableKind::kIrPhaR, TableKind::kMcoB,   TableKind::kMcoC,
                                         TableKind::kMcoD};

// A malformed row's defect goes in a field whose in-memory type rejects it.
ValueKind value_kind(ColumnType t) {
  switch (t) {
    case ColumnType::kInt64:
    case ColumnType::kDecimal:
      return ValueKind::kNumber;
    case ColumnType::kDate:
      return ValueKind::kDate;
    case ColumnType::kString:
      break;
  }
  return ValueKind::kString;
}

std::vector<ColumnDef> resolve(TableKind kind) {
  std::vector<ColumnDef> defs;
  auto add = [&](std::span<const Pick> picks) {
    for (const Pick& p : picks) {
      const std::string_view name = kColumnNames[static_cast<size_t>(p.col)];
      const ColumnSpec* spec = find_column(table_spec(kind), name);
      if (spec == nullptr)
        throw internal_error("generator: column {} of {} is not in the catalog", name,
                             table_kind_name(kind));
      defs.push_back({p.col, spec->name, p.extra, value_kind(spec->type)});
    }
  };
  switch (kind) {
    case TableKind::kIrBenR:
      add(kIrBenR);
      break;
    case TableKind::kErPrsF:
      add(kDcirKeys);
      add(kErPrsF);
      break;
    case TableKind::kErPhaF:
      add(kDcirKeys);
      add(kErPhaF);
      break;
    case TableKind::kIrPhaR:
      add(kIrPhaR);
      break;
    case TableKind::kMcoB:
      add(kMcoB);
      break;
    case TableKind::kMcoC:
      add(kMcoC);
      break;
    case TableKind::kMcoD:
      add(kMcoD);
      break;
    case TableKind::kOther:  // the generator writes only the jobs' tables
      break;
  }
  return defs;
}

// Per-file quirk draws: one independent uniform per (quirk, purpose).
double file_unit(uint64_t key, Quirk q, uint64_t purpose = 0) {
  return unit_of(hash_combine(key, static_cast<uint64_t>(q) * 16 + purpose));
}

}  // namespace

std::span<const ColumnDef> table_columns(TableKind kind) {
  static const auto layouts = [] {
    std::array<std::vector<ColumnDef>, std::size(kGeneratedKinds)> all;
    for (const TableKind k : kGeneratedKinds) all[static_cast<size_t>(k)] = resolve(k);
    return all;
  }();
  const auto k = static_cast<size_t>(kind);
  return k < layouts.size() ? std::span<const ColumnDef>(layouts[k]) : std::span<const ColumnDef>();
}

const ColumnDef& column_def(TableKind kind, Col col) {
  for (const auto& c : table_columns(kind))
    if (c.col == col) return c;
  throw internal_error("generator: column {} is not in table {}", static_cast<int>(col),
                       table_kind_name(kind));
}

std::vector<TableSlot> table_slots(const GeneratorOptions& o) {
  std::vector<TableSlot> slots = {{TableKind::kIrBenR, 0, "IR_BEN_R"},
                                  {TableKind::kErPrsF, 0, "ER_PRS_F"},
                                  {TableKind::kErPhaF, 0, "ER_PHA_F"}};
  for (int y = o.first_year; y <= o.last_year; ++y)
    for (TableKind k : {TableKind::kMcoB, TableKind::kMcoC, TableKind::kMcoD})
      slots.push_back({k, y, table_instance_name(k, y)});
  return slots;
}

std::string FileFormat::header(TableKind kind) const {
  std::string h;
  for (size_t i = 0; i < columns.size(); ++i) {
    if (i) h += ';';
    const Col c = columns[i];
    if (num_enq && (c == Col::kBenNirPsa || c == Col::kNirAno17)) {
      h += "NUM_ENQ";
    } else {
      h += column_def(kind, c).name;
    }
  }
  h += '\n';
  return h;
}

FileFormat choose_format(const GeneratorOptions& o, TableKind kind, std::string_view table,
                         uint32_t part) {
  const QuirkSettings& q = o.quirks;
  const uint64_t key = hash_combine(stream_key(o.seed, Stream::kFile, hash_bytes(table)), part);
  FileFormat f;
  if (file_unit(key, Quirk::kDates) < q.rate(Quirk::kDates)) {
    // Each table's habitual form (DCIR dd/mm/yyyy, PMSI SAS datetimes), sometimes the other one.
    const DateForm natural = kind == TableKind::kMcoC ? DateForm::kSas : DateForm::kDmy;
    const DateForm other = natural == DateForm::kSas ? DateForm::kDmy : DateForm::kSas;
    f.date_form = file_unit(key, Quirk::kDates, 1) < 0.75 ? natural : other;
  }
  f.missing_as_1600 = file_unit(key, Quirk::kMissing1600) < q.rate(Quirk::kMissing1600);
  f.decimal_comma = file_unit(key, Quirk::kDecimalComma) < q.rate(Quirk::kDecimalComma);
  f.num_enq =
      (kind == TableKind::kIrBenR || kind == TableKind::kErPrsF || kind == TableKind::kMcoC) &&
      file_unit(key, Quirk::kNumEnq) < q.rate(Quirk::kNumEnq);
  f.extra_columns = file_unit(key, Quirk::kExtraColumns) < q.rate(Quirk::kExtraColumns);
  f.shuffled = file_unit(key, Quirk::kShuffle) < q.rate(Quirk::kShuffle);
  f.gzip = file_unit(key, Quirk::kGzip) < q.rate(Quirk::kGzip);
  for (const auto& c : table_columns(kind))
    // The persons quirk needs BEN_IDT_ANO in every IR_BEN_R file: it is what links them.
    if (!c.extra || f.extra_columns || (c.col == Col::kBenIdtAno && q.rate(Quirk::kPersons) > 0))
      f.columns.push_back(c.col);
  if (f.shuffled) {
    Rng r(hash_combine(key, 0xc01));
    for (size_t i = f.columns.size() - 1; i > 0; --i)
      std::swap(f.columns[i], f.columns[r.below(static_cast<uint32_t>(i + 1))]);
  }
  return f;
}

const char* date_form_name(DateForm f) {
  switch (f) {
    case DateForm::kIso:
      return "iso";
    case DateForm::kDmy:
      return "dmy";
    case DateForm::kSas:
      return "sas";
  }
  return "?";
}

}  // namespace snds::synth
