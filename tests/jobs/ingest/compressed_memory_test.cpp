// The memory promise with a large compressed input (docs/ingest.md, "Bounded memory"): a
// .csv.gz holding many times the budget of CSV ingests in a child process whose peak RSS stays
// under memory_budget_mb plus a stated slack for what the budget does not cover (the process's
// code and libraries, MPI and HDF5 state, the write phase's sort of one shard). Before streamed
// decompression the whole file was inflated in one buffer: this input would have taken more than
// three times the limit.
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include <boost/json.hpp>

#include <fmt/format.h>

#include "tests/support/mini_extract.hpp"
#include "tests/support/test_support.hpp"

namespace snds {
namespace fs = std::filesystem;

namespace {

constexpr double kBudgetMb = 32;
// What the budget does not cover (docs/ingest.md): the process itself (about 15 MB of code,
// libraries, MPI and HDF5 state at start), HDF5's chunk buffers and the allocator's slack.
constexpr double kSlackMb = 64;

// Writes an IR_BEN_R.csv.gz of at least `csv_bytes` of CSV, streamed (the test never holds it);
// returns the CSV bytes written.
uint64_t write_big_gzip(const fs::path& path, uint64_t csv_bytes) {
  fs::create_directories(path.parent_path());
  gzFile gz = gzopen(path.c_str(), "wb1");
  EXPECT_NE(gz, nullptr);
  std::string text =
      "BEN_NIR_PSA;BEN_RNG_GEM;BEN_SEX_COD;BEN_NAI_ANN;BEN_NAI_MOI;BEN_RES_DPT;BEN_DCD_DTE\n";
  uint64_t written = 0;
  for (uint64_t i = 0; written < csv_bytes; ++i) {
    // A quoted field with a newline now and then: blocks must cut around it.
    fmt::format_to(std::back_inserter(text), "P{:015x};{};{};{};{};{};{}\n", i * 2654435761u,
                   1 + i % 3, 1 + i % 2, 1920 + i % 90, 1 + i % 12,
                   i % 1000 == 0 ? "\"07\n5\"" : "075", i % 7 == 0 ? "2021-03-04" : "");
    if (text.size() > (size_t{1} << 20)) {
      EXPECT_EQ(gzwrite(gz, text.data(), static_cast<unsigned>(text.size())),
                static_cast<int>(text.size()));
      written += text.size();
      text.clear();
    }
  }
  gzwrite(gz, text.data(), static_cast<unsigned>(text.size()));
  written += text.size();
  gzclose(gz);
  return written;
}

// Runs the binary as a child; returns its exit status and peak RSS in MB (wait4's rusage: the
// child alone, RUSAGE_CHILDREN of this process narrowed to it).
std::pair<int, double> run_measured(const std::vector<std::string>& args) {
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  int status = 0;
  struct rusage ru {};
  ::wait4(pid, &status, 0, &ru);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status),
          static_cast<double>(ru.ru_maxrss) / 1024.0};
}

}  // namespace

TEST(CompressedIngestMemory, ALargeGzipIngestsUnderTheBudgetPlusTheStatedSlack) {
  test::TempDir dir("gz-memory");
  const uint64_t csv_bytes = write_big_gzip(
      dir / "in" / "IR_BEN_R_big.csv.gz", static_cast<uint64_t>(3 * (kBudgetMb + kSlackMb)) << 20);
  ASSERT_GT(static_cast<double>(csv_bytes) / (1 << 20), 3 * (kBudgetMb + kSlackMb));
  test::write_ingest_config(dir / "c.yaml", dir / "in", dir / "store", 64,
                            fmt::format("memory_budget_mb: {}\nread_chunk_kb: 2048\nscratch: {}\n",
                                        kBudgetMb, (dir / "spill").string()));
  const auto [status, peak_mb] =
      run_measured({test::snds_bin(), "ingest", (dir / "c.yaml").string(), "--threads", "1"});
  ASSERT_EQ(status, 0);
  EXPECT_LT(peak_mb, kBudgetMb + kSlackMb) << "peak RSS " << peak_mb << " MB";
  const auto m = boost::json::parse(test::read_text(dir / "store" / "manifest.json")).as_object();
  // Every row made it, and the shuffle did spill: the budget was binding.
  EXPECT_GT(m.at("tables").at("IR_BEN_R").at("rows").to_number<uint64_t>(), csv_bytes / 64);
  EXPECT_GT(m.at("memory").at("spilled_bytes").to_number<uint64_t>(), 0u);
  std::fprintf(stderr, "%.0f MB of CSV in %.0f MB of gzip: peak RSS %.1f MB (budget %.0f MB)\n",
               static_cast<double>(csv_bytes) / (1 << 20),
               static_cast<double>(fs::file_size(dir / "in" / "IR_BEN_R_big.csv.gz")) / (1 << 20),
               peak_mb, kBudgetMb);
}

}  // namespace snds
