// Running an aggregate job over a sharded store: rank 0 hands shards out
// (runtime/shard_queue.hpp); each rank reads a shard's needed columns, aggregates it in OpenMP
// threads (core/aggregate/shard_aggregate.hpp) and sends the per-shard partial to rank 0, which
// merges partials as they arrive (sums only: order-independent), sorts the groups in byte order,
// applies the disclosure rule and writes result.csv, result.h5 and, last, manifest.json.
//
// Where shards come from is a parameter: the store on disk for the job, memory for the tests
// (which run the very same pipeline at several rank, thread and shard counts).
#pragma once

#include "jobs/job_support.hpp"

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

// Where the job's shards come from (jobs/job_support.hpp).
using AggregateShardSource = JobShardSource;

// The tables and columns the source's extractor reads (IR_BEN_R always).
WantedTables aggregate_wanted_tables(const AggregateSpec& spec);
// The act settings or death sources of the spec (ActSetting / DeathSource bits; 0xff otherwise).
uint8_t aggregate_source_settings(const AggregateSpec& spec);
// Tables of aggregate_wanted_tables read when the store has them (KI_ECD_R...).
std::vector<std::string> aggregate_optional_tables(const AggregateSpec& spec);

struct AggregateRunSummary {
  uint64_t rows = 0;        // groups written (rank 0)
  uint64_t suppressed = 0;  // of which masked (primary and secondary)
  boost::json::object disclosure;  // with margins: the audit's summary (manifest.json)
};

// Collective: runs the job and writes the outputs (on rank 0). Throws snds::Error identically on
// every rank when any rank fails.
AggregateRunSummary run_aggregate(const AggregateJobConfig& config, Communicator& comm, int threads,
                                  const AggregateShardSource& source);

}  // namespace snds
