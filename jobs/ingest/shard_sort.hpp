// The order of rows inside a shard: by patient (BEN_NIR_PSA then BEN_RNG_GEM; NIR_ANO_17 for
// PMSI), then date (EXE_SOI_DTD), then input order (`_src`), which is total, so a shard's content
// is the same whatever the rank, thread or shard count. Orphans and the referential keep input
// order. `_src` is dropped after sorting: it is not part of the store.
#pragma once

#include <string>

#include "core/column.hpp"

namespace snds {

// Sorts the rows of `table` (an instance name, "ER_PHA_F", "T_MCO19B.orphans"...) as above and
// drops `_src`.
Batch sort_for_store(const std::string& table, Batch&& rows);

}  // namespace snds
