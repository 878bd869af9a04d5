// Margins of an aggregate table (`totals: true`): which group columns a margin row may collapse
// to ALL, and the linear relations between published rows that margins create (a margin row is
// the sum of the rows it collapses, for every additive measure).
//
// Columns collapse independently, except the ATC family (atc1, atc2, atc3, atc4, atc/atc5,
// cip13), a hierarchy: a coarser level is collapsed only with every finer one (atc3 = ALL implies
// atc4 = ALL and cip13 = ALL), since a finer level determines the coarser one. atc and atc5 are
// one level and collapse together. Without hierarchy columns this is the full cube (2^k - 1
// margin sets); with h hierarchy levels and k other columns, (h + 1) * 2^k - 1.
#pragma once

#include <cstdint>
#include <vector>

#include "core/aggregate/aggregate_spec.hpp"
#include "core/aggregate/group_table.hpp"

namespace snds {

// Bit c set: group column c is collapsed. The first mask is 0 (the detail rows), then every
// allowed margin, in a fixed order.
std::vector<uint64_t> margin_masks(const std::vector<Dimension>& group_by);

// One relation: the parent row equals the sum of its children (row indexes into the table).
struct MarginRelation {
  uint32_t parent;
  std::vector<uint32_t> children;
};

// Every relation between rows of `rows` (values with kAllValue in collapsed columns): for each
// row and each collapse unit it may un-collapse (the coarsest collapsed hierarchy level, or any
// other collapsed column), the rows that differ from it in that unit only. Relations whose
// parent has no child rows are left out. Deterministic order (by parent row, then unit).
std::vector<MarginRelation> margin_relations(const std::vector<GroupRow>& rows,
                                             const std::vector<Dimension>& group_by);

}  // namespace snds
