// One shard's aggregation: extract the source's events, keep those in the period that pass the
// code filter, group them by the spec's columns and sum every measure. OpenMP threads each take
// morsels of events cut at patient boundaries into a thread-local table (so "distinct patients
// of a group" is a last-patient check: a patient's events are contiguous and never split between
// threads), then the thread tables are merged. The result does not depend on the thread count.
#pragma once

#include <cstdint>
#include <vector>

#include "core/aggregate/aggregate_spec.hpp"
#include "core/aggregate/coded_groups.hpp"
#include "core/events/care_sources.hpp"
#include "core/events/events.hpp"
#include "core/shard_data.hpp"

namespace snds {

struct ShardAggregateStats {
  uint64_t events = 0;  // events the source gave (lines, stays per patient, claim lines)
  uint64_t kept = 0;    // events in the period that passed the filter
};

// Events per morsel: big enough to amortise scheduling, small enough to balance two threads on a
// small shard. Morsels grow past this to end on a patient boundary.
inline constexpr size_t kAggregateMorselEvents = 16384;

// The store columns a spec reads: its source's (columns_needed) and those of the Open Medic
// measures and dimensions and the processing cut-off it uses.
std::vector<TableColumns> aggregate_columns_needed(const AggregateSpec& spec);

// `morsel_events` is a tuning knob (tests set it small to get many morsels from small shards).
CodedGroups aggregate_shard(const ShardData& shard, const DrugReferential& referential,
                            const AggregateSpec& spec, int threads,
                            ShardAggregateStats* stats = nullptr,
                            size_t morsel_events = kAggregateMorselEvents,
                            const DeathCertificates* certificates = nullptr);

}  // namespace snds
