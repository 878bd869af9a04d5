// Column lists of the generated tables and the per-file format draw.
#include "synth/table_layout.hpp"

#include <algorithm>

#include "core/error.hpp"
#include "synth/rng.hpp"

namespace snds::synth {
namespace {

using V = ValueKind;

constexpr ColumnDef kIrBenR[] = {
    {Col::kBenNirPsa, "BEN_NIR_PSA", false, V::kString},
    {Col::kBenRngGem, "BEN_RNG_GEM", false, V::kNumber},
    {Col::kBenSexCod, "BEN_SEX_COD", false, V::kString},
    {Col::kBenNaiAnn, "BEN_NAI_ANN", false, V::kNumber},
    {Col::kBenNaiMoi, "BEN_NAI_MOI", false, V::kNumber},
    {Col::kBenResDpt, "BEN_RES_DPT", false, V::kString},
    {Col::kBenDcdDte, "BEN_DCD_DTE", false, V::kDate},
    {Col::kBenCdiNir, "BEN_CDI_NIR", true, V::kString},
    {Col::kBenIdtAno, "BEN_IDT_ANO", true, V::kString},
    {Col::kOrgAffBen, "ORG_AFF_BEN", true, V::kString},
};

#define SNDS_DCIR_KEYS                                       \
  {Col::kDctOrdNum, "DCT_ORD_NUM", false, V::kNumber},       \
      {Col::kFlxDisDtd, "FLX_DIS_DTD", false, V::kDate},     \
      {Col::kFlxEmtNum, "FLX_EMT_NUM", false, V::kNumber},   \
      {Col::kFlxEmtOrd, "FLX_EMT_ORD", false, V::kNumber},   \
      {Col::kFlxEmtTyp, "FLX_EMT_TYP", false, V::kNumber},   \
      {Col::kFlxTrtDtd, "FLX_TRT_DTD", false, V::kDate},     \
      {Col::kOrgCleNum, "ORG_CLE_NUM", false, V::kString},   \
      {Col::kPrsOrdNum, "PRS_ORD_NUM", false, V::kNumber}, { \
    Col::kRemTypAff, "REM_TYP_AFF", false, V::kNumber        \
  }

constexpr ColumnDef kErPrsF[] = {
    SNDS_DCIR_KEYS,
    {Col::kBenNirPsa, "BEN_NIR_PSA", false, V::kString},
    {Col::kBenRngGem, "BEN_RNG_GEM", false, V::kNumber},
    {Col::kExeSoiDtd, "EXE_SOI_DTD", false, V::kDate},
    {Col::kPrsNatRef, "PRS_NAT_REF", false, V::kNumber},
    {Col::kPrsActQte, "PRS_ACT_QTE", false, V::kNumber},
    {Col::kPrsPaiMnt, "PRS_PAI_MNT", false, V::kNumber},
    {Col::kDpnQlf, "DPN_QLF", false, V::kNumber},
    {Col::kBseRemMnt, "BSE_REM_MNT", false, V::kNumber},
    {Col::kCplMajTop, "CPL_MAJ_TOP", true, V::kNumber},
    {Col::kPseSpeCod, "PSE_SPE_COD", true, V::kString},
    {Col::kPspSpeCod, "PSP_SPE_COD", false, V::kString},
    {Col::kPrsPpuSec, "PRS_PPU_SEC", true, V::kString},
};

constexpr ColumnDef kErPhaF[] = {
    SNDS_DCIR_KEYS,
    {Col::kPhaPrsC13, "PHA_PRS_C13", false, V::kString},
    {Col::kPhaActQsn, "PHA_ACT_QSN", false, V::kNumber},
    {Col::kPhaOrdNum, "PHA_ORD_NUM", true, V::kString},
};
#undef SNDS_DCIR_KEYS

constexpr ColumnDef kIrPhaR[] = {
    {Col::kPhaCipC13, "PHA_CIP_C13", false, V::kString},
    {Col::kPhaAtcC07, "PHA_ATC_C07", false, V::kString},
    {Col::kPhaCndTop, "PHA_CND_TOP", false, V::kString},  // cohort exposures by pack size
    {Col::kPhaMedNom, "PHA_MED_NOM", true, V::kString},
    {Col::kPhaGrpGen, "PHA_GRP_GEN", false, V::kString},
};

constexpr ColumnDef kMcoB[] = {
    {Col::kEtaNum, "ETA_NUM", false, V::kString}, {Col::kRsaNum, "RSA_NUM", false, V::kString},
    {Col::kDgnPal, "DGN_PAL", false, V::kString}, {Col::kDgnRel, "DGN_REL", false, V::kString},
    {Col::kGrgGhm, "GRG_GHM", false, V::kString}, {Col::kSejNbj, "SEJ_NBJ", false, V::kNumber},
    {Col::kSejTyp, "SEJ_TYP", true, V::kString},  {Col::kSorMod, "SOR_MOD", true, V::kString},
    {Col::kEntMod, "ENT_MOD", true, V::kString},
};

constexpr ColumnDef kMcoC[] = {
    {Col::kEtaNum, "ETA_NUM", false, V::kString},
    {Col::kRsaNum, "RSA_NUM", false, V::kString},
    {Col::kNirAno17, "NIR_ANO_17", false, V::kString},
    {Col::kExeSoiDtd, "EXE_SOI_DTD", false, V::kDate},
    {Col::kExeSoiDtf, "EXE_SOI_DTF", false, V::kDate},
    {Col::kNirRet, "NIR_RET", false, V::kString},
    {Col::kNaiRet, "NAI_RET", false, V::kString},
    {Col::kSexRet, "SEX_RET", false, V::kString},
    {Col::kSejRet, "SEJ_RET", false, V::kString},
    {Col::kFhoRet, "FHO_RET", false, V::kString},
    {Col::kPmsRet, "PMS_RET", false, V::kString},
    {Col::kDatRet, "DAT_RET", false, V::kString},
    {Col::kEntDat, "ENT_DAT", true, V::kString},
    {Col::kSorDat, "SOR_DAT", true, V::kString},
};

constexpr ColumnDef kMcoD[] = {
    {Col::kEtaNum, "ETA_NUM", false, V::kString},
    {Col::kRsaNum, "RSA_NUM", false, V::kString},
    {Col::kAssDgn, "ASS_DGN", false, V::kString},
};

// Per-file quirk draws: one independent uniform per (quirk, purpose).
double file_unit(uint64_t key, Quirk q, uint64_t purpose = 0) {
  return unit_of(hash_combine(key, static_cast<uint64_t>(q) * 16 + purpose));
}

}  // namespace

std::span<const ColumnDef> table_columns(TableKind kind) {
  switch (kind) {
    case TableKind::kIrBenR:
      return kIrBenR;
    case TableKind::kErPrsF:
      return kErPrsF;
    case TableKind::kErPhaF:
      return kErPhaF;
    case TableKind::kIrPhaR:
      return kIrPhaR;
    case TableKind::kMcoB:
      return kMcoB;
    case TableKind::kMcoC:
      return kMcoC;
    case TableKind::kMcoD:
      return kMcoD;
    case TableKind::kOther:  // the generator writes only the jobs' tables
      break;
  }
  return {};
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
