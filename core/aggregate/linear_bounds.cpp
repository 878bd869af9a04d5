// Dense two-phase simplex with Bland's rule, one phase 1 per component, then two phase-2 runs
// (minimise, maximise) per variable, each starting from the previous optimal basis.
#include "core/aggregate/linear_bounds.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "core/error.hpp"
#include "core/union_find.hpp"

namespace snds {
namespace {

constexpr double kEps = 1e-9;

struct Tableau {
  size_t m = 0, n = 0;          // rows, columns (structural, slack, artificial)
  std::vector<double> a;        // m x n
  std::vector<double> b;        // m
  std::vector<size_t> basis;    // m
  std::vector<uint8_t> banned;  // per column: may not enter (artificials after phase 1)
  std::vector<double> reduced;  // the current objective's reduced costs, kept through pivots
  std::vector<size_t> nonzero;  // scratch: the pivot row's nonzero columns

  double& at(size_t r, size_t c) { return a[r * n + c]; }
  double at(size_t r, size_t c) const { return a[r * n + c]; }

  // Pivots on (r, c), updating the reduced costs; only the pivot row's nonzero columns are
  // touched (tables' relations are sparse, and stay fairly sparse).
  void pivot(size_t r, size_t c) {
    const double p = at(r, c);
    double* row = &a[r * n];
    nonzero.clear();
    for (size_t j = 0; j < n; ++j) {
      if (row[j] == 0) continue;
      row[j] /= p;
      nonzero.push_back(j);
    }
    b[r] /= p;
    for (size_t i = 0; i < m; ++i) {
      if (i == r) continue;
      double* other = &a[i * n];
      const double f = other[c];
      if (f == 0) continue;
      for (const size_t j : nonzero) other[j] -= f * row[j];
      other[c] = 0;
      b[i] -= f * b[r];
    }
    const double f = reduced[c];
    if (f != 0) {
      for (const size_t j : nonzero) reduced[j] -= f * row[j];
      reduced[c] = 0;
    }
    basis[r] = c;
  }

  // Minimises cost . x from the current feasible basis. Returns false when unbounded. Dantzig's
  // rule (most negative reduced cost), and Bland's (smallest index, which cannot cycle) after a
  // run of degenerate pivots: deterministic either way.
  bool minimise(const std::vector<double>& cost) {
    reduced.assign(cost.begin(), cost.end());
    for (size_t i = 0; i < m; ++i) {
      const double cb = cost[basis[i]];
      if (cb == 0) continue;
      for (size_t j = 0; j < n; ++j) reduced[j] -= cb * at(i, j);
    }
    size_t degenerate = 0;
    for (size_t iteration = 0;; ++iteration) {
      if (iteration > 1000000) throw internal_error("disclosure audit: simplex did not converge");
      const bool bland = degenerate > 50;
      size_t enter = n;
      double most = 0;
      for (size_t j = 0; j < n; ++j) {
        if (banned[j] || !(reduced[j] < -kEps * (1 + std::abs(cost[j])))) continue;
        if (bland) {
          enter = j;
          break;
        }
        if (enter == n || reduced[j] < most) {
          enter = j;
          most = reduced[j];
        }
      }
      if (enter == n) return true;
      size_t leave = m;
      double best = 0;
      for (size_t i = 0; i < m; ++i) {
        const double v = at(i, enter);
        if (v <= kEps) continue;
        const double ratio = b[i] / v;
        if (leave == m || ratio < best - kEps ||
            (ratio <= best + kEps && basis[i] < basis[leave])) {
          leave = i;
          best = ratio;
        }
      }
      if (leave == m) return false;
      degenerate = b[leave] <= kEps ? degenerate + 1 : 0;
      pivot(leave, enter);
    }
  }

