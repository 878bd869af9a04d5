// The audit as JSON. Bounds are in the measure's printed unit, rounded to 10^-4 (decimals are
// exact to that), null when unbounded; a masked cell's own value is never written.
#include "core/aggregate/disclosure_report.hpp"

#include <cmath>

namespace snds {
namespace {

boost::json::value bound(double v) {
  if (std::isinf(v)) return nullptr;
  const double r = std::round(v * 1e4) / 1e4;
  // Whole numbers as integers (counts, most bounds): 241, not 2.41E2.
  if (r == std::floor(r) && std::abs(r) < 9e15) return static_cast<int64_t>(r);
  return r;
}

}  // namespace

boost::json::object disclosure_summary_json(const AggregateSpec& spec, const SecondarySummary& s,
                                            const DisclosureAudit& audit) {
  boost::json::object o;
  o["min_patients"] = spec.min_patients;
  o["secondary"] = spec.secondary;
  o["relations"] = audit.relations;
  o["primary"] = s.primary;
  o["secondary_rows"] = s.secondary;
  o["secondary_patients"] = s.secondary_patients;
  o["secondary_lines"] = s.secondary_lines;
  o["audit_rounds"] = s.audit_rounds;
  o["masked_cells"] = audit.cells.size();
  o["single_valued"] = audit.single_valued;
  o["not_audited"] = audit.not_audited;
  o["protected"] = audit.single_valued == 0 && audit.not_audited == 0;
  return o;
}

std::string disclosure_audit_json(const AggregateSpec& spec, const std::vector<GroupRow>& rows,
                                  const SecondarySummary& s, const DisclosureAudit& audit) {
  boost::json::object head = disclosure_summary_json(spec, s, audit);
  head["cost"] =
      "persons: each complementary cell is the unmasked cell of fewest patients (then fewest "
      "lines, then first in output order) of a relation holding a single masked cell";
  boost::json::array measures;
  for (const Measure m : audit.measures) measures.emplace_back(measure_name(m));
  head["measures"] = std::move(measures);
  head["attacker"] =
      "knows every published cell and margin, that margins are sums of the cells they collapse "
      "(patients: each cell <= its margin <= the sum of its cells), that a masked cell has at "
      "least 1 line and 1 patient, fewer than min_patients patients when suppressed = 1 and at "
      "least min_patients patients and lines when suppressed = 2, and that boxes, amounts and "
      "days are >= 0 when no published or masked cell of the table is negative";
  std::string out = "{\n";
  for (const auto& [k, v] : head) out += "  " + boost::json::serialize(boost::json::string(k)) + ": " + boost::json::serialize(v) + ",\n";
  out += "  \"cells\": [";
  for (size_t i = 0; i < audit.cells.size(); ++i) {
    const MaskedCellAudit& cell = audit.cells[i];
    const GroupRow& r = rows[cell.row];
    boost::json::object c;
    c["row"] = cell.row + 1;  // the data row of result.csv, header not counted
    boost::json::object group;
    for (size_t g = 0; g < spec.group_by.size(); ++g)
      group[dimension_name(spec.group_by[g])] = r.values[g];
    c["group"] = std::move(group);
    c["suppressed"] = r.suppressed;
    boost::json::object intervals;
    for (size_t m = 0; m < audit.measures.size(); ++m) {
      const VariableRange& range = cell.ranges[m];
      intervals[measure_name(audit.measures[m])] =
          range.solved ? boost::json::value(boost::json::array{bound(range.min), bound(range.max)})
                       : boost::json::value(nullptr);
    }
    c["intervals"] = std::move(intervals);
    c["single_value"] = cell.single_value;
    c["audited"] = cell.audited;
    out += i ? ",\n    " : "\n    ";
    out += boost::json::serialize(c);
  }
  out += audit.cells.empty() ? "]\n}\n" : "\n  ]\n}\n";
  return out;
}

}  // namespace snds
