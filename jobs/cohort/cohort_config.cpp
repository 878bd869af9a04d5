// The cohort config grammar (docs/cohort.md is its reference):
//   job: cohort, store, output, study {start, end},
//   events {NAME: {source: dispensing|hospital_stay|claim, atc, cip13, icd10, positions, nature}},
//   index {event, washout_days}, criteria [{name, one rule}], outcome {event} (optional).
#include "jobs/cohort/cohort_config.hpp"

#include <algorithm>
#include <memory>
#include <set>

#include <fmt/format.h>

#include "core/error.hpp"

namespace snds {
namespace {

// Longest window or washout accepted: a century of days, far beyond any SNDS history.
constexpr int64_t kMaxDays = 36525;
constexpr int64_t kMaxAge = 150;

bool is_name(const std::string& s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-' || c == '.';
  });
}

bool is_code(const std::string& s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
  });
}

// Code lists: upper-case letters and digits, as SNDS stores them (ICD-10 without the dot).
std::vector<std::string> code_list(ConfigMap& m, const std::string& key, const char* example) {
  auto codes = m.string_list(key, false);
  if (m.has(key) && codes.empty()) m.fail(key, "needs at least one code");
  for (const auto& c : codes)
    if (!is_code(c))
      m.fail(key, fmt::format("'{}' is not a code: use upper-case letters and digits as stored in "
                              "the SNDS, e.g. {}",
                              c, example));
  return codes;
}

// A key that belongs to another source gets a sentence saying so rather than "unknown key".
void reject_foreign_keys(ConfigMap& m, CohortSource source) {
  struct Foreign {
    const char* key;
    CohortSource owner;
  };
  static constexpr Foreign kKeys[] = {{"atc", CohortSource::kDispensing},
                                      {"cip13", CohortSource::kDispensing},
                                      {"icd10", CohortSource::kHospitalStay},
                                      {"positions", CohortSource::kHospitalStay},
                                      {"nature", CohortSource::kClaim}};
  for (const auto& f : kKeys)
    if (f.owner != source && m.node()[f.key].IsDefined())
      m.fail(f.key, fmt::format("applies to {} events only, and this event's source is {}",
                                cohort_source_name(f.owner), cohort_source_name(source)));
}

EventDefinition read_event(ConfigMap& events, const std::string& name) {
  if (!is_name(name))
    events.fail(name, "an event name uses letters, digits, '_', '-' and '.' only");
  ConfigMap m = events.required_map(name);
  EventDefinition def;
  def.name = name;
  const std::string source = m.required_string("source");
  if (source == "dispensing") {
    def.source = CohortSource::kDispensing;
  } else if (source == "hospital_stay") {
    def.source = CohortSource::kHospitalStay;
  } else if (source == "claim") {
    def.source = CohortSource::kClaim;
  } else {
    const std::string hint = closest_match(source, {"dispensing", "hospital_stay", "claim"});
    m.fail("source", fmt::format("must be dispensing, hospital_stay or claim, got '{}'{}", source,
                                 hint.empty() ? "" : " (did you mean '" + hint + "'?)"));
  }
  reject_foreign_keys(m, def.source);
  switch (def.source) {
    case CohortSource::kDispensing: {
      def.atc = code_list(m, "atc", "C10AA");
      def.cip13 = m.string_list("cip13", false);
      if (m.has("cip13") && def.cip13.empty()) m.fail("cip13", "needs at least one code");
      for (const auto& c : def.cip13)
        if (c.size() != 13 ||
            !std::all_of(c.begin(), c.end(), [](char ch) { return ch >= '0' && ch <= '9'; }))
          m.fail("cip13", fmt::format("'{}' is not a CIP13 code (13 digits)", c));
      if (def.atc.empty() && def.cip13.empty())
        m.fail("", "a dispensing event needs atc (ATC prefixes) or cip13 (CIP13 codes)");
      break;
    }
    case CohortSource::kHospitalStay: {
      if (!m.has("icd10"))
        m.fail("icd10", "is required for a hospital_stay event (ICD-10 prefixes, e.g. [I21, I22])");
      def.icd10 = code_list(m, "icd10", "I21");
      if (m.has("positions")) {
        const auto positions = m.string_list("positions", true);
        if (positions.empty()) m.fail("positions", "needs at least one of DP, DR, DAS");
        def.positions = 0;
        for (const auto& p : positions) {
          if (p == "DP")
            def.positions |= kPositionDP;
          else if (p == "DR")
            def.positions |= kPositionDR;
          else if (p == "DAS")
            def.positions |= kPositionDAS;
          else
            m.fail("positions",
                   fmt::format("'{}' is not a diagnosis position: use DP, DR or DAS", p));
        }
      }
      break;
    }
    case CohortSource::kClaim: {
      if (!m.has("nature")) m.fail("nature", "is required for a claim event (PRS_NAT_REF codes)");
      def.nature = m.int_list("nature", true);
      if (def.nature.empty()) m.fail("nature", "needs at least one PRS_NAT_REF code");
      break;
    }
  }
  m.finish();
  return def;
}

size_t resolve_event(ConfigMap& m, const std::string& key,
                     const std::vector<EventDefinition>& events) {
  const std::string name = m.required_string(key);
  for (size_t i = 0; i < events.size(); ++i)
    if (events[i].name == name) return i;
  std::vector<std::string> names;
  for (const auto& e : events) names.push_back(e.name);
  const std::string hint = closest_match(name, names);
  m.fail(key, fmt::format("unknown event '{}'{}; the events: section defines {}", name,
                          hint.empty() ? "" : " (did you mean '" + hint + "'?)",
                          fmt::join(names, ", ")));
}

