// The shard-job driver: everything a store-reading job (aggregate, cohort, the next ones) does
// around its own computation, written once. The driver reads each rank's first shard ahead,
// prepares the output folder (rank 0) and the drug referential (every rank, when asked), runs the
// shard queue (rank 0 hands shards out, each rank reads a shard's wanted columns, the job's `work`
// turns them into a partial, rank 0 `merge`s partials as they arrive), lets the job write its
// outputs on rank 0 (`finish`), and writes manifest.json last, with the fields every job shares
// (job_manifest), the per-phase metrics, the shard work times and shards per rank.
//
// A job is thus only its hooks (docs/architecture.md shows a whole one). Partials travel as bytes:
// the job writes its own with ByteWriter and reads them back in the same order; the driver adds
// the rows read per table and checks that merge read every byte.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json.hpp>

#include "core/events/events.hpp"
#include "core/serialize.hpp"
#include "core/shard_data.hpp"
#include "jobs/job_entry.hpp"
#include "jobs/job_support.hpp"
#include "runtime/communicator.hpp"
#include "runtime/config.hpp"

namespace snds {

// The drug referential (IR_PHA_R) every rank loads before the shards, for jobs that read
// dispensings: none, the codes (CIP13 -> ATC, generic group), or also the pack sizes.
enum class ReferentialNeed { kNone, kCodes, kWithPackSizes };

// One shard as the job's `work` sees it, on the rank's main thread.
class ShardWork {
 public:
  const ShardData& data;               // the wanted tables and columns only
  const DrugReferential& referential;  // empty unless the job asked for it
  const int threads;                   // the rank's OpenMP threads

  // `seconds[i]` accumulates the time of `parts[i]`.
  ShardWork(const ShardData& d, const DrugReferential& r, int t,
            const std::vector<std::string>& parts, std::vector<double>& seconds);
  // Ends a timed part of the work: the seconds since the previous lap (or since the shard was
  // read) are added to `part`, one of the job's work_parts. Whatever follows the last lap counts
  // to the last part, so a job with one part never calls lap().
  void lap(std::string_view part);

 private:
  const std::vector<std::string>& parts_;
  std::vector<double>& seconds_;
  std::chrono::steady_clock::time_point since_;
};

// What `finish` reports about the files it wrote.
struct ShardJobOutputs {
  uint64_t rows = 0;          // rows written: the manifest's "write" phase count
  boost::json::object files;  // manifest.json's "outputs": file name -> {rows, ...}
  std::string summary;        // logged as "<job>: <summary>, written to <output>"
};

struct ShardJob {
  std::string name;              // "aggregate": the manifest's `job`, the queue's phase, logs
  std::string config_file;       // for messages and the manifest
  boost::json::value config;     // the resolved config, as the manifest records it
  std::filesystem::path output;  // the output folder
  WantedTables wanted;           // the tables and columns read from every shard
  ReferentialNeed referential = ReferentialNeed::kNone;
  // Names of the timed parts of `work` (manifest `shard_work_s`, after the driver's "read").
  std::vector<std::string> work_parts;

  // Every rank, once per shard it is handed: computes the shard's partial and writes it to `out`.
  std::function<void(ShardWork& shard, ByteWriter& out)> work;
  // Rank 0, once per shard, in arrival order: reads back one partial that `work` wrote. The
  // answer must not depend on the order (sum, or collect and sort in `finish`).
  std::function<void(ByteReader& in)> merge;
  // Rank 0, after the last merge: writes the job's files into `output` (not manifest.json).
  std::function<ShardJobOutputs()> finish;
  // Optional, rank 0: adds the job's own fields to the manifest, after the shared ones.
  std::function<void(boost::json::object& manifest)> manifest;
};

// Collective: runs the job over the source's shards and writes its outputs and manifest.json on
// rank 0. Throws snds::Error identically on every rank when any rank fails.
void run_shard_job(const ShardJob& job, Communicator& comm, int threads,
                   const JobShardSource& source);

// Runs `text_files` on a helper thread (it must not call HDF5) while this thread runs
// `hdf5_file`: the files' formatting and fsyncs overlap. Rethrows the first error, after both end.
void write_alongside(const std::function<void()>& text_files,
                     const std::function<void()>& hdf5_file);

// A job named `name` writing into the config's output folder, recording `resolved` (the config as
// the job understood it) in its manifest; the hooks are left to set.
ShardJob shard_job(const std::string& name, const StoreJobConfig& config,
                   boost::json::value resolved, WantedTables wanted);

// The entry point's part shared by the store-reading jobs, after their config is read: checks the
// output folder, and unless only validating opens the store on every rank and calls `run` with it.
int run_on_store(const StoreJobConfig& config, CommandContext& ctx, const JobOptions& options,
                 const std::function<void(const JobShardSource& source)>& run);

}  // namespace snds
