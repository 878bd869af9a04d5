// CSV rows of the generated tables. Each row reserves its worst case (kMaxRow) once; fields are
// then written through a raw pointer. Quoting is decided per row from (seed, patient, table, row
// number), so a row's text depends on its patient and its file's format only.
#include "synth/row_formatter.hpp"

#include <algorithm>
#include <cmath>

#include "core/error.hpp"
#include "synth/catalogs.hpp"
#include "synth/rng.hpp"

namespace snds::synth {
namespace {

using namespace text;

constexpr size_t kMaxRow = 1024;  // the widest row is ~300 bytes, quoted

// Writes one row: fields in the file's order, ';'-separated, each in quotes when `quoted`.
template <typename Field>
inline char* put_row(char* p, const std::vector<Col>& cols, bool quoted, Field&& field) {
  const size_t n = cols.size();
  for (size_t i = 0; i < n; ++i) {
    if (i) *p++ = ';';
    if (quoted) {
      *p++ = '"';
      p = field(p, cols[i]);
      *p++ = '"';
    } else {
      p = field(p, cols[i]);
    }
  }
  *p++ = '\n';
  return p;
}

// ORG_CLE_NUM and ORG_AFF_BEN: "01" + department + "0000" (9 characters, leading zero kept).
inline char* put_org(char* p, uint16_t department) {
  *p++ = '0';
  *p++ = '1';
  p = put_fixed<3>(p, departments()[department].code.data());
  return put_fixed<4>(p, "0000");
}

inline char* put_rsa(char* p, int64_t rsa) {
  const auto v = static_cast<uint64_t>(rsa);
  int width = 10;
  for (uint64_t lim = 10000000000ULL; v >= lim && width < 20; lim *= 10) ++width;
  return put_padded(p, v, width);
}

inline char* put_ddmmyyyy(char* p, Date d) {  // ENT_DAT / SOR_DAT: 8 characters, no separator
  const CivilDate c = civil_from_days(d);
  p = put_2digits(p, c.day);
  p = put_2digits(p, c.month);
  return put_padded(p, static_cast<uint64_t>(c.year), 4);
}

inline char* put_key_field(char* p, Col c, const DcirKey& k, const FileFormat& f, bool& handled) {
  handled = true;
  switch (c) {
    case Col::kDctOrdNum:
      return put_i64(p, k.dct_ord_num);
    case Col::kFlxDisDtd:
      return put_date(p, k.flx_dis_dtd, f.date_form, f.missing_as_1600);
    case Col::kFlxEmtNum:
      return put_i64(p, k.flx_emt_num);
    case Col::kFlxEmtOrd:
      return put_i64(p, k.flx_emt_ord);
    case Col::kFlxEmtTyp:
      return put_i64(p, k.flx_emt_typ);
    case Col::kFlxTrtDtd:
      return put_date(p, k.flx_trt_dtd, f.date_form, f.missing_as_1600);
    case Col::kOrgCleNum:
      return put_org(p, k.org_department);
    case Col::kPrsOrdNum:
      return put_i64(p, k.prs_ord_num);
    case Col::kRemTypAff:
      return put_i64(p, k.rem_typ_aff);
    default:
      handled = false;
      return p;
  }
}

}  // namespace

RowFormatter::RowFormatter(const GeneratorOptions& options, const DrugReferential& referential,
                           std::vector<TableSlot> slots, std::vector<FileFormat> formats)
    : options_(options),
      referential_(referential),
      slots_(std::move(slots)),
      formats_(std::move(formats)) {
  if (slots_.size() != formats_.size())
    throw internal_error("generator: one format per table slot expected");
}

void RowFormatter::write_patient(const PatientRecords& r, BlockText& out) const {
  const double quote_rate = options_.quirks.rate(Quirk::kQuotes);
  const uint64_t quote_key = stream_key(options_.seed, Stream::kQuote, r.index);
  uint64_t row_counter[3] = {0, 0, 0};  // per table family: BEN, PRS, PHA (PMSI shares the last)
  auto quoted = [&](size_t family) {
    if (quote_rate <= 0) return false;
    const uint64_t n = row_counter[family]++;
    if (unit_of(hash_combine(quote_key, (uint64_t{family} << 40) | n)) >= quote_rate) return false;
    ++out.quoted_rows;
    return true;
  };

  // One IR_BEN_R row per pseudo-NIR (two under the persons quirk, one BEN_IDT_ANO).
  for (int k = 0; r.in_ir_ben_r && k < (r.nir2_from == kMissingDate ? 1 : 2); ++k) {
    const FileFormat& f = formats_[kSlotIrBenR];
    CharBuf& buf = out.text[kSlotIrBenR];
    char* p = buf.reserve(kMaxRow);
    p = put_row(p, f.columns, quoted(0), [&](char* q, Col c) -> char* {
      switch (c) {
        case Col::kBenNirPsa:
          return put_fixed<17>(q, (k == 0 ? r.nir : r.nir2).data());
        case Col::kBenRngGem:
          return put_i64(q, r.rng_gem);
        case Col::kBenSexCod:
          *q = static_cast<char>('0' + r.sex);
          return q + 1;
        case Col::kBenNaiAnn:
          return put_padded(
              q, static_cast<uint64_t>(r.birth_year + (k == 1 && r.nir2_birth_year_off ? 1 : 0)),
              4);
        case Col::kBenNaiMoi:
          return put_2digits(q, static_cast<unsigned>(r.birth_month));
        case Col::kBenResDpt:
          return put_fixed<3>(q, departments()[r.department].code.data());
        case Col::kBenDcdDte:
          return put_date(q, r.death, f.date_form, f.missing_as_1600);
        case Col::kBenCdiNir:
          return put_fixed<2>(q, "00");
        case Col::kBenIdtAno:
          return put_fixed<17>(q, r.idt.data());
        case Col::kOrgAffBen:
          return put_org(q, r.department);
        default:
          return q;
      }
    });
    buf.commit(p);
    ++out.rows[kSlotIrBenR];
  }

  {
    const FileFormat& f = formats_[kSlotErPrsF];
    CharBuf& buf = out.text[kSlotErPrsF];
    for (const PrsRow& row : r.prs) {
      char* p = buf.reserve(kMaxRow);
      p = put_row(p, f.columns, quoted(1), [&](char* q, Col c) -> char* {
        bool key = false;
        q = put_key_field(q, c, row.key, f, key);
        if (key) return q;
        switch (c) {
          case Col::kBenNirPsa:
            return put_fixed<17>(q, r.nir_on(row.exe_soi_dtd).data());
          case Col::kBenRngGem:
            return put_i64(q, r.rng_gem);
          case Col::kExeSoiDtd:
            return put_date(q, row.exe_soi_dtd, f.date_form, f.missing_as_1600);
          case Col::kPrsNatRef:
            return put_i64(q, row.nature);
          case Col::kPrsActQte:
            return put_i64(q, row.quantity);
          case Col::kPrsPaiMnt:
            return put_cents(q, row.paid_cents, f.decimal_comma);
          case Col::kDpnQlf:
            return put_i64(q, row.dpn_qlf);
          case Col::kBseRemMnt:
            return put_cents(q, row.base_cents, f.decimal_comma);
          case Col::kCplMajTop:
            return put_i64(q, row.cpl_maj_top);
          case Col::kPseSpeCod:
            return put_2digits(q, row.exec_specialty);
          case Col::kPspSpeCod:
            return row.presc_specialty ? put_2digits(q, row.presc_specialty) : q;
          case Col::kPrsPpuSec:
            return put_i64(q, row.sector);
          default:
            return q;
        }
      });
      buf.commit(p);
    }
    out.rows[kSlotErPrsF] += r.prs.size();
  }

  {
    const FileFormat& f = formats_[kSlotErPhaF];
    CharBuf& buf = out.text[kSlotErPhaF];
    for (const PhaRow& row : r.pha) {
      char* p = buf.reserve(kMaxRow);
      p = put_row(p, f.columns, quoted(2), [&](char* q, Col c) -> char* {
        bool key = false;
        q = put_key_field(q, c, row.key, f, key);
        if (key) return q;
        switch (c) {
          case Col::kPhaPrsC13:
            return put_fixed<13>(q, referential_.at(row.cip).cip.data());
          case Col::kPhaActQsn:
            return put_i64(q, row.boxes);
          case Col::kPhaOrdNum:
            return put_i64(q, row.line);
          default:
            return q;
        }
      });
      buf.commit(p);
    }
    out.rows[kSlotErPhaF] += r.pha.size();
  }

  for (const StayRow& s : r.stays) {
    const size_t b = mco_slot(options_, s.year, TableKind::kMcoB);
    {
      const FileFormat& f = formats_[b];
      CharBuf& buf = out.text[b];
      char* p = buf.reserve(kMaxRow);
      p = put_row(p, f.columns, quoted(2), [&](char* q, Col c) -> char* {
        switch (c) {
          case Col::kEtaNum:
            return put_fixed<9>(q, s.eta.data());
          case Col::kRsaNum:
            return put_rsa(q, s.rsa);
          case Col::kDgnPal:
            return put_short(q, s.dp);
          case Col::kDgnRel:
            return put_short(q, s.dr);
          case Col::kGrgGhm:
            return put_fixed<6>(q, s.ghm.data());
          case Col::kSejNbj:
            return put_i64(q, s.los);
          case Col::kSejTyp:
            if (s.sej_typ) *q++ = s.sej_typ;
            return q;
          case Col::kSorMod:
            *q = s.sor_mod;
            return q + 1;
          case Col::kEntMod:
            *q = s.ent_mod;
            return q + 1;
          default:
            return q;
        }
      });
      buf.commit(p);
      ++out.rows[b];
    }
    {
      const size_t cs = b + 1;
      const FileFormat& f = formats_[cs];
      CharBuf& buf = out.text[cs];
      char* p = buf.reserve(kMaxRow);
      p = put_row(p, f.columns, quoted(2), [&](char* q, Col c) -> char* {
        switch (c) {
          case Col::kEtaNum:
            return put_fixed<9>(q, s.eta.data());
          case Col::kRsaNum:
            return put_rsa(q, s.rsa);
          case Col::kNirAno17:
            if (s.placeholder == 'x') return put_fixed<17>(q, "xxxxxxxxxxxxxxxxx");
            if (s.placeholder == 'D') return put_fixed<17>(q, "XXXXXXXXXXXXXXXXD");
            return put_fixed<17>(q, r.nir_on(s.admission).data());
          case Col::kExeSoiDtd:
            return put_date(q, s.admission, f.date_form, f.missing_as_1600);
          case Col::kExeSoiDtf:
            return put_date(q, s.discharge, f.date_form, f.missing_as_1600);
          case Col::kNirRet:
            *q = s.ret[0];
            return q + 1;
          case Col::kNaiRet:
            *q = s.ret[1];
            return q + 1;
          case Col::kSexRet:
            *q = s.ret[2];
            return q + 1;
          case Col::kSejRet:
            *q = s.ret[3];
            return q + 1;
          case Col::kFhoRet:
            *q = s.ret[4];
            return q + 1;
          case Col::kPmsRet:
            *q = s.ret[5];
            return q + 1;
          case Col::kDatRet:
            *q = s.ret[6];
            return q + 1;
          case Col::kEntDat:
            return put_ddmmyyyy(q, s.admission);
          case Col::kSorDat:
            return put_ddmmyyyy(q, s.discharge);
          default:
            return q;
        }
      });
      buf.commit(p);
      ++out.rows[cs];
    }
    if (s.das_count) {
      const size_t ds = b + 2;
      const FileFormat& f = formats_[ds];
      CharBuf& buf = out.text[ds];
      for (uint16_t k = 0; k < s.das_count; ++k) {
        const std::string_view code = r.das[s.das_begin + k];
        char* p = buf.reserve(kMaxRow);
        p = put_row(p, f.columns, quoted(2), [&](char* q, Col c) -> char* {
          switch (c) {
            case Col::kEtaNum:
              return put_fixed<9>(q, s.eta.data());
            case Col::kRsaNum:
              return put_rsa(q, s.rsa);
            case Col::kAssDgn:
              return put_short(q, code);
            default:
              return q;
          }
        });
        buf.commit(p);
      }
      out.rows[ds] += s.das_count;
    }
  }
}

uint64_t write_referential(const GeneratorOptions& options, const DrugReferential& referential,
                           const FileFormat& f, CharBuf& out) {
  const double quote_rate = options.quirks.rate(Quirk::kQuotes);
  const uint64_t quote_key = stream_key(options.seed, Stream::kQuote, ~uint64_t{0});
  uint64_t rows = 0;
  for (uint32_t i = 0; i < referential.codes().size(); ++i) {
    const CipCode& c = referential.at(i);
    if (!c.referenced) continue;
    const std::string label = referential.label(i);
    const bool has_label =
        std::find(f.columns.begin(), f.columns.end(), Col::kPhaMedNom) != f.columns.end();
    // A label with ';' or '"' needs quotes; such rows are written fully quoted.
    const bool needs = has_label && label.find_first_of(";\"") != std::string::npos;
    const bool quoted =
        needs || (quote_rate > 0 && unit_of(hash_combine(quote_key, i)) < quote_rate);
    char* p = out.reserve(kMaxRow);
    p = put_row(p, f.columns, quoted, [&](char* q, Col col) -> char* {
      switch (col) {
        case Col::kPhaCipC13:
          return put_str(q, c.code());
        case Col::kPhaAtcC07:
          return put_str(q, drug_catalog()[c.drug].atc);
        case Col::kPhaCndTop:
          return put_str(q, c.pack_months == 3 ? "GC" : "PC");
        case Col::kPhaGrpGen: {
          // About 60% of the drugs have a generic group, shared by all their packs; drawn from
          // its own stream so the referential's other columns keep their values.
          Rng g(stream_key(options.seed, Stream::kGenericGroup, c.drug));
          if (!g.chance(0.6)) return q;
          return put_i64(q, 1000 + int64_t{c.drug} * 10 + g.range(0, 9));
        }
        case Col::kPhaMedNom:
          for (char ch : label) {
            if (ch == '"') *q++ = '"';  // "" inside a quoted field
            *q++ = ch;
          }
          return q;
        default:
          return q;
      }
    });
    out.commit(p);
    ++rows;
  }
  return rows;
}

std::string RowFormatter::malformed_row(size_t slot, uint64_t m) const {
  const TableKind kind = slots_[slot].kind;
  const FileFormat& f = formats_[slot];
  Rng r(hash_combine(stream_key(options_.seed, Stream::kMalformed, hash_bytes(slots_[slot].name)),
                     m));
  // A plausible row of the right shape first.
  std::vector<std::string> fields;
  std::vector<size_t> dates, numbers;
  for (size_t i = 0; i < f.columns.size(); ++i) {
    const ColumnDef& def = column_def(kind, f.columns[i]);
    char buf[64];
    char* p = buf;
    switch (def.value) {
      case ValueKind::kNumber:
        p = put_i64(p, r.range(1, 99));
        break;
      case ValueKind::kDate:
        p = put_civil(p, options_.first_year, static_cast<unsigned>(r.range(1, 12)),
                      static_cast<unsigned>(r.range(1, 28)), f.date_form);
        break;
      case ValueKind::kString:
        for (int k = 0; k < 9; ++k) *p++ = static_cast<char>('A' + r.below(26));
        break;
    }
    fields.emplace_back(buf, p);
    if (!def.extra && def.value == ValueKind::kDate) dates.push_back(i);
    if (!def.extra && def.value == ValueKind::kNumber) numbers.push_back(i);
  }
  // Then one defect, among those the table can have.
  const int kinds = 2 + (dates.empty() ? 0 : 1) + (numbers.empty() ? 0 : 1);
  int defect = static_cast<int>(r.below(static_cast<uint32_t>(kinds)));
  if (defect >= 2 && dates.empty()) ++defect;
  switch (defect) {
    case 0:
      fields.pop_back();
      break;
    case 1:
      fields.emplace_back("EXTRA");
      break;
    case 2: {
      static constexpr const char* kBadDate[] = {"2020-0A-15", "15/0A/2020", "15ABC2020:00:00:00"};
      fields[dates[r.below(static_cast<uint32_t>(dates.size()))]] =
          kBadDate[static_cast<int>(f.date_form)];
      break;
    }
    default:
      fields[numbers[r.below(static_cast<uint32_t>(numbers.size()))]] = "#VALUE!";
      break;
  }
  std::string line;
  for (size_t i = 0; i < fields.size(); ++i) {
    if (i) line += ';';
    line += fields[i];
  }
  line += '\n';
  return line;
}

uint64_t malformed_before(uint64_t rows, double rate) {
  if (rate <= 0) return 0;
  return static_cast<uint64_t>(std::floor(static_cast<double>(rows) * rate));
}

}  // namespace snds::synth
