// Command-line arguments of one subcommand: `--name value` options, `--flag` switches and
// positionals. Unknown options are usage errors with the closest valid option.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace snds {

struct ArgSpec {
  std::set<std::string> options;  // take a value
  std::set<std::string> flags;    // take none
};

class Args {
 public:
  Args(const std::string& command, const std::vector<std::string>& argv, const ArgSpec& spec);

  bool flag(const std::string& name) const { return flags_.count(name) != 0; }
  std::optional<std::string> option(const std::string& name) const;
  std::string required(const std::string& name) const;
  int64_t int_option(const std::string& name, int64_t fallback, int64_t min, int64_t max) const;
  const std::vector<std::string>& positionals() const { return positionals_; }

 private:
  std::string command_;
  std::map<std::string, std::string> options_;
  std::set<std::string> flags_;
  std::vector<std::string> positionals_;
};

}  // namespace snds
