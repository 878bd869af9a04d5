// Which tables a job needs from a store, and whether the store has them (issue #12): a table the
// ingest never stored (a misnamed input file it did not take, a delivery without it) must fail a
// job that reads it, naming the table, instead of answering 0 groups or a smaller cohort.
// `inspect` uses the same rules to list the job sources a store can serve.
#pragma once

#include <string>
#include <vector>

#include <boost/json.hpp>

#include "core/events/events.hpp"
#include "core/store/shard_reader.hpp"

namespace snds {

// The table instances a complete store holds (its manifest's `tables`).
std::vector<std::string> manifest_tables(const boost::json::object& manifest);

// The tables `wanted` (as built by add_wanted) needs that `tables` lacks, in name order:
//   every wanted table by name; IR_PHA_R and ER_PRS_F with ER_PHA_F (a dispensing's drug and its
//   claim line); the MCO kinds the jobs read (T_MCOaaB...) need at least one year, and every
//   year the store has any of them needs all the wanted kinds (T_MCO20B without T_MCO20C is a
//   missing table); other yearly tables (T_MCOaaA) need at least one year; `optional`
//   tables are never missing (read when present).
std::vector<std::string> missing_tables(const std::vector<std::string>& tables,
                                        const WantedTables& wanted,
                                        const std::vector<std::string>& optional = {});

// data_error (exit 3) naming the first missing table, the store and the config when the store at
// `store` lacks a table `wanted` needs.
void check_store_tables(const std::string& store, const WantedTables& wanted,
                        const std::string& config_file,
                        const std::vector<std::string>& optional = {});

// The job sources (aggregate `source:`, cohort event sources) with the tables each lacks in
// `tables` (empty: the store serves it).
std::vector<std::pair<std::string, std::vector<std::string>>> sources_served(
    const std::vector<std::string>& tables);

}  // namespace snds
