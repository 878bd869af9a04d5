// Rows of the care tables (care_tables.hpp) from one patient's records.
#include "synth/care_tables.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "core/date.hpp"
#include "synth/catalogs.hpp"
#include "synth/rng.hpp"

namespace snds::synth {
namespace {

constexpr const char* kDcirKeys =
    "DCT_ORD_NUM;FLX_DIS_DTD;FLX_EMT_NUM;FLX_EMT_ORD;FLX_EMT_TYP;"
    "FLX_TRT_DTD;ORG_CLE_NUM;PRS_ORD_NUM;REM_TYP_AFF";

std::string keys_of(const DcirKey& k) {
  return fmt::format("{};{};{};{};{};{};01{}0000;{};{}", k.dct_ord_num,
                     format_iso_date(k.flx_dis_dtd), k.flx_emt_num, int{k.flx_emt_ord},
                     int{k.flx_emt_typ}, format_iso_date(k.flx_trt_dtd),
                     departments()[k.org_department].code, int{k.prs_ord_num}, int{k.rem_typ_aff});
}

std::string rsa_text(int64_t rsa) {
  return fmt::format("{:010d}", rsa);
}

void add(CareTablesText& out, const std::string& table, const std::string& row) {
  out.text[table] += row;
  ++out.rows[table];
}

std::string mco_a_name(int year) {
  return fmt::format("T_MCO{:02d}A", year % 100);
}

}  // namespace

void CareTablesText::append(const CareTablesText& other) {
  for (const auto& [t, s] : other.text) text[t] += s;
  for (const auto& [t, n] : other.rows) rows[t] += n;
}

std::string care_table_header(const std::string& table) {
  if (table == "IR_IMB_R")
    return "BEN_NIR_PSA;BEN_RNG_GEM;IMB_ALD_DTD;IMB_ALD_DTF;IMB_ALD_NUM;IMB_ETM_NAT;MED_MTF_COD;"
           "MED_NCL_IDT\n";
  if (table == "ER_CAM_F") return std::string(kDcirKeys) + ";CAM_PRS_IDE\n";
  if (table == "ER_BIO_F") return std::string(kDcirKeys) + ";BIO_PRS_IDE;BIO_ACT_QSN\n";
  if (table == "KI_CCI_R")
    return "BEN_IDT_ANO;BEN_NIR_ANO;BEN_DCD_DTE;DCD_CIM_COD;DCD_IDT_ENC;BEN_NAI_ANN;"
           "BEN_SEX_COD\n";
  if (table == "KI_ECD_R") return "DCD_IDT_ENC;ECD_CAU_RNG;ECD_CIM_COD\n";
  if (table == "ER_ETE_F") return std::string(kDcirKeys) + ";ETB_EXE_FIN;ETE_CAT_COD;ETE_IND_TAA\n";
  return "ETA_NUM;RSA_NUM;CDC_ACT;ENT_DAT_DEL\n";  // T_MCOaaA
}

std::vector<std::string> care_table_names(const GeneratorOptions& o) {
  std::vector<std::string> names = {"IR_IMB_R", "ER_CAM_F", "ER_BIO_F",
                                    "KI_CCI_R", "KI_ECD_R", "ER_ETE_F"};
  for (int y = o.first_year; y <= o.last_year; ++y) names.push_back(mco_a_name(y));
  return names;
}

void care_rows(const GeneratorOptions& o, const DrugReferential& referential,
               const PatientRecords& r, CareTablesText& out) {
  Rng rng(stream_key(o.seed, Stream::kCareTables, r.index));
  const std::string nir(r.nir.data(), r.nir.size());
  const Date period_end = days_from_civil(o.last_year, 12, 31);

  // Conditions from treatments: the first dispensing date of diabetes drugs and levothyroxine.
  // The pharmacy row only has its keys: its date is its document's (ER_PRS_F rows).
  std::vector<std::pair<int64_t, Date>> document_date;
  document_date.reserve(r.prs.size());
  for (const PrsRow& l : r.prs) document_date.emplace_back(l.key.dct_ord_num, l.exe_soi_dtd);
  std::sort(document_date.begin(), document_date.end());
  Date first_a10 = kMissingDate, first_h03 = kMissingDate;
  for (const PhaRow& p : r.pha) {
    if (p.boxes <= 0 || p.orphan) continue;
    const std::string_view atc = drug_catalog()[referential.at(p.cip).drug].atc;
    auto it = std::lower_bound(document_date.begin(), document_date.end(),
                               std::pair<int64_t, Date>{p.key.dct_ord_num, INT32_MIN});
    if (it == document_date.end() || it->first != p.key.dct_ord_num) continue;
    const Date date = it->second;
    if (atc.starts_with("A10") && (first_a10 == kMissingDate || date < first_a10)) first_a10 = date;
    if (atc.starts_with("H03") && (first_h03 == kMissingDate || date < first_h03)) first_h03 = date;
  }

  // ---- IR_IMB_R: ALD periods consistent with diseases (not every patient applies for one).
  if (r.in_ir_ben_r) {
    auto period = [&](Date start, int ald, std::string_view code, int etm = 41) {
      std::string end;
      const double u = rng.uniform();
      if (u < 0.35) {
        end = "";  // open
      } else if (u < 0.7) {
        end = "1600-01-01";  // open, the SNDS's missing date
      } else {
        end = format_iso_date(static_cast<Date>(start + rng.range(365, 2200)));
      }
      add(out, "IR_IMB_R",
          fmt::format("{};{};{};{};{};{};{};CIM10\n", nir, r.rng_gem, format_iso_date(start), end,
                      ald, etm, code));
    };
    if (first_a10 != kMissingDate && rng.chance(0.85))
      period(static_cast<Date>(first_a10 - rng.range(0, 900)), 8, "E119");
    if (first_h03 != kMissingDate && rng.chance(0.05))  // rare: a thyroid ALD (hors liste)
      period(static_cast<Date>(first_h03 - rng.range(0, 300)), 31, "E039");
    bool cancer = false, heart = false;
    for (const StayRow& s : r.stays) {
      const std::string_view dx = s.dp.starts_with("C") ? s.dp : s.dr;
      if (!cancer && dx.starts_with("C") && rng.chance(0.9)) {
        cancer = true;
        period(static_cast<Date>(s.admission - rng.range(0, 60)), 30, dx);
      }
      if (!heart && (s.dp.starts_with("I50") || s.dp.starts_with("I48")) && rng.chance(0.6)) {
        heart = true;
        period(static_cast<Date>(s.admission + rng.range(0, 90)), 5, s.dp);
      }
    }
    if (rng.chance(0.004))  // a work accident exoneration: no long-term disease
      period(days_from_civil(o.first_year, 1, 1) + rng.range(0, 1000), 0, "S620", 11);
  }

  // ---- ER_CAM_F and ER_BIO_F: on the lines of their kind, with the lines' own 9 keys.
  for (const PrsRow& l : r.prs) {
    const std::string keys = keys_of(l.key);
    switch (l.nature) {
      case 1411: {  // imaging
        static constexpr const char* kImaging[] = {"ZBQK002", "ZCQK002", "ACQK001"};
        add(out, "ER_CAM_F", fmt::format("{};{}\n", keys, kImaging[rng.below(3)]));
        break;
      }
      case 1112:  // specialist: an ECG now and then
        if (rng.chance(0.3)) add(out, "ER_CAM_F", keys + ";DEQP003\n");
        break;
      case 1311:
        add(out, "ER_CAM_F", keys + (rng.chance(0.5) ? ";HBMD058\n" : ";HBMD053\n"));
        break;
      case 7101: {  // lab tests: a blood count, HbA1c for treated diabetics, TSH on levothyroxine
        const int sign = l.quantity < 0 ? -1 : 1;
        add(out, "ER_BIO_F", fmt::format("{};1104;{}\n", keys, sign));
        if (rng.chance(0.5)) add(out, "ER_BIO_F", fmt::format("{};1610;{}\n", keys, sign));
        if (first_a10 != kMissingDate && l.exe_soi_dtd >= first_a10 && rng.chance(0.8))
          add(out, "ER_BIO_F", fmt::format("{};1577;{}\n", keys, sign));
        if (first_h03 != kMissingDate && rng.chance(0.7))
          add(out, "ER_BIO_F", fmt::format("{};1208;{}\n", keys, sign));
        break;
      }
      default:
        break;
    }
  }

  // ---- ER_ETE_F: the establishment of specialist, imaging and lab lines done in one: a public
  // hospital's outpatient activity (ETE_IND_TAA 1: the PMSI has it, the DCIR cleaning rule leaves
  // it out) or a private clinic's (0). Its own stream, so the other tables do not move.
  Rng ete(stream_key(o.seed, Stream::kCareTables, r.index ^ 0xe7e0f00dULL));
  for (const PrsRow& l : r.prs) {
    if (l.nature != 1112 && l.nature != 1411 && l.nature != 7101) continue;
    const double u = ete.uniform();
    if (u >= 0.18) continue;  // a practitioner's office: no ER_ETE_F row
    const bool hospital = u < 0.08;
    const int category = hospital ? (ete.chance(0.3) ? 101 : 355) : 365;  // CHR, CH; clinic
    add(out, "ER_ETE_F",
        fmt::format("{};{}{:07d};{};{}\n", keys_of(l.key), hospital ? "75" : "69",
                    ete.range(0, 9999999), category, hospital ? 1 : 0));
  }

  // ---- T_MCOaaA: surgery in hip fracture stays, an ECG in infarctions, a chest X-ray often.
  for (const StayRow& s : r.stays) {
    const std::string eta(s.eta.data(), s.eta.size());
    const std::string head = fmt::format("{};{};", eta, rsa_text(s.rsa));
    const std::string table = mco_a_name(s.year);
    if (s.dp.starts_with("S72")) {
      static constexpr const char* kHip[] = {"NEKA020", "NBCA010", "NBCA006"};
      add(out, table, fmt::format("{}{};{}\n", head, kHip[rng.below(3)], rng.range(0, 2)));
    }
    if (s.dp.starts_with("I21")) add(out, table, head + "DEQP003;0\n");
    if (s.los > 0 && rng.chance(0.4)) add(out, table, head + "ZBQK002;\n");  // delay missing
  }

  // ---- KI_CCI_R, KI_ECD_R: certificates for most deaths, sometimes another date; rarely a
  // certificate for someone IR_BEN_R still has alive.
  Date cert_date = kMissingDate;
  if (r.death != kMissingDate) {
    if (rng.chance(0.9)) {
      cert_date = r.death;
      if (rng.chance(0.06)) cert_date = static_cast<Date>(cert_date + rng.range(-40, 40));
    }
  } else if (r.birth_year <= o.last_year - 85 && rng.chance(0.003)) {
    cert_date = static_cast<Date>(period_end - rng.range(0, 200));
  }
  if (cert_date != kMissingDate) {
    std::string cause;
    for (const StayRow& s : r.stays)
      if (s.sor_mod == '9') cause = std::string(s.dp);
    if (cause.empty()) {
      static constexpr const char* kCauses[] = {"I219", "C349", "J189", "I64",
                                                "F03",  "I500", "C509", "R99"};
      cause = kCauses[rng.below(8)];
    }
    const std::string id =
        fmt::format("{:016x}", stream_key(o.seed, Stream::kCareTables, r.index ^ 0xdeadULL));
    add(out, "KI_CCI_R",
        fmt::format("{};{};{};{};{};{};{}\n", std::string(r.idt.data(), r.idt.size()), nir,
                    format_iso_date(cert_date), cause, id, r.birth_year, r.sex));
    int rank = 1;
    if (first_a10 != kMissingDate) add(out, "KI_ECD_R", fmt::format("{};{};E119\n", id, rank++));
    if (rng.chance(0.5)) add(out, "KI_ECD_R", fmt::format("{};{};I10\n", id, rank++));
  }
}

}  // namespace snds::synth
