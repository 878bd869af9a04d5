// Times the cohort job. Two modes:
//
//   cohort_bench engine [--patients N] [--threads T] [--repeat R]
//       the per-patient engine alone on generated in-memory events (no store, no HDF5): patients
//       and events evaluated per second at 1..T threads, for the reference's statin/MI study.
//
//   cohort_bench STORE [--threads T] [--repeat R]
//       the whole job, in process (one rank), on a store: the statin/MI and metformin/hip
//       fracture studies of configs/; wall time split into shard reading (HDF5 + decompression),
//       event extraction and evaluation, with rows read per second.
//
// A store comes from `snds-batch generate --patients 50000 ...` then `snds-batch ingest`.
// Output files go to a temporary folder removed at the end.
#include <omp.h>

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <boost/json.hpp>

#include "core/atomic_file.hpp"
#include "core/cohort/cohort_engine.hpp"
#include "core/error.hpp"
#include "jobs/cohort/cohort_run.hpp"
#include "runtime/communicator.hpp"
#include "runtime/log.hpp"

namespace {

using namespace snds;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

EventDefinition definition(const char* name, CohortSource source, std::vector<std::string> codes,
                           uint8_t positions) {
  EventDefinition d;
  d.name = name;
  d.source = source;
  if (source == CohortSource::kDispensing)
    d.atc = std::move(codes);
  else
    d.icd10 = std::move(codes);
  d.positions = positions;
  return d;
}

// The reference's example study.
CohortSpec statin_mi_study() {
  CohortSpec s;
  s.study_start = days_from_civil(2020, 1, 1);
  s.study_end = days_from_civil(2022, 12, 31);
  s.events = {definition("statin", CohortSource::kDispensing, {"C10AA"}, kPositionDP),
              definition("mi_any", CohortSource::kHospitalStay, {"I21", "I22"}, kAllPositions),
              definition("mi_main", CohortSource::kHospitalStay, {"I21", "I22"}, kPositionDP)};
  s.index_event = 0;
  s.washout_days = 365;
  Criterion adult;
  adult.name = "adult40";
  adult.min_age = 40;
  Criterion prior;
  prior.name = "no_prior_mi";
  prior.kind = CriterionKind::kExcludeEvent;
  prior.event = 1;
  prior.window_from = -365;
  prior.window_to = -1;
  Criterion alive;
  alive.name = "alive_at_index";
  alive.kind = CriterionKind::kExcludeDeadBeforeIndex;
  s.criteria = {adult, prior, alive};
  s.outcome_event = 2;
  return s;
}

// Patients with about 40 dispensings and 1 stay each over 2019-2022, a third on statins.
struct EngineInput {
  PatientIndex index;
  ShardEvents events;
  std::vector<std::string> nirs;
};

EngineInput engine_input(size_t patients) {
  EngineInput in;
  std::mt19937_64 rng(42);
  auto pick = [&](uint64_t n) { return static_cast<int>(rng() % n); };
  static const char* kAtc[] = {"C10AA05", "C10AA07", "A10BA02", "N02BE01", "J01CA04", "C09AA05"};
  static const char* kDp[] = {"I214", "I500", "S7200", "Z000", "E119"};
  in.nirs.reserve(patients);
  for (size_t i = 0; i < patients; ++i) in.nirs.push_back(fmt::format("{:017d}", i));
  const Date base = days_from_civil(2019, 1, 1);
  for (size_t i = 0; i < patients; ++i) {
    Patient p;
    p.nir = in.nirs[i];
    p.rank = 1;
    p.sex = "1";
    p.birth_year = 1930 + pick(70);
    p.death = pick(20) == 0 ? base + pick(1460) : kMissingDate;
    in.index.patients.push_back(p);
    const bool statin_user = pick(3) == 0;
    std::vector<DispensingEvent> mine;
    for (int k = 0; k < 40; ++k) {
      const char* atc = statin_user && k % 2 == 0 ? kAtc[pick(2)] : kAtc[2 + pick(4)];
      mine.push_back({static_cast<uint32_t>(i), base + pick(1460), "3400930000001", atc, 10000});
    }
    std::sort(mine.begin(), mine.end(),
              [](const auto& a, const auto& b) { return a.date < b.date; });
    in.events.dispensing.insert(in.events.dispensing.end(), mine.begin(), mine.end());
    StayEvent s{};
    s.patient = static_cast<uint32_t>(i);
    s.date = base + pick(1460);
    s.dp = kDp[pick(5)];
    in.events.stays.push_back(s);
  }
  return in;
}

int engine_mode(size_t patients, int max_threads, int repeat) {
  const EngineInput in = engine_input(patients);
  const CohortSpec spec = statin_mi_study();
  const size_t events = in.events.dispensing.size() + in.events.stays.size();
  fmt::print("engine: {} patients, {} events, study statin/MI (3 criteria)\n", patients, events);
  fmt::print("{:>8} {:>10} {:>14} {:>14} {:>10}\n", "threads", "best_s", "patients/s", "events/s",
             "cohort");
  for (int threads = 1; threads <= max_threads; threads *= 2) {
    double best = 1e30;
    size_t rows = 0;
    for (int r = 0; r < repeat; ++r) {
      const auto t = Clock::now();
      const CohortPartial p = evaluate_cohort(spec, in.index, in.events, threads);
      best = std::min(best, seconds_since(t));
      rows = p.rows.size();
    }
    fmt::print("{:>8} {:>10.4f} {:>14.0f} {:>14.0f} {:>10}\n", threads, best, patients / best,
               events / best, rows);
  }
  return 0;
}

int store_mode(const std::string& store, int threads, int repeat) {
  const fs::path out = fs::temp_directory_path() / fmt::format("cohort-bench-{}", ::getpid());
  const fs::path source_dir = fs::path(__FILE__).parent_path().parent_path();
  fmt::print("store {}, {} thread(s), best of {}\n", store, threads, repeat);
  fmt::print("{:<28} {:>8} {:>8} {:>8} {:>8} {:>12} {:>14} {:>8}\n", "study", "wall_s", "read_s",
             "extract", "eval_s", "rows_read", "rows/s/core", "cohort");
  for (const char* name : {"cohort_statins_mi", "cohort_metformin_hip_fracture"}) {
    ConfigMap config_map =
        load_config((source_dir / "configs" / (std::string(name) + ".yaml")).string());
    CohortJobConfig config = read_cohort_config(config_map);
    config.store = store;
    config.output = (out / name).string();
    double best = 1e30;
    boost::json::object manifest;
    for (int r = 0; r < repeat; ++r) {
      const auto t = Clock::now();
      run_in_process(1, [&](Communicator& comm) {
        run_cohort(config, comm, threads, store_shard_source(store));
      });
      const double wall = seconds_since(t);
      if (wall < best) {
        best = wall;
        manifest = boost::json::parse(read_file(out / name / "manifest.json")).as_object();
      }
    }
    const auto& work = manifest.at("shard_work_s");
    const double rows = static_cast<double>(manifest.at("rows_read").to_number<int64_t>());
    fmt::print("{:<28} {:>8.3f} {:>8.3f} {:>8.3f} {:>8.3f} {:>12.0f} {:>14.0f} {:>8}\n", name, best,
               work.at("read").at("sum").to_number<double>(),
               work.at("extract").at("sum").to_number<double>(),
               work.at("evaluate").at("sum").to_number<double>(), rows, rows / best / threads,
               manifest.at("outputs").at("cohort.csv").at("rows").to_number<int64_t>());
  }
  fs::remove_all(out);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr,
                 "usage: cohort_bench engine [--patients N] [--threads T] [--repeat R]\n"
                 "       cohort_bench STORE [--threads T] [--repeat R]\n");
    return 2;
  }
  const std::string what = argv[1];
  int threads = omp_get_max_threads();
  int repeat = 3;
  size_t patients = 200000;
  for (int i = 2; i + 1 < argc; i += 2) {
    const std::string a = argv[i];
    if (a == "--threads")
      threads = std::stoi(argv[i + 1]);
    else if (a == "--repeat")
      repeat = std::stoi(argv[i + 1]);
    else if (a == "--patients")
      patients = std::stoul(argv[i + 1]);
  }
  ::setenv("SNDS_PROGRESS", "0", 0);
  log::set_level(log::Level::kWarn);
  try {
    return what == "engine" ? engine_mode(patients, threads, repeat)
                            : store_mode(what, threads, repeat);
  } catch (const Error& e) {
    std::fprintf(stderr, "cohort_bench: %s\n", e.what());
    return static_cast<int>(e.code());
  }
}
