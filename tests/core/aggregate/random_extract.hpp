// Random hand-checkable-in-bulk shards for aggregation tests: a few hundred patients (twins,
// unknown birth years, ghosts absent from IR_BEN_R), pharmacy lines with regularisations and
// information-only lines, CIP13s missing from IR_PHA_R, claim lines and PMSI stays of two years
// (some invalid). `split_by_patient` cuts one such shard into the shards an ingest would make
// (core/hash.hpp's shard_of_patient), so tests can check that sharding changes nothing.
#pragma once

#include <random>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "core/hash.hpp"
#include "tests/core/events/shard_builder.hpp"

namespace snds::test {

struct RandomExtract {
  ShardData shard;    // every table, as one shard
  Batch referential;  // IR_PHA_R
};

inline RandomExtract random_extract(uint64_t seed, int patients = 300) {
  std::mt19937_64 rng(seed);
  auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<uint64_t>(n)); };
  auto date = [&](int y0, int y1) {
    const int y = y0 + pick(y1 - y0 + 1);
    const int m = 1 + pick(12);
    const int d = 1 + pick(28);
    return fmt::format("{:04d}-{:02d}-{:02d}", y, m, d);
  };
  const std::vector<std::string> cips = {"3400930000001", "3400930000002", "3400930000003",
                                         "3400930000004", "3400930000005", "3400939999999",
                                         "3400930000006"};
  const std::vector<std::string> atcs = {"C10AA01", "C10AA05", "N02BE01", "A10BA02",
                                         "C09AA02", "",        "C10"};
  const std::vector<std::string> sexes = {"1", "2", "2", "1", "9", ""};
  const std::vector<std::string> dpts = {"075", "02A", "971", "013", ""};
  const std::vector<std::string> icd = {"I214", "I219", "J180", "K359", "E119", "I10", "", "Z000"};
  const std::vector<std::string> qty = {"1", "1", "2", "-1", "0.5", "3", "-2", "1.25"};

  ShardBuilder b;
  std::vector<std::string> nirs;
  std::vector<Row> ben;
  for (int i = 0; i < patients; ++i) {
    const std::string nir = fmt::format("N{:016d}", rng() % 10000000000000000ULL);
    nirs.push_back(nir);
    const int ranks = pick(10) == 0 ? 2 : 1;  // twins
    for (int r = 1; r <= ranks; ++r) {
      const int born = pick(15) == 0 ? 1600 : 1920 + pick(100);
      Row row{{"BEN_NIR_PSA", nir},
              {"BEN_RNG_GEM", std::to_string(r)},
              {"BEN_SEX_COD", sexes[pick(6)]},
              {"BEN_NAI_ANN", std::to_string(born)},
              {"BEN_RES_DPT", dpts[pick(5)]}};
      if (pick(20) == 0) row.erase("BEN_NAI_ANN");
      ben.push_back(row);
    }
  }
  // Ghosts: claims and stays of NIRs absent from IR_BEN_R.
  for (int i = 0; i < patients / 20 + 1; ++i) nirs.push_back(fmt::format("G{:016d}", i));
  b.add("IR_BEN_R", ben);

  std::vector<Row> pha, prs;
  for (const auto& nir : nirs) {
    const int n = pick(12);
    for (int k = 0; k < n; ++k) {
      const std::string rank = pick(8) == 0 ? "2" : "1";
      const std::string d = pick(30) == 0 ? "" : date(2018, 2022);
      const std::string dpn = pick(10) == 0 ? "71" : "0";
      const std::string cip = cips[pick(static_cast<int>(cips.size()))];
      pha.push_back({{"BEN_NIR_PSA", nir},
                     {"BEN_RNG_GEM", rank},
                     {"EXE_SOI_DTD", d},
                     {"PHA_PRS_C13", cip},
                     {"PHA_ACT_QSN", qty[pick(8)]},
                     {"DPN_QLF", dpn}});
      if (pick(4) == 0)  // a cancellation of the same line
        pha.push_back({{"BEN_NIR_PSA", nir},
                       {"BEN_RNG_GEM", rank},
                       {"EXE_SOI_DTD", d},
                       {"PHA_PRS_C13", cip},
                       {"PHA_ACT_QSN", "-1"},
                       {"DPN_QLF", "0"}});
      prs.push_back({{"BEN_NIR_PSA", nir},
                     {"BEN_RNG_GEM", rank},
                     {"EXE_SOI_DTD", d},
                     {"PRS_NAT_REF", std::to_string(1000 + pick(5))},
                     {"PRS_ACT_QTE", qty[pick(8)]},
                     {"PRS_PAI_MNT", fmt::format("{}.{:02d}", pick(200) - 20, pick(100))},
                     {"DPN_QLF", dpn}});
    }
  }
  b.add("ER_PHA_F", pha);
  b.add("ER_PRS_F", prs);

  for (int year : {2019, 2020}) {
    const std::string yy = std::to_string(year % 100);
    std::vector<Row> c, bb, dd;
    int rsa = 0;
    for (const auto& nir : nirs) {
      const int n = pick(4) == 0 ? 1 + pick(3) : 0;
      for (int k = 0; k < n; ++k) {
        const std::string eta = fmt::format("E{}", pick(3));
        const std::string r = std::to_string(++rsa);
        const std::string d = date(year, year);
        Row crow{{"ETA_NUM", eta}, {"RSA_NUM", r}, {"NIR_ANO_17", nir}, {"EXE_SOI_DTD", d}};
        for (const auto ret : kMcoReturnCodes) crow[std::string(ret)] = pick(15) == 0 ? "1" : "0";
        c.push_back(crow);
        if (pick(20) != 0)
          bb.push_back({{"ETA_NUM", eta},
                        {"RSA_NUM", r},
                        {"NIR_ANO_17", nir},
                        {"EXE_SOI_DTD", d},
                        {"DGN_PAL", icd[pick(8)]},
                        {"DGN_REL", icd[pick(8)]},
                        {"GRG_GHM", pick(12) == 0 ? "90Z00Z" : "05M09T"},
                        {"SEJ_NBJ", std::to_string(pick(9))}});
        const int das = pick(3);
        for (int j = 0; j < das; ++j)
          dd.push_back({{"ETA_NUM", eta},
                        {"RSA_NUM", r},
                        {"NIR_ANO_17", nir},
                        {"EXE_SOI_DTD", d},
                        {"ASS_DGN", icd[pick(8)]}});
      }
    }
    b.add("T_MCO" + yy + "C", c);
    b.add("T_MCO" + yy + "B", bb);
    b.add("T_MCO" + yy + "D", dd);
  }

  RandomExtract out;
  out.shard = b.take();
  out.referential = empty_store_table(TableKind::kIrPhaR);
  for (size_t i = 0; i < cips.size(); ++i)
    if (cips[i] != "3400939999999")
      append_row(out.referential, {{"PHA_CIP_C13", cips[i]}, {"PHA_ATC_C07", atcs[i]}});
  return out;
}

// The shards an ingest with `shards` shards would make of `all` (rows keep their order).
inline std::vector<ShardData> split_by_patient(const ShardData& all, uint32_t shards) {
  std::vector<ShardData> out(shards);
  for (uint32_t s = 0; s < shards; ++s) out[s].shard = s;
  for (const auto& [name, batch] : all.tables) {
    const bool pmsi = name.starts_with("T_MCO");
    const auto& key = batch.at(pmsi ? "NIR_ANO_17" : "BEN_NIR_PSA").strings;
    std::vector<std::vector<uint32_t>> rows(shards);
    for (uint32_t r = 0; r < batch.rows(); ++r)
      rows[shard_of_patient(key.at(r), shards)].push_back(r);
    for (uint32_t s = 0; s < shards; ++s) out[s].tables[name] = batch.gather(rows[s]);
  }
  return out;
}

}  // namespace snds::test
