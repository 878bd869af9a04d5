// Persons at ingest (jobs/ingest/person_map.hpp) and through the jobs: a person whose history is
// split over two pseudo-NIRs hashing to different shards is stored in one shard and is one
// cohort member and one aggregate patient, whatever the ranks, threads and shards; without
// BEN_IDT_ANO the same extract gives today's pseudo-NIR answers.
#include "jobs/ingest/person_map.hpp"

#include <gtest/gtest.h>

#include <fmt/format.h>
#include <boost/json.hpp>

#include "core/atomic_file.hpp"
#include "core/hash.hpp"
#include "jobs/commands.hpp"
#include "runtime/communicator.hpp"
#include "tests/support/test_support.hpp"

namespace snds {
namespace fs = std::filesystem;
namespace {

std::string nir_number(int i) {
  return fmt::format("N{:016d}", i);
}

// Two NIRs landing in different shards for every count in `shards`.
std::pair<std::string, std::string> split_pair(int from, std::initializer_list<uint32_t> shards) {
  for (int i = from;; ++i) {
    const std::string a = nir_number(from), b = nir_number(i + 1);
    bool apart = true;
    for (uint32_t s : shards) apart = apart && shard_of_patient(a, s) != shard_of_patient(b, s);
    if (apart) return {a, b};
  }
}

TEST(PersonRouting, LinkedNirsGoToTheShardOfTheirPersonsSmallestNirOnEveryRank) {
  const auto [a, b] = split_pair(0, {16});
  const auto [c, d] = split_pair(100, {16});
  for (int ranks = 1; ranks <= 3; ++ranks) {
    SCOPED_TRACE(ranks);
    run_in_process(ranks, [&](Communicator& comm) {
      // Each rank sees a part of the links; twins chain c's person to a third NIR.
      auto link = [](const char* id, const std::string& nir) {
        return PersonLink{hash_bytes(id), hash_bytes(nir)};
      };
      std::vector<PersonLink> mine;
      if (comm.rank() == 0) mine = {link("P", b), link("Q", c)};
      if (comm.rank() == ranks - 1) mine.push_back(link("P", a));
      if (comm.rank() == ranks / 2) mine.push_back(link("Q", d));
      const PersonRouting r = PersonRouting::build(comm, std::move(mine), 16);
      EXPECT_EQ(r.linked_ids(), 2u);
      // The shard of the NIR of smallest hash.
      const std::string& first = hash_bytes(a) < hash_bytes(b) ? a : b;
      EXPECT_EQ(r.shard_of(a, 16), shard_of_patient(first, 16));
      EXPECT_EQ(r.shard_of(b, 16), r.shard_of(a, 16));
      EXPECT_EQ(r.shard_of(c, 16), r.shard_of(d, 16));
      EXPECT_EQ(r.shard_of(nir_number(5000), 16), shard_of_patient(nir_number(5000), 16));
    });
  }
}

TEST(PersonRouting, IsEmptyWhenNoBenIdtAnoNamesTwoNirs) {
  run_in_process(2, [&](Communicator& comm) {
    std::vector<PersonLink> mine = {
        {hash_bytes(comm.rank() == 0 ? "P" : "Q"), hash_bytes(nir_number(comm.rank()))}};
    const PersonRouting r = PersonRouting::build(comm, std::move(mine), 16);
    EXPECT_EQ(r.linked_ids(), 0u);
    EXPECT_EQ(r.moved(), 0u);
  });
}

// A crafted extract. Person P: a statin under NIR a in 2019-12 (washout), another under b in
// 2020-06: not a new user. Person Q: a statin under c in 2020-03, a myocardial infarction under d
// in 2020-09: one member with its outcome. R: one NIR, a statin in 2020-02. A placeholder stay
// and a fictitious NIR carrying Q's BEN_IDT_ANO link nobody.
struct Crafted {
  std::string a, b, c, d, e = nir_number(900), f = nir_number(901);
};

void write_extract(const fs::path& dir, const Crafted& n, bool with_ids) {
  fs::create_directories(dir);
  std::string ben =
      "BEN_NIR_PSA;BEN_RNG_GEM;BEN_SEX_COD;BEN_NAI_ANN;BEN_NAI_MOI;BEN_RES_DPT;"
      "BEN_DCD_DTE";
  ben += with_ids ? ";BEN_IDT_ANO;BEN_CDI_NIR\n" : "\n";
  auto ben_row = [&](const std::string& nir, const char* born, const char* id, const char* cdi) {
    ben += fmt::format("{};1;1;{};6;075;", nir, born);
    ben += with_ids ? fmt::format(";{};{}\n", id, cdi) : "\n";
  };
  ben_row(n.a, "1950", "IDP", "00");
  ben_row(n.b, "1950", "IDP", "00");
  ben_row(n.c, "1955", "IDQ", "00");
  ben_row(n.d, "1955", "IDQ", "00");
  ben_row(n.e, "1960", "IDR", "00");
  ben_row(n.f, "1970", "IDQ", "03");
  test::write_text(dir / "IR_BEN_R.csv", ben);
  const std::string keys =
      "DCT_ORD_NUM;FLX_DIS_DTD;FLX_EMT_NUM;FLX_EMT_ORD;FLX_EMT_TYP;FLX_TRT_DTD;ORG_CLE_NUM;"
      "PRS_ORD_NUM;REM_TYP_AFF";
  std::string prs = keys +
                    ";BEN_NIR_PSA;BEN_RNG_GEM;EXE_SOI_DTD;PRS_NAT_REF;PRS_ACT_QTE;"
                    "PRS_PAI_MNT;DPN_QLF\n";
  std::string pha = keys + ";PHA_PRS_C13;PHA_ACT_QSN\n";
  int doc = 0;
  auto dispense = [&](const std::string& nir, const char* date) {
    const std::string key = fmt::format("{};{};1;1;1;{};01C751001;1;1", ++doc, date, date);
    prs += fmt::format("{};{};1;{};1301;1;10.00;0\n", key, nir, date);
    pha += fmt::format("{};3400930000001;1\n", key);
  };
  dispense(n.a, "2019-12-01");
  dispense(n.b, "2020-06-01");
  dispense(n.c, "2020-03-01");
  dispense(n.e, "2020-02-01");
  test::write_text(dir / "ER_PRS_F.csv", prs);
  test::write_text(dir / "ER_PHA_F.csv", pha);
  test::write_text(dir / "IR_PHA_R.csv", "PHA_CIP_C13;PHA_ATC_C07\n3400930000001;C10AA01\n");
  test::write_text(dir / "T_MCO20B.csv",
                   "ETA_NUM;RSA_NUM;DGN_PAL;DGN_REL;GRG_GHM;SEJ_NBJ\n"
                   "750000001;0000000001;I210;;05M041;5\n750000001;0000000002;I210;;05M041;3\n");
  std::string c =
      "ETA_NUM;RSA_NUM;NIR_ANO_17;EXE_SOI_DTD;EXE_SOI_DTF;NIR_RET;NAI_RET;SEX_RET;"
      "SEJ_RET;FHO_RET;PMS_RET;DAT_RET\n";
  c += fmt::format("750000001;0000000001;{};2020-09-01;2020-09-06;0;0;0;0;0;0;0\n", n.d);
  c += "750000001;0000000002;XXXXXXXXXXXXXXXXD;2020-10-01;2020-10-04;0;0;0;0;0;0;0\n";
  test::write_text(dir / "T_MCO20C.csv", c);
  test::write_text(dir / "T_MCO20D.csv", "ETA_NUM;RSA_NUM;ASS_DGN\n");
}

void run(const ArgList& args, int ranks, int threads, bool ingest) {
  run_in_process(ranks, [&](Communicator& comm) {
    CommandContext ctx{comm, threads};
    if (ingest)
      ingest_command(args, ctx);
    else
      run_command(args, ctx);
  });
}

struct Answers {
  std::string cohort, attrition, aggregate;
  boost::json::object store;
};

Answers answers(const fs::path& dir, const fs::path& extract, int ranks, int threads, int shards) {
  const fs::path store = dir / "store", out = dir / "out";
  fs::create_directories(dir);
  test::write_text(dir / "ingest.yaml", fmt::format("store: {}\nshards: {}\ninputs: {}\n",
                                                    store.string(), shards, extract.string()));
  run({(dir / "ingest.yaml").string()}, ranks, threads, true);
  test::write_text(dir / "cohort.yaml",
                   fmt::format("job: cohort\nstore: {}\noutput: {}\n"
                               "study: {{start: 2020-01-01, end: 2022-12-31}}\n"
                               "events:\n"
                               "  statin: {{source: dispensing, atc: [C10AA]}}\n"
                               "  mi: {{source: hospital_stay, icd10: [I21], positions: [DP]}}\n"
                               "index: {{event: statin, washout_days: 365}}\n"
                               "outcome: {{event: mi}}\n",
                               store.string(), (out / "cohort").string()));
  run({(dir / "cohort.yaml").string()}, ranks, threads, false);
  test::write_text(dir / "aggregate.yaml",
                   fmt::format("job: aggregate\nstore: {}\noutput: {}\nsource: dispensing\n"
                               "group_by: [year]\nmeasures: [patients, lines]\n"
                               "disclosure: {{min_patients: 1}}\n",
                               store.string(), (out / "aggregate").string()));
  run({(dir / "aggregate.yaml").string()}, ranks, threads, false);
  Answers a;
  a.cohort = read_file(out / "cohort" / "cohort.csv");
  a.attrition = read_file(out / "cohort" / "attrition.csv");
  a.aggregate = read_file(out / "aggregate" / "result.csv");
  a.store = boost::json::parse(read_file(store / "manifest.json")).as_object();
  return a;
}

TEST(PersonSharding, APersonSplitOverTwoShardsIsOneCohortMemberWithItsWholeHistory) {
  test::TempDir dir("persons");
  Crafted n;
  std::tie(n.a, n.b) = split_pair(0, {5, 7, 16});
  std::tie(n.c, n.d) = split_pair(200, {5, 7, 16});
  write_extract(dir / "in", n, true);
  const Answers a = answers(dir / "r1", dir / "in", 1, 1, 16);
  // P is not a new user (its 2019 statin under a); Q is one member, with b's outcome; R too.
  const std::string q = std::min(n.c, n.d);
  EXPECT_EQ(a.cohort,
            "BEN_NIR_PSA,BEN_RNG_GEM,index_date,age_at_index,sex,outcome_date,end_date,"
            "end_reason,pseudo_nirs\n" +
                fmt::format("{},1,2020-03-01,65,1,2020-09-01,2020-09-01,outcome,2\n", q) +
                fmt::format("{},1,2020-02-01,60,1,,2022-12-31,study_end,1\n", n.e));
  const auto& persons = a.store.at("persons").as_object();
  EXPECT_EQ(persons.at("persons").to_number<uint64_t>(), 4u);  // P, Q, R, the fictitious one
  EXPECT_EQ(persons.at("persons_with_several_pseudo_nirs").to_number<uint64_t>(), 2u);
  EXPECT_EQ(persons.at("fictitious_nir_rows").to_number<uint64_t>(), 1u);
  EXPECT_EQ(a.store.at("placeholder_nir_rows").at("T_MCO20C").to_number<uint64_t>(), 1u);
  // The aggregate counts persons: 2019 is P alone; 2020 P, Q and R (P twice under two NIRs).
  EXPECT_EQ(a.aggregate, "year,patients,lines,suppressed\n2019,1,1,0\n2020,3,3,0\n");

  struct Layout {
    int ranks, threads, shards;
  };
  for (const Layout l : {Layout{2, 1, 5}, Layout{3, 2, 7}, Layout{2, 2, 1}}) {
    SCOPED_TRACE(fmt::format("{} ranks {} threads {} shards", l.ranks, l.threads, l.shards));
    const Answers b = answers(dir / fmt::format("r{}{}{}", l.ranks, l.threads, l.shards),
                              dir / "in", l.ranks, l.threads, l.shards);
    EXPECT_EQ(b.cohort, a.cohort);
    EXPECT_EQ(b.attrition, a.attrition);
    EXPECT_EQ(b.aggregate, a.aggregate);
  }
}

TEST(PersonSharding, WithoutBenIdtAnoEveryPseudoNirIsAPatientAsBefore) {
  test::TempDir dir("persons");
  Crafted n;
  std::tie(n.a, n.b) = split_pair(0, {16});
  std::tie(n.c, n.d) = split_pair(200, {16});
  write_extract(dir / "in", n, false);
  const Answers a = answers(dir / "r", dir / "in", 2, 1, 16);
  // b looks like a new user and c has no outcome: the answer persons correct.
  EXPECT_EQ(a.cohort,
            "BEN_NIR_PSA,BEN_RNG_GEM,index_date,age_at_index,sex,outcome_date,end_date,"
            "end_reason\n" +
                fmt::format("{},1,2020-06-01,70,1,,2022-12-31,study_end\n", n.b) +
                fmt::format("{},1,2020-03-01,65,1,,2022-12-31,study_end\n", n.c) +
                fmt::format("{},1,2020-02-01,60,1,,2022-12-31,study_end\n", n.e));
  EXPECT_FALSE(a.store.contains("persons"));
}

}  // namespace
}  // namespace snds
