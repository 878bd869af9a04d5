// Secondary suppression against a brute-force attacker: on small random tables with margins
// (2-D, 3-D, and an ATC hierarchy), every integer completion of the masked cells consistent with
// the published cells and margins is enumerated; no masked cell may have a single possible value,
// and the audit's linear bounds must contain the attacker's (equal them on 2-D tables, whose
// relation matrices are totally unimodular).
#include "core/aggregate/disclosure.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <map>
#include <random>
#include <set>
#include <string>

#include "core/aggregate/margins.hpp"

namespace snds {
namespace {

struct Detail {
  std::vector<std::string> values;
  int64_t lines;
  uint64_t patients;
};

// Detail cells plus every margin row (sums; each patient in one cell, so patients add up too),
// sorted as the job sorts them.
std::vector<GroupRow> with_margins(const std::vector<Detail>& cells,
                                   const std::vector<Dimension>& dims) {
  std::map<std::vector<std::string>, GroupMeasures> all;
  for (const uint64_t mask : margin_masks(dims)) {
    for (const Detail& d : cells) {
      std::vector<std::string> v = d.values;
      for (size_t c = 0; c < v.size(); ++c)
        if (mask >> c & 1) v[c] = std::string(kAllValue);
      GroupMeasures& m = all[v];
      m.lines += d.lines;
      m.patients += d.patients;
    }
  }
  std::vector<GroupRow> rows;
  for (const auto& [v, m] : all) rows.push_back({v, m, 0});
  return rows;
}

AggregateSpec spec_for(const std::vector<Dimension>& dims, int64_t min_patients) {
  AggregateSpec s;
  s.group_by = dims;
  s.measures = {Measure::kLines};
  s.min_patients = min_patients;
  s.totals = true;
  s.secondary = true;
  return s;
}

// Every feasible integer value of each masked cell's lines (attacker's knowledge as in the
// audit: lines >= 1, >= min_patients for secondary rows; relations exact).
std::vector<std::set<int64_t>> brute_force(const std::vector<GroupRow>& rows,
                                           const std::vector<MarginRelation>& relations,
                                           int64_t min_patients) {
  std::vector<uint32_t> masked;
  std::vector<int> var_of(rows.size(), -1);
  int64_t cap = 0;
  for (uint32_t r = 0; r < rows.size(); ++r) {
    if (rows[r].suppressed) {
      var_of[r] = static_cast<int>(masked.size());
      masked.push_back(r);
    } else {
      cap = std::max(cap, rows[r].measures.lines);  // the largest published margin bounds all
    }
  }
  // A cell is at most any margin it sums into (all values >= 0): bounds from published
  // ancestors, propagated through masked ones.
  std::vector<int64_t> ub(masked.size(), cap);
  for (bool changed = true; changed;) {
    changed = false;
    for (const MarginRelation& rel : relations) {
      const int pv = var_of[rel.parent];
      const int64_t parent_ub =
          pv < 0 ? rows[rel.parent].measures.lines : ub[static_cast<size_t>(pv)];
      for (const uint32_t c : rel.children) {
        const int v = var_of[c];
        if (v >= 0 && ub[static_cast<size_t>(v)] > parent_ub) {
          ub[static_cast<size_t>(v)] = parent_ub;
          changed = true;
        }
      }
    }
  }
  std::vector<std::set<int64_t>> seen(masked.size());
  std::vector<int64_t> value(masked.size(), 0);
  std::vector<uint8_t> set(masked.size(), 0);
  // Relations as (parent, children) with known / unknown parts.
  auto consistent = [&]() {
    for (const MarginRelation& rel : relations) {
      auto get = [&](uint32_t r, bool& known) -> int64_t {
        const int v = var_of[r];
        if (v < 0) return rows[r].measures.lines;
        known = known && set[static_cast<size_t>(v)];
        return set[static_cast<size_t>(v)] ? value[static_cast<size_t>(v)] : 0;
      };
      bool parent_known = true, children_known = true;
      const int64_t parent = get(rel.parent, parent_known);
      int64_t sum = 0;
      for (const uint32_t c : rel.children) sum += get(c, children_known);
      if (parent_known && sum > parent) return false;  // all values are >= 0
      if (parent_known && children_known && sum != parent) return false;
    }
    return true;
  };
  std::function<void(size_t)> dfs = [&](size_t k) {
    if (k == masked.size()) {
      for (size_t i = 0; i < masked.size(); ++i) seen[i].insert(value[i]);
      return;
    }
    const int64_t lo = rows[masked[k]].suppressed == 2 ? min_patients : 1;
    for (int64_t v = lo; v <= ub[k]; ++v) {
      value[k] = v;
      set[k] = 1;
      if (consistent()) dfs(k + 1);
    }
    set[k] = 0;
  };
  dfs(0);
  return seen;
}

// Returns whether the attacker's enumeration ran (small enough).
bool check_table(const std::vector<Detail>& cells, const std::vector<Dimension>& dims,
                 int64_t min_patients, bool two_dimensional, const std::string& what) {
  std::vector<GroupRow> rows = with_margins(cells, dims);
  const AggregateSpec spec = spec_for(dims, min_patients);
  DisclosureAudit audit;
  const SecondarySummary s = apply_secondary_disclosure(rows, spec, audit);
  EXPECT_EQ(audit.single_valued, 0u) << what;
  EXPECT_EQ(audit.not_audited, 0u) << what;
  const auto relations = margin_relations(rows, dims);
  // The rule: a relation holding a masked row holds at least two.
  for (const MarginRelation& rel : relations) {
    size_t masked = rows[rel.parent].suppressed ? 1 : 0;
    for (const uint32_t c : rel.children) masked += rows[c].suppressed ? 1 : 0;
    EXPECT_NE(masked, 1u) << what;
  }
  if (audit.cells.size() > 10) return false;  // the attacker's enumeration stays small
  const auto seen = brute_force(rows, relations, min_patients);
  EXPECT_EQ(seen.size(), audit.cells.size());
  if (seen.size() != audit.cells.size()) return false;
  for (size_t i = 0; i < seen.size(); ++i) {
    const auto& cell = audit.cells[i];
    EXPECT_FALSE(seen[i].empty()) << what;  // the true values are a completion
    if (seen[i].empty()) continue;
    EXPECT_GE(seen[i].size(), 2u) << what << ": row " << cell.row << " is recoverable";
    const VariableRange& lp = cell.ranges[0];
    const double lo = static_cast<double>(*seen[i].begin());
    const double hi = static_cast<double>(*seen[i].rbegin());
    EXPECT_LE(lp.min, lo + 1e-6) << what;
    EXPECT_GE(lp.max, hi - 1e-6) << what;
    if (two_dimensional) {
      EXPECT_NEAR(lp.min, lo, 1e-6) << what;
      EXPECT_NEAR(lp.max, hi, 1e-6) << what;
    }
  }
  EXPECT_EQ(s.primary + s.secondary, audit.cells.size());
  return !seen.empty();
}

TEST(SecondarySuppression, NoMaskedCellOfA2DTableIsRecoverableByBruteForce) {
  std::mt19937 rng(15);
  int attacked = 0;
  for (int t = 0; t < 120; ++t) {
    std::vector<Detail> cells;
    for (const char* a : {"a", "b", "c"})
      for (const char* b : {"x", "y", "z"}) {
        if (rng() % 6 == 0) continue;  // some empty cells
        const int64_t lines = 1 + static_cast<int64_t>(rng() % 8);
        cells.push_back({{a, b}, lines, 1 + rng() % static_cast<uint64_t>(lines)});
      }
    attacked += check_table(cells, {Dimension::kSex, Dimension::kDepartment}, 4, true,
                            "2-D table " + std::to_string(t));
  }
  EXPECT_GT(attacked, 40);  // the enumeration ran on a good share of the tables
}

TEST(SecondarySuppression, NoMaskedCellOfA3DTableIsRecoverableByBruteForce) {
  std::mt19937 rng(1515);
  int attacked = 0;
  for (int t = 0; t < 60; ++t) {
    std::vector<Detail> cells;
    for (const char* a : {"1", "2"})
      for (const char* b : {"x", "y"})
        for (const char* c : {"p", "q"}) {
          if (rng() % 5 == 0) continue;
          // Mostly cells over the threshold, a few under it.
          const bool small = rng() % 4 == 0;
          const int64_t lines = small ? 1 + static_cast<int64_t>(rng() % 3)
                                      : 4 + static_cast<int64_t>(rng() % 5);
          const uint64_t patients =
              small ? 1 + rng() % 2 : 3 + rng() % static_cast<uint64_t>(lines - 2);
          cells.push_back({{a, b, c}, lines, patients});
        }
    attacked += check_table(cells, {Dimension::kSex, Dimension::kDepartment, Dimension::kAgeBand},
                            3, false, "3-D table " + std::to_string(t));
  }
  EXPECT_GT(attacked, 15);
}

TEST(SecondarySuppression, TheAtcHierarchyIsProtectedToo) {
  // atc1 > atc3 (nested), by sex: a margin collapses atc3 alone, or atc1 with atc3.
  std::mt19937 rng(7);
  const std::vector<std::pair<std::string, std::string>> codes = {
      {"C", "C10A"}, {"C", "C07A"}, {"N", "N02B"}, {"N", "N05B"}};
  int attacked = 0;
  for (int t = 0; t < 60; ++t) {
    std::vector<Detail> cells;
    for (const auto& [atc1, atc3] : codes)
      for (const char* sex : {"1", "2"}) {
        if (rng() % 6 == 0) continue;
        const bool small = rng() % 4 == 0;
        const int64_t lines = small ? 1 + static_cast<int64_t>(rng() % 3)
                                    : 5 + static_cast<int64_t>(rng() % 5);
        const uint64_t patients =
            small ? 1 + rng() % 3 : 4 + rng() % static_cast<uint64_t>(lines - 3);
        cells.push_back({{atc1, atc3, sex}, lines, patients});
      }
    attacked += check_table(cells, {Dimension::kAtc1, Dimension::kAtc3, Dimension::kSex}, 4,
                            false, "hierarchy table " + std::to_string(t));
  }
  EXPECT_GT(attacked, 15);
}

TEST(Margins, TheAtcHierarchyCollapsesFromItsFinestLevel) {
  const auto masks = margin_masks({Dimension::kAtc1, Dimension::kAtc3, Dimension::kSex});
  // Levels kept: both, atc1 only, none; each with sex kept or collapsed.
  EXPECT_EQ(masks, (std::vector<uint64_t>{0b000, 0b100, 0b010, 0b110, 0b011, 0b111}));
  EXPECT_EQ(margin_masks({Dimension::kSex, Dimension::kAgeBand}).size(), 4u);
  EXPECT_EQ(margin_masks({Dimension::kAtc, Dimension::kAtc5}).size(), 2u);  // one level
}

TEST(SecondarySuppression, IsDeterministicAndCostsTheFewestPersonsOfEachRelation) {
  // sex x department: (1, a) is under the threshold; its row and column each need a partner,
  // the cheapest in persons.
  std::vector<Detail> cells = {{{"1", "a"}, 3, 2},   {{"1", "b"}, 30, 20}, {{"1", "c"}, 15, 12},
                               {{"2", "a"}, 14, 11}, {{"2", "b"}, 40, 30}, {{"2", "c"}, 50, 40}};
  const std::vector<Dimension> dims = {Dimension::kSex, Dimension::kDepartment};
  std::vector<GroupRow> rows = with_margins(cells, dims);
  std::vector<GroupRow> again = rows;
  DisclosureAudit audit, audit2;
  apply_secondary_disclosure(rows, spec_for(dims, 10), audit);
  apply_secondary_disclosure(again, spec_for(dims, 10), audit2);
  auto state = [](const std::vector<GroupRow>& r) {
    std::string s;
    for (const auto& g : r) s += g.values[0] + g.values[1] + char('0' + g.suppressed) + ";";
    return s;
  };
  EXPECT_EQ(state(rows), state(again));
  auto flag = [&](const std::string& a, const std::string& b) {
    for (const auto& g : rows)
      if (g.values[0] == a && g.values[1] == b) return static_cast<int>(g.suppressed);
    return -1;
  };
  EXPECT_EQ(flag("1", "a"), 1);
  EXPECT_EQ(flag("1", "c"), 2);  // 12 persons rather than 20 in row 1
  EXPECT_EQ(flag("2", "a"), 2);  // 11 persons rather than the margin in column a
  EXPECT_EQ(flag("2", "c"), 2);  // closes the rectangle
  EXPECT_EQ(flag("1", "b"), 0);
  EXPECT_EQ(audit.single_valued, 0u);
}

}  // namespace
}  // namespace snds
