// Primary and secondary suppression, and the linear-bounds audit.
#include "core/aggregate/disclosure.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <tuple>

#include "core/column.hpp"

namespace snds {
namespace {

// The cost of masking a row: persons first, then lines, then output order.
std::tuple<uint64_t, int64_t, uint32_t> cost_of(const std::vector<GroupRow>& rows, uint32_t r) {
  return {rows[r].measures.patients, rows[r].measures.lines, r};
}

// Until every relation holding a masked row holds two: masks the cheapest unmasked member of a
// relation with exactly one. Relations are visited in their fixed order, passes repeat until
// nothing changes (masking only grows, so this ends).
void complete_relations(std::vector<GroupRow>& rows, const std::vector<MarginRelation>& relations) {
  for (bool changed = true; changed;) {
    changed = false;
    for (const MarginRelation& rel : relations) {
      size_t masked = rows[rel.parent].suppressed ? 1 : 0;
      for (const uint32_t c : rel.children) masked += rows[c].suppressed ? 1 : 0;
      if (masked != 1) continue;
      uint32_t best = UINT32_MAX;
      auto consider = [&](uint32_t r) {
        if (rows[r].suppressed) return;
        if (best == UINT32_MAX || cost_of(rows, r) < cost_of(rows, best)) best = r;
      };
      consider(rel.parent);
      for (const uint32_t c : rel.children) consider(c);
      if (best == UINT32_MAX) continue;  // a relation of one row: nothing to pair with
      rows[best].suppressed = 2;
      changed = true;
    }
  }
}

}  // namespace

size_t apply_disclosure(std::vector<GroupRow>& rows, int64_t min_patients) {
  size_t n = 0;
  for (auto& r : rows) {
    r.suppressed = static_cast<int64_t>(r.measures.patients) < min_patients ? 1 : 0;
    if (r.suppressed) ++n;
  }
  return n;
}

DisclosureAudit audit_disclosure(const std::vector<GroupRow>& rows,
                                 const std::vector<MarginRelation>& relations,
                                 const AggregateSpec& spec) {
  DisclosureAudit audit;
  audit.relations = relations.size();
  // Published measures: additive ones as equalities, patients as inequalities.
  for (const Measure m : spec.measures) audit.measures.push_back(m);
  if (audit.measures.empty()) audit.measures.push_back(Measure::kLines);
  std::vector<uint32_t> cell_of(rows.size(), UINT32_MAX);
  for (uint32_t r = 0; r < rows.size(); ++r) {
    if (!rows[r].suppressed) continue;
    cell_of[r] = static_cast<uint32_t>(audit.cells.size());
    MaskedCellAudit cell;
    cell.row = r;
    audit.cells.push_back(std::move(cell));
  }
  // Masked cells joined through relations are the linear programs' components (every relation's
  // constraint holds all its masked cells). A component over kMaxAuditedComponent cells is not
  // solved (variable_ranges), so its constraints are not even built: with the ATC hierarchy and
  // a few other columns most masked cells fall in one such component, and building its
  // constraints was most of the audit's time.
  std::vector<uint32_t> root(audit.cells.size());
  std::iota(root.begin(), root.end(), 0u);
  auto find = [&root](uint32_t x) {
    while (root[x] != x) x = root[x] = root[root[x]];
    return x;
  };
  for (const MarginRelation& rel : relations) {
    uint32_t first = cell_of[rel.parent];
    for (const uint32_t c : rel.children) {
      if (cell_of[c] == UINT32_MAX) continue;
      if (first == UINT32_MAX)
        first = cell_of[c];
      else
        root[find(cell_of[c])] = find(first);
    }
  }
  std::vector<uint32_t> component_size(audit.cells.size(), 0);
  for (uint32_t k = 0; k < audit.cells.size(); ++k) ++component_size[find(k)];
  // var_of: the variable of a masked row that is audited; skipped: masked but not audited.
  std::vector<uint32_t> var_of(rows.size(), UINT32_MAX);
  std::vector<uint8_t> skipped(rows.size(), 0);
  std::vector<uint32_t> audited_cells;  // variable -> cell
  for (uint32_t k = 0; k < audit.cells.size(); ++k) {
    const uint32_t r = audit.cells[k].row;
    if (component_size[find(k)] > kMaxAuditedComponent) {
      skipped[r] = 1;
      continue;
    }
    var_of[r] = static_cast<uint32_t>(audited_cells.size());
    audited_cells.push_back(k);
  }
  const size_t vars = audited_cells.size();
  for (const Measure m : audit.measures) {
    BoundsProblem p;
    p.variables = vars;
    p.lower.assign(vars, -kNoBound);
    const double unit = is_decimal_measure(m) ? static_cast<double>(kDecimalScale) : 1.0;
    bool nonnegative = true;
    for (const auto& r : rows) nonnegative = nonnegative && measure_value(m, r.measures) >= 0;
    for (size_t k = 0; k < vars; ++k) {
      const GroupRow& r = rows[audit.cells[audited_cells[k]].row];
      // What the attacker knows of a masked row: it exists (a line, a patient), and a secondary
      // row (suppressed = 2) has at least min_patients patients, hence as many lines.
      const double floor_count = r.suppressed == 2 ? static_cast<double>(spec.min_patients) : 1.0;
      if (m == Measure::kLines || m == Measure::kPatients)
        p.lower[k] = floor_count;
      else if (nonnegative)
        p.lower[k] = 0;
      if (m == Measure::kPatients && r.suppressed == 1) {
        LinearConstraint upper;
        upper.terms = {{static_cast<uint32_t>(k), 1.0}};
        upper.equality = false;
        upper.rhs = static_cast<double>(spec.min_patients - 1);
        p.constraints.push_back(std::move(upper));
      }
    }
    auto known = [&](uint32_t r) {
      return static_cast<double>(measure_value(m, rows[r].measures)) / unit;
    };
    for (const MarginRelation& rel : relations) {
      if (skipped[rel.parent] || std::any_of(rel.children.begin(), rel.children.end(),
                                             [&skipped](uint32_t c) { return skipped[c] != 0; }))
        continue;  // a relation of a component too large to audit
      bool any = var_of[rel.parent] != UINT32_MAX;
      for (const uint32_t c : rel.children) any = any || var_of[c] != UINT32_MAX;
      if (!any) continue;
      if (m != Measure::kPatients) {
        // parent - sum(children) = 0, published values moved to the right.
        LinearConstraint eq;
        double rhs = 0;
        if (var_of[rel.parent] != UINT32_MAX)
          eq.terms.push_back({var_of[rel.parent], 1.0});
        else
          rhs -= known(rel.parent);
        for (const uint32_t c : rel.children) {
          if (var_of[c] != UINT32_MAX)
            eq.terms.push_back({var_of[c], -1.0});
          else
            rhs += known(c);
        }
        eq.rhs = rhs;
        p.constraints.push_back(std::move(eq));
        continue;
      }
      // Distinct patients do not add up: each child <= parent <= sum of children.
      const bool parent_masked = var_of[rel.parent] != UINT32_MAX;
      for (const uint32_t c : rel.children) {
        const bool child_masked = var_of[c] != UINT32_MAX;
        if (!parent_masked && !child_masked) continue;
        LinearConstraint le;  // child - parent <= 0
        le.equality = false;
        double rhs = 0;
        if (child_masked)
          le.terms.push_back({var_of[c], 1.0});
        else
          rhs -= known(c);
        if (parent_masked)
          le.terms.push_back({var_of[rel.parent], -1.0});
        else
          rhs += known(rel.parent);
        le.rhs = rhs;
        p.constraints.push_back(std::move(le));
      }
      LinearConstraint sum;  // parent - sum(children) <= 0
      sum.equality = false;
      double rhs = 0;
      if (parent_masked)
        sum.terms.push_back({var_of[rel.parent], 1.0});
      else
        rhs -= known(rel.parent);
      for (const uint32_t c : rel.children) {
        if (var_of[c] != UINT32_MAX)
          sum.terms.push_back({var_of[c], -1.0});
        else
          rhs += known(c);
      }
      sum.rhs = rhs;
      p.constraints.push_back(std::move(sum));
    }
    const std::vector<VariableRange> ranges = variable_ranges(p, kMaxAuditedComponent);
    std::vector<VariableRange> per_cell(audit.cells.size());  // not solved unless audited
    for (size_t k = 0; k < vars; ++k) per_cell[audited_cells[k]] = ranges[k];
    for (size_t k = 0; k < audit.cells.size(); ++k) audit.cells[k].ranges.push_back(per_cell[k]);
  }
  for (MaskedCellAudit& cell : audit.cells) {
    for (const VariableRange& r : cell.ranges) {
      if (!r.solved) {
        cell.audited = false;
        continue;
      }
      if (std::isinf(r.min) || std::isinf(r.max)) continue;  // unbounded: not one value
      if (r.max - r.min <= 1e-6 * std::max(1.0, std::abs(r.max))) cell.single_value = true;
    }
    if (cell.single_value) ++audit.single_valued;
    if (!cell.audited) ++audit.not_audited;
  }
  return audit;
}

SecondarySummary apply_secondary_disclosure(std::vector<GroupRow>& rows, const AggregateSpec& spec,
                                            DisclosureAudit& audit) {
  SecondarySummary s;
  s.primary = apply_disclosure(rows, spec.min_patients);
  const std::vector<MarginRelation> relations =
      spec.totals ? margin_relations(rows, spec.group_by) : std::vector<MarginRelation>{};
  // Relations each row is in, for the repair step.
  std::vector<std::vector<uint32_t>> relations_of(rows.size());
  for (uint32_t i = 0; i < relations.size(); ++i) {
    relations_of[relations[i].parent].push_back(i);
    for (const uint32_t c : relations[i].children) relations_of[c].push_back(i);
  }
  constexpr size_t kMaxAuditRounds = 50;
  for (;;) {
    if (spec.secondary) complete_relations(rows, relations);
    audit = audit_disclosure(rows, relations, spec);
    ++s.audit_rounds;
    if (!spec.secondary || audit.single_valued == 0 || s.audit_rounds >= kMaxAuditRounds) break;
    // A row still pinned to one value: mask the cheapest unmasked row sharing a relation with it.
    bool repaired = false;
    for (const MaskedCellAudit& cell : audit.cells) {
      if (!cell.single_value) continue;
      // The nearest unmasked rows through relations (its own first; when those are all masked,
      // theirs, and so on), and of them the cheapest.
      std::vector<uint8_t> seen(rows.size(), 0);
      std::vector<uint32_t> frontier = {cell.row};
      seen[cell.row] = 1;
      uint32_t best = UINT32_MAX;
      while (!frontier.empty() && best == UINT32_MAX) {
        std::vector<uint32_t> next;
        for (const uint32_t at : frontier) {
          for (const uint32_t ri : relations_of[at]) {
            const MarginRelation& rel = relations[ri];
            auto consider = [&](uint32_t r) {
              if (seen[r]) return;
              seen[r] = 1;
              if (rows[r].suppressed) {
                next.push_back(r);
              } else if (best == UINT32_MAX || cost_of(rows, r) < cost_of(rows, best)) {
                best = r;
              }
            };
            consider(rel.parent);
            for (const uint32_t c : rel.children) consider(c);
          }
        }
        std::sort(next.begin(), next.end());
        frontier = std::move(next);
      }
      if (best != UINT32_MAX) {
        rows[best].suppressed = 2;
        repaired = true;
        break;  // one at a time: the next audit tells what is still needed
      }
    }
    if (!repaired) break;  // nothing left to mask beside the pinned rows: the audit says so
  }
  for (const GroupRow& r : rows) {
    if (r.suppressed != 2) continue;
    ++s.secondary;
    s.secondary_patients += r.measures.patients;
    s.secondary_lines += static_cast<uint64_t>(r.measures.lines);
  }
  return s;
}

}  // namespace snds
