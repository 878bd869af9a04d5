// Names of the study's parts and its JSON form for manifests.
#include "core/cohort/cohort_spec.hpp"

#include <algorithm>

namespace snds {
namespace {

boost::json::array to_array(const std::vector<std::string>& v) {
  boost::json::array a;
  for (const auto& s : v) a.emplace_back(s);
  return a;
}

}  // namespace

const char* cohort_source_name(CohortSource s) {
  switch (s) {
    case CohortSource::kDispensing:
      return "dispensing";
    case CohortSource::kHospitalStay:
      return "hospital_stay";
    case CohortSource::kClaim:
      return "claim";
  }
  return "?";
}

std::vector<std::string> CohortSpec::step_names() const {
  std::vector<std::string> names{"index_event", "washout"};
  for (const auto& c : criteria) names.push_back(c.name);
  return names;
}

bool CohortSpec::uses_source(CohortSource s) const {
  auto uses = [&](size_t e) { return events[e].source == s; };
  if (uses(index_event)) return true;
  if (outcome_event && uses(*outcome_event)) return true;
  return std::any_of(criteria.begin(), criteria.end(), [&](const Criterion& c) {
    return (c.kind == CriterionKind::kExcludeEvent || c.kind == CriterionKind::kRequireEvent) &&
           uses(c.event);
  });
}

boost::json::object cohort_spec_to_json(const CohortSpec& spec) {
  boost::json::object o;
  o["study"] = {{"start", format_iso_date(spec.study_start)},
                {"end", format_iso_date(spec.study_end)}};
  boost::json::object events;
  for (const auto& e : spec.events) {
    boost::json::object d;
    d["source"] = cohort_source_name(e.source);
    switch (e.source) {
      case CohortSource::kDispensing:
        d["atc"] = to_array(e.atc);
        d["cip13"] = to_array(e.cip13);
        break;
      case CohortSource::kHospitalStay: {
        d["icd10"] = to_array(e.icd10);
        boost::json::array pos;
        if (e.positions & kPositionDP) pos.emplace_back("DP");
        if (e.positions & kPositionDR) pos.emplace_back("DR");
        if (e.positions & kPositionDAS) pos.emplace_back("DAS");
        d["positions"] = std::move(pos);
        break;
      }
      case CohortSource::kClaim: {
        boost::json::array n;
        for (auto v : e.nature) n.emplace_back(v);
        d["nature"] = std::move(n);
        break;
      }
    }
    events[e.name] = std::move(d);
  }
  o["events"] = std::move(events);
  o["index"] = {{"event", spec.events[spec.index_event].name}, {"washout_days", spec.washout_days}};
  boost::json::array criteria;
  for (const auto& c : spec.criteria) {
    boost::json::object j;
    j["name"] = c.name;
    switch (c.kind) {
      case CriterionKind::kAgeAtIndex: {
        boost::json::object age;
        age["min"] = c.min_age ? boost::json::value(*c.min_age) : boost::json::value(nullptr);
        age["max"] = c.max_age ? boost::json::value(*c.max_age) : boost::json::value(nullptr);
        j["age_at_index"] = std::move(age);
        break;
      }
      case CriterionKind::kExcludeEvent:
      case CriterionKind::kRequireEvent:
        j[c.kind == CriterionKind::kExcludeEvent ? "exclude_event" : "require_event"] =
            spec.events[c.event].name;
        j["window_days"] = {c.window_from, c.window_to};
        break;
      case CriterionKind::kExcludeDeadBeforeIndex:
        j["exclude_dead_before_index"] = true;
        break;
    }
    criteria.push_back(std::move(j));
  }
  o["criteria"] = std::move(criteria);
  if (spec.outcome_event)
    o["outcome"] = {{"event", spec.events[*spec.outcome_event].name}};
  else
    o["outcome"] = nullptr;
  return o;
}

}  // namespace snds
