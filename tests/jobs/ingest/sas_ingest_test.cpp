// SAS tables in the ingest (issue #20): the generator's extract written as SAS tables gives the
// store its CSV twin gives (same shards, same rows in the same order), at 1 and 2 ranks, with
// ranks sharing one table's rows and blocks far smaller than the tables; a value that does not
// fit its column is a reject naming the file, the row and the column; a file that is no SAS
// table stops the ingest (exit 3) naming it.
#include <gtest/gtest.h>
#include <zlib.h>

#include <algorithm>

#include <boost/json.hpp>

#include "core/error.hpp"
#include "core/sas/sas_writer.hpp"
#include "jobs/commands.hpp"
#include "jobs/generate/generator.hpp"
#include "jobs/ingest/ingest_config.hpp"
#include "jobs/ingest/ingest_run.hpp"
#include "runtime/communicator.hpp"
#include "tests/support/mini_extract.hpp"
#include "tests/support/store_dump.hpp"
#include "tests/support/test_support.hpp"

namespace snds {
namespace fs = std::filesystem;

namespace {

void ingest(const fs::path& yaml, int ranks, int threads) {
  ConfigMap m = load_config(yaml.string());
  const IngestConfig c = read_ingest_config(m);
  run_in_process(ranks, [&](Communicator& comm) {
    CommandContext ctx{comm, threads};
    run_ingest(c, ctx, false);
  });
}

void generate(const fs::path& out, OutputFormat format) {
  synth::GeneratorOptions o;
  o.patients = 400;
  o.seed = 5;
  run_in_process(2, [&](Communicator& comm) { generate_extract(o, out, comm, 1, format); });
}

boost::json::object manifest(const fs::path& store) {
  return boost::json::parse(test::read_text(store / "manifest.json")).as_object();
}

class SasIngest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new test::TempDir("sas-ingest");
    generate(dir_->path() / "csv", OutputFormat::kCsv);
    generate(dir_->path() / "sas", OutputFormat::kSas7bdat);
    test::write_ingest_config(dir_->path() / "ref.yaml", dir_->path() / "csv", dir_->path() / "ref",
                              5);
    ingest(dir_->path() / "ref.yaml", 1, 1);
    reference_ = test::dump_store(dir_->path() / "ref", true);
  }
  static void TearDownTestSuite() { delete dir_; }
  static test::TempDir* dir_;
  static std::string reference_;
};
test::TempDir* SasIngest::dir_ = nullptr;
std::string SasIngest::reference_;

}  // namespace

TEST_F(SasIngest, TheSasTwinOfAnExtractGivesItsCsvStoreAtOneAndTwoRanks) {
  const auto ref = manifest(dir_->path() / "ref");
  const struct {
    int ranks, threads;
    const char* chunk;
  } layouts[] = {{1, 1, "32768"}, {2, 1, "64"}, {2, 2, "16"}};
  for (const auto& l : layouts) {
    SCOPED_TRACE(fmt::format("{} ranks x {} threads, {} KB chunks", l.ranks, l.threads, l.chunk));
    const fs::path store = dir_->path() / fmt::format("s{}_{}_{}", l.ranks, l.threads, l.chunk);
    const fs::path yaml = store.string() + ".yaml";
    test::write_ingest_config(yaml, dir_->path() / "sas", store, 5,
                              fmt::format("read_chunk_kb: {}\n", l.chunk));
    ingest(yaml, l.ranks, l.threads);
    // Same shards, same rows in the same order.
    EXPECT_TRUE(test::dump_store(store, true) == reference_);
    const auto m = manifest(store);
    EXPECT_EQ(m.at("rows_per_shard"), ref.at("rows_per_shard"));
    for (const auto& [table, t] : ref.at("tables").as_object()) {
      // Stored rows and orphans alike; the CSV's malformed rows (rejects) have no SAS form.
      const auto& sas = m.at("tables").at(table).as_object();
      EXPECT_EQ(sas.at("rows"), t.at("rows")) << table;
      EXPECT_EQ(sas.at("rejected").to_number<uint64_t>(), 0u) << table;
      EXPECT_EQ(sas.at("read"), t.at("rows")) << table;
      if (t.as_object().contains("orphans")) {
        EXPECT_EQ(sas.at("orphans"), t.at("orphans")) << table;
      }
    }
    // The generator left no row out of its SAS tables.
    const auto generated =
        boost::json::parse(test::read_text(dir_->path() / "sas" / "generate.json")).as_object();
    EXPECT_EQ(generated.at("format").as_string(), "sas7bdat");
    for (const auto& f : generated.at("files").as_array()) {
      if (f.as_object().contains("dropped")) {
        EXPECT_EQ(f.at("dropped").to_number<uint64_t>(), 0u);
      }
    }
    for (const auto& in : m.at("inputs").as_array()) {
      if (!in.at("taken").as_bool()) continue;
      EXPECT_EQ(in.at("format").as_string(), "sas7bdat");
      const std::string bytes = test::read_text(std::string(in.at("path").as_string()));
      EXPECT_EQ(in.at("crc32").as_string(),
                fmt::format("{:08x}", crc32(0L, reinterpret_cast<const Bytef*>(bytes.data()),
                                            static_cast<uInt>(bytes.size()))));
    }
  }
}