  double value(const std::vector<double>& cost) const {
    double v = 0;
    for (size_t i = 0; i < m; ++i) v += cost[basis[i]] * b[i];
    return v;
  }
};

void solve_component(const BoundsProblem& p, const std::vector<uint32_t>& vars,
                     const std::vector<size_t>& constraints, std::vector<VariableRange>& out) {
  // Columns: per variable one (x - lower) or two (x+ - x-) columns; a slack per inequality; an
  // artificial per row.
  std::vector<size_t> local(p.variables, SIZE_MAX);
  for (size_t k = 0; k < vars.size(); ++k) local[vars[k]] = k;
  std::vector<size_t> first_col(vars.size());
  std::vector<uint8_t> free_var(vars.size());
  size_t cols = 0;
  for (size_t k = 0; k < vars.size(); ++k) {
    first_col[k] = cols;
    free_var[k] = std::isinf(p.lower[vars[k]]) ? 1 : 0;
    cols += free_var[k] ? 2 : 1;
  }
  const size_t structural = cols;
  size_t slacks = 0;
  for (const size_t c : constraints) slacks += p.constraints[c].equality ? 0 : 1;
  Tableau t;
  t.m = constraints.size();
  t.n = structural + slacks + t.m;
  t.a.assign(t.m * t.n, 0.0);
  t.b.assign(t.m, 0.0);
  t.basis.assign(t.m, 0);
  t.banned.assign(t.n, 0);
  size_t slack = structural;
  for (size_t r = 0; r < t.m; ++r) {
    const LinearConstraint& lc = p.constraints[constraints[r]];
    double rhs = lc.rhs;
    for (const auto& [v, coef] : lc.terms) {
      const size_t k = local[v];
      t.at(r, first_col[k]) += coef;
      if (free_var[k])
        t.at(r, first_col[k] + 1) -= coef;
      else
        rhs -= coef * p.lower[v];
    }
    if (!lc.equality) t.at(r, slack++) = 1.0;
    if (rhs < 0) {
      for (size_t j = 0; j < structural + slacks; ++j) t.at(r, j) = -t.at(r, j);
      rhs = -rhs;
    }
    t.b[r] = rhs;
    const size_t art = structural + slacks + r;
    t.at(r, art) = 1.0;
    t.basis[r] = art;
  }
  // Phase 1: minimise the sum of artificials.
  std::vector<double> cost(t.n, 0.0);
  for (size_t r = 0; r < t.m; ++r) cost[structural + slacks + r] = 1.0;
  t.minimise(cost);
  double scale = 1;
  for (const double v : t.b) scale = std::max(scale, std::abs(v));
  if (t.value(cost) > 1e-7 * scale)
    throw internal_error("disclosure audit: the published table admits no solution");
  // Artificials out of the basis (or their rows dropped when redundant), then banned.
  std::vector<uint8_t> drop(t.m, 0);
  for (size_t r = 0; r < t.m; ++r) {
    if (t.basis[r] < structural + slacks) continue;
    size_t c = structural + slacks;
    for (size_t j = 0; j < structural + slacks; ++j)
      if (std::abs(t.at(r, j)) > 1e-7) {
        c = j;
        break;
      }
    if (c < structural + slacks)
      t.pivot(r, c);
    else
      drop[r] = 1;
  }
  {
    // The artificial columns and redundant rows go: phase 2 works on the rest.
    Tableau k;
    k.n = structural + slacks;
    k.banned.assign(k.n, 0);
    for (size_t r = 0; r < t.m; ++r) {
      if (drop[r]) continue;
      k.a.insert(k.a.end(), t.a.begin() + static_cast<std::ptrdiff_t>(r * t.n),
                 t.a.begin() + static_cast<std::ptrdiff_t>(r * t.n + k.n));
      k.b.push_back(t.b[r]);
      k.basis.push_back(t.basis[r]);
    }
    k.m = k.b.size();
    t = std::move(k);
    cost.assign(t.n, 0.0);
  }
  // Phase 2, twice per variable.
  for (size_t k = 0; k < vars.size(); ++k) {
    const uint32_t v = vars[k];
    std::fill(cost.begin(), cost.end(), 0.0);
    const double shift = free_var[k] ? 0.0 : p.lower[v];
    VariableRange range;
    range.solved = true;
    for (const int sign : {1, -1}) {
      cost[first_col[k]] = sign;
      if (free_var[k]) cost[first_col[k] + 1] = -sign;
      const bool bounded = t.minimise(cost);
      const double best = bounded ? sign * t.value(cost) + shift : sign * -kNoBound;
      (sign == 1 ? range.min : range.max) = best;
    }
    out[v] = range;
  }
}

}  // namespace

std::vector<VariableRange> variable_ranges(const BoundsProblem& problem, size_t max_component) {
  std::vector<VariableRange> out(problem.variables);
  UnionFind uf(problem.variables);
  for (const auto& c : problem.constraints)
    for (size_t i = 1; i < c.terms.size(); ++i) uf.unite(c.terms[0].first, c.terms[i].first);
  std::vector<std::vector<uint32_t>> vars(problem.variables);
  std::vector<std::vector<size_t>> cons(problem.variables);
  for (uint32_t v = 0; v < problem.variables; ++v) vars[uf.find(v)].push_back(v);
  for (size_t i = 0; i < problem.constraints.size(); ++i)
    if (!problem.constraints[i].terms.empty())
      cons[uf.find(problem.constraints[i].terms[0].first)].push_back(i);
  for (uint32_t root = 0; root < problem.variables; ++root) {
    if (vars[root].empty()) continue;
    if (vars[root].size() > max_component) continue;  // left unsolved
    solve_component(problem, vars[root], cons[root], out);
  }
  return out;
}

}  // namespace snds
