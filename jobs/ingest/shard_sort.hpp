// The order of rows inside a shard: by patient (BEN_NIR_PSA then BEN_RNG_GEM; NIR_ANO_17 for
// PMSI), then date (EXE_SOI_DTD), then input order (`_src`), which is total, so a shard's content
// is the same whatever the rank, thread or shard count. Orphans and the referential keep input
// order. `_src` is dropped after sorting: it is not part of the store.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/column.hpp"

namespace snds {

// Sorts the rows of `table` (an instance name, "ER_PHA_F", "T_MCO19B.orphans"...) as above and
// drops `_src`.
Batch sort_for_store(const std::string& table, Batch&& rows);

// A table that arrives in parts (the batches a shard's bucket holds), sorted in two steps so
// that a rank's threads share the work of its largest table: order_for_store sorts the parts'
// rows together (one task per table), then gather_column builds each stored column from the
// parts in that order (one task per column, any thread), with no concatenated copy first. The
// columns are those of the parts in order of first appearance (as Batch::append makes them),
// `_src` left out, missing where a part lacks a column.
struct PartRow {
  uint32_t part = 0;
  uint32_t row = 0;
};

struct OrderedParts {
  std::vector<Batch> parts;
  std::vector<PartRow> order;  // every row of the parts, in store order
  std::vector<std::pair<std::string, ColumnType>> columns;  // the result's, without `_src`
};

OrderedParts order_for_store(const std::string& table, std::vector<Batch>&& parts);
// Column `c` (an index into `columns`) in store order. Thread-safe.
Column gather_column(const OrderedParts& ordered, size_t c);

// Every table of a shard's bucket (`data`: its parts by table name) sorted for the store on
// `threads` OpenMP threads: a task per table orders its rows, then a task per column gathers
// them, largest tables first. One result per name of `tables`, empty for a table with no parts.
std::vector<Batch> sort_shard_for_store(const std::vector<std::string>& tables,
                                        std::map<std::string, std::vector<Batch>>&& data,
                                        int threads);

}  // namespace snds
