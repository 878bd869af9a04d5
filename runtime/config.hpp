// Strict YAML config reading shared by every job. A ConfigMap hands out typed values by key and
// remembers every key asked for (present or not); finish() then rejects any key nobody asked for,
// naming the file, line, key path and the closest valid key. Every error is a usage error (exit 2).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "core/date.hpp"

namespace snds {

// Levenshtein distance, for "did you mean".
size_t edit_distance(std::string_view a, std::string_view b);
// The candidate closest to `word`, or "" when none is close enough to be a plausible typo.
std::string closest_match(std::string_view word, const std::vector<std::string>& candidates);

class ConfigMap {
 public:
  ConfigMap(YAML::Node node, std::shared_ptr<const std::string> file, std::string path);

  const std::string& file() const { return *file_; }
  // "file:line" of this map, or of `key` within it when present.
  std::string where(const std::string& key = {}) const;
  // "period.start" for key "start" of map "period".
  std::string key_path(const std::string& key) const;

  bool has(const std::string& key);
  std::string required_string(const std::string& key);
  std::optional<std::string> optional_string(const std::string& key);
  int64_t required_int(const std::string& key);
  int64_t optional_int(const std::string& key, int64_t fallback, int64_t min, int64_t max);
  double optional_double(const std::string& key, double fallback, double min, double max);
  bool optional_bool(const std::string& key, bool fallback);
  Date required_date(const std::string& key);
  std::vector<std::string> string_list(const std::string& key, bool required);
  std::vector<int64_t> int_list(const std::string& key, bool required);
  ConfigMap required_map(const std::string& key);
  std::optional<ConfigMap> optional_map(const std::string& key);
  // Names of the keys of a map whose keys are user-chosen (e.g. cohort `events`), in file order.
  std::vector<std::string> keys() const;
  // Marks every key of this map as known (for maps whose keys are user-chosen).
  void accept_all_keys();

  // Throws on the first key present but never asked for.
  void finish() const;

  // Throws a usage error "file:line: key path: message".
  [[noreturn]] void fail(const std::string& key, const std::string& message) const;

  const YAML::Node& node() const { return node_; }

 private:
  YAML::Node lookup(const std::string& key);

  YAML::Node node_;
  std::shared_ptr<const std::string> file_;
  std::string path_;
  std::set<std::string> known_;
  bool accept_all_ = false;
};

// Loads a YAML file whose top level is a map; a missing file or a YAML syntax error is a usage
// error naming the file and line.
ConfigMap load_config(const std::string& path);
// Parses "2020-01-01" (ISO only in configs); nullopt when malformed.
std::optional<Date> parse_config_date(const std::string& s);
// Resolves `value` relative to the config file's folder unless absolute.
std::string resolve_path(const ConfigMap& map, const std::string& value);

}  // namespace snds
