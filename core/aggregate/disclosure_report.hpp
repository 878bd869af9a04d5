// disclosure_audit.json, and its summary in manifest.json: what the disclosure control of an
// aggregate with margins did and what an attacker can still derive (docs/aggregate.md, "What the
// disclosure control guarantees").
#pragma once

#include <string>
#include <vector>

#include <boost/json.hpp>

#include "core/aggregate/disclosure.hpp"

namespace snds {

boost::json::object disclosure_summary_json(const AggregateSpec& spec, const SecondarySummary& s,
                                            const DisclosureAudit& audit);
// The file's text (pretty enough to read, one masked cell per line).
std::string disclosure_audit_json(const AggregateSpec& spec, const std::vector<GroupRow>& rows,
                                  const SecondarySummary& s, const DisclosureAudit& audit);

}  // namespace snds
