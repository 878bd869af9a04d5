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

boost::json::array event_names(const CohortSpec& spec, const std::vector<size_t>& ids) {
  boost::json::array a;
  for (auto d : ids) a.emplace_back(spec.events[d].name);
  return a;
}

// The study-design keys, written only when set so a study without them keeps its manifest.
void design_to_json(const CohortSpec& spec, boost::json::object& o) {
  if (spec.exposure) {
    const auto& e = *spec.exposure;
    boost::json::object j;
    if (e.min_purchases > 0) {
      j["min_purchases"] = {{"count", e.min_purchases}, {"within_days", e.within_days}};
    } else {
      j["days_per_box"] =
          e.days_per_box > 0 ? boost::json::value(e.days_per_box) : boost::json::value("pack_size");
      j["grace_days"] = e.grace_days;
      j["stockpile"] = e.stockpile;
    }
    o["exposure"] = std::move(j);
  }
  if (spec.exposure || spec.follow_up_end != FollowUpEnd::kStudyEnd || spec.lag_days != 0)
    o["follow_up"] = {
        {"end", spec.follow_up_end == FollowUpEnd::kExposureEnd ? "exposure_end" : "study_end"},
        {"lag_days", spec.lag_days}};
  if (!spec.censor.empty()) o["censor"] = event_names(spec, spec.censor);
  if (spec.no_claim_days) o["loss_to_follow_up"] = {{"no_claim_days", *spec.no_claim_days}};
  if (!spec.outcomes.empty()) {
    boost::json::object outs;
    for (const auto& out : spec.outcomes) {
      boost::json::object j;
      if (out.form == "event") {
        j["event"] = spec.events[out.events[0]].name;
      } else {
        j[out.form] = event_names(spec, out.events);
        if (out.all_of) j["days"] = out.days;
      }
      outs[out.name] = std::move(j);
    }
    o["outcomes"] = std::move(outs);
  }
  if (spec.clean_window_days) o["clean_window_days"] = *spec.clean_window_days;
  if (spec.incidence) {
    boost::json::array strata;
    for (auto s : spec.incidence->strata)
      strata.emplace_back(s == IncidenceStratum::kSex       ? "sex"
                          : s == IncidenceStratum::kAgeBand ? "age_band"
                                                            : "year");
    o["incidence"] = {{"per", spec.incidence->per}, {"strata", std::move(strata)}};
  }
  if (spec.baseline) {
    const auto& b = *spec.baseline;
    boost::json::object j;
    j["window_days"] = {b.window_from, b.window_to};
    j["covariates"] = to_array(b.covariates);
    j["atc_level"] = b.atc_level;
    j["events"] = event_names(spec, b.events);
    o["baseline"] = std::move(j);
  }
  if (spec.index_codes) o["index_codes"] = true;
  if (spec.incidence || spec.baseline || spec.index_codes)
    o["disclosure"] = {{"min_patients", spec.min_patients}};
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
    case CohortSource::kAld:
      return "ald";
    case CohortSource::kAct:
      return "act";
    case CohortSource::kLab:
      return "lab";
    case CohortSource::kDeath:
      return "death";
  }
  return "?";
}

std::vector<std::string> CohortSpec::step_names() const {
  std::vector<std::string> names{"index_event", "washout"};
  for (const auto& c : criteria) names.push_back(c.name);
  return names;
}

bool CohortSpec::uses_event(size_t d) const {
  if (index_event == d || outcome_event == d) return true;
  for (const auto& c : criteria)
    if ((c.kind == CriterionKind::kExcludeEvent || c.kind == CriterionKind::kRequireEvent) &&
        c.event == d)
      return true;
  if (std::find(censor.begin(), censor.end(), d) != censor.end()) return true;
  for (const auto& o : outcomes)
    if (std::find(o.events.begin(), o.events.end(), d) != o.events.end()) return true;
  return baseline &&
         std::find(baseline->events.begin(), baseline->events.end(), d) != baseline->events.end();
}

bool CohortSpec::uses_source(CohortSource s) const {
  if (s == CohortSource::kClaim && no_claim_days) return true;
  if (s == CohortSource::kDispensing && needs_all_dispensings()) return true;
  if (s == CohortSource::kHospitalStay && needs_all_stays()) return true;
  for (size_t d = 0; d < events.size(); ++d)
    if (events[d].source == s && uses_event(d)) return true;
  return false;
}

uint8_t CohortSpec::act_settings() const {
  uint8_t bits = 0;
  for (size_t d = 0; d < events.size(); ++d)
    if (events[d].source == CohortSource::kAct && uses_event(d)) bits |= events[d].settings;
  return bits;
}

uint8_t CohortSpec::death_sources() const {
  uint8_t bits = 0;
  for (size_t d = 0; d < events.size(); ++d)
    if (events[d].source == CohortSource::kDeath && uses_event(d)) bits |= events[d].death_sources;
  return bits;
}

std::vector<std::string> CohortSpec::incidence_outcome_names() const {
  std::vector<std::string> names;
  if (outcome_event) names.push_back(events[*outcome_event].name);
  for (const auto& o : outcomes) names.push_back(o.name);
  return names;
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
      case CohortSource::kAld: {
        d["icd10"] = to_array(e.icd10);
        boost::json::array n;
        for (auto v : e.ald) n.emplace_back(v);
        d["ald"] = std::move(n);
        break;
      }
      case CohortSource::kAct: {
        d["ccam"] = to_array(e.ccam);
        boost::json::array set;
        if (e.settings & 1) set.emplace_back("dcir");
        if (e.settings & 2) set.emplace_back("pmsi");
        d["settings"] = std::move(set);
        break;
      }
      case CohortSource::kLab: {
        boost::json::array n;
        for (auto v : e.nabm) n.emplace_back(v);
        d["nabm"] = std::move(n);
        break;
      }
      case CohortSource::kDeath: {
        d["icd10"] = to_array(e.icd10);
        d["causes"] = e.any_cause ? "any" : "initial";
        boost::json::array src;
        if (e.death_sources & 1) src.emplace_back("ir_ben_r");
        if (e.death_sources & 2) src.emplace_back("causes");
        if (e.death_sources & 4) src.emplace_back("pmsi");
        d["sources"] = std::move(src);
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
  design_to_json(spec, o);
  return o;
}

}  // namespace snds
