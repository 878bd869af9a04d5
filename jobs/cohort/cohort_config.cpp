// The cohort config grammar (docs/cohort.md is its reference):
//   job: cohort, store, output, study {start, end},
//   events {NAME: {source: dispensing|hospital_stay|claim, atc, cip13, icd10, positions, nature}},
//   index {event, washout_days}, criteria [{name, one rule}], outcome {event} (optional),
//   and the study designs: exposure, follow_up, censor, loss_to_follow_up, outcomes,
//   clean_window_days, incidence, baseline, index_codes, disclosure {min_patients}.
#include "jobs/cohort/cohort_config.hpp"

#include <algorithm>
#include <memory>
#include <set>
#include <tuple>

#include <fmt/format.h>

#include "core/error.hpp"
#include "jobs/config_codes.hpp"

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
constexpr uint32_t bit(CohortSource s) {
  return 1u << static_cast<unsigned>(s);
}

std::string owners_text(uint32_t owners) {
  std::string text;
  for (unsigned s = 0; s < 32; ++s) {
    if (!(owners >> s & 1)) continue;
    if (!text.empty()) text += ", ";
    text += cohort_source_name(static_cast<CohortSource>(s));
  }
  return text;
}

void reject_foreign_keys(ConfigMap& m, CohortSource source) {
  struct Foreign {
    const char* key;
    uint32_t owners;
  };
  using S = CohortSource;
  static constexpr Foreign kKeys[] = {
      {"atc", bit(S::kDispensing)},
      {"cip13", bit(S::kDispensing)},
      {"icd10", bit(S::kHospitalStay) | bit(S::kAld) | bit(S::kDeath)},
      {"positions", bit(S::kHospitalStay)},
      {"nature", bit(S::kClaim)},
      {"ald", bit(S::kAld)},
      {"ccam", bit(S::kAct)},
      {"settings", bit(S::kAct)},
      {"nabm", bit(S::kLab)},
      {"sources", bit(S::kDeath)},
      {"causes", bit(S::kDeath)}};
  for (const auto& f : kKeys)
    if (!(f.owners & bit(source)) && m.node()[f.key].IsDefined())
      m.fail(f.key, fmt::format("applies to {} events only, and this event's source is {}",
                                owners_text(f.owners), cohort_source_name(source)));
}

std::string join_names(const std::vector<std::string>& names) {
  std::string text;
  for (size_t i = 0; i < names.size(); ++i) text += (i ? ", " : "") + names[i];
  return text;
}

// A list of named choices as bits: each item one of `names` (bit i for names[i]); the default
// `all` when the key is absent.
uint8_t choice_bits(ConfigMap& m, const std::string& key, const std::vector<std::string>& names,
                    uint8_t all) {
  if (!m.has(key)) return all;
  const auto items = m.string_list(key, true);
  if (items.empty()) m.fail(key, "needs at least one of " + join_names(names));
  uint8_t bits = 0;
  for (const auto& v : items) {
    auto it = std::find(names.begin(), names.end(), v);
    if (it == names.end()) {
      const std::string hint = closest_match(v, names);
      m.fail(key, fmt::format("'{}' is not one of {}{}", v, join_names(names),
                              hint.empty() ? "" : " (did you mean '" + hint + "'?)"));
    }
    bits |= static_cast<uint8_t>(1u << (it - names.begin()));
  }
  return bits;
}

