// Names of sources, dimensions and measures, and which apply to which source.
#include "core/aggregate/aggregate_spec.hpp"

#include <algorithm>
#include <array>
#include <utility>

namespace snds {
namespace {

constexpr std::array<std::pair<ExtractorKind, std::string_view>, 7> kSources = {{
    {ExtractorKind::kDispensing, "dispensing"},
    {ExtractorKind::kHospitalStay, "hospital_stay"},
    {ExtractorKind::kClaim, "claim"},
    {ExtractorKind::kAld, "ald"},
    {ExtractorKind::kAct, "act"},
    {ExtractorKind::kLab, "lab"},
    {ExtractorKind::kDeath, "death"},
}};
constexpr std::array<std::pair<Dimension, std::string_view>, 21> kDimensions = {{
    {Dimension::kAtc, "atc"},
    {Dimension::kAtc1, "atc1"},
    {Dimension::kAtc2, "atc2"},
    {Dimension::kAtc3, "atc3"},
    {Dimension::kAtc4, "atc4"},
    {Dimension::kCip13, "cip13"},
    {Dimension::kMonth, "month"},
    {Dimension::kYear, "year"},
    {Dimension::kSex, "sex"},
    {Dimension::kAgeBand, "age_band"},
    {Dimension::kDepartment, "department"},
    {Dimension::kDp, "dp"},
    {Dimension::kAtc5, "atc5"},
    {Dimension::kRegion, "region"},
    {Dimension::kPrescriberSpecialty, "prescriber_specialty"},
    {Dimension::kGenericGroup, "generic_group"},
    {Dimension::kFluxMonth, "flux_month"},
    {Dimension::kCcam, "ccam"},
    {Dimension::kNabm, "nabm"},
    {Dimension::kAld, "ald"},
    {Dimension::kCause, "cause"},
}};
constexpr std::array<std::pair<Measure, std::string_view>, 6> kMeasures = {{
    {Measure::kLines, "lines"},
    {Measure::kBoxes, "boxes"},
    {Measure::kPatients, "patients"},
    {Measure::kAmount, "amount"},
    {Measure::kDays, "days"},
    {Measure::kBase, "base"},
}};

template <typename E, size_t N>
std::string_view name_of(const std::array<std::pair<E, std::string_view>, N>& table, E e) {
  for (const auto& [v, n] : table)
    if (v == e) return n;
  return "?";
}
template <typename E, size_t N>
std::optional<E> parse(const std::array<std::pair<E, std::string_view>, N>& table,
                       std::string_view s) {
  for (const auto& [v, n] : table)
    if (n == s) return v;
  return std::nullopt;
}
template <typename E, size_t N>
std::vector<std::string> names(const std::array<std::pair<E, std::string_view>, N>& table) {
  std::vector<std::string> out;
  for (const auto& [v, n] : table) out.emplace_back(n);
  return out;
}

template <typename F>
std::string sources_where(F applies) {
  std::string out;
  for (const auto& [s, n] : kSources) {
    if (!applies(s)) continue;
    if (!out.empty()) out += ", ";
    out += n;
  }
  return out;
}

}  // namespace

std::string_view source_name(ExtractorKind source) {
  return name_of(kSources, source);
}
std::string_view dimension_name(Dimension d) {
  return name_of(kDimensions, d);
}
std::string_view measure_name(Measure m) {
  return name_of(kMeasures, m);
}
std::optional<ExtractorKind> parse_source(std::string_view name) {
  return parse(kSources, name);
}
std::optional<Dimension> parse_dimension(std::string_view name) {
  return parse(kDimensions, name);
}
std::optional<Measure> parse_measure(std::string_view name) {
  return parse(kMeasures, name);
}
std::vector<std::string> all_source_names() {
  return names(kSources);
}
std::vector<std::string> all_dimension_names() {
  return names(kDimensions);
}
std::vector<std::string> all_measure_names() {
  return names(kMeasures);
}

bool dimension_applies(Dimension d, ExtractorKind source) {
  switch (d) {
    case Dimension::kAtc:
    case Dimension::kAtc1:
    case Dimension::kAtc2:
    case Dimension::kAtc3:
    case Dimension::kAtc4:
    case Dimension::kCip13:
    case Dimension::kAtc5:
    case Dimension::kPrescriberSpecialty:
    case Dimension::kGenericGroup:
      return source == ExtractorKind::kDispensing;
    case Dimension::kFluxMonth:
      return source == ExtractorKind::kDispensing || source == ExtractorKind::kClaim;
    case Dimension::kDp:
      return source == ExtractorKind::kHospitalStay;
    case Dimension::kCcam:
      return source == ExtractorKind::kAct;
    case Dimension::kNabm:
      return source == ExtractorKind::kLab;
    case Dimension::kAld:
      return source == ExtractorKind::kAld;
    case Dimension::kCause:
      return source == ExtractorKind::kDeath;
    case Dimension::kMonth:
    case Dimension::kYear:
    case Dimension::kSex:
    case Dimension::kAgeBand:
    case Dimension::kDepartment:
    case Dimension::kRegion:
      return true;
  }
  return false;
}

int hierarchy_level(Dimension d) {
  switch (d) {
    case Dimension::kAtc1:
      return 0;
    case Dimension::kAtc2:
      return 1;
    case Dimension::kAtc3:
      return 2;
    case Dimension::kAtc4:
      return 3;
    case Dimension::kAtc:
    case Dimension::kAtc5:
      return 4;
    case Dimension::kCip13:
      return 5;
    default:
      return -1;
  }
}

bool AggregateSpec::groups_by(Dimension d) const {
  return std::find(group_by.begin(), group_by.end(), d) != group_by.end();
}
bool AggregateSpec::measures_include(Measure m) const {
  return std::find(measures.begin(), measures.end(), m) != measures.end();
}

bool measure_applies(Measure m, ExtractorKind source) {
  switch (m) {
    case Measure::kLines:
    case Measure::kPatients:
      return true;
    case Measure::kBoxes:
      return source == ExtractorKind::kDispensing;
    case Measure::kAmount:
      return source == ExtractorKind::kDispensing || source == ExtractorKind::kClaim;
    case Measure::kBase:
      return source == ExtractorKind::kDispensing;
    case Measure::kDays:
      return source == ExtractorKind::kHospitalStay;
  }
  return false;
}

std::string dimension_sources(Dimension d) {
  return sources_where([d](ExtractorKind s) { return dimension_applies(d, s); });
}
std::string measure_sources(Measure m) {
  return sources_where([m](ExtractorKind s) { return measure_applies(m, s); });
}

}  // namespace snds
