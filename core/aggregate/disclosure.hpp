// Disclosure control of aggregate results (contract section 5): a row counting fewer than
// `min_patients` distinct patients keeps its group columns but has its measures masked and is
// flagged suppressed. min_patients = 1 masks nothing (every row has at least one patient).
// No secondary suppression: the threshold is primary only (docs/aggregate.md says so).
#pragma once

#include <cstdint>
#include <vector>

#include "core/aggregate/group_table.hpp"

namespace snds {

inline constexpr int64_t kDefaultMinPatients = 10;

// Flags the rows under the threshold; returns how many.
size_t apply_disclosure(std::vector<GroupRow>& rows, int64_t min_patients);

}  // namespace snds
