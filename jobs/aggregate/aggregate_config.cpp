// The aggregate config's keys:
//   job: aggregate, store, output, source, period {start, end}, filter {atc | icd10, positions |
//   ald | ccam, settings | nabm | sources, causes},
//   flux {until | months_after_period}, group_by, measures, totals,
//   disclosure {min_patients, secondary}.
#include "jobs/aggregate/aggregate_config.hpp"

#include "jobs/config_codes.hpp"

#include <algorithm>
#include <set>

#include <fmt/format.h>

#include "core/aggregate/disclosure.hpp"

namespace snds {
namespace {

std::string did_you_mean(const std::string& word, const std::vector<std::string>& candidates) {
  const std::string close = closest_match(word, candidates);
  return close.empty() ? std::string() : fmt::format(" (did you mean '{}'?)", close);
}

std::string joined(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : ", ") + s;
  return out;
}

// Code prefixes as stored in the SNDS: upper-case letters and digits, ICD-10 without its dot.
std::vector<std::string> code_prefixes(ConfigMap& map, const std::string& key, const char* what) {
  std::vector<std::string> codes = map.string_list(key, true);
  if (codes.empty()) map.fail(key, fmt::format("needs at least one {} code prefix", what));
  for (const auto& c : codes) {
    if (c.empty()) map.fail(key, fmt::format("holds an empty {} code", what));
    for (const char ch : c)
      if (!((ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9')))
        map.fail(key,
                 fmt::format("'{}' is not a {} code prefix: upper-case letters and digits only, "
                             "as stored in the SNDS (I214, not I21.4)",
                             c, what));
  }
  return codes;
}

void read_filter(ConfigMap& config, AggregateSpec& spec, std::vector<std::string>& warnings) {
  auto filter = config.optional_map("filter");
  if (!filter) return;
  const std::string source(source_name(spec.source));
  if (filter->has("atc")) {
    if (spec.source != ExtractorKind::kDispensing)
      filter->fail("atc",
                   "applies to source dispensing only, not " + source + " (use icd10 for stays)");
    spec.atc_filter = code_prefixes(*filter, "atc", "ATC");
  }
  if (filter->has("icd10")) {
    if (spec.source != ExtractorKind::kHospitalStay && spec.source != ExtractorKind::kAld &&
        spec.source != ExtractorKind::kDeath)
      filter->fail("icd10", "applies to sources hospital_stay, ald and death only, not " + source);
    spec.icd10_filter = code_prefixes(*filter, "icd10", "ICD-10");
    warn_unknown_codes(*filter, "icd10", CodeSystem::kIcd10, spec.icd10_filter, true, warnings);
  }
  auto only_for = [&](const char* key, ExtractorKind owner) {
    if (!filter->has(key)) return false;
    if (spec.source != owner)
      filter->fail(key,
                   fmt::format("applies to source {} only, not {}", source_name(owner), source));
    return true;
  };
  auto codes = [&](const char* key, const char* what) {
    auto v = filter->int_list(key, true);
    if (v.empty()) filter->fail(key, fmt::format("needs at least one {} code", what));
    return v;
  };
  // Named choices as bits (bit i for names[i]).
  auto choices = [&](const char* key, const std::vector<std::string>& names) {
    const auto items = filter->string_list(key, true);
    if (items.empty()) filter->fail(key, "needs at least one of " + joined(names));
    uint8_t bits = 0;
    for (const auto& v : items) {
      auto it = std::find(names.begin(), names.end(), v);
      if (it == names.end())
        filter->fail(
            key, fmt::format("'{}' is not one of {}{}", v, joined(names), did_you_mean(v, names)));
      bits |= static_cast<uint8_t>(1u << (it - names.begin()));
    }
    return bits;
  };
  if (only_for("ald", ExtractorKind::kAld)) {
    spec.ald_filter = codes("ald", "IMB_ALD_NUM");
    warn_unknown_codes(*filter, "ald", CodeSystem::kAld, spec.ald_filter, warnings);
  }
  if (only_for("ccam", ExtractorKind::kAct)) {
    spec.ccam_filter = code_prefixes(*filter, "ccam", "CCAM");
    warn_unknown_codes(*filter, "ccam", CodeSystem::kCcam, spec.ccam_filter, true, warnings);
  }
  if (only_for("settings", ExtractorKind::kAct))
    spec.act_settings = choices("settings", {"dcir", "pmsi"});
  if (only_for("nabm", ExtractorKind::kLab)) {
    spec.nabm_filter = codes("nabm", "NABM");
    warn_unknown_codes(*filter, "nabm", CodeSystem::kNabm, spec.nabm_filter, warnings);
  }
  if (only_for("sources", ExtractorKind::kDeath))
    spec.death_sources = choices("sources", {"ir_ben_r", "causes", "pmsi"});
  if (only_for("causes", ExtractorKind::kDeath)) {
    const std::string causes = filter->required_string("causes");
    if (causes != "initial" && causes != "any")
      filter->fail("causes", fmt::format("must be initial or any, got '{}'", causes));
    spec.any_cause = causes == "any";
  }
  if (filter->has("positions")) {
    if (spec.source != ExtractorKind::kHospitalStay)
      filter->fail("positions", "applies to source hospital_stay only, not " + source);
    if (spec.icd10_filter.empty()) filter->fail("positions", "needs an icd10 list beside it");
    spec.positions = StayPositions{false, false, false};
    const auto positions = filter->string_list("positions", true);
    if (positions.empty()) filter->fail("positions", "needs at least one of DP, DR, DAS");
    for (const auto& p : positions) {
      if (p == "DP")
        spec.positions.dp = true;
      else if (p == "DR")
        spec.positions.dr = true;
      else if (p == "DAS")
        spec.positions.das = true;
      else
        filter->fail("positions",
                     fmt::format("'{}' is not a diagnosis position: DP, DR or DAS", p));
    }
  }
  filter->finish();
}

// The DCIR processing cut-off: FLX_DIS_DTD on or before `until`, or before the end of the month
// `months_after_period` months after the period's end.
void read_flux(ConfigMap& config, AggregateSpec& spec) {
  auto flux = config.optional_map("flux");
  if (!flux) return;
  const std::string source(source_name(spec.source));
  if (spec.source == ExtractorKind::kHospitalStay)
    config.fail("flux", "applies to DCIR sources (dispensing, claim), not " + source +
                            " (PMSI stays have no FLX_DIS_DTD)");
  const bool until = flux->has("until");
  const bool months = flux->has("months_after_period");
  if (until == months)
    config.fail("flux", "needs exactly one of until (a date) or months_after_period (a count)");
  if (until) {
    spec.flux_until = flux->required_date("until");
  } else {
    if (!spec.period_end)
      flux->fail("months_after_period", "needs a period (it counts from period.end)");
    const int64_t n = flux->optional_int("months_after_period", 0, 0, 1200);
    const CivilDate end = civil_from_days(*spec.period_end);
    const int64_t month = int64_t{end.year} * 12 + end.month - 1 + n + 1;  // the month after
    spec.flux_until =
        days_from_civil(static_cast<int>(month / 12), static_cast<unsigned>(month % 12 + 1), 1) - 1;
    spec.flux_months_after_period = n;
  }
  flux->finish();
}

}  // namespace

AggregateJobConfig read_aggregate_config(ConfigMap& config) {
  AggregateJobConfig out;
  static_cast<StoreJobConfig&>(out) = read_store_job_keys(config, "aggregate");

  AggregateSpec& spec = out.spec;
  const std::string source = config.required_string("source");
  const auto parsed = parse_source(source);
  if (!parsed)
    config.fail("source", fmt::format("must be one of {}, got '{}'{}", joined(all_source_names()),
                                      source, did_you_mean(source, all_source_names())));
  spec.source = *parsed;

  if (auto period = config.optional_map("period")) {
    spec.period_start = period->required_date("start");
    spec.period_end = period->required_date("end");
    if (*spec.period_end < *spec.period_start)
      period->fail(
          "end", fmt::format("is before period.start ({} < {})", format_iso_date(*spec.period_end),
                             format_iso_date(*spec.period_start)));
    period->finish();
  }

  // ALD periods may still be open: counting them needs both ends of a period.
  if (spec.source == ExtractorKind::kAld && !spec.period_start)
    config.fail("period", "is required with source ald (open ALD periods need an end to count to)");

  read_filter(config, spec, out.warnings);

  if (!config.has("group_by"))
    config.fail("group_by", "is required (a list of dimensions, [] for one total row)");
  std::set<std::string> seen;
  for (const auto& name : config.string_list("group_by", false)) {
    const auto d = parse_dimension(name);
    if (!d)
      config.fail("group_by", fmt::format("'{}' is not a dimension{}; dimensions: {}", name,
                                          did_you_mean(name, all_dimension_names()),
                                          joined(all_dimension_names())));
    if (!dimension_applies(*d, spec.source))
      config.fail("group_by", fmt::format("dimension {} does not apply to source {} (only to {})",
                                          name, source, dimension_sources(*d)));
    if (!seen.insert(name).second) config.fail("group_by", fmt::format("lists {} twice", name));
    spec.group_by.push_back(*d);
  }

  seen.clear();
  const auto measures = config.string_list("measures", true);
  if (measures.empty()) config.fail("measures", "needs at least one measure");
  for (const auto& name : measures) {
    const auto m = parse_measure(name);
    if (!m)
      config.fail("measures", fmt::format("'{}' is not a measure{}; measures: {}", name,
                                          did_you_mean(name, all_measure_names()),
                                          joined(all_measure_names())));
    if (!measure_applies(*m, spec.source))
      config.fail("measures", fmt::format("measure {} does not apply to source {} (only to {})",
                                          name, source, measure_sources(*m)));
    if (!seen.insert(name).second) config.fail("measures", fmt::format("lists {} twice", name));
    spec.measures.push_back(*m);
  }

  spec.totals = config.optional_bool("totals", false);
  if (spec.totals && spec.group_by.size() > 16)
    config.fail("totals", "needs at most 16 group columns (margins grow as 2^columns)");

  spec.min_patients = kDefaultMinPatients;
  if (auto disclosure = config.optional_map("disclosure")) {
    spec.min_patients = disclosure->optional_int("min_patients", kDefaultMinPatients, 1, INT32_MAX);
    spec.secondary = disclosure->optional_bool("secondary", false);
    if (spec.secondary && !spec.totals)
      disclosure->fail("secondary",
                       "needs totals: true (secondary suppression protects the margin rows this "
                       "table publishes; without margins there is nothing to recompute from)");
    disclosure->finish();
  }

  read_flux(config, spec);
  config.finish();
  return out;
}

boost::json::object aggregate_config_to_json(const AggregateJobConfig& config) {
  const AggregateSpec& spec = config.spec;
  boost::json::object o;
  o["job"] = "aggregate";
  o["store"] = config.store;
  o["output"] = config.output;
  o["dcir_rules"] = dcir_rules_json(config.dcir_rules);
  o["source"] = source_name(spec.source);
  if (spec.period_start)
    o["period"] = {{"start", format_iso_date(*spec.period_start)},
                   {"end", format_iso_date(*spec.period_end)}};
  else
    o["period"] = nullptr;
  boost::json::object filter;
  auto list = [](const std::vector<std::string>& v) {
    boost::json::array a;
    for (const auto& s : v) a.emplace_back(s);
    return a;
  };
  if (!spec.atc_filter.empty()) filter["atc"] = list(spec.atc_filter);
  if (!spec.icd10_filter.empty() && spec.source != ExtractorKind::kHospitalStay)
    filter["icd10"] = list(spec.icd10_filter);
  if (!spec.icd10_filter.empty() && spec.source == ExtractorKind::kHospitalStay) {
    filter["icd10"] = list(spec.icd10_filter);
    boost::json::array positions;
    if (spec.positions.dp) positions.emplace_back("DP");
    if (spec.positions.dr) positions.emplace_back("DR");
    if (spec.positions.das) positions.emplace_back("DAS");
    filter["positions"] = std::move(positions);
  }
  auto ints = [](const std::vector<int64_t>& v) {
    boost::json::array a;
    for (auto x : v) a.emplace_back(x);
    return a;
  };
  auto bits = [](uint8_t b, std::initializer_list<const char*> names) {
    boost::json::array a;
    int i = 0;
    for (auto n : names)
      if (b >> i++ & 1) a.emplace_back(n);
    return a;
  };
  switch (spec.source) {
    case ExtractorKind::kAld:
      if (!spec.ald_filter.empty()) filter["ald"] = ints(spec.ald_filter);
      break;
    case ExtractorKind::kAct:
      if (!spec.ccam_filter.empty()) filter["ccam"] = list(spec.ccam_filter);
      filter["settings"] = bits(spec.act_settings, {"dcir", "pmsi"});
      break;
    case ExtractorKind::kLab:
      if (!spec.nabm_filter.empty()) filter["nabm"] = ints(spec.nabm_filter);
      break;
    case ExtractorKind::kDeath:
      filter["sources"] = bits(spec.death_sources, {"ir_ben_r", "causes", "pmsi"});
      filter["causes"] = spec.any_cause ? "any" : "initial";
      break;
    default:
      break;
  }
  o["filter"] = std::move(filter);
  boost::json::array group_by, measures;
  for (const auto d : spec.group_by) group_by.emplace_back(dimension_name(d));
  for (const auto m : spec.measures) measures.emplace_back(measure_name(m));
  o["group_by"] = std::move(group_by);
  o["measures"] = std::move(measures);
  o["totals"] = spec.totals;
  o["disclosure"] = {{"min_patients", spec.min_patients}, {"secondary", spec.secondary}};
  if (spec.flux_until) {
    boost::json::object flux{{"until", format_iso_date(*spec.flux_until)}};
    if (spec.flux_months_after_period) flux["months_after_period"] = *spec.flux_months_after_period;
    o["flux"] = std::move(flux);
  } else {
    o["flux"] = nullptr;
  }
  return o;
}

}  // namespace snds