Criterion read_criterion(ConfigMap& m, const std::vector<EventDefinition>& events,
                         std::set<std::string>& names) {
  Criterion c;
  c.name = m.required_string("name");
  if (!is_name(c.name))
    m.fail("name", "a criterion name uses letters, digits, '_', '-' and '.' only");
  if (c.name == "index_event" || c.name == "washout")
    m.fail("name",
           fmt::format("'{}' is an attrition step of its own: choose another name", c.name));
  if (!names.insert(c.name).second)
    m.fail("name", fmt::format("'{}' names two criteria: names must be unique", c.name));

  static const std::vector<std::string> kRules = {"age_at_index", "exclude_event", "require_event",
                                                  "exclude_dead_before_index"};
  std::vector<std::string> present;
  for (const auto& r : kRules)
    if (m.has(r)) present.push_back(r);
  if (present.empty()) {
    // A misspelt rule is the likely cause: finish() names it with a suggestion.
    m.finish();
    m.fail("", fmt::format("needs one rule: {}", fmt::join(kRules, ", ")));
  }
  if (present.size() > 1)
    m.fail(present[1], fmt::format("a criterion holds one rule, and this one also has {}: make it "
                                   "two criteria",
                                   present[0]));
  const std::string& rule = present[0];
  const bool windowed = rule == "exclude_event" || rule == "require_event";
  if (!windowed && m.node()["window_days"].IsDefined())
    m.fail("window_days", "applies to exclude_event and require_event only");

  if (rule == "age_at_index") {
    c.kind = CriterionKind::kAgeAtIndex;
    ConfigMap age = m.required_map("age_at_index");
    if (age.has("min")) c.min_age = age.optional_int("min", 0, 0, kMaxAge);
    if (age.has("max")) c.max_age = age.optional_int("max", 0, 0, kMaxAge);
    if (!c.min_age && !c.max_age) age.fail("", "needs min and/or max (ages in years, inclusive)");
    if (c.min_age && c.max_age && *c.min_age > *c.max_age)
      age.fail("max", fmt::format("must not be below min ({} > {})", *c.min_age, *c.max_age));
    age.finish();
  } else if (windowed) {
    c.kind = rule == "exclude_event" ? CriterionKind::kExcludeEvent : CriterionKind::kRequireEvent;
    c.event = resolve_event(m, rule, events);
    if (!m.has("window_days"))
      m.fail("window_days", fmt::format("is required with {} (days relative to the index date, "
                                        "inclusive, e.g. [-365, -1])",
                                        rule));
    const auto window = m.int_list("window_days", true);
    if (window.size() != 2)
      m.fail("window_days", "expects two numbers of days [from, to], e.g. [-365, -1]");
    for (auto v : window)
      if (v < -kMaxDays || v > kMaxDays)
        m.fail("window_days",
               fmt::format("must lie within [-{}, {}] days, got {}", kMaxDays, kMaxDays, v));
    if (window[0] > window[1])
      m.fail("window_days",
             fmt::format("[{}, {}] is empty: from must not exceed to", window[0], window[1]));
    c.window_from = window[0];
    c.window_to = window[1];
  } else {
    c.kind = CriterionKind::kExcludeDeadBeforeIndex;
    if (!m.optional_bool("exclude_dead_before_index", false))
      m.fail("exclude_dead_before_index", "only true is meaningful: remove the criterion instead");
  }
  m.finish();
  return c;
}

}  // namespace

CohortJobConfig read_cohort_config(ConfigMap& config) {
  CohortJobConfig out;
  out.config_file = config.file();
  const auto job = config.optional_string("job");
  if (job && *job != "cohort") config.fail("job", "expected cohort");
  out.store = resolve_path(config, config.required_string("store"));
  out.output = resolve_path(config, config.required_string("output"));
  CohortSpec& spec = out.spec;

  ConfigMap study = config.required_map("study");
  spec.study_start = study.required_date("start");
  spec.study_end = study.required_date("end");
  if (spec.study_end < spec.study_start)
    study.fail("end",
               fmt::format("is before study.start ({} < {})", format_iso_date(spec.study_end),
                           format_iso_date(spec.study_start)));
  study.finish();

  ConfigMap events = config.required_map("events");
  for (const auto& name : events.keys()) spec.events.push_back(read_event(events, name));
  if (spec.events.empty()) events.fail("", "defines no event");
  events.finish();

  ConfigMap index = config.required_map("index");
  spec.index_event = resolve_event(index, "event", spec.events);
  spec.washout_days = index.optional_int("washout_days", 0, 0, kMaxDays);
  index.finish();

  if (config.has("criteria")) {
    const YAML::Node list = config.node()["criteria"];
    if (!list.IsSequence())
      config.fail("criteria",
                  "expected a list of criteria, e.g. - {name: adult, age_at_index: {min: 18}}");
    auto file = std::make_shared<const std::string>(config.file());
    std::set<std::string> names;
    for (size_t i = 0; i < list.size(); ++i) {
      ConfigMap item(list[i], file, fmt::format("criteria[{}]", i));
      if (!list[i].IsMap())
        item.fail(
            "",
            "expected a map with a name and one rule, e.g. {name: adult, age_at_index: {min: 18}}");
      spec.criteria.push_back(read_criterion(item, spec.events, names));
    }
  }

  if (auto outcome = config.optional_map("outcome")) {
    spec.outcome_event = resolve_event(*outcome, "event", spec.events);
    outcome->finish();
  }
  config.finish();
  return out;
}

boost::json::object cohort_config_to_json(const CohortJobConfig& config) {
  boost::json::object o;
  o["job"] = "cohort";
  o["store"] = config.store;
  o["output"] = config.output;
  for (auto& [k, v] : cohort_spec_to_json(config.spec)) o[k] = v;
  return o;
}

}  // namespace snds
