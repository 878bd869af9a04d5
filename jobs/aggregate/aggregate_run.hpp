// Running an aggregate job over a sharded store: rank 0 hands shards out
// (runtime/shard_queue.hpp); each rank reads a shard's needed columns, aggregates it in OpenMP
// threads (core/aggregate/shard_aggregate.hpp) and sends the per-shard partial to rank 0, which
// merges partials as they arrive (sums only: order-independent), sorts the groups in byte order,
// applies the disclosure rule and writes result.csv, result.h5 and, last, manifest.json.
//
// Where shards come from is a parameter: the store on disk for the job, memory for the tests
// (which run the very same pipeline at several rank, thread and shard counts).
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include <boost/json.hpp>

#include "core/aggregate/group_table.hpp"
#include "core/events/events.hpp"
#include "core/store/shard_reader.hpp"
#include "jobs/aggregate/aggregate_config.hpp"
#include "runtime/communicator.hpp"

namespace snds {

struct AggregateShardSource {
  uint32_t shards = 0;
  // One shard's tables restricted to the wanted columns. Called on the communicator's thread.
  std::function<ShardData(uint32_t shard, const WantedTables& wanted)> load_shard;
  // IR_PHA_R, loaded once per rank for the dispensing source.
  std::function<DrugReferential()> load_referential;
  // The store's identity, recorded in manifest.json.
  boost::json::object store;
};

// The tables and columns the source's extractor reads (IR_BEN_R always).
WantedTables aggregate_wanted_tables(const AggregateSpec& spec);

// The source reading the store at `store` (opened on every rank: a data error, exit 3, when it is
// missing or incomplete).
AggregateShardSource store_aggregate_source(const std::string& store);

struct AggregateRunSummary {
  uint64_t rows = 0;        // groups written (rank 0)
  uint64_t suppressed = 0;  // of which masked
};

// Collective: runs the job and writes the outputs (on rank 0). Throws snds::Error identically on
// every rank when any rank fails.
AggregateRunSummary run_aggregate(const AggregateJobConfig& config, Communicator& comm, int threads,
                                  const AggregateShardSource& source);

}  // namespace snds
