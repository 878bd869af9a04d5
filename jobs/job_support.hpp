// What the store-reading jobs (aggregate, cohort) share: where their shards come from (a store on
// disk, or memory in tests), the preparation of their output folder, and manifest timestamps.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include <boost/json.hpp>

#include "core/serialize.hpp"

#include "core/events/events.hpp"
#include "core/shard_data.hpp"
#include "core/store/shard_reader.hpp"
#include "runtime/communicator.hpp"
#include "runtime/shard_queue.hpp"

namespace snds {

struct JobShardSource {
  uint32_t shards = 0;
  // One shard's tables restricted to the wanted columns. Called on the communicator's thread.
  std::function<ShardData(uint32_t shard, const WantedTables& wanted)> load_shard;
  // Optional: starts reading a shard that load_shard will be asked for next (run_shard_queue's
  // `upcoming`), and waits for such reads to end (before the job calls HDF5 itself again). A
  // source leaves prefetch unset when reading ahead would not pay (one thread per rank).
  std::function<void(uint32_t shard, const WantedTables& wanted)> prefetch;
  std::function<void()> settle;
  // Starts reading the shard this rank works on first (shard r on rank r, see run_shard_queue)
  // while the job prepares its output and loads the referential; nothing without prefetch.
  void read_first_shard_ahead(const Communicator& comm, const WantedTables& wanted) const {
    const auto first = static_cast<uint32_t>(comm.rank());
    if (prefetch && first < shards) prefetch(first, wanted);
  }
  // IR_PHA_R, loaded once per rank by jobs that read dispensings.
  // pack_sizes: also PHA_CND_TOP (every stored column of IR_PHA_R), for exposures by pack size.
  std::function<DrugReferential(bool pack_sizes)> load_referential;
  // The store's identity, recorded in manifest.json.
  boost::json::object store;
};

// Shards and referential of a complete store on disk (data_error when missing or incomplete).
// Shards are read ahead by one I/O thread (the rank's only HDF5 caller while shards are being
// processed, jobs/shard_read_ahead.hpp) and decoded by `threads` OpenMP threads, string columns
// kept as dictionary codes.
JobShardSource store_shard_source(const std::string& store, int threads = 1);

// Rank 0: creates the output folder (0750) and removes an old manifest.json first, so that from
// the moment a run starts writing, the folder says "incomplete" until the new manifest lands.
void prepare_output_folder(const std::filesystem::path& output, const std::string& config_file);

// Runs the shard queue over the source's shards with `work` and `merge` (run_shard_queue), the
// source reading each rank's next shard ahead when it can; no read is left running on return.
ShardQueueStats run_job_shards(Communicator& comm, const JobShardSource& source,
                               const WantedTables& wanted,
                               const std::function<Bytes(uint32_t shard)>& work,
                               const std::function<void(uint32_t shard, Bytes&& partial)>& merge,
                               const std::string& phase);

// Adds the tables and columns an extractor reads (columns_needed) to `wanted`, each column once.
// The causes-of-death tables (KI_CCI_R, KI_ECD_R) of the store's referential file, with the
// columns the death source reads (those the store has); empty tables when absent.
ShardData load_death_tables(const std::string& store);

// `settings`: for act and death, the ActSetting / DeathSource bits whose tables are wanted.
void add_wanted(WantedTables& wanted, ExtractorKind kind, uint8_t settings = 0xff);

// The columns the DCIR cleaning rules `rules` (core/events/dcir_rules.hpp) read, added to
// `wanted` so that the extractors apply them: CPL_MAJ_TOP of ER_PRS_F when `claim_events` (the
// claim source is extracted, not only claim days); when the store at `store` holds ER_ETE_F, that
// table (the 9 keys and ETE_IND_TAA) and the 9 keys of each DCIR table `wanted` reads for events
// (ER_PHA_F, ER_CAM_F, ER_BIO_F; ER_PRS_F with `claim_events`). Nothing for a store without
// ER_ETE_F or a rule turned off: the job reads what it read before the rules.
void add_dcir_rule_columns(WantedTables& wanted, const std::string& store, uint8_t rules,
                           bool claim_events);

// Rows read per table, as shard partials carry them; reading adds to `rows`.
void put_rows_read(ByteWriter& w, const std::map<std::string, uint64_t>& rows);
void get_rows_read(ByteReader& r, std::map<std::string, uint64_t>& rows);

// Seconds since `t`, for the per-part shard work times.
double seconds_since(std::chrono::steady_clock::time_point t);
// The manifest's `shard_work_s`: each part's seconds summed over ranks and the largest rank's.
// Collective: every rank calls it with its own times, in the same part order.
boost::json::object shard_work_json(Communicator& comm,
                                    const std::vector<std::pair<std::string, double>>& parts);

// "2026-11-28T15:04:05Z".
std::string utc_now();

// The fields every job's manifest.json starts with (reference section 7): job, program version,
// config file and resolved config, store identity, ranks, threads and rows read (total and per
// table).
boost::json::object job_manifest(const std::string& job, const std::string& config_file,
                                 boost::json::value config, const boost::json::object& store,
                                 int ranks, int threads,
                                 const std::map<std::string, uint64_t>& rows_read);
// Stamps `finished_at` and writes the manifest atomically, indented for people to read.
void write_job_manifest(const std::filesystem::path& file, boost::json::object manifest);

}  // namespace snds
