// Parsing and validating the generate options (see generate_options.hpp).
#include "jobs/generate/generate_options.hpp"

#include <charconv>
#include <cmath>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "runtime/config.hpp"

namespace snds {
namespace {

bool parse_double(std::string_view s, double& out) {
  if (s.empty()) return false;
  const char* end = s.data() + s.size();
  auto [p, ec] = std::from_chars(s.data(), end, out);
  return ec == std::errc() && p == end && std::isfinite(out);
}

bool parse_int(std::string_view s, int& out) {
  if (s.empty()) return false;
  const char* end = s.data() + s.size();
  auto [p, ec] = std::from_chars(s.data(), end, out);
  return ec == std::errc() && p == end;
}

}  // namespace

std::pair<int, int> parse_years(std::string_view text) {
  int first = 0, last = 0;
  const size_t dash = text.find('-');
  const bool ok = dash == std::string_view::npos ? parse_int(text, first) && (last = first, true)
                                                 : parse_int(text.substr(0, dash), first) &&
                                                       parse_int(text.substr(dash + 1), last);
  if (!ok)
    throw usage_error("generate: --years expects YEAR or FIRST-LAST (e.g. 2019-2022), got '{}'",
                      text);
  if (first < synth::kMinYear || last > synth::kMaxYear || first > last)
    throw usage_error(
        "generate: --years must be a range within {}-{} (PMSI tables carry a two-digit year), got "
        "'{}'",
        synth::kMinYear, synth::kMaxYear, text);
  return {first, last};
}

synth::QuirkSettings parse_quirks(std::string_view spec) {
  using synth::QuirkSettings;
  QuirkSettings s = QuirkSettings::defaults();
  std::vector<std::string> names = {"none", "all"};
  for (const auto& q : synth::quirk_table()) names.emplace_back(q.name);
  size_t pos = 0;
  while (pos <= spec.size()) {
    size_t comma = spec.find(',', pos);
    if (comma == std::string_view::npos) comma = spec.size();
    const std::string_view item = spec.substr(pos, comma - pos);
    pos = comma + 1;
    if (item.empty()) continue;
    if (item == "none") {
      s = QuirkSettings::none();
      continue;
    }
    if (item == "all") {
      s = QuirkSettings::defaults();
      continue;
    }
    const size_t eq = item.find('=');
    const std::string_view name = item.substr(0, eq);
    const synth::QuirkInfo* info = nullptr;
    for (const auto& q : synth::quirk_table())
      if (q.name == name) info = &q;
    if (!info) {
      const std::string hint = closest_match(name, names);
      if (!hint.empty())
        throw usage_error("generate: unknown quirk '{}' in --quirks (did you mean '{}'?)", name,
                          hint);
      throw usage_error("generate: unknown quirk '{}' in --quirks (see docs/generator.md)", name);
    }
    double rate = info->default_rate;
    if (eq != std::string_view::npos) {
      const std::string_view value = item.substr(eq + 1);
      if (!parse_double(value, rate) || rate < 0 || rate > 1)
        throw usage_error("generate: quirk {} in --quirks needs a rate between 0 and 1, got '{}'",
                          name, value);
    }
    s.set(info->quirk, rate);
    if (comma == spec.size()) break;
  }
  return s;
}

GenerateRequest parse_generate_args(const Args& args) {
  GenerateRequest r;
  args.required("patients");
  r.options.patients = static_cast<uint64_t>(args.int_option("patients", 0, 1, int64_t{1} << 40));
  const std::string seed = args.required("seed");
  {
    int64_t v = 0;
    const char* end = seed.data() + seed.size();
    auto [p, ec] = std::from_chars(seed.data(), end, v);
    if (ec != std::errc() || p != end) {
      uint64_t u = 0;
      auto [p2, ec2] = std::from_chars(seed.data(), end, u);
      if (ec2 != std::errc() || p2 != end)
        throw usage_error("generate: --seed expects an integer, got '{}'", seed);
      r.options.seed = u;
    } else {
      r.options.seed = static_cast<uint64_t>(v);
    }
  }
  r.out = args.required("out");
  if (auto y = args.option("years"))
    std::tie(r.options.first_year, r.options.last_year) = parse_years(*y);
  r.options.quirks = parse_quirks(args.option("quirks").value_or(""));
  if (auto scale = args.option("quirk-rate")) {
    double x = 0;
    if (!parse_double(*scale, x) || x < 0)
      throw usage_error("generate: --quirk-rate expects a non-negative number, got '{}'", *scale);
    r.options.quirks = r.options.quirks.scaled(x);
  }
  if (args.flag("gzip")) r.options.quirks.set(synth::Quirk::kGzip, 1.0);
  r.options.care_tables = args.flag("care-tables");
  if (args.option("part-patients"))
    r.options.part_patients =
        static_cast<uint64_t>(args.int_option("part-patients", 0, 1, int64_t{1} << 40));
  if (r.options.part_patients) {
    const uint64_t parts =
        (r.options.patients + r.options.part_patients - 1) / r.options.part_patients;
    if (parts > kMaxGenerateParts)
      throw usage_error(
          "generate: --part-patients {} cuts {} patients into {} parts, more than {} (files per "
          "table): raise --part-patients",
          r.options.part_patients, r.options.patients, parts, kMaxGenerateParts);
  }
  const std::string format = args.option("format").value_or("csv");
  if (format != "csv" && format != "sas7bdat")
    throw usage_error("generate: --format expects csv or sas7bdat, got '{}'", format);
  r.sas7bdat = format == "sas7bdat";
  if (r.sas7bdat && args.flag("gzip"))
    throw usage_error("generate: --gzip applies to CSV files, not to --format sas7bdat");
  return r;
}

}  // namespace snds
