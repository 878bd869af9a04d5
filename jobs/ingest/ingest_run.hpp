// One ingest run, phase by phase (docs/ingest.md):
//   prepare  rank 0 checks the store folder (refuse, resume or start), lists inputs, reads headers
//   scan     ranges of every plain file counted for quotes/newlines (record boundaries, lines)
//   read     ranges parsed in parallel (ranks x threads), rows routed: patient-keyed rows to
//            their shard, detail rows and parent keys to join partitions; all-to-all rounds
//   join     each join partition joins locally; detail rows go to their patient's shard
//   write    each rank sorts and writes its shards (one HDF5 writer thread per rank); rank 0
//            writes the referential, the reject file, then the manifest, last
// Everything shuffled sits in a BucketStore under the memory budget (spilling past it). A stop
// signal is honoured at the end of any round (exit 75); a rerun re-reads the inputs and writes
// only the shards not yet on disk.
#pragma once

#include "jobs/commands.hpp"
#include "jobs/ingest/ingest_config.hpp"
#include "jobs/ingest/ingest_plan.hpp"

namespace snds {

// The part of the memory budget the read phase holds (threads' ranges and rows, and with
// compressed inputs the decompression's buffers); a usage error when the budget leaves nothing
// for the shuffle (checked by `validate` too, before the inputs are known).
uint64_t check_memory_budget(const IngestConfig& config, int threads,
                             bool compressed_inputs = false);
// Before the read: refuses (usage_error naming shards and memory_budget_mb) inputs whose CSV
// bytes per shard already tell that a shard's rows cannot fit in the budget at the write phase.
void check_shards_can_fit(const IngestConfig& config, const IngestPlan& plan);
// The shuffle's share of the memory budget (bytes): the budget less the read buffers
// (`in_flight`, check_memory_budget), what the rank holds before the read (`resident`) and an
// eighth of the budget for what no count sees (the allocator's slack, HDF5's buffers), but never
// under a quarter of the budget less the read buffers.
uint64_t shuffle_budget(uint64_t budget, uint64_t in_flight, uint64_t resident);

int run_ingest(const IngestConfig& config, CommandContext& ctx, bool force);

}  // namespace snds
