// Extracts for cohort job tests, as the store holds them: one "global" ShardData of raw SNDS
// rows (IR_PHA_R included) split into patient-hash shards sorted by patient then date, served
// from memory or written as a real store (ShardWriter files + manifest). Also a brute-force
// extraction of raw rows (reference section 3) that feeds the rule reference of
// tests/core/cohort/cohort_reference.hpp, independent of core/events.
#pragma once

#include <algorithm>
#include <filesystem>
#include <map>
#include <numeric>
#include <random>
#include <string>
#include <tuple>
#include <vector>

#include <fmt/format.h>

#include "core/atomic_file.hpp"
#include "core/catalog.hpp"
#include "core/hash.hpp"
#include "core/store/shard_writer.hpp"
#include "core/store/store_layout.hpp"
#include "jobs/cohort/cohort_run.hpp"
#include "tests/core/cohort/cohort_reference.hpp"
#include "tests/core/events/shard_builder.hpp"

namespace snds::test {

inline std::string patient_column(const std::string& table) {
  auto name = parse_table_name(table);
  if (!name) return {};
  return is_mco_table(name->kind) ? "NIR_ANO_17" : "BEN_NIR_PSA";
}

// Splits every patient-keyed table by the patient hash; rows in each shard sorted by (patient,
// rank, date) as ingest stores them. IR_PHA_R (the referential) is left out.
inline std::vector<ShardData> split_into_shards(const ShardData& global, uint32_t shards) {
  std::vector<ShardData> out(shards);
  for (uint32_t s = 0; s < shards; ++s) out[s].shard = s;
  for (const auto& [name, batch] : global.tables) {
    const std::string key = patient_column(name);
    if (key.empty() || name == "IR_PHA_R") continue;
    const auto& nir = batch.at(key).strings;
    const int rank_col = batch.find("BEN_RNG_GEM");
    const int date_col = batch.find("EXE_SOI_DTD");
    std::vector<std::vector<uint32_t>> rows(shards);
    for (uint32_t r = 0; r < batch.rows(); ++r)
      rows[shard_of_patient(nir.at(r), shards)].push_back(r);
    for (uint32_t s = 0; s < shards; ++s) {
      auto& idx = rows[s];
      std::stable_sort(idx.begin(), idx.end(), [&](uint32_t a, uint32_t b) {
        const int64_t ra = rank_col < 0 ? 0 : batch.columns[rank_col].ints[a];
        const int64_t rb = rank_col < 0 ? 0 : batch.columns[rank_col].ints[b];
        const Date da = date_col < 0 ? 0 : batch.columns[date_col].dates[a];
        const Date db = date_col < 0 ? 0 : batch.columns[date_col].dates[b];
        return std::make_tuple(nir.at(a), ra, da) < std::make_tuple(nir.at(b), rb, db);
      });
      out[s].tables[name] = batch.gather(idx);
    }
  }
  return out;
}

// The wanted tables and columns of a shard, as read_shard gives them: patterns ("T_MCOaaC")
// match every year; a wanted column missing from a present table fails the test.
inline ShardData restrict_to(const ShardData& shard, const WantedTables& wanted) {
  ShardData out;
  out.shard = shard.shard;
  for (const auto& [name, batch] : shard.tables) {
    auto parsed = parse_table_name(name);
    auto it = wanted.find(name);
    if (it == wanted.end() && parsed) it = wanted.find(table_kind_name(parsed->kind));
    if (it == wanted.end()) continue;
    Batch b;
    for (const auto& wanted_column : it->second) {
      // "?NAME": read when present (WantedTables), as the store reader does.
      const bool optional = wanted_column.starts_with(kOptionalColumnMark);
      const std::string c = optional ? wanted_column.substr(1) : wanted_column;
      if (optional && batch.find(c) < 0) continue;
      if (batch.find(c) < 0)
        throw std::runtime_error("test shard lacks wanted column " + name + "." + c);
      b.columns.push_back(batch.at(c));
    }
    out.tables[name] = std::move(b);
  }
  return out;
}

inline CohortShardSource memory_source(const ShardData& global, uint32_t shards) {
  auto parts = std::make_shared<std::vector<ShardData>>(split_into_shards(global, shards));
  auto referential = std::make_shared<Batch>();
  if (const Batch* r = global.find("IR_PHA_R")) *referential = *r;
  CohortShardSource source;
  source.shards = shards;
  source.load_shard = [parts](uint32_t s, const WantedTables& wanted) {
    return restrict_to(parts->at(s), wanted);
  };
  source.load_referential = [referential](bool) { return DrugReferential(*referential); };
  source.store = {{"path", "memory"}, {"shards", shards}};
  return source;
}

// A store on disk as ingest leaves it: shards, referential.h5, manifest.json (written last).
inline void write_store(const std::filesystem::path& store, const ShardData& global,
                        uint32_t shards) {
  std::filesystem::create_directories(store / "shards");
  const auto parts = split_into_shards(global, shards);
  for (uint32_t s = 0; s < shards; ++s) {
    ShardWriter w(shard_path(store, s), {{"shard", int64_t{s}}, {"shards", int64_t{shards}}});
    for (const auto& [name, batch] : parts[s].tables) w.write_table(name, batch);
    w.close();
  }
  if (const Batch* r = global.find("IR_PHA_R")) {
    ShardWriter w(store_referential_path(store));
    w.write_table("IR_PHA_R", *r);
    w.close();
  }
  // The tables it holds: jobs check that those they need are there.
  std::string tables;
  for (const auto& [name, batch] : global.tables)
    tables += fmt::format("{}\"{}\": {{\"read\": {}, \"rows\": {}, \"rejected\": 0}}",
                          tables.empty() ? "" : ", ", name, batch.rows(), batch.rows());
  write_file_atomic(store_manifest_path(store),
                    fmt::format("{{\"shards\": {}, \"created\": \"2024-01-01T00:00:00Z\", "
                                "\"tables\": {{{}}}}}\n",
                                shards, tables));
}

// Contract section 3 by brute force on raw rows: patients of IR_BEN_R; dispensings netted by
// (patient, date, CIP13) without DPN_QLF 71 lines; valid stays (all *_RET "0", GHM not 90...)
// given to every patient of their NIR; claims without DPN_QLF 71.
inline CohortWorld world_from_raw(const ShardData& g) {
  CohortWorld w;
  const Batch& ben = g.tables.at("IR_BEN_R");
  std::vector<uint32_t> order(ben.rows());
  std::iota(order.begin(), order.end(), 0u);
  std::sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) {
    return std::make_tuple(ben.at("BEN_NIR_PSA").strings.at(a), ben.at("BEN_RNG_GEM").ints[a]) <
           std::make_tuple(ben.at("BEN_NIR_PSA").strings.at(b), ben.at("BEN_RNG_GEM").ints[b]);
  });
  std::map<std::pair<std::string, int64_t>, uint32_t> id;
  std::multimap<std::string, uint32_t> by_nir;
  for (uint32_t r : order) {
    const std::string nir(ben.at("BEN_NIR_PSA").strings.at(r));
    const int64_t rank = ben.at("BEN_RNG_GEM").ints[r];
    if (id.count({nir, rank})) continue;
    const int64_t born = ben.at("BEN_NAI_ANN").ints[r];
    Date death = ben.at("BEN_DCD_DTE").dates[r];
    if (death == kSndsMissingSentinel) death = kMissingDate;
    const uint32_t p = w.patient(nir, rank, born == 1600 ? kMissingInt : born, death,
                                 std::string(ben.at("BEN_SEX_COD").strings.at(r)));
    const int64_t month =
        ben.find("BEN_NAI_MOI") >= 0 ? ben.at("BEN_NAI_MOI").ints[r] : kMissingInt;
    if (month >= 1 && month <= 12) w.index.patients[p].birth_month = month;
    id[{nir, rank}] = p;
    by_nir.emplace(nir, p);
  }
  std::map<std::string, std::string> atc;
  if (const Batch* ref = g.find("IR_PHA_R"))
    for (size_t r = 0; r < ref->rows(); ++r) {
      atc.emplace(ref->at("PHA_CIP_C13").strings.at(r), ref->at("PHA_ATC_C07").strings.at(r));
      if (ref->find("PHA_CND_TOP") >= 0 && ref->at("PHA_CND_TOP").strings.at(r) == "GC")
        w.large_packs.emplace(ref->at("PHA_CIP_C13").strings.at(r));
    }

  if (const Batch* pha = g.find("ER_PHA_F")) {
    std::map<std::tuple<uint32_t, Date, std::string>, int64_t> net;
    for (size_t r = 0; r < pha->rows(); ++r) {
      if (pha->at("DPN_QLF").ints[r] == 71) continue;
      auto it = id.find(
          {std::string(pha->at("BEN_NIR_PSA").strings.at(r)), pha->at("BEN_RNG_GEM").ints[r]});
      if (it == id.end()) continue;
      const int64_t q = pha->at("PHA_ACT_QSN").ints[r];
      net[{it->second, pha->at("EXE_SOI_DTD").dates[r],
           std::string(pha->at("PHA_PRS_C13").strings.at(r))}] += q == kMissingInt ? 0 : q;
    }
    for (const auto& [key, boxes] : net) {
      if (boxes <= 0) continue;
      const auto& [p, date, cip] = key;
      auto a = atc.find(cip);
      const std::string code = a == atc.end() || a->second.empty() ? "UNKNOWN" : a->second;
      w.dispense(p, date, code, cip, boxes);
    }
  }
  for (const auto& [name, c] : g.tables) {
    auto parsed = parse_table_name(name);
    if (!parsed || parsed->kind != TableKind::kMcoC) continue;
    const Batch& b = g.tables.at(table_instance_name(TableKind::kMcoB, parsed->year));
    const Batch* d = g.find(table_instance_name(TableKind::kMcoD, parsed->year));
    for (size_t r = 0; r < c.rows(); ++r) {
      bool valid = true;
      for (auto ret : kMcoReturnCodes) valid = valid && c.at(std::string(ret)).strings.at(r) == "0";
      const auto eta = c.at("ETA_NUM").strings.at(r), rsa = c.at("RSA_NUM").strings.at(r);
      std::string dp, dr;
      bool has_b = false;
      for (size_t k = 0; k < b.rows() && !has_b; ++k)
        if (b.at("ETA_NUM").strings.at(k) == eta && b.at("RSA_NUM").strings.at(k) == rsa) {
          has_b = true;
          valid = valid && !b.at("GRG_GHM").strings.at(k).starts_with("90");
          dp = b.at("DGN_PAL").strings.at(k);
          dr = b.at("DGN_REL").strings.at(k);
        }
      if (!valid || !has_b) continue;
      std::vector<std::string> das;
      if (d)
        for (size_t k = 0; k < d->rows(); ++k)
          if (d->at("ETA_NUM").strings.at(k) == eta && d->at("RSA_NUM").strings.at(k) == rsa &&
              !d->at("ASS_DGN").strings.at(k).empty())
            das.emplace_back(d->at("ASS_DGN").strings.at(k));
      const std::string nir(c.at("NIR_ANO_17").strings.at(r));
      auto [lo, hi] = by_nir.equal_range(nir);
      for (auto it = lo; it != hi; ++it) {
        w.stay(it->second, c.at("EXE_SOI_DTD").dates[r], dp, dr);
        for (const auto& x : das) w.events.stays.back().das.push_back(w.keep(x));
      }
    }
  }
  if (const Batch* prs = g.find("ER_PRS_F"))
    for (size_t r = 0; r < prs->rows(); ++r) {
      if (prs->at("DPN_QLF").ints[r] == 71) continue;
      auto it = id.find(
          {std::string(prs->at("BEN_NIR_PSA").strings.at(r)), prs->at("BEN_RNG_GEM").ints[r]});
      if (it == id.end()) continue;
      const int64_t q = prs->at("PRS_ACT_QTE").ints[r];
      w.claim(it->second, prs->at("EXE_SOI_DTD").dates[r], prs->at("PRS_NAT_REF").ints[r],
              q == kMissingInt ? 0 : q);
    }
  return w;
}

