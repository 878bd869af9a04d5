// The tightest interval of each variable over a polyhedron given by linear equalities and
// inequalities and lower bounds: what an attacker who knows the published cells and the
// relations between them can derive about each masked cell (disclosure_audit.json). Solved
// exactly enough for integers up to 2^40 with a dense two-phase simplex (Bland's rule, so it
// always terminates and gives the same answer on every machine), component by component: masked
// cells linked by no relation are independent problems.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <utility>
#include <vector>

namespace snds {

inline constexpr double kNoBound = std::numeric_limits<double>::infinity();

struct LinearConstraint {
  std::vector<std::pair<uint32_t, double>> terms;  // (variable, coefficient)
  bool equality = true;                            // sum = rhs, or sum <= rhs
  double rhs = 0;
};

struct BoundsProblem {
  size_t variables = 0;
  std::vector<double> lower;  // per variable; -kNoBound for none
  std::vector<LinearConstraint> constraints;
};

struct VariableRange {
  double min = -kNoBound;
  double max = kNoBound;
  bool solved = false;  // false: its component exceeded max_component variables (not computed)
};

// [min, max] of every variable over the feasible set (±kNoBound when unbounded). Components of
// more than `max_component` variables are left unsolved. An infeasible problem (which published
// data never gives) is an internal error.
std::vector<VariableRange> variable_ranges(const BoundsProblem& problem,
                                           size_t max_component = 400);

}  // namespace snds
