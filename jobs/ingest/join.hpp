// The local side of the distributed hash join: in one join partition, detail rows (ER_PHA_F and
// every DCIR detail table; T_MCOyyB, T_MCOyyD and every PMSI table with a parent) find their
// parent row (ER_PRS_F on the 9 DCIR keys; T_<FIELD>yyC on its stay key within the year), take over
// the parent's patient columns, and are routed to the patient's shard. Rows without a parent are
// orphans: kept, as `<TABLE>.orphans`, in the shard chosen by their key hash. When a key has
// several parent rows, the first in input order wins (documented in docs/ingest.md), so the result
// does not depend on arrival order.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "jobs/ingest/routing.hpp"

namespace snds {

struct JoinCounts {
  std::map<std::string, uint64_t> joined;                 // per detail table
  std::map<std::string, uint64_t> orphans;                // per detail table
  std::map<std::string, uint64_t> duplicate_parent_keys;  // per parent table
  void add(const JoinCounts& o);
};

// Joins a partition's rows, handing each output piece (detail rows by shard, orphans by shard) to
// `out`; the ingest encodes them there (EncodeSplit).
void join_bucket(std::map<std::string, std::vector<Batch>>&& data, const BucketSpace& space,
                 JoinCounts& counts, const BucketSplit& out);
// The same as gathered pieces.
std::vector<Routed> join_bucket(std::map<std::string, std::vector<Batch>>&& data,
                                const BucketSpace& space, JoinCounts& counts);

// Concatenates batches (columns matched by name).
Batch concat(std::vector<Batch>&& parts);

}  // namespace snds
