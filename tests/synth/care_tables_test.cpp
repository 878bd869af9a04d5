// The care tables of `generate --care-tables` (synth/care_tables.hpp) hold what issue #13 part 4
// asks of them, checked over a few thousand generated patients: ALD periods consistent with the
// patient's diseases, HbA1c (NABM 1577) for treated diabetics, surgical CCAM acts in hip fracture
// stays, deaths in IR_BEN_R and KI_CCI_R that sometimes disagree or are missing in one, ER_ETE_F
// on their lines with public hospitals marked (docs/data-model.md, DCIR cleaning rules), every code
// a real one (core/nomenclature), and the persons and placeholder NIR_ANO_17 quirks at their rates.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/date.hpp"
#include "core/nomenclature/nomenclature.hpp"
#include "synth/care_tables.hpp"
#include "synth/catalogs.hpp"
#include "synth/drug_referential.hpp"
#include "synth/patient_model.hpp"

namespace snds::synth {
namespace {

constexpr uint64_t kPatients = 6000;

std::vector<std::string> fields(std::string_view line) {
  std::vector<std::string> out;
  size_t at = 0;
  while (true) {
    const size_t semi = line.find(';', at);
    out.emplace_back(line.substr(at, semi == std::string_view::npos ? semi : semi - at));
    if (semi == std::string_view::npos) return out;
    at = semi + 1;
  }
}

// Each table's rows split into fields.
std::map<std::string, std::vector<std::vector<std::string>>> table_rows(const CareTablesText& t) {
  std::map<std::string, std::vector<std::vector<std::string>>> out;
  for (const auto& [table, text] : t.text) {
    std::string_view rest = text;
    while (!rest.empty()) {
      const size_t nl = rest.find('\n');
      out[table].push_back(fields(rest.substr(0, nl)));
      rest = nl == std::string_view::npos ? std::string_view{} : rest.substr(nl + 1);
    }
  }
  return out;
}

// One patient's records and care tables, with what the tests compare them to.
struct Patient {
  PatientRecords records;
  std::map<std::string, std::vector<std::vector<std::string>>> care;
  Date first_a10 = kMissingDate;  // first dispensing of a diabetes drug
};

class GeneratorCareTables : public ::testing::Test {
 protected:
  static GeneratorOptions make_options() {
    GeneratorOptions o;
    o.patients = kPatients;
    o.seed = 7;
    o.care_tables = true;
    return o;
  }
  static void SetUpTestSuite() {
    const GeneratorOptions o = make_options();
    static const DrugReferential referential(o.seed, 0.01);
    const PatientModel model(o, referential);
    patients_ = new std::vector<Patient>(kPatients);
    for (uint64_t i = 0; i < kPatients; ++i) {
      Patient& p = (*patients_)[i];
      model.generate(i, p.records);
      CareTablesText text;
      care_rows(o, referential, p.records, text);
      p.care = table_rows(text);
      std::map<int64_t, Date> document_date;
      for (const PrsRow& l : p.records.prs) {  // a document's date: its earliest line's
        const auto [at, fresh] = document_date.emplace(l.key.dct_ord_num, l.exe_soi_dtd);
        if (!fresh && l.exe_soi_dtd < at->second) at->second = l.exe_soi_dtd;
      }
      for (const PhaRow& r : p.records.pha) {
        if (r.boxes <= 0 || r.orphan) continue;
        if (!drug_catalog()[referential.at(r.cip).drug].atc.starts_with("A10")) continue;
        const auto it = document_date.find(r.key.dct_ord_num);
        if (it != document_date.end() && (p.first_a10 == kMissingDate || it->second < p.first_a10))
          p.first_a10 = it->second;
      }
    }
  }
  static void TearDownTestSuite() {
    delete patients_;
    patients_ = nullptr;
  }
  static std::vector<Patient>* patients_;
};
std::vector<Patient>* GeneratorCareTables::patients_ = nullptr;

TEST_F(GeneratorCareTables, AldPeriodsFollowThePatientsDiseases) {
  size_t diabetics = 0, diabetics_in_ald8 = 0, ald_rows = 0;
  for (const Patient& p : *patients_) {
    std::set<std::string> stay_codes;
    for (const StayRow& s : p.records.stays) {
      stay_codes.emplace(s.dp);
      stay_codes.emplace(s.dr);
    }
    bool ald8 = false;
    const auto it = p.care.find("IR_IMB_R");
    if (it != p.care.end()) {
      for (const auto& row : it->second) {
        ++ald_rows;
        ASSERT_EQ(row.size(), 8u);
        const std::string& num = row[4];
        const std::string& code = row[6];
        if (row[5] == "11") continue;  // a work accident: no disease to match
        if (num == "8") {
          ald8 = true;
          EXPECT_NE(p.first_a10, kMissingDate) << "ALD 8 (diabetes) without a diabetes drug";
          EXPECT_EQ(code, "E119");
        } else if (num == "30" || num == "5") {
          EXPECT_TRUE(stay_codes.count(code)) << "ALD " << num << " " << code << " without a stay";
          EXPECT_EQ(code[0], num == "30" ? 'C' : 'I');
        } else {
          EXPECT_EQ(num, "31");  // hypothyroidism, off the list
          EXPECT_EQ(code, "E039");
        }
        // ICD-10 of the ALD the nomenclature files the code under (31: off the list, 99 there).
        EXPECT_TRUE(is_known_code(CodeSystem::kIcd10, code)) << code;
      }
    }
    if (p.first_a10 != kMissingDate && p.records.in_ir_ben_r) {
      ++diabetics;
      diabetics_in_ald8 += ald8;
    }
  }
  ASSERT_GT(diabetics, 100u);
  EXPECT_GT(ald_rows, diabetics);
  // Most treated diabetics are in ALD 8 (85% drawn), not all.
  EXPECT_GT(diabetics_in_ald8, diabetics * 3 / 4);
  EXPECT_LT(diabetics_in_ald8, diabetics);
}

TEST_F(GeneratorCareTables, HbA1cIsForTreatedDiabeticsOnTheirLabLinesAfterTreatmentStarts) {
  size_t hba1c = 0, diabetics_tested = 0, diabetics_with_lab = 0;
  for (const Patient& p : *patients_) {
    std::map<int64_t, Date> lab_line_date;  // DCT_ORD_NUM of the lab lines
    bool lab_after = false;
    for (const PrsRow& l : p.records.prs)
      if (l.nature == 7101) {
        lab_line_date.emplace(l.key.dct_ord_num, l.exe_soi_dtd);
        lab_after |= p.first_a10 != kMissingDate && l.exe_soi_dtd >= p.first_a10;
      }
    bool tested = false;
    const auto it = p.care.find("ER_BIO_F");
    if (it != p.care.end())
      for (const auto& row : it->second) {
        ASSERT_EQ(row.size(), 11u);
        const auto line = lab_line_date.find(std::stoll(row[0]));
        ASSERT_NE(line, lab_line_date.end()) << "a lab test on no lab line";
        EXPECT_TRUE(is_known_code(CodeSystem::kNabm, row[9])) << row[9];
        if (row[9] != "1577") continue;
        ++hba1c;
        tested = true;
        ASSERT_NE(p.first_a10, kMissingDate) << "HbA1c for someone without a diabetes drug";
        EXPECT_GE(line->second, p.first_a10);
      }
    diabetics_with_lab += lab_after;
    diabetics_tested += tested;
  }
  EXPECT_GT(hba1c, 100u);
  EXPECT_GT(diabetics_tested, diabetics_with_lab * 7 / 10);  // 80% of their lab lines
}

TEST_F(GeneratorCareTables, HipFractureStaysHaveASurgicalActAndSurgeryIsOnlyThere) {
  const std::set<std::string> surgery = {"NEKA020", "NBCA010", "NBCA006"};
  size_t fractures = 0;
  for (const Patient& p : *patients_) {
    // RSA_NUM of the stays, by year: its DP.
    std::map<std::pair<int, std::string>, std::string_view> dp;
    for (const StayRow& s : p.records.stays) {
      dp[{s.year, fmt::format("{:010d}", s.rsa)}] = s.dp;
      fractures += s.dp.starts_with("S72");
    }
    std::set<std::pair<int, std::string>> operated;
    for (const auto& [table, rows] : p.care) {
      if (!table.starts_with("T_MCO")) continue;
      const int year = 2000 + std::stoi(table.substr(5, 2));
      for (const auto& row : rows) {
        ASSERT_EQ(row.size(), 4u);
        EXPECT_TRUE(is_known_code(CodeSystem::kCcam, row[2])) << row[2];
        const auto stay = dp.find({year, row[1]});
        ASSERT_NE(stay, dp.end()) << "an act of no stay";
        if (surgery.count(row[2])) {
          EXPECT_TRUE(stay->second.starts_with("S72")) << row[2] << " in a " << stay->second;
          operated.insert({year, row[1]});
        }
      }
    }
    for (const StayRow& s : p.records.stays) {
      if (!s.dp.starts_with("S72")) continue;
      EXPECT_TRUE(operated.count({s.year, fmt::format("{:010d}", s.rsa)}))
          << "a hip fracture stay without surgery";
    }
  }
  EXPECT_GT(fractures, 5u);
}

TEST_F(GeneratorCareTables, DeathsInIrBenRAndCertificatesSometimesDisagreeOrAreMissingInOne) {
  size_t deaths = 0, certified = 0, other_date = 0, without_certificate = 0, alive_certified = 0;
  for (const Patient& p : *patients_) {
    const auto it = p.care.find("KI_CCI_R");
    const bool has_certificate = it != p.care.end() && !it->second.empty();
    if (has_certificate) {
      ASSERT_EQ(it->second.size(), 1u);
      const auto& row = it->second[0];
      ASSERT_EQ(row.size(), 7u);
      EXPECT_EQ(row[1], std::string(p.records.nir.data(), 17));  // BEN_NIR_ANO
      EXPECT_TRUE(is_known_code(CodeSystem::kIcd10, row[3])) << row[3];
      if (p.records.death == kMissingDate) {
        ++alive_certified;
      } else {
        ++certified;
        other_date += row[2] != format_iso_date(p.records.death);
      }
    }
    if (p.records.death != kMissingDate) {
      ++deaths;
      without_certificate += !has_certificate;
    }
    const auto ecd = p.care.find("KI_ECD_R");
    if (ecd != p.care.end())
      for (const auto& row : ecd->second) {
        EXPECT_TRUE(has_certificate);
        EXPECT_TRUE(is_known_code(CodeSystem::kIcd10, row[2])) << row[2];
      }
  }
  ASSERT_GT(deaths, 100u);
  EXPECT_GT(certified, deaths * 8 / 10);  // 90% drawn
  EXPECT_GT(without_certificate, 0u);
  EXPECT_GT(other_date, 0u);
  EXPECT_LT(other_date, certified / 5);  // 6% drawn
  EXPECT_LE(alive_certified, 5u);        // rare (0.3% of the oldest)
}

TEST_F(GeneratorCareTables, ErEteFRowsSitOnTheirLinesAndMarkPublicHospitals) {
  size_t public_rows = 0, clinic_rows = 0;
  for (const Patient& p : *patients_) {
    std::map<std::pair<int64_t, int>, int> nature;  // (DCT_ORD_NUM, PRS_ORD_NUM)
    for (const PrsRow& l : p.records.prs)
      nature[{l.key.dct_ord_num, int{l.key.prs_ord_num}}] = l.nature;
    const auto it = p.care.find("ER_ETE_F");
    if (it == p.care.end()) continue;
    for (const auto& row : it->second) {
      ASSERT_EQ(row.size(), 12u);
      const auto line = nature.find({std::stoll(row[0]), std::stoi(row[7])});
      ASSERT_NE(line, nature.end()) << "an ER_ETE_F row of no ER_PRS_F line";
      EXPECT_TRUE(line->second == 1112 || line->second == 1411 || line->second == 7101);
      EXPECT_EQ(row[9].size(), 9u);  // ETB_EXE_FIN, a FINESS number
      if (row[11] == "1") {
        ++public_rows;
        EXPECT_TRUE(row[10] == "101" || row[10] == "355") << row[10];
      } else {
        ++clinic_rows;
        EXPECT_EQ(row[11], "0");
        EXPECT_EQ(row[10], "365");
      }
    }
  }
  EXPECT_GT(public_rows, 500u);
  EXPECT_GT(clinic_rows, public_rows);
}

TEST_F(GeneratorCareTables, StayDiagnosesAndDcirActsAreRealCodes) {
  for (const Patient& p : *patients_) {
    for (const StayRow& s : p.records.stays) {
      EXPECT_TRUE(is_known_code(CodeSystem::kIcd10, s.dp)) << s.dp;
      EXPECT_TRUE(s.dr.empty() || is_known_code(CodeSystem::kIcd10, s.dr)) << s.dr;
    }
    for (std::string_view das : p.records.das)
      EXPECT_TRUE(is_known_code(CodeSystem::kIcd10, das)) << das;
    const auto it = p.care.find("ER_CAM_F");
    if (it == p.care.end()) continue;
    for (const auto& row : it->second)
      EXPECT_TRUE(is_known_code(CodeSystem::kCcam, row[9])) << row[9];
  }
}

TEST(GeneratorPersonsQuirks, AboutThreePercentOfPersonsHaveTwoPseudoNirsAndStaysPlaceholders) {
  GeneratorOptions o;
  o.patients = 20000;
  o.seed = 3;
  o.quirks.set(Quirk::kPersons, 0.03);
  o.quirks.set(Quirk::kPlaceholderNir, 0.01);
  const DrugReferential referential(o.seed, 0.01);
  const PatientModel model(o, referential);
  PatientRecords r;
  size_t two_nirs = 0, stays = 0, placeholders = 0;
  for (uint64_t i = 0; i < o.patients; ++i) {
    model.generate(i, r);
    two_nirs += r.nir2_from != kMissingDate;
    for (const StayRow& s : r.stays) {
      ++stays;
      placeholders += s.placeholder != 0;
    }
  }
  EXPECT_GT(two_nirs, o.patients * 2 / 100);
  EXPECT_LT(two_nirs, o.patients * 4 / 100);
  EXPECT_GT(placeholders, stays / 200);
  EXPECT_LT(placeholders, stays / 50);
}

}  // namespace
}  // namespace snds::synth
