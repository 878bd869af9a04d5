// Running a cohort study over a sharded store: rank 0 hands shards out (runtime/shard_queue.hpp),
// each rank reads a shard, extracts the events the study needs and evaluates its patients in
// OpenMP threads; rank 0 merges cohort rows and attrition counts, sorts the rows and writes
// cohort.csv, attrition.csv, cohort.h5 and, last, manifest.json into the output folder.
//
// Where shards come from is a parameter: the store on disk for the job, memory for the tests
// (which run the very same pipeline at several rank, thread and shard counts).
#pragma once

#include "jobs/job_support.hpp"

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <boost/json.hpp>

#include "core/events/events.hpp"
#include "core/store/shard_reader.hpp"
#include "jobs/cohort/cohort_config.hpp"
#include "runtime/communicator.hpp"

namespace snds {

// Where the job's shards come from (jobs/job_support.hpp).
using CohortShardSource = JobShardSource;

// The tables and columns the study's extractors read (IR_BEN_R always).
WantedTables cohort_wanted_tables(const CohortSpec& spec);
// Tables of cohort_wanted_tables read when the store has them (KI_ECD_R...).
std::vector<std::string> cohort_optional_tables(const CohortSpec& spec);

// Collective: runs the study and writes the outputs (on rank 0). Throws snds::Error identically
// on every rank when any rank fails.
void run_cohort(const CohortJobConfig& config, Communicator& comm, int threads,
                const CohortShardSource& source);

}  // namespace snds
