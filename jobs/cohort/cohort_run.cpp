// The distributed cohort run: shard work, the merge on rank 0, and the output files.
#include "jobs/cohort/cohort_run.hpp"

#include <algorithm>
#include <chrono>
#include <ctime>
#include <filesystem>
#include <future>
#include <map>

#include <fmt/format.h>

#include "core/atomic_file.hpp"
#include "core/buffer_pool.hpp"
#include "core/catalog.hpp"
#include "core/cohort/cohort_engine.hpp"
#include "core/cohort/cohort_output.hpp"
#include "core/cohort/incidence.hpp"
#include "core/error.hpp"
#include "core/store/store_layout.hpp"
#include "runtime/collective.hpp"
#include "runtime/log.hpp"
#include "runtime/metrics.hpp"
#include "runtime/shard_queue.hpp"
#include "snds_version.hpp"

namespace snds {
namespace fs = std::filesystem;

namespace {

using Clock = std::chrono::steady_clock;

ExtractorKind extractor_of(CohortSource s) {
  switch (s) {
    case CohortSource::kDispensing:
      return ExtractorKind::kDispensing;
    case CohortSource::kHospitalStay:
      return ExtractorKind::kHospitalStay;
    case CohortSource::kClaim:
      return ExtractorKind::kClaim;
  }
  throw internal_error("unknown cohort event source");
}

constexpr CohortSource kSources[] = {CohortSource::kDispensing, CohortSource::kHospitalStay,
                                     CohortSource::kClaim};

// What one shard sends to rank 0: rows read per table, then the cohort partial.
struct ShardResult {
  std::map<std::string, uint64_t> rows_read;
  CohortPartial cohort;
};

Bytes encode_result(const ShardResult& r) {
  Bytes b;
  ByteWriter w(b);
  put_rows_read(w, r.rows_read);
  encode_partial(w, r.cohort);
  return b;
}

ShardResult decode_result(const Bytes& b) {
  ByteReader r(b);
  ShardResult out;
  get_rows_read(r, out.rows_read);
  out.cohort = decode_partial(r);
  if (!r.done()) throw internal_error("a cohort shard result has trailing bytes");
  return out;
}

// Seconds a rank spent in each part of its shards' work (summed over its shards).
struct WorkTimes {
  double read = 0, extract = 0, evaluate = 0;
};

// The study designs' files, by name: exposures.csv, incidence.csv, baseline.csv, index_codes.csv
// (each only when its key is set). Rows must be sorted.
std::vector<std::pair<std::string, std::string>> design_outputs(const CohortSpec& spec,
                                                                const CohortPartial& cohort) {
  std::vector<std::pair<std::string, std::string>> files;
  if (spec.exposure) files.emplace_back("exposures.csv", exposures_csv(cohort.rows));
  if (spec.incidence) files.emplace_back("incidence.csv", incidence_csv(spec, cohort.rows));
  if (spec.baseline)
    files.emplace_back("baseline.csv", baseline_csv(spec, cohort.rows.size(), cohort.tallies));
  if (spec.index_codes)
    files.emplace_back("index_codes.csv", index_codes_csv(cohort.tallies, spec.min_patients));
  return files;
}

}  // namespace

WantedTables cohort_wanted_tables(const CohortSpec& spec) {
  WantedTables wanted;
  // Every study has an index event, so IR_BEN_R always comes with some extractor's tables.
  for (auto s : kSources)
    if (spec.uses_source(s)) add_wanted(wanted, extractor_of(s));
  // Birthdays split person-time by age band.
  if (spec.incidence && std::find(spec.incidence->strata.begin(), spec.incidence->strata.end(),
                                  IncidenceStratum::kAgeBand) != spec.incidence->strata.end())
    wanted["IR_BEN_R"].push_back("BEN_NAI_MOI");
  return wanted;
}

void run_cohort(const CohortJobConfig& config, Communicator& comm, int threads,
                const CohortShardSource& source) {
  const CohortSpec& spec = config.spec;
  const fs::path output = config.output;
  const WantedTables wanted = cohort_wanted_tables(spec);
  const StayCodeFilter stay_codes = cohort_stay_codes(spec);
  Metrics metrics;
  source.read_first_shard_ahead(comm, wanted);

  // The folder says "incomplete" (no manifest.json) from the moment a run starts writing into it.
  metrics.begin_phase("prepare");
  DrugReferential referential;
  all_or_none(comm, [&] {
    if (comm.is_master()) prepare_output_folder(output, config.config_file);
    if (spec.uses_source(CohortSource::kDispensing))
      referential = source.load_referential(spec.exposure && spec.exposure->days_per_box == 0);
  });
  metrics.end_phase(referential.size(), 0);

  metrics.begin_phase("shards");
  WorkTimes times;
  uint64_t rank_rows = 0;
  ShardResult merged;
  merged.cohort.attrition.assign(spec.step_names().size(), 0);
  const ShardQueueStats queue = run_job_shards(
      comm, source, wanted,
      [&](uint32_t shard) {
        auto t = Clock::now();
        ShardData data = source.load_shard(shard, wanted);
        times.read += seconds_since(t);
        t = Clock::now();
        ShardResult result;
        for (const auto& [name, batch] : data.tables) {
          result.rows_read[name] += batch.rows();
          rank_rows += batch.rows();
        }
        const PatientIndex patients = build_patient_index(data);
        ShardEvents events;
        events.referential = &referential;
        if (spec.uses_source(CohortSource::kDispensing))
          events.dispensing = cohort_dispensing_events(
              spec, DispensingSource(data, patients, referential), threads);
        if (spec.uses_source(CohortSource::kHospitalStay))
          events.stays = extract_stays(data, patients, threads,
                                       spec.needs_all_stays() ? nullptr : &stay_codes);
        if (spec.uses_source(CohortSource::kClaim)) events.claims = extract_claims(data, patients);
        times.extract += seconds_since(t);
        t = Clock::now();
        result.cohort = evaluate_cohort(spec, patients, events, threads);
        times.evaluate += seconds_since(t);
        Bytes bytes = encode_result(result);
        buffer_pool::recycle(std::move(data));  // its buffers serve the next shard
        return bytes;
      },
      [&](uint32_t, Bytes&& partial) {
        ShardResult r = decode_result(partial);
        for (const auto& [name, rows] : r.rows_read) merged.rows_read[name] += rows;
        merged.cohort.merge(std::move(r.cohort));
      },
      "cohort");
  metrics.end_phase(rank_rows, 0);

  // Rank 0 alone holds the rows: sorting makes the answer independent of arrival order.
  metrics.begin_phase("write");
  std::vector<std::pair<std::string, std::string>> design_files;
  all_or_none(comm, [&] {
    if (!comm.is_master()) return;
    merged.cohort.sort_rows();
    design_files = design_outputs(spec, merged.cohort);
    // The CSV files on a helper thread (no HDF5 there) while this thread writes the HDF5 copy.
    auto csv = std::async(std::launch::async, [&] {
      write_file_atomic(output / "cohort.csv", cohort_csv(merged.cohort.rows, &spec));
      write_file_atomic(output / "attrition.csv",
                        attrition_csv(spec.step_names(), merged.cohort.attrition));
      for (const auto& [name, text] : design_files) write_file_atomic(output / name, text);
    });
    try {
      write_cohort_h5(output / "cohort.h5", merged.cohort.rows, &spec);
    } catch (...) {
      csv.wait();
      throw;
    }
    csv.get();
  });
  metrics.end_phase(comm.is_master() ? merged.cohort.rows.size() : 0, 0);

  boost::json::object work = shard_work_json(
      comm, {{"read", times.read}, {"extract", times.extract}, {"evaluate", times.evaluate}});
  boost::json::array phases = metrics.gather(comm);

  all_or_none(comm, [&] {
    if (!comm.is_master()) return;
    boost::json::object m =
        job_manifest("cohort", config.config_file, cohort_config_to_json(config), source.store,
                     comm.size(), threads, merged.rows_read);
    m["phases"] = std::move(phases);
    m["shard_work_s"] = std::move(work);
    boost::json::array per_rank;
    for (auto n : queue.shards_per_rank) per_rank.push_back(n);
    m["shards_per_rank"] = std::move(per_rank);
    boost::json::object outputs = {{"cohort.csv", {{"rows", merged.cohort.rows.size()}}},
                                   {"attrition.csv", {{"rows", merged.cohort.attrition.size()}}},
                                   {"cohort.h5", {{"rows", merged.cohort.rows.size()}}}};
    for (const auto& [name, text] : design_files)
      outputs[name] = {{"rows", std::count(text.begin(), text.end(), '\n') - 1}};
    m["outputs"] = std::move(outputs);
    write_job_manifest(output / "manifest.json", std::move(m));
    log::info("cohort: {} patients in the cohort, written to {}", merged.cohort.rows.size(),
              output.string());
  });
}

}  // namespace snds
