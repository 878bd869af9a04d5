// Config code lists against the SNDS nomenclatures (config_codes.hpp).
#include "jobs/config_codes.hpp"

#include <fmt/format.h>

#include "runtime/log.hpp"

namespace snds {

void warn_unknown_codes(const ConfigMap& map, const std::string& key, CodeSystem system,
                        const std::vector<std::string>& codes, bool prefix,
                        std::vector<std::string>& warnings) {
  for (const auto& code : codes) {
    const std::string w = unknown_code_warning(system, code, prefix);
    if (!w.empty())
      warnings.push_back(fmt::format("{}: {}: {}", map.where(key), map.key_path(key), w));
  }
}

void warn_unknown_codes(const ConfigMap& map, const std::string& key, CodeSystem system,
                        const std::vector<int64_t>& codes, std::vector<std::string>& warnings) {
  std::vector<std::string> text;
  for (int64_t c : codes) text.push_back(std::to_string(c));
  warn_unknown_codes(map, key, system, text, false, warnings);
}

void print_config_warnings(const std::vector<std::string>& warnings, bool is_master) {
  if (!is_master) return;
  for (const auto& w : warnings) log::warn("{}", w);
}

}  // namespace snds
