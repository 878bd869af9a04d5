// A small strict argument parser (no dependency needed for five subcommands).
#include "jobs/args.hpp"

#include "core/error.hpp"
#include "runtime/config.hpp"

namespace snds {

Args::Args(const std::string& command, const std::vector<std::string>& argv, const ArgSpec& spec)
    : command_(command) {
  for (size_t i = 0; i < argv.size(); ++i) {
    std::string a = argv[i];
    if (a.rfind("--", 0) != 0 || a == "--") {
      positionals_.push_back(a);
      continue;
    }
    std::string name = a.substr(2), value;
    bool has_value = false;
    if (auto eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
      has_value = true;
    }
    if (spec.flags.count(name)) {
      if (has_value) throw usage_error("{}: option --{} takes no value", command_, name);
      flags_.insert(name);
    } else if (spec.options.count(name)) {
      if (!has_value) {
        if (i + 1 >= argv.size())
          throw usage_error("{}: option --{} needs a value", command_, name);
        value = argv[++i];
      }
      options_[name] = value;
    } else {
      std::vector<std::string> all(spec.options.begin(), spec.options.end());
      all.insert(all.end(), spec.flags.begin(), spec.flags.end());
      const std::string hint = closest_match(name, all);
      if (!hint.empty())
        throw usage_error("{}: unknown option --{} (did you mean --{}?)", command_, name, hint);
      throw usage_error("{}: unknown option --{} (see snds-batch {} --help)", command_, name,
                        command_);
    }
  }
}

std::optional<std::string> Args::option(const std::string& name) const {
  auto it = options_.find(name);
  if (it == options_.end()) return std::nullopt;
  return it->second;
}

std::string Args::required(const std::string& name) const {
  auto v = option(name);
  if (!v)
    throw usage_error("{}: option --{} is required (see snds-batch {} --help)", command_, name,
                      command_);
  return *v;
}

int64_t Args::int_option(const std::string& name, int64_t fallback, int64_t min,
                         int64_t max) const {
  auto v = option(name);
  if (!v) return fallback;
  int64_t x = 0;
  try {
    size_t pos = 0;
    x = std::stoll(*v, &pos);
    if (pos != v->size()) throw std::invalid_argument("trailing");
  } catch (...) {
    throw usage_error("{}: --{} expects an integer, got '{}'", command_, name, *v);
  }
  if (x < min || x > max)
    throw usage_error("{}: --{} must be between {} and {}, got {}", command_, name, min, max, x);
  return x;
}

}  // namespace snds
