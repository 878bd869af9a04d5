// What the generator's files look like: the tables of an extract (IR_BEN_R, ER_PRS_F, ER_PHA_F and
// T_MCOaaB/C/D per year, plus IR_PHA_R), their columns (the reference's, then extra realistic
// ones), and the per-file format (date form, decimal comma, NUM_ENQ, column order, extra columns,
// gzip) drawn from (seed, table, part index) only.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/catalog.hpp"
#include "synth/csv_text.hpp"
#include "synth/options.hpp"

namespace snds::synth {

enum class Col : uint8_t {
  kBenNirPsa,
  kBenRngGem,
  kBenSexCod,
  kBenNaiAnn,
  kBenNaiMoi,
  kBenResDpt,
  kBenDcdDte,
  kBenCdiNir,
  kBenIdtAno,
  kOrgAffBen,
  kDctOrdNum,
  kFlxDisDtd,
  kFlxEmtNum,
  kFlxEmtOrd,
  kFlxEmtTyp,
  kFlxTrtDtd,
  kOrgCleNum,
  kPrsOrdNum,
  kRemTypAff,
  kExeSoiDtd,
  kPrsNatRef,
  kPrsActQte,
  kPrsPaiMnt,
  kDpnQlf,
  kBseRemMnt,
  kCplMajTop,
  kPseSpeCod,
  kPspSpeCod,
  kPrsPpuSec,
  kPhaPrsC13,
  kPhaActQsn,
  kPhaOrdNum,
  kPhaCipC13,
  kPhaAtcC07,
  kPhaCndTop,
  kPhaMedNom,
  kPhaGrpGen,
  kEtaNum,
  kRsaNum,
  kDgnPal,
  kDgnRel,
  kGrgGhm,
  kSejNbj,
  kSejTyp,
  kSorMod,
  kEntMod,
  kNirAno17,
  kExeSoiDtf,
  kNirRet,
  kNaiRet,
  kSexRet,
  kSejRet,
  kFhoRet,
  kPmsRet,
  kDatRet,
  kEntDat,
  kSorDat,
  kAssDgn,
};
inline constexpr size_t kColCount = static_cast<size_t>(Col::kAssDgn) + 1;

enum class ValueKind : uint8_t { kString, kNumber, kDate };

struct ColumnDef {
  Col col;
  std::string_view name;  // the catalog's
  bool extra;             // written only in files with the extra_columns quirk
  ValueKind value;  // from the catalog's type; for malformed rows: which fields can hold a bad
                    // date or a bad number
};

// Columns of a table in their natural order: the reference's first, then the extras. Names and
// types are the catalog's (core/catalog.hpp); the generator says only which columns it writes.
std::span<const ColumnDef> table_columns(TableKind kind);
const ColumnDef& column_def(TableKind kind, Col col);

// One table of the extract as written: "ER_PRS_F", "T_MCO19B"...
struct TableSlot {
  TableKind kind;
  int year = 0;  // PMSI tables
  std::string name;
};

// The per-part tables in a fixed order: IR_BEN_R, ER_PRS_F, ER_PHA_F, then B, C, D per year.
// IR_PHA_R is not among them (one file, written by rank 0).
std::vector<TableSlot> table_slots(const GeneratorOptions& options);
inline constexpr size_t kSlotIrBenR = 0, kSlotErPrsF = 1, kSlotErPhaF = 2, kFirstMcoSlot = 3;
inline size_t mco_slot(const GeneratorOptions& o, int year, TableKind kind) {
  return kFirstMcoSlot + static_cast<size_t>(year - o.first_year) * 3 +
         (kind == TableKind::kMcoB   ? 0
          : kind == TableKind::kMcoC ? 1
                                     : 2);
}

struct FileFormat {
  DateForm date_form = DateForm::kIso;
  bool missing_as_1600 = false;
  bool decimal_comma = false;
  bool num_enq = false;
  bool shuffled = false;
  bool extra_columns = false;
  bool gzip = false;
  std::vector<Col> columns;  // output order

  std::string header(TableKind kind) const;  // the header line, with its '\n'
};

// The format of part `part` of a table (IR_PHA_R: part 0). Depends on (seed, table, part) and the
// quirk rates only.
FileFormat choose_format(const GeneratorOptions& options, TableKind kind, std::string_view table,
                         uint32_t part);

const char* date_form_name(DateForm f);  // "iso", "dmy", "sas"

}  // namespace snds::synth
