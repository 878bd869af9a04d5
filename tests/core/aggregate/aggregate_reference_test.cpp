// The aggregation engine against a brute-force reference written straight from reference sections
// 3 and 5 over the raw tables (no extractor, no hash table: maps and sets), on random extracts;
// and the engine's answer is the same for every shard split and thread count.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <numeric>
#include <random>
#include <set>

#include "core/aggregate/disclosure.hpp"
#include "core/aggregate/result_output.hpp"
#include "core/aggregate/shard_aggregate.hpp"
#include "tests/core/aggregate/random_extract.hpp"

namespace snds {
namespace {

struct RefGroup {
  GroupMeasures m;
  std::set<std::pair<std::string, int64_t>> patients;
};

struct RefPatient {
  std::string sex, dpt;
  int64_t born = kMissingInt;
};

std::string ref_age_band(int64_t born, Date d) {
  if (born == kMissingInt || born == 1600) return "unknown";
  const int64_t age = year_of(d) - born;
  if (age < 0) return "unknown";
  if (age >= 90) return "90+";
  return fmt::format("{}-{}", age / 10 * 10, age / 10 * 10 + 9);
}

std::string ref_atc(const std::string& atc, size_t n) {
  return atc == "UNKNOWN" ? atc : atc.substr(0, n);
}

bool ref_prefix(const std::string& code, const std::vector<std::string>& prefixes) {
  return std::any_of(prefixes.begin(), prefixes.end(),
                     [&](const std::string& p) { return code.rfind(p, 0) == 0; });
}

std::string reference_csv(const test::RandomExtract& x, const AggregateSpec& spec) {
  const ShardData& s = x.shard;
  std::map<std::pair<std::string, int64_t>, RefPatient> ben;
  {
    const Batch& b = s.tables.at("IR_BEN_R");
    for (size_t r = 0; r < b.rows(); ++r) {
      RefPatient p{std::string(b.at("BEN_SEX_COD").strings.at(r)),
                   std::string(b.at("BEN_RES_DPT").strings.at(r)), b.at("BEN_NAI_ANN").ints[r]};
      ben.try_emplace({std::string(b.at("BEN_NIR_PSA").strings.at(r)), b.at("BEN_RNG_GEM").ints[r]},
                      p);
    }
  }
  std::map<std::vector<std::string>, RefGroup> groups;
  auto in_period = [&](Date d) {
    if (d == kMissingDate) return false;
    if (spec.period_start && d < *spec.period_start) return false;
    if (spec.period_end && d > *spec.period_end) return false;
    return true;
  };
  // Adds one event: the patient's key and attributes, its date, the source's own dimension values.
  auto add = [&](const std::pair<std::string, int64_t>& pk, const RefPatient& p, Date d,
                 const std::map<Dimension, std::string>& own, const GroupMeasures& m) {
    std::vector<std::string> key;
    for (const Dimension dim : spec.group_by) {
      switch (dim) {
        case Dimension::kMonth:
          key.push_back(format_year_month(d));
          break;
        case Dimension::kYear:
          key.push_back(std::to_string(year_of(d)));
          break;
        case Dimension::kSex:
          key.push_back(p.sex);
          break;
        case Dimension::kDepartment:
          key.push_back(p.dpt);
          break;
        case Dimension::kAgeBand:
          key.push_back(ref_age_band(p.born, d));
          break;
        default:
          key.push_back(own.at(dim));
          break;
      }
    }
    RefGroup& g = groups[key];
    g.m.add(m);
    g.m.lines += 1;
    g.patients.insert(pk);
  };

  if (spec.source == ExtractorKind::kDispensing) {
    std::map<std::string, std::string> atc_of;
    for (size_t r = 0; r < x.referential.rows(); ++r)
      atc_of.try_emplace(std::string(x.referential.at("PHA_CIP_C13").strings.at(r)),
                         std::string(x.referential.at("PHA_ATC_C07").strings.at(r)));
    const Batch& t = s.tables.at("ER_PHA_F");
    for (size_t r = 0; r < t.rows(); ++r) {
      if (t.at("DPN_QLF").ints[r] == 71) continue;
      const std::pair<std::string, int64_t> pk{std::string(t.at("BEN_NIR_PSA").strings.at(r)),
                                               t.at("BEN_RNG_GEM").ints[r]};
      auto p = ben.find(pk);
      const Date d = t.at("EXE_SOI_DTD").dates[r];
      if (p == ben.end() || !in_period(d)) continue;
      const std::string cip(t.at("PHA_PRS_C13").strings.at(r));
      std::string atc = atc_of.count(cip) && !atc_of[cip].empty() ? atc_of[cip] : "UNKNOWN";
      if (!spec.atc_filter.empty() && !ref_prefix(atc, spec.atc_filter)) continue;
      GroupMeasures m;
      m.boxes = t.at("PHA_ACT_QSN").ints[r];
      add(pk, p->second, d,
          {{Dimension::kAtc, ref_atc(atc, 7)},
           {Dimension::kAtc1, ref_atc(atc, 1)},
           {Dimension::kAtc2, ref_atc(atc, 3)},
           {Dimension::kAtc3, ref_atc(atc, 4)},
           {Dimension::kAtc4, ref_atc(atc, 5)},
           {Dimension::kCip13, cip}},
          m);
    }
  } else if (spec.source == ExtractorKind::kClaim) {
    const Batch& t = s.tables.at("ER_PRS_F");
    for (size_t r = 0; r < t.rows(); ++r) {
      if (t.at("DPN_QLF").ints[r] == 71) continue;
      const std::pair<std::string, int64_t> pk{std::string(t.at("BEN_NIR_PSA").strings.at(r)),
                                               t.at("BEN_RNG_GEM").ints[r]};
      auto p = ben.find(pk);
      const Date d = t.at("EXE_SOI_DTD").dates[r];
      if (p == ben.end() || !in_period(d)) continue;
      GroupMeasures m;
      m.amount = t.at("PRS_PAI_MNT").ints[r];
      add(pk, p->second, d, {}, m);
    }
  } else {
    for (int year : {2019, 2020}) {
      const std::string yy = std::to_string(year % 100);
      const Batch& c = s.tables.at("T_MCO" + yy + "C");
      const Batch& b = s.tables.at("T_MCO" + yy + "B");
      const Batch& dd = s.tables.at("T_MCO" + yy + "D");
      std::set<std::pair<std::string, std::string>> seen;
      for (size_t r = 0; r < c.rows(); ++r) {
        const std::pair<std::string, std::string> key{std::string(c.at("ETA_NUM").strings.at(r)),
                                                      std::string(c.at("RSA_NUM").strings.at(r))};
        if (!seen.insert(key).second) continue;
        bool valid = true;
        for (const auto ret : kMcoReturnCodes) valid = valid && c.at(ret).strings.at(r) == "0";
        long br = -1;
        for (size_t i = 0; i < b.rows() && br < 0; ++i)
          if (b.at("ETA_NUM").strings.at(i) == key.first &&
              b.at("RSA_NUM").strings.at(i) == key.second)
            br = long(i);
        if (!valid || br < 0) continue;
        const auto bi = static_cast<size_t>(br);
        if (b.at("GRG_GHM").strings.at(bi).starts_with("90")) continue;
        const Date d = c.at("EXE_SOI_DTD").dates[r];
        if (!in_period(d)) continue;
        const std::string dp(b.at("DGN_PAL").strings.at(bi)), dr(b.at("DGN_REL").strings.at(bi));
        std::vector<std::string> das;
        for (size_t i = 0; i < dd.rows(); ++i)
          if (dd.at("ETA_NUM").strings.at(i) == key.first &&
              dd.at("RSA_NUM").strings.at(i) == key.second &&
              !dd.at("ASS_DGN").strings.at(i).empty())
            das.emplace_back(dd.at("ASS_DGN").strings.at(i));
        if (!spec.icd10_filter.empty()) {
          bool match = (spec.positions.dp && ref_prefix(dp, spec.icd10_filter)) ||
                       (spec.positions.dr && ref_prefix(dr, spec.icd10_filter));
          if (spec.positions.das)
            for (const auto& x2 : das) match = match || ref_prefix(x2, spec.icd10_filter);
          if (!match) continue;
        }
        GroupMeasures m;
        m.days = b.at("SEJ_NBJ").ints[bi];
        const std::string nir(c.at("NIR_ANO_17").strings.at(r));
        for (const auto& [pk, p] : ben)
          if (pk.first == nir) add(pk, p, d, {{Dimension::kDp, dp.substr(0, 3)}}, m);
      }
    }
  }
  std::vector<GroupRow> rows;
  for (auto& [k, g] : groups) {
    g.m.patients = g.patients.size();
    rows.push_back(GroupRow{k, g.m, false});
  }
  apply_disclosure(rows, spec.min_patients);
  return result_csv(spec, rows);
}

// The engine over `shards` shards (merged in a shuffled order) with `threads` threads.
std::string engine_csv(const test::RandomExtract& x, const AggregateSpec& spec, uint32_t shards,
                       int threads, uint64_t shuffle_seed) {
  const DrugReferential ref(x.referential);
  std::vector<std::vector<char>> partials;
  for (const auto& shard : test::split_by_patient(x.shard, shards))
    partials.push_back(aggregate_shard(shard, ref, spec, threads).serialize());
  std::shuffle(partials.begin(), partials.end(), std::mt19937_64(shuffle_seed));
  GroupMerger all(spec.group_by.size());
  for (const auto& p : partials) all.merge(CodedGroups::deserialize(p));
  auto rows = all.sorted_rows();
  apply_disclosure(rows, spec.min_patients);
  return result_csv(spec, rows);
}

AggregateSpec spec_of(ExtractorKind source, std::vector<Dimension> dims,
                      std::vector<Measure> measures) {
  AggregateSpec s;
  s.source = source;
  s.group_by = std::move(dims);
  s.measures = std::move(measures);
  s.min_patients = 1;
  return s;
}

using D = Dimension;
using M = Measure;

std::vector<AggregateSpec> specs() {
  std::vector<AggregateSpec> out;
  out.push_back(spec_of(ExtractorKind::kDispensing, {D::kAtc, D::kMonth, D::kSex, D::kAgeBand},
                        {M::kBoxes, M::kLines, M::kPatients}));
  out.push_back(spec_of(ExtractorKind::kDispensing, {D::kAtc3, D::kYear, D::kDepartment, D::kCip13},
                        {M::kPatients, M::kBoxes}));
  out.back().period_start = days_from_civil(2019, 3, 1);
  out.back().period_end = days_from_civil(2021, 6, 30);
  out.back().atc_filter = {"C10", "UNK"};
  out.push_back(spec_of(ExtractorKind::kDispensing, {D::kAtc1, D::kAtc2, D::kAtc4}, {M::kLines}));
  out.back().min_patients = 10;
  out.push_back(spec_of(ExtractorKind::kDispensing, {}, {M::kLines, M::kBoxes, M::kPatients}));
  out.push_back(spec_of(ExtractorKind::kHospitalStay, {D::kDp, D::kMonth},
                        {M::kLines, M::kDays, M::kPatients}));
  out.push_back(spec_of(ExtractorKind::kHospitalStay, {D::kYear, D::kAgeBand, D::kSex},
                        {M::kLines, M::kPatients}));
  out.back().icd10_filter = {"I21", "E11"};
  out.back().positions = {true, true, true};
  out.push_back(spec_of(ExtractorKind::kHospitalStay, {D::kDepartment}, {M::kDays}));
  out.back().icd10_filter = {"I2"};
  out.back().min_patients = 3;
  out.push_back(
      spec_of(ExtractorKind::kClaim, {D::kMonth, D::kSex}, {M::kAmount, M::kLines, M::kPatients}));
  out.back().period_start = days_from_civil(2020, 1, 1);
  out.push_back(
      spec_of(ExtractorKind::kClaim, {D::kYear, D::kAgeBand, D::kDepartment}, {M::kAmount}));
  out.back().min_patients = 5;
  return out;
}

TEST(AggregateReference, TheEngineMatchesABruteForceReferenceOnRandomExtracts) {
  for (uint64_t seed : {1, 2, 3}) {
    const auto x = test::random_extract(seed);
    int i = 0;
    for (const auto& spec : specs()) {
      const std::string expected = reference_csv(x, spec);
      ASSERT_GT(expected.size(), 40u) << "spec " << i << " has too few rows to test anything";
      EXPECT_EQ(engine_csv(x, spec, 1, 1, seed), expected) << "seed " << seed << " spec " << i;
      ++i;
    }
  }
}

TEST(AggregateReference, TheAnswerIsTheSameForEveryShardCountThreadCountAndMergeOrder) {
  const auto x = test::random_extract(7, 500);
  for (const auto& spec : specs()) {
    const std::string one = engine_csv(x, spec, 1, 1, 0);
    for (uint32_t shards : {2u, 7u, 64u})
      for (int threads : {1, 2, 3})
        EXPECT_EQ(engine_csv(x, spec, shards, threads, shards * 10 + threads), one);
  }
}

TEST(AggregateReference, ThreadsSharingAShardInSmallMorselsGiveTheSameAnswer) {
  // Morsels of 64 events: two or three threads really share every shard and often end a morsel
  // inside a patient's history, which the morsel cut must push to the patient boundary.
  const auto x = test::random_extract(11, 400);
  const DrugReferential ref(x.referential);
  for (const auto& spec : specs()) {
    const std::string expected = reference_csv(x, spec);
    for (const int threads : {2, 3}) {
      GroupMerger all(spec.group_by.size());
      for (const auto& shard : test::split_by_patient(x.shard, 3))
        all.merge(aggregate_shard(shard, ref, spec, threads, nullptr, 64));
      auto rows = all.sorted_rows();
      apply_disclosure(rows, spec.min_patients);
      EXPECT_EQ(result_csv(spec, rows), expected) << threads;
    }
  }
}

// Pharmacy rows out of the stored order (here shuffled): patients' lines land in several morsels,
// the engine sees it and aggregates the shard again as one range; the answer does not change.
TEST(AggregateReference, RowsOutOfTheStoredOrderGiveTheSameAnswer) {
  const auto x = test::random_extract(5, 400);
  const DrugReferential ref(x.referential);
  std::mt19937_64 rng(3);
  std::vector<ShardData> shards = test::split_by_patient(x.shard, 2);
  for (auto& shard : shards) {
    Batch& pha = shard.tables.at("ER_PHA_F");
    std::vector<uint32_t> order(pha.rows());
    std::iota(order.begin(), order.end(), 0u);
    std::shuffle(order.begin(), order.end(), rng);
    pha = pha.gather(order);
  }
  for (const auto& spec : specs()) {
    if (spec.source != ExtractorKind::kDispensing) continue;
    const std::string expected = reference_csv(x, spec);
    for (const int threads : {1, 2}) {
      GroupMerger all(spec.group_by.size());
      for (const auto& shard : shards)
        all.merge(aggregate_shard(shard, ref, spec, threads, nullptr, 64));
      auto rows = all.sorted_rows();
      apply_disclosure(rows, spec.min_patients);
      EXPECT_EQ(result_csv(spec, rows), expected) << threads;
    }
  }
}

}  // namespace
}  // namespace snds