// A random extract with the quirks the rules must survive: twins, patients absent from IR_BEN_R,
// cancelled dispensings, DPN_QLF 71 lines, invalid stays (return codes, GHM 90), stays of unknown
// NIRs, unknown birth years, deaths, CIP13s absent from IR_PHA_R.
inline ShardData random_extract(uint32_t seed, size_t patients) {
  std::mt19937 rng(seed);
  auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<unsigned>(n)); };
  auto iso = [](Date d) { return format_iso_date(d); };
  ShardBuilder sb;
  const char* cips[] = {"3400930000001", "3400930000002", "3400930000003", "3400930000004",
                        "3400939999999"};
  sb.add("IR_PHA_R", {{{"PHA_CIP_C13", cips[0]}, {"PHA_ATC_C07", "C10AA01"}},
                      {{"PHA_CIP_C13", cips[1]}, {"PHA_ATC_C07", "C10AA05"}, {"PHA_CND_TOP", "GC"}},
                      {{"PHA_CIP_C13", cips[2]}, {"PHA_ATC_C07", "A10BA02"}},
                      {{"PHA_CIP_C13", cips[3]}, {"PHA_ATC_C07", "N02BE01"}}});
  const char* icds[] = {"I21", "I219", "I220", "S720", "S721", "E119", "Z000"};
  const Date base = day(2019, 1, 1);
  int stay_no = 0;
  for (size_t i = 0; i < patients; ++i) {
    const std::string nir =
        fmt::format("{:017d}", (static_cast<uint64_t>(i) * 2654435761u) % 100000000000000000ull);
    const bool absent = pick(20) == 0;
    const int twins = pick(12) == 0 ? 2 : 1;
    for (int t = 1; t <= twins && !absent; ++t) {
      Row r{{"BEN_NIR_PSA", nir},
            {"BEN_RNG_GEM", std::to_string(t)},
            {"BEN_SEX_COD", pick(2) ? "1" : "2"},
            {"BEN_NAI_ANN", pick(15) == 0 ? "1600" : std::to_string(1925 + pick(80))},
            {"BEN_NAI_MOI", std::to_string(1 + i % 12)},
            {"BEN_RES_DPT", "075"}};
      if (pick(5) == 0) r["BEN_DCD_DTE"] = iso(base + 200 + pick(1300));
      sb.add("IR_BEN_R", {r});
    }
    const Date anchor = base + 300 + pick(1100);
    for (int t = 1; t <= twins; ++t) {
      for (int k = pick(6); k > 0; --k) {
        const Date d = anchor + pick(700) - 350;
        const char* cip = cips[pick(5)];
        Row line{{"BEN_NIR_PSA", nir},    {"BEN_RNG_GEM", std::to_string(t)},
                 {"EXE_SOI_DTD", iso(d)}, {"DPN_QLF", pick(15) == 0 ? "71" : "0"},
                 {"PHA_PRS_C13", cip},    {"PHA_ACT_QSN", "1"}};
        sb.add("ER_PHA_F", {line});
        if (pick(6) == 0) {  // a regularisation cancelling it
          line["PHA_ACT_QSN"] = "-1";
          line["DPN_QLF"] = "0";
          sb.add("ER_PHA_F", {line});
        }
      }
      for (int k = pick(6); k > 0; --k)
        sb.add("ER_PRS_F", {{{"BEN_NIR_PSA", nir},
                             {"BEN_RNG_GEM", std::to_string(t)},
                             {"EXE_SOI_DTD", iso(anchor + pick(700) - 350)},
                             {"PRS_NAT_REF", pick(3) ? "1111" : "1112"},
                             {"PRS_ACT_QTE", pick(5) == 0 ? "-1" : "1"},
                             {"PRS_PAI_MNT", "25"},
                             {"DPN_QLF", pick(20) == 0 ? "71" : "0"}}});
    }
    for (int k = pick(4); k > 0; --k) {
      const Date d = anchor + pick(900) - 300;
      const int year = year_of(d);
      const std::string yy = fmt::format("{:02d}", year % 100);
      const std::string eta = fmt::format("{:09d}", 100 + pick(3)),
                        rsa = fmt::format("{:010d}", ++stay_no);
      const std::string who = pick(25) == 0 ? "99999999999999999" : nir;
      Row c{{"ETA_NUM", eta},
            {"RSA_NUM", rsa},
            {"NIR_ANO_17", who},
            {"EXE_SOI_DTD", iso(d)},
            {"EXE_SOI_DTF", iso(d + 2)}};
      for (auto ret : kMcoReturnCodes) c[std::string(ret)] = "0";
      if (pick(10) == 0) c["NIR_RET"] = "1";
      sb.add("T_MCO" + yy + "C", {c});
      sb.add("T_MCO" + yy + "B", {{{"ETA_NUM", eta},
                                   {"RSA_NUM", rsa},
                                   {"NIR_ANO_17", who},
                                   {"EXE_SOI_DTD", iso(d)},
                                   {"DGN_PAL", icds[pick(7)]},
                                   {"DGN_REL", pick(2) ? icds[pick(7)] : ""},
                                   {"GRG_GHM", pick(12) == 0 ? "90Z00Z" : "05M09T"},
                                   {"SEJ_NBJ", "3"}}});
      if (pick(2))
        sb.add("T_MCO" + yy + "D", {{{"ETA_NUM", eta},
                                     {"RSA_NUM", rsa},
                                     {"NIR_ANO_17", who},
                                     {"EXE_SOI_DTD", iso(d)},
                                     {"ASS_DGN", icds[pick(7)]}}});
    }
  }
  return sb.take();
}

}  // namespace snds::test
