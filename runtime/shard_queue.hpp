// The job-time work queue: rank 0 hands shards out, each rank asks for the next when done (two
// requests kept in flight so a worker never idles waiting for rank 0), and per-shard partial
// results stream back to rank 0, which merges them as they come. Rank 0 works on shards too,
// between serving requests. Many more shards than ranks balance heavy patients and slow nodes.
//
// `merge` is called on rank 0 only, in arrival order: merging must not depend on that order (sum
// counts, or collect and sort). A failure on any rank stops the hand-out; every rank then throws
// an error with the same exit code (see runtime/collective.hpp). A stop signal on rank 0 stops the
// hand-out too and ends with exit 75 (jobs write nothing partial, so a rerun starts over).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "runtime/communicator.hpp"

namespace snds {

struct ShardQueueStats {
  std::vector<uint64_t> shards_per_rank;  // on rank 0
  double wall_s = 0;
};

// `upcoming`, when given, is told the shard this rank will work on after the current one as soon
// as that is known, so the caller can read it ahead while `work` computes: rank 0 claims its next
// shard before starting the current one; the other ranks keep two requests in flight and announce
// the next assignment when its reply has arrived by the time they start the current shard.
// Rank r's first shard is always shard r (when there are more than r shards), whatever the
// timing, so a job may start reading it before calling this.
ShardQueueStats run_shard_queue(Communicator& comm, uint32_t shards,
                                const std::function<Bytes(uint32_t shard)>& work,
                                const std::function<void(uint32_t shard, Bytes&& partial)>& merge,
                                const std::string& phase,
                                const std::function<void(uint32_t shard)>& upcoming = {});

}  // namespace snds