EventDefinition read_event(ConfigMap& events, const std::string& name,
                           std::vector<std::string>& warnings) {
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
  } else if (source == "ald") {
    def.source = CohortSource::kAld;
  } else if (source == "act") {
    def.source = CohortSource::kAct;
  } else if (source == "lab") {
    def.source = CohortSource::kLab;
  } else if (source == "death") {
    def.source = CohortSource::kDeath;
  } else {
    const std::string hint = closest_match(
        source, {"dispensing", "hospital_stay", "claim", "ald", "act", "lab", "death"});
    m.fail("source",
           fmt::format("must be dispensing, hospital_stay, claim, ald, act, lab or death, got "
                       "'{}'{}",
                       source, hint.empty() ? "" : " (did you mean '" + hint + "'?)"));
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
      warn_unknown_codes(m, "icd10", CodeSystem::kIcd10, def.icd10, true, warnings);
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
    case CohortSource::kAld: {
      def.icd10 = code_list(m, "icd10", "E11");
      def.ald = m.int_list("ald", false);
      if (m.has("ald") && def.ald.empty()) m.fail("ald", "needs at least one IMB_ALD_NUM value");
      warn_unknown_codes(m, "icd10", CodeSystem::kIcd10, def.icd10, true, warnings);
      warn_unknown_codes(m, "ald", CodeSystem::kAld, def.ald, warnings);
      break;
    }
    case CohortSource::kAct: {
      def.ccam = code_list(m, "ccam", "NEKA");
      warn_unknown_codes(m, "ccam", CodeSystem::kCcam, def.ccam, true, warnings);
      def.settings = choice_bits(m, "settings", {"dcir", "pmsi"}, 3);
      break;
    }
    case CohortSource::kLab: {
      def.nabm = m.int_list("nabm", false);
      if (m.has("nabm") && def.nabm.empty()) m.fail("nabm", "needs at least one NABM code");
      warn_unknown_codes(m, "nabm", CodeSystem::kNabm, def.nabm, warnings);
      break;
    }
    case CohortSource::kDeath: {
      def.icd10 = code_list(m, "icd10", "I21");
      warn_unknown_codes(m, "icd10", CodeSystem::kIcd10, def.icd10, true, warnings);
      def.death_sources = choice_bits(m, "sources", {"ir_ben_r", "causes", "pmsi"}, 7);
      if (m.has("causes")) {
        const std::string causes = m.required_string("causes");
        if (causes != "initial" && causes != "any")
          m.fail("causes", fmt::format("must be initial or any, got '{}'", causes));
        def.any_cause = causes == "any";
      }
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

std::vector<size_t> event_list(ConfigMap& m, const std::string& key,
                               const std::vector<EventDefinition>& events) {
  const auto names = m.string_list(key, true);
  if (names.empty()) m.fail(key, "needs at least one event name");
  std::vector<size_t> ids;
  for (const auto& name : names) {
    auto it = std::find_if(events.begin(), events.end(),
                           [&](const EventDefinition& e) { return e.name == name; });
    if (it == events.end()) {
      std::vector<std::string> all;
      for (const auto& e : events) all.push_back(e.name);
      const std::string hint = closest_match(name, all);
      m.fail(key, fmt::format("unknown event '{}'{}; the events: section defines {}", name,
                              hint.empty() ? "" : " (did you mean '" + hint + "'?)",
                              fmt::join(all, ", ")));
    }
    const auto id = static_cast<size_t>(it - events.begin());
    if (std::find(ids.begin(), ids.end(), id) != ids.end())
      m.fail(key, fmt::format("'{}' is listed twice", name));
    ids.push_back(id);
  }
  return ids;
}

std::pair<int64_t, int64_t> day_window(ConfigMap& m, const std::string& key) {
  const auto window = m.int_list(key, true);
  if (window.size() != 2) m.fail(key, "expects two numbers of days [from, to], e.g. [-365, 0]");
  for (auto v : window)
    if (v < -kMaxDays || v > kMaxDays)
      m.fail(key, fmt::format("must lie within [-{}, {}] days, got {}", kMaxDays, kMaxDays, v));
  if (window[0] > window[1])
    m.fail(key, fmt::format("[{}, {}] is empty: from must not exceed to", window[0], window[1]));
  return {window[0], window[1]};
}

// The study-design keys (docs/cohort.md "Study designs"), after index, criteria and outcome.
void read_designs(ConfigMap& config, CohortSpec& spec) {
  const auto& events = spec.events;
  if (auto e = config.optional_map("exposure")) {
    if (events[spec.index_event].source != CohortSource::kDispensing)
      e->fail("", fmt::format("builds periods from the index event's dispensings, and index "
                              "event '{}' is a {} event",
                              events[spec.index_event].name,
                              cohort_source_name(events[spec.index_event].source)));
    ExposureSpec x;
    if (auto mp = e->optional_map("min_purchases")) {
      for (const char* k : {"days_per_box", "grace_days", "stockpile"})
        if (e->node()[k].IsDefined())
          e->fail(k,
                  "does not apply with min_purchases (exposed from the n-th purchase to "
                  "study.end)");
      if (!mp->has("count")) mp->fail("count", "is required (purchases, e.g. 2)");
      if (!mp->has("within_days")) mp->fail("within_days", "is required (days, e.g. 180)");
      x.min_purchases = mp->optional_int("count", 2, 1, 1000);
      x.within_days = mp->optional_int("within_days", 0, 0, kMaxDays);
      mp->finish();
    } else {
      x.days_per_box = e->optional_int("days_per_box", 0, 1, 3650);
      x.grace_days = e->optional_int("grace_days", 0, 0, kMaxDays);
      x.stockpile = e->optional_bool("stockpile", false);
    }
    e->finish();
    spec.exposure = x;
  }
  if (auto f = config.optional_map("follow_up")) {
    const std::string end = f->optional_string("end").value_or("study_end");
    if (end == "exposure_end") {
      if (!spec.exposure)
        f->fail("end", "exposure_end needs an exposure: section (how periods are built)");
      if (spec.exposure->min_purchases > 0)
        f->fail("end",
                "exposure_end needs periods that end: min_purchases exposures last to "
                "study.end");
      spec.follow_up_end = FollowUpEnd::kExposureEnd;
    } else if (end != "study_end") {
      f->fail("end", fmt::format("must be exposure_end or study_end, got '{}'", end));
    }
    spec.lag_days = f->optional_int("lag_days", 0, 0, kMaxDays);
    if (spec.lag_days != 0 && spec.follow_up_end != FollowUpEnd::kExposureEnd)
      f->fail("lag_days", "applies to end: exposure_end only");
    f->finish();
  }
  if (config.has("censor")) {
    spec.censor = event_list(config, "censor", events);
    if (spec.censor.size() > 255) config.fail("censor", "lists more than 255 events");
  }
  if (auto l = config.optional_map("loss_to_follow_up")) {
    if (!l->has("no_claim_days")) l->fail("no_claim_days", "is required (days, e.g. 120)");
    spec.no_claim_days = l->optional_int("no_claim_days", 0, 1, kMaxDays);
    l->finish();
  }
  if (auto outs = config.optional_map("outcomes")) {
    for (const auto& name : outs->keys()) {
      if (!is_name(name))
        outs->fail(name, "an outcome name uses letters, digits, '_', '-' and '.' only");
      if (name == "outcome" || name == "index" || name == "end")
        outs->fail(name, fmt::format("'{}_date' is already a column of cohort.csv: choose "
                                     "another name",
                                     name));
      if (spec.outcome_event && events[*spec.outcome_event].name == name)
        outs->fail(name, "is the name of the outcome: event, which incidence.csv already uses");
      ConfigMap o = outs->required_map(name);
      NamedOutcome out;
      out.name = name;
      std::vector<std::string> forms;
      for (const char* k : {"event", "any_of", "all_of"})
        if (o.has(k)) forms.emplace_back(k);
      if (forms.size() != 1) {
        o.finish();
        o.fail("", "needs exactly one of event, any_of, all_of");
      }
      out.form = forms[0];
      if (out.form == "event") {
        out.events = {resolve_event(o, "event", events)};
      } else {
        out.events = event_list(o, out.form, events);
        out.all_of = out.form == "all_of";
      }
      if (out.all_of) {
        if (!o.has("days"))
          o.fail("days", "is required with all_of (the events all fall within that many days)");
        out.days = o.optional_int("days", 0, 0, kMaxDays);
      } else if (o.node()["days"].IsDefined()) {
        o.fail("days", "applies to all_of only");
      }
      o.finish();
      spec.outcomes.push_back(std::move(out));
    }
    outs->finish();
    if (spec.outcomes.empty()) outs->fail("", "defines no outcome");
    if (spec.outcomes.size() + (spec.outcome_event ? 1 : 0) > kMaxOutcomes)
      outs->fail("", fmt::format("a study follows at most {} outcomes", kMaxOutcomes));
  }
  if (config.has("clean_window_days")) {
    if (!spec.outcome_event && spec.outcomes.empty())
      config.fail("clean_window_days", "needs an outcome: or outcomes: section");
    spec.clean_window_days = config.optional_int("clean_window_days", 0, 1, kMaxDays);
  }
  if (auto inc = config.optional_map("incidence")) {
    if (!spec.outcome_event && spec.outcomes.empty())
      inc->fail("", "needs an outcome: or outcomes: section (the events counted)");
    IncidenceSpec x;
    x.per = inc->optional_int("per", 1000, 1, 1000000000);
    if (inc->has("strata"))
      for (const auto& s : inc->string_list("strata", true)) {
        IncidenceStratum st;
        if (s == "sex")
          st = IncidenceStratum::kSex;
        else if (s == "age_band")
          st = IncidenceStratum::kAgeBand;
        else if (s == "year")
          st = IncidenceStratum::kYear;
        else
          inc->fail("strata", fmt::format("'{}' is not a stratum: use sex, age_band or year", s));
        if (std::find(x.strata.begin(), x.strata.end(), st) != x.strata.end())
          inc->fail("strata", fmt::format("'{}' is listed twice", s));
        x.strata.push_back(st);
      }
    inc->finish();
    spec.incidence = x;
  }
  if (auto b = config.optional_map("baseline")) {
    BaselineSpec x;
    if (b->has("window_days")) std::tie(x.window_from, x.window_to) = day_window(*b, "window_days");
    if (b->has("covariates"))
      for (const auto& c : b->string_list("covariates", true)) {
        bool* flag = c == "sex"          ? &x.sex
                     : c == "age_band"   ? &x.age_band
                     : c == "atc"        ? &x.atc
                     : c == "dp_chapter" ? &x.dp_chapter
                     : c == "stays"      ? &x.stays
                     : c == "drugs"      ? &x.drugs
                                         : nullptr;
        if (!flag)
          b->fail("covariates",
                  fmt::format("'{}' is not a covariate: use sex, age_band, atc, dp_chapter, "
                              "stays or drugs (named events go under baseline.events)",
                              c));
        if (*flag) b->fail("covariates", fmt::format("'{}' is listed twice", c));
        *flag = true;
        x.covariates.push_back(c);
      }
    x.atc_level = static_cast<int>(b->optional_int("atc_level", 3, 1, 5));
    if (b->has("events")) x.events = event_list(*b, "events", events);
    if (x.covariates.empty() && x.events.empty()) b->fail("", "needs covariates and/or events");
    b->finish();
    spec.baseline = x;
  }
  spec.index_codes = config.optional_bool("index_codes", false);
  if (auto d = config.optional_map("disclosure")) {
    spec.min_patients = d->optional_int("min_patients", 10, 1, INT32_MAX);
    d->finish();
  }
}

}  // namespace

CohortJobConfig read_cohort_config(ConfigMap& config) {
  CohortJobConfig out;
  static_cast<StoreJobConfig&>(out) = read_store_job_keys(config, "cohort");
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
  for (const auto& name : events.keys())
    spec.events.push_back(read_event(events, name, out.warnings));
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
  read_designs(config, spec);
  config.finish();
  return out;
}

boost::json::object cohort_config_to_json(const CohortJobConfig& config) {
  boost::json::object o;
  o["job"] = "cohort";
  o["store"] = config.store;
  o["output"] = config.output;
  o["dcir_rules"] = dcir_rules_json(config.dcir_rules);
  for (auto& [k, v] : cohort_spec_to_json(config.spec)) o[k] = v;
  return o;
}

}  // namespace snds
