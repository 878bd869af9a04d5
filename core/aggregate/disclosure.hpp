// Disclosure control of aggregate results (reference section 5 and docs/aggregate.md).
//
// Primary: a row counting fewer than `min_patients` distinct patients keeps its group columns but
// has its measures masked (`suppressed` = 1). min_patients = 1 masks nothing.
//
// Secondary (`disclosure.secondary: true`, with margins): margin rows are sums of the rows they
// collapse, so a lone masked row of a relation (parent = sum of children) can be recomputed by
// subtraction. Complementary rows are masked (`suppressed` = 2) until every relation holding a
// masked row holds at least two; each choice takes the relation's unmasked row of fewest patients
// (then fewest lines, then first in output order), so the cost minimised greedily is the persons
// suppressed beyond primary. The audit (disclosure_audit.json) then computes, per masked row and
// published measure, the tightest interval an attacker derives by linear programming; a row left
// at a single value gets one more complementary row and the search runs again.
#pragma once

#include <cstdint>
#include <vector>

#include "core/aggregate/aggregate_spec.hpp"
#include "core/aggregate/group_table.hpp"
#include "core/aggregate/linear_bounds.hpp"
#include "core/aggregate/margins.hpp"

namespace snds {

inline constexpr int64_t kDefaultMinPatients = 10;
// Masked cells linked through relations beyond this many are not audited (a dense simplex per
// component: larger ones would take minutes); their cells say `audited: false`.
inline constexpr size_t kMaxAuditedComponent = 400;

// Flags the rows under the threshold (suppressed = 1); returns how many.
size_t apply_disclosure(std::vector<GroupRow>& rows, int64_t min_patients);

// What an attacker derives about one masked row.
struct MaskedCellAudit {
  uint32_t row = 0;                   // index in the sorted rows
  std::vector<VariableRange> ranges;  // per audited measure
  bool single_value = false;          // some audited measure is pinned to one value
  bool audited = true;                // false: a component too large for the exact audit
};

struct DisclosureAudit {
  std::vector<Measure> measures;  // audited: published measures (patients as inequalities)
  std::vector<MaskedCellAudit> cells;
  size_t relations = 0;
  size_t single_valued = 0;
  size_t not_audited = 0;
};

// The audit of the current masking (rows' `suppressed`) against `relations`.
DisclosureAudit audit_disclosure(const std::vector<GroupRow>& rows,
                                 const std::vector<MarginRelation>& relations,
                                 const AggregateSpec& spec);

struct SecondarySummary {
  size_t primary = 0;
  size_t secondary = 0;
  uint64_t secondary_patients = 0;  // sum of `patients` over secondary rows (margins included)
  uint64_t secondary_lines = 0;
  size_t audit_rounds = 0;  // audits run (the last one is the one written)
};

// Primary then secondary suppression over the rows' margins; `audit` receives the final audit.
SecondarySummary apply_secondary_disclosure(std::vector<GroupRow>& rows, const AggregateSpec& spec,
                                            DisclosureAudit& audit);

}  // namespace snds
