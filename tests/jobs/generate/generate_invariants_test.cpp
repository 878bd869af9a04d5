// A 2,000-patient extract (default quirks, seed 42) is a faithful miniature: its files parse, its
// counts match generate.json, DCIR and PMSI joins hold except where a quirk breaks them on purpose,
// quirk rates are as configured, and the population and care look like France's.
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <numeric>
#include <set>
#include <unordered_map>
#include <unordered_set>

#include <boost/json.hpp>

#include "jobs/generate/generator.hpp"
#include "runtime/communicator.hpp"
#include "synth/catalogs.hpp"
#include "tests/jobs/generate/extract_reader.hpp"
#include "tests/support/test_support.hpp"

namespace snds {
namespace {

struct Extract {
  test::TempDir dir{"snds-gen-invariants"};
  synth::GeneratorOptions options;
  boost::json::object summary;
  mutable std::map<std::string, test::TableRows> tables;

  // Parsed on first use: each test reads only the tables it checks.
  const test::TableRows& table(const std::string& name) const {
    auto it = tables.find(name);
    if (it == tables.end()) it = tables.emplace(name, test::read_table(dir.path(), name)).first;
    return it->second;
  }
  uint64_t count(const char* name) const {
    return summary.at("counts").at(name).to_number<uint64_t>();
  }
  uint64_t table_rows(const std::string& t) const {
    return summary.at("tables").at(t).at("rows").to_number<uint64_t>();
  }
  uint64_t table_malformed(const std::string& t) const {
    return summary.at("tables").at(t).at("malformed").to_number<uint64_t>();
  }
  std::vector<std::string> table_names() const {
    std::vector<std::string> names;
    for (const auto& [n, v] : summary.at("tables").as_object()) names.emplace_back(n);
    return names;
  }
};

const Extract& extract() {
  static const std::unique_ptr<Extract> kExtract = [] {
    auto e = std::make_unique<Extract>();
    e->options.patients = 2000;
    e->options.seed = 42;
    run_in_process(1, [&](Communicator& c) { generate_extract(e->options, e->dir.path(), c, 2); });
    e->summary = boost::json::parse(test::read_text(e->dir / "generate.json")).as_object();
    return e;
  }();
  return *kExtract;
}

// The 9 DCIR keys of a row, as one string.
struct KeyOf {
  std::vector<size_t> idx;
  explicit KeyOf(const test::TableRows& t) {
    for (auto name : kDcirJoinKeys) idx.push_back(t.col(name));
  }
  std::string operator()(const test::Row& r) const {
    std::string k;
    for (size_t i : idx) {
      k += r[i];
      k += '|';
    }
    return k;
  }
};

// |observed - expected| within 5 binomial standard deviations (and a floor of 3 events).
void expect_rate(uint64_t events, uint64_t trials, double rate, const char* what) {
  const double expected = rate * static_cast<double>(trials);
  const double sd = std::sqrt(expected * (1 - rate));
  EXPECT_NEAR(static_cast<double>(events), expected, std::max(3.0, 5 * sd))
      << what << ": " << events << " of " << trials;
}

TEST(GenerateInvariants, EveryTableParsesAndMatchesTheSummaryCounts) {
  const Extract& e = extract();
  ASSERT_EQ(e.table_names().size(), 3u + 1u + 3u * 4u);
  for (const auto& name : e.table_names()) {
    const test::TableRows& t = e.table(name);
    EXPECT_EQ(t.rows.size(), e.table_rows(name)) << name;
    EXPECT_EQ(t.rejected, e.table_malformed(name)) << name;
    ASSERT_FALSE(t.files.empty()) << name;
    for (const auto& f : t.files) {
      if (name == "IR_PHA_R") {
        EXPECT_TRUE(f == "IR_PHA_R.csv" || f == "IR_PHA_R.csv.gz") << f;
      } else {
        EXPECT_TRUE(f == name + "_p0000.csv" || f == name + "_p0000.csv.gz") << f;
      }
    }
    for (const auto& c : test::contract_columns(name))
      EXPECT_NO_THROW(t.col(c)) << name << " lacks " << c;
  }
  EXPECT_EQ(e.count("ir_ben_r_rows"), e.table_rows("IR_BEN_R"));
  EXPECT_EQ(e.count("patients"), 2000u);
  EXPECT_EQ(e.count("claim_lines"), e.table_rows("ER_PRS_F"));
  EXPECT_EQ(e.count("pharmacy_rows"), e.table_rows("ER_PHA_F"));
}

TEST(GenerateInvariants, MalformedRowsAreExactlyRowsTimesRateRoundedDown) {
  const Extract& e = extract();
  const double rate = e.options.quirks.rate(synth::Quirk::kMalformed);
  uint64_t total = 0;
  for (const auto& name : e.table_names()) {
    const uint64_t expected =
        name == "IR_PHA_R" ? 0 : static_cast<uint64_t>(std::floor(e.table_rows(name) * rate));
    EXPECT_EQ(e.table_malformed(name), expected) << name;
    total += e.table_malformed(name);
    // Never over ingest's default reject ratio.
    EXPECT_LE(e.table_malformed(name), 0.001 * (e.table_rows(name) + e.table_malformed(name)))
        << name;
  }
  EXPECT_GT(total, 10u);  // ER_PRS_F alone has ~180,000 rows
  EXPECT_EQ(e.count("malformed_rows"), total);
}

TEST(GenerateInvariants, EveryPharmacyRowButTheOrphansJoinsAClaimLineOnTheNineKeys) {
  const Extract& e = extract();
  const auto& prs = e.table("ER_PRS_F");
  const auto& pha = e.table("ER_PHA_F");
  const KeyOf prs_key(prs), pha_key(pha);
  const size_t nature = prs.col("PRS_NAT_REF");
  // Claim keys are unique; pharmacy lines are PRS_NAT_REF 3317 and only they have ER_PHA_F rows.
  std::unordered_map<std::string, bool> keys;
  for (const auto& r : prs.rows)
    EXPECT_TRUE(keys.emplace(prs_key(r), r[nature] == "3317").second) << "duplicate key";
  uint64_t orphans = 0;
  for (const auto& r : pha.rows) {
    auto it = keys.find(pha_key(r));
    if (it == keys.end()) {
      ++orphans;
    } else {
      EXPECT_TRUE(it->second);
    }
  }
  EXPECT_EQ(orphans, e.count("orphan_rows"));
  EXPECT_GT(orphans, 0u);
  expect_rate(orphans, pha.rows.size() - orphans, e.options.quirks.rate(synth::Quirk::kOrphans),
              "orphans");
}

TEST(GenerateInvariants, EveryStayHasOneBAndOneCRowAndItsDiagnosesBelongToIt) {
  const Extract& e = extract();
  uint64_t stays = 0, invalid = 0;
  for (int y = 2019; y <= 2022; ++y) {
    const std::string yy = std::to_string(y % 100);
    const auto& b = e.table("T_MCO" + yy + "B");
    const auto& c = e.table("T_MCO" + yy + "C");
    const auto& d = e.table("T_MCO" + yy + "D");
    std::set<std::string> bkeys, ckeys;
    for (const auto& r : b.rows)
      EXPECT_TRUE(bkeys.insert(r[b.col("ETA_NUM")] + "|" + r[b.col("RSA_NUM")]).second);
    for (const auto& r : c.rows)
      EXPECT_TRUE(ckeys.insert(r[c.col("ETA_NUM")] + "|" + r[c.col("RSA_NUM")]).second);
    EXPECT_EQ(bkeys, ckeys) << y;
    for (const auto& r : d.rows)
      EXPECT_TRUE(bkeys.count(r[d.col("ETA_NUM")] + "|" + r[d.col("RSA_NUM")])) << y;
    for (const auto& r : c.rows) {
      EXPECT_EQ(r[c.col("ETA_NUM")].size(), 9u);
      EXPECT_EQ(r[c.col("NIR_ANO_17")].size(), 17u);
      EXPECT_EQ(r[c.col("EXE_SOI_DTF")].substr(0, 4), std::to_string(y))
          << "a stay's year is its discharge year";
      EXPECT_LE(r[c.col("EXE_SOI_DTD")], r[c.col("EXE_SOI_DTF")]);
      bool bad = false;
      for (auto code : kMcoReturnCodes) bad = bad || r[c.col(code)] != "0";
      invalid += bad ? 1 : 0;
    }
    for (const auto& r : b.rows) {
      EXPECT_EQ(r[b.col("GRG_GHM")].size(), 6u);
      invalid += r[b.col("GRG_GHM")].rfind("90", 0) == 0 ? 1 : 0;
    }
    stays += b.rows.size();
  }
  EXPECT_EQ(stays, e.count("stays"));
  EXPECT_EQ(invalid, e.count("invalid_stays"));
  EXPECT_GT(invalid, 0u);
  expect_rate(invalid, stays, e.options.quirks.rate(synth::Quirk::kInvalidStays), "invalid stays");
  // About 0.15 stays per patient and year, as in France.
  EXPECT_GT(stays, 2000u * 4 * 0.10);
  EXPECT_LT(stays, 2000u * 4 * 0.40);
}

TEST(GenerateInvariants, InformationLinesRegularisationsAndLateClaimsAreCountedAndRare) {
  const Extract& e = extract();
  const auto& prs = e.table("ER_PRS_F");
  const auto& pha = e.table("ER_PHA_F");
  const size_t qte = prs.col("PRS_ACT_QTE"), dpn = prs.col("DPN_QLF"), nat = prs.col("PRS_NAT_REF");
  uint64_t info = 0, negative = 0, originals = 0, pharmacy = 0, late = 0;
  for (const auto& r : prs.rows) {
    const bool is_info = r[dpn] == "71";
    const bool is_negative = r[qte].rfind('-', 0) == 0;
    info += is_info;
    negative += is_negative;
    // Majoration (1098) and dispensing fee (3336) lines share their document's keys.
    if (is_info || is_negative || r[nat] == "1098" || r[nat] == "3336") continue;
    ++originals;
    pharmacy += r[nat] == "3317";
    // FLX_DIS_DTD: the first day of a month after the care date; 7+ months later means late.
    const std::string& dis = r[prs.col("FLX_DIS_DTD")];
    const std::string& care = r[prs.col("EXE_SOI_DTD")];
    EXPECT_EQ(dis.substr(8), "01");
    EXPECT_GT(dis, care);
    const int months = (std::stoi(dis.substr(0, 4)) - std::stoi(care.substr(0, 4))) * 12 +
                       std::stoi(dis.substr(5, 2)) - std::stoi(care.substr(5, 2));
    late += months >= 7;
  }
  EXPECT_EQ(info, e.count("info71_lines"));
  EXPECT_EQ(negative, e.count("regularisation_lines"));
  EXPECT_EQ(late, e.count("late_claims"));
  expect_rate(info, originals, e.options.quirks.rate(synth::Quirk::kInfo71), "info-only lines");
  // A regularisation cancels the drug line and its fee line.
  expect_rate(negative / 2, pharmacy, e.options.quirks.rate(synth::Quirk::kRegularisation),
              "regularisations");
  expect_rate(late, originals, e.options.quirks.rate(synth::Quirk::kLateClaims), "late claims");

  // A regularisation cancels its dispensing: summed boxes per (patient, date, CIP13) over
  // non-information lines are never negative, and zero wherever a negative row took part.
  const KeyOf prs_key(prs), pha_key(pha);
  std::unordered_map<std::string, test::Row> by_key;
  for (const auto& r : prs.rows) by_key.emplace(prs_key(r), r);
  std::map<std::string, std::pair<long, bool>> events;
  for (const auto& h : pha.rows) {
    auto it = by_key.find(pha_key(h));
    if (it == by_key.end() || it->second[dpn] == "71") continue;
    const test::Row& p = it->second;
    const std::string ev = p[prs.col("BEN_NIR_PSA")] + p[prs.col("BEN_RNG_GEM")] +
                           p[prs.col("EXE_SOI_DTD")] + h[pha.col("PHA_PRS_C13")];
    const long boxes = std::stol(h[pha.col("PHA_ACT_QSN")]);
    events[ev].first += boxes;
    events[ev].second = events[ev].second || boxes < 0;
  }
  // (The same patient may get the same pack twice on a day, e.g. chronic and acute paracetamol.)
  uint64_t with_negative = 0, cancelled = 0;
  for (const auto& [k, v] : events) {
    EXPECT_GE(v.first, 0);
    with_negative += v.second;
    cancelled += v.second && v.first == 0;
  }
  EXPECT_GT(cancelled, 0u);
  EXPECT_GE(cancelled, with_negative * 9 / 10);
}

TEST(GenerateInvariants, ReferentialCoversAllButAFewDispensedCodes) {
  const Extract& e = extract();
  const auto& ref = e.table("IR_PHA_R");
  const auto& pha = e.table("ER_PHA_F");
  std::map<std::string, std::string> atc;
  for (const auto& r : ref.rows) {
    EXPECT_EQ(r[ref.col("PHA_CIP_C13")].size(), 13u);
    EXPECT_EQ(r[ref.col("PHA_ATC_C07")].size(), 7u);
    EXPECT_TRUE(atc.emplace(r[ref.col("PHA_CIP_C13")], r[ref.col("PHA_ATC_C07")]).second)
        << "one row per CIP13";
  }
  EXPECT_GE(atc.size(), 200u);
  EXPECT_LE(atc.size(), 600u);
  uint64_t unknown = 0;
  std::map<std::string, uint64_t> by_class;
  for (const auto& r : pha.rows) {
    auto it = atc.find(r[pha.col("PHA_PRS_C13")]);
    if (it == atc.end()) {
      ++unknown;
      continue;
    }
    by_class[it->second.substr(0, 5)]++;
    by_class[it->second.substr(0, 3)]++;
  }
  EXPECT_EQ(unknown, e.count("unknown_cip_rows"));
  EXPECT_GT(unknown, 0u);
  EXPECT_LT(unknown, pha.rows.size() / 50);
  // Chronic and acute treatments of the issue are all there.
  for (const char* cls : {"C10AA", "A10BA", "C09", "H03AA", "J01", "N02"})
    EXPECT_GT(by_class[cls], 50u) << cls;
}

TEST(GenerateInvariants, PatientsTwinsAndDeathsAreConsistent) {
  const Extract& e = extract();
  const auto& ben = e.table("IR_BEN_R");
  const auto& prs = e.table("ER_PRS_F");
  std::map<std::pair<std::string, std::string>, test::Row> patients;
  const size_t nir = ben.col("BEN_NIR_PSA"), rng = ben.col("BEN_RNG_GEM");
  for (const auto& r : ben.rows)
    EXPECT_TRUE(patients.emplace(std::make_pair(r[nir], r[rng]), r).second);
  // Twins: rank 2 shares its identifier, birth year and month with a rank-1 patient.
  uint64_t twins = 0;
  for (const auto& [k, r] : patients) {
    EXPECT_EQ(k.first.size(), 17u);
    EXPECT_TRUE(k.second == "1" || k.second == "2");
    if (k.second != "2") continue;
    ++twins;
    auto sibling = patients.find({k.first, "1"});
    if (sibling == patients.end()) continue;  // the sibling may be missing from IR_BEN_R
    EXPECT_EQ(sibling->second[ben.col("BEN_NAI_ANN")], r[ben.col("BEN_NAI_ANN")]);
    EXPECT_EQ(sibling->second[ben.col("BEN_NAI_MOI")], r[ben.col("BEN_NAI_MOI")]);
  }
  EXPECT_GT(twins, 0u);
  EXPECT_LE(twins, e.count("twin_pairs"));
  // Patients with claims but no IR_BEN_R row: exactly the missing_ben quirk.
  const size_t prs_nir = prs.col("BEN_NIR_PSA"), prs_rng = prs.col("BEN_RNG_GEM"),
               care = prs.col("EXE_SOI_DTD");
  std::set<std::pair<std::string, std::string>> claimants;
  for (const auto& r : prs.rows) claimants.emplace(r[prs_nir], r[prs_rng]);
  uint64_t missing = 0;
  for (const auto& c : claimants) missing += patients.count(c) ? 0 : 1;
  EXPECT_EQ(missing, e.count("patients_missing_from_ir_ben_r"));
  EXPECT_GT(missing, 0u);
  // No care after death; deaths are about 1% a year.
  uint64_t deaths = 0;
  const size_t death_col = ben.col("BEN_DCD_DTE");
  for (const auto& [k, r] : patients) deaths += r[death_col].empty() ? 0 : 1;
  EXPECT_GT(deaths, 2000u * 4 * 0.005);
  EXPECT_LT(deaths, 2000u * 4 * 0.02);
  for (const auto& r : prs.rows) {
    auto it = patients.find({r[prs_nir], r[prs_rng]});
    if (it == patients.end()) continue;
    const std::string& death = it->second[death_col];
    if (!death.empty()) {
      EXPECT_LE(r[care], death);
    }
  }
}

TEST(GenerateInvariants, PopulationLooksLikeFrance) {
  const Extract& e = extract();
  const auto& ben = e.table("IR_BEN_R");
  uint64_t men = 0, over65 = 0, under20 = 0;
  std::set<std::string> known;
  for (const auto& d : synth::departments()) known.emplace(d.code);
  std::map<std::string, uint64_t> by_department;
  for (const auto& r : ben.rows) {
    men += r[ben.col("BEN_SEX_COD")] == "1";
    const int age = 2019 - std::stoi(r[ben.col("BEN_NAI_ANN")]);
    over65 += age >= 65;
    under20 += age < 20;
    const int month = std::stoi(r[ben.col("BEN_NAI_MOI")]);
    EXPECT_TRUE(month >= 1 && month <= 12);
    const std::string& dpt = r[ben.col("BEN_RES_DPT")];
    EXPECT_TRUE(known.count(dpt)) << dpt;
    by_department[dpt]++;
  }
  const double n = static_cast<double>(ben.rows.size());
  EXPECT_NEAR(men / n, 0.485, 0.04);
  EXPECT_NEAR(over65 / n, 0.20, 0.04);
  EXPECT_NEAR(under20 / n, 0.24, 0.04);
  EXPECT_GT(by_department["075"], by_department["048"]);  // Paris is bigger than Lozère
}

TEST(GenerateInvariants, CareLooksRealAndSkewIsReal) {
  const Extract& e = extract();
  const auto& prs = e.table("ER_PRS_F");
  const size_t nir = prs.col("BEN_NIR_PSA"), rng = prs.col("BEN_RNG_GEM"),
               nature = prs.col("PRS_NAT_REF");
  const size_t dpn = prs.col("DPN_QLF"), amount = prs.col("PRS_PAI_MNT"),
               care = prs.col("EXE_SOI_DTD");
  std::unordered_map<std::string, uint64_t> per_patient;
  uint64_t gp = 0;
  for (const auto& r : prs.rows) {
    per_patient[r[nir] + r[rng]]++;
    if (r[nature] == "1111" && r[dpn] == "0") {
      ++gp;
      EXPECT_EQ(r[amount], "25.00");
    }
  }
  std::vector<uint64_t> counts;
  for (const auto& [k, v] : per_patient) counts.push_back(v);
  std::sort(counts.begin(), counts.end());
  const uint64_t median = counts[counts.size() / 2];
  EXPECT_GE(counts.back(), 10 * median) << "a heavy tail: dialysis, daily home nursing";
  EXPECT_GT(e.count("heavy_patients"), 0u);
  const double lines_per_patient_year = static_cast<double>(prs.rows.size()) / 2000 / 4;
  EXPECT_GT(lines_per_patient_year, 15);
  EXPECT_LT(lines_per_patient_year, 30);
  EXPECT_GT(gp, 2000u * 4 * 3);

  // Statin users get a box about every month.
  const auto& pha = e.table("ER_PHA_F");
  const auto& ref = e.table("IR_PHA_R");
  std::set<std::string> statins;
  for (const auto& r : ref.rows)
    if (r[ref.col("PHA_ATC_C07")].rfind("C10AA", 0) == 0) statins.insert(r[ref.col("PHA_CIP_C13")]);
  const KeyOf prs_key(prs), pha_key(pha);
  std::unordered_map<std::string, test::Row> by_key;
  for (const auto& r : prs.rows)
    if (r[nature] == "3317" && r[dpn] == "0") by_key.emplace(prs_key(r), r);
  const size_t cip = pha.col("PHA_PRS_C13"), boxes = pha.col("PHA_ACT_QSN");
  std::map<std::string, std::set<std::string>> statin_months;
  for (const auto& h : pha.rows) {
    if (h[boxes] != "1" || !statins.count(h[cip])) continue;
    auto it = by_key.find(pha_key(h));
    if (it != by_key.end()) statin_months[it->second[nir]].insert(it->second[care].substr(0, 7));
  }
  uint64_t monthly_users = 0;
  for (const auto& [p, months] : statin_months) monthly_users += months.size() >= 30;
  EXPECT_GT(monthly_users, 20u);
}

TEST(GenerateInvariants, HospitalDiagnosesAreThoseStudiesLookFor) {
  const Extract& e = extract();
  std::map<std::string, uint64_t> dp;
  uint64_t chemo_with_dr = 0, das = 0;
  for (int y = 2019; y <= 2022; ++y) {
    const std::string yy = std::to_string(y % 100);
    const auto& b = e.table("T_MCO" + yy + "B");
    for (const auto& r : b.rows) {
      const std::string& code = r[b.col("DGN_PAL")];
      dp[code.substr(0, 3)]++;
      if (code.rfind('C', 0) == 0) dp["cancer"]++;
      if (code == "Z511" && r[b.col("DGN_REL")].rfind('C', 0) == 0) ++chemo_with_dr;
    }
    das += e.table("T_MCO" + yy + "D").rows.size();
  }
  EXPECT_GT(dp["I21"] + dp["I22"], 5u);
  EXPECT_GT(dp["J18"], 5u);
  EXPECT_GT(dp["S72"], 2u);
  EXPECT_GT(dp["cancer"], 5u);
  EXPECT_GT(chemo_with_dr, 5u);
  EXPECT_GT(das, 500u);
}

}  // namespace
}  // namespace snds