TEST_F(SasIngest, CsvAndSasTablesOfOneExtractMixInOneIngest) {
  // Half the tables as CSV, half as SAS tables: the same store again.
  const fs::path mixed = dir_->path() / "mixed";
  fs::create_directories(mixed);
  int k = 0;
  std::vector<fs::path> csv;
  for (const auto& e : fs::directory_iterator(dir_->path() / "csv")) csv.push_back(e.path());
  std::sort(csv.begin(), csv.end());
  for (const auto& p : csv) {
    const std::string name = p.filename().string();
    const size_t dot = name.find(".csv");  // .csv and .csv.gz (the generator's gzip quirk)
    if (dot == std::string::npos) continue;
    const fs::path sas = dir_->path() / "sas" / (name.substr(0, dot) + ".sas7bdat");
    const fs::path& from = k++ % 2 == 0 ? p : sas;
    fs::copy_file(from, mixed / from.filename());
  }
  test::write_ingest_config(dir_->path() / "mixed.yaml", mixed, dir_->path() / "mixed_store", 5);
  ingest(dir_->path() / "mixed.yaml", 2, 1);
  // Not EXPECT_EQ: gtest's diff of two large dumps takes gigabytes.
  EXPECT_TRUE(test::dump_store(dir_->path() / "mixed_store", true) == reference_);
}

TEST(SasIngestRejects, AValueThatDoesNotFitIsARejectNamingFileRowAndColumnNeverLogged) {
  test::TempDir dir("sas-rejects");
  test::write_mini_extract(dir / "in", 50, 2);
  fs::remove(dir / "in" / "IR_BEN_R.csv");
  const std::string path = (dir / "in" / "IR_BEN_R.sas7bdat").string();
  {
    SasTableWriter w(path,
                     {{"BEN_NIR_PSA", false, "", 17},
                      {"BEN_RNG_GEM", true, "", 0},
                      {"BEN_SEX_COD", true, "", 0},
                      {"BEN_NAI_ANN", true, "", 0},
                      {"BEN_NAI_MOI", true, "", 0},
                      {"BEN_RES_DPT", false, "", 3},
                      {"BEN_DCD_DTE", true, "DATE9", 0}},
                     50);  // one reject in 50: under the config's max_reject_ratio
    for (int r = 0; r < 50; ++r) {
      w.begin_row();
      w.string(0, fmt::format("PATIENT{:010d}", r));
      w.number(1, r == 1 ? 1.5 : 1);  // row 2: a rank that is no integer
      w.number(2, 1);
      w.number(3, 1970);
      w.number(4, 1);
      w.string(5, "075");
      w.missing(6);
      w.end_row();
    }
    w.finish();
  }
  test::write_ingest_config(dir / "c.yaml", dir / "in", dir / "store", 3, "");
  ingest(dir / "c.yaml", 1, 1);
  const std::string rejects = test::read_text(dir / "store" / "rejects.csv");
  EXPECT_NE(rejects.find(path + ",2,column BEN_RNG_GEM: bad integer '1.5',"), std::string::npos)
      << rejects;
  const auto m = manifest(dir / "store");
  EXPECT_EQ(m.at("tables").at("IR_BEN_R").at("read").to_number<uint64_t>(), 50u);
  EXPECT_EQ(m.at("tables").at("IR_BEN_R").at("rejected").to_number<uint64_t>(), 1u);
  // The log names the file and counts; never a value.
  std::string out;
  test::write_ingest_config(dir / "c2.yaml", dir / "in", dir / "store2", 3, "");
  ASSERT_EQ(test::run_command(
                fmt::format("{} ingest {}", test::snds_bin(), (dir / "c2.yaml").string()), &out),
            0)
      << out;
  EXPECT_NE(out.find("IR_BEN_R.sas7bdat: IR_BEN_R (sas7bdat), 50 rows, 1 rejected"),
            std::string::npos)
      << out;
  EXPECT_EQ(out.find("PATIENT"), std::string::npos) << out;
}

TEST(SasIngestRejects, AFileThatIsNoSasTableStopsTheIngestNamingIt) {
  test::TempDir dir("sas-corrupt");
  test::write_mini_extract(dir / "in", 20, 2);
  const std::string bad = (dir / "in" / "T_MCO20B_extra.sas7bdat").string();
  test::write_text(bad, std::string(4096, 'x'));
  test::write_ingest_config(dir / "c.yaml", dir / "in", dir / "store", 3);
  try {
    ingest(dir / "c.yaml", 2, 1);
    FAIL() << "expected a data error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::kData);
    EXPECT_NE(std::string(e.what()).find(bad + ": cannot be read as a SAS table"),
              std::string::npos)
        << e.what();
  }
}

}  // namespace snds
