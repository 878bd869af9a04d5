// `snds-batch run CONFIG.yaml` and `snds-batch validate CONFIG.yaml`: dispatch on the `job:` key.
// A config without `job:` but with `inputs:` is an ingest config (validate accepts it).
#include <fmt/format.h>

#include "core/error.hpp"
#include "core/events/dcir_rules.hpp"
#include "jobs/args.hpp"
#include "jobs/job_entry.hpp"

namespace snds {
namespace {

std::string config_argument(const std::string& command, const ArgList& argv, const ArgSpec& spec,
                            Args* out) {
  Args args(command, argv, spec);
  if (args.positionals().size() != 1)
    throw usage_error("{}: expected one config file (usage: snds-batch {} CONFIG.yaml)", command,
                      command);
  if (out) *out = args;
  return args.positionals()[0];
}

int dispatch(ConfigMap& config, CommandContext& ctx, const JobOptions& options, bool allow_ingest) {
  auto job = config.optional_string("job");
  if (!job) {
    if (allow_ingest && config.has("inputs")) return ingest_job(config, ctx, options);
    config.fail("job", allow_ingest
                           ? "is required (aggregate or cohort; an ingest config has inputs:)"
                           : "is required (aggregate or cohort)");
  }
  if (*job == "aggregate") return aggregate_job(config, ctx, options);
  if (*job == "cohort") return cohort_job(config, ctx, options);
  config.fail("job", "must be aggregate or cohort, got '" + *job + "'");
}

}  // namespace

StoreJobConfig read_store_job_keys(ConfigMap& config, const std::string& job) {
  const auto key = config.optional_string("job");
  if (key && *key != job) config.fail("job", "must be " + job + ", got '" + *key + "'");
  StoreJobConfig out;
  out.config_file = config.file();
  out.store = resolve_path(config, config.required_string("store"));
  out.output = resolve_path(config, config.required_string("output"));
  static_assert(kAllDcirRules == 3, "StoreJobConfig::dcir_rules defaults to every rule");
  if (config.has("dcir_rules") && config.node()["dcir_rules"].IsSequence()) {
    out.dcir_rules = 0;
    const std::vector<std::string> names{dcir_rule_name(kRuleMajorations),
                                         dcir_rule_name(kRulePublicHospital)};
    for (const auto& name : config.string_list("dcir_rules", false)) {
      if (name == names[0]) {
        out.dcir_rules |= kRuleMajorations;
      } else if (name == names[1]) {
        out.dcir_rules |= kRulePublicHospital;
      } else {
        const std::string close = closest_match(name, names);
        config.fail("dcir_rules",
                    fmt::format("'{}' is not a DCIR rule{}; rules: majorations, public_hospital",
                                name, close.empty() ? "" : " (did you mean '" + close + "'?)"));
      }
    }
  } else {
    out.dcir_rules = config.optional_bool("dcir_rules", true) ? kAllDcirRules : 0;
  }
  return out;
}

boost::json::array dcir_rules_json(uint8_t rules) {
  boost::json::array out;
  for (auto rule : {kRuleMajorations, kRulePublicHospital})
    if (rules & rule) out.emplace_back(dcir_rule_name(rule));
  return out;
}

int run_command(const ArgList& argv, CommandContext& ctx) {
  const std::string path = config_argument("run", argv, ArgSpec{}, nullptr);
  ConfigMap config = load_config(path);
  return dispatch(config, ctx, JobOptions{}, false);
}

int validate_command(const ArgList& argv, CommandContext& ctx) {
  const std::string path = config_argument("validate", argv, ArgSpec{}, nullptr);
  ConfigMap config = load_config(path);
  JobOptions options;
  options.validate_only = true;
  const int code = dispatch(config, ctx, options, true);
  if (code == 0 && ctx.comm.is_master()) fmt::print("{}: valid\n", path);
  return code;
}

}  // namespace snds
