// Times the aggregate job on a store, in process (one rank, the given OpenMP threads), for three
// typical tables: an Open Medic-like dispensing table, stays by main diagnosis and month, claims
// by month and department. Prints wall time, rows read, events aggregated and rows/s per core,
// split into shard reading (HDF5 + decompression) and aggregation (extract + group).
//
//   aggregate_bench STORE [--threads N] [--repeat R]
//
// The store comes from `snds-batch generate --patients 50000 ...` then `snds-batch ingest`.
// Output files go to a temporary folder removed at the end.
#include <omp.h>

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "core/atomic_file.hpp"
#include "core/error.hpp"
#include "jobs/aggregate/aggregate_run.hpp"
#include "runtime/communicator.hpp"
#include "runtime/log.hpp"

namespace {

using namespace snds;
namespace fs = std::filesystem;

struct Case {
  const char* name;
  ExtractorKind source;
  std::vector<Dimension> group_by;
  std::vector<Measure> measures;
};

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: aggregate_bench STORE [--threads N] [--repeat R]\n");
    return 2;
  }
  const std::string store = argv[1];
  int threads = omp_get_max_threads();
  int repeat = 3;
  for (int i = 2; i + 1 < argc; i += 2) {
    const std::string a = argv[i];
    if (a == "--threads")
      threads = std::stoi(argv[i + 1]);
    else if (a == "--repeat")
      repeat = std::stoi(argv[i + 1]);
  }
  ::setenv("SNDS_PROGRESS", "0", 0);
  log::set_level(log::Level::kWarn);
  const std::vector<Case> cases = {
      {"open_medic",
       ExtractorKind::kDispensing,
       {Dimension::kYear, Dimension::kAtc3, Dimension::kAgeBand, Dimension::kSex,
        Dimension::kDepartment},
       {Measure::kBoxes, Measure::kLines, Measure::kPatients}},
      {"stays_dp_month",
       ExtractorKind::kHospitalStay,
       {Dimension::kDp, Dimension::kMonth},
       {Measure::kLines, Measure::kDays, Measure::kPatients}},
      {"claims_month_dpt",
       ExtractorKind::kClaim,
       {Dimension::kMonth, Dimension::kDepartment},
       {Measure::kAmount, Measure::kLines, Measure::kPatients}},
  };
  const fs::path out =
      fs::temp_directory_path() / fmt::format("snds-aggregate-bench-{}", ::getpid());
  try {
    const AggregateShardSource source = store_shard_source(store);
    fmt::print("store {} ({} shards), 1 rank x {} threads, best of {}\n", store, source.shards,
               threads, repeat);
    fmt::print("{:<18} {:>9} {:>12} {:>12} {:>9} {:>9} {:>14} {:>16}\n", "case", "wall_s",
               "rows_read", "events", "read_s", "agg_s", "rows/s", "rows/s/core");
    for (const auto& c : cases) {
      AggregateJobConfig config;
      config.config_file = "bench";
      config.store = store;
      config.output = (out / c.name).string();
      config.spec.source = c.source;
      config.spec.group_by = c.group_by;
      config.spec.measures = c.measures;
      double best = 1e300, best_read = 0, best_agg = 0;
      uint64_t rows = 0, events = 0;
      for (int r = 0; r < repeat; ++r) {
        const auto t0 = std::chrono::steady_clock::now();
        run_in_process(1,
                       [&](Communicator& comm) { run_aggregate(config, comm, threads, source); });
        const double wall =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        const auto m =
            boost::json::parse(read_file(fs::path(config.output) / "manifest.json")).as_object();
        if (wall < best) {
          best = wall;
          rows = m.at("rows_read").to_number<uint64_t>();
          events = m.at("events").at("source").to_number<uint64_t>();
          best_read = m.at("shard_work_s").at("read").at("sum").to_number<double>();
          best_agg = m.at("shard_work_s").at("aggregate").at("sum").to_number<double>();
        }
      }
      const double rate = static_cast<double>(rows) / best;
      fmt::print("{:<18} {:>9.3f} {:>12} {:>12} {:>9.3f} {:>9.3f} {:>14.0f} {:>16.0f}\n", c.name,
                 best, rows, events, best_read, best_agg, rate, rate / threads);
    }
  } catch (const Error& e) {
    std::fprintf(stderr, "aggregate_bench: %s\n", e.what());
    fs::remove_all(out);
    return static_cast<int>(e.code());
  }
  fs::remove_all(out);
  return 0;
}
