// Strict config access on top of yaml-cpp, with positions for every error.
#include "runtime/config.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>

#include <fmt/format.h>

#include "core/error.hpp"
#include "runtime/config_keys.hpp"

namespace snds {

size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t sub = prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, sub});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

std::string closest_match(std::string_view word, const std::vector<std::string>& candidates) {
  std::string best;
  size_t best_d = SIZE_MAX;
  for (const auto& c : candidates) {
    const size_t d = edit_distance(word, c);
    if (d < best_d) {
      best_d = d;
      best = c;
    }
  }
  // A plausible typo: at most a third of the word changed (and at least one edit allowed).
  if (best_d <= std::max<size_t>(2, word.size() / 3)) return best;
  return {};
}

ConfigMap::ConfigMap(YAML::Node node, std::shared_ptr<const std::string> file, std::string path)
    : node_(std::move(node)), file_(std::move(file)), path_(std::move(path)) {}

std::string ConfigMap::key_path(const std::string& key) const {
  if (path_.empty()) return key;
  if (key.empty()) return path_;
  return path_ + "." + key;
}

std::string ConfigMap::where(const std::string& key) const {
  YAML::Mark mark = node_.Mark();
  if (!key.empty() && node_.IsMap()) {
    for (const auto& kv : node_) {
      if (kv.first.Scalar() == key) {
        mark = kv.first.Mark();
        break;
      }
    }
  }
  if (mark.line < 0) return *file_;
  return fmt::format("{}:{}", *file_, mark.line + 1);
}

void ConfigMap::fail(const std::string& key, const std::string& message) const {
  const std::string kp = key_path(key);
  if (kp.empty()) throw usage_error("{}: {}", where(key), message);
  throw usage_error("{}: {}: {}", where(key), kp, message);
}

YAML::Node ConfigMap::lookup(const std::string& key) {
  known_.insert(key);
  KeyRecorder::note(key_path(key));
  if (!node_.IsMap()) return YAML::Node();
  for (const auto& kv : node_)
    if (kv.first.Scalar() == key) return kv.second;
  return YAML::Node();
}

bool ConfigMap::has(const std::string& key) {
  const YAML::Node n = lookup(key);
  return n.IsDefined() && !n.IsNull();
}

std::optional<std::string> ConfigMap::optional_string(const std::string& key) {
  const YAML::Node n = lookup(key);
  if (!n.IsDefined() || n.IsNull()) return std::nullopt;
  if (!n.IsScalar()) fail(key, "expected a single value");
  return n.Scalar();
}

std::string ConfigMap::required_string(const std::string& key) {
  auto v = optional_string(key);
  if (!v) fail(key, "is required");
  return *v;
}

static std::optional<int64_t> to_int(const std::string& s) {
  try {
    size_t pos = 0;
    const long long v = std::stoll(s, &pos);
    if (pos != s.size()) return std::nullopt;
    return v;
  } catch (...) {
    return std::nullopt;
  }
}

int64_t ConfigMap::required_int(const std::string& key) {
  const std::string s = required_string(key);
  auto v = to_int(s);
  if (!v) fail(key, fmt::format("expected an integer, got '{}'", s));
  return *v;
}

int64_t ConfigMap::optional_int(const std::string& key, int64_t fallback, int64_t min,
                                int64_t max) {
  KeyRecorder::note(key_path(key), static_cast<double>(fallback), static_cast<double>(min),
                    static_cast<double>(max));
  auto s = optional_string(key);
  if (!s) return fallback;
  auto v = to_int(*s);
  if (!v) fail(key, fmt::format("expected an integer, got '{}'", *s));
  if (*v < min || *v > max)
    fail(key, fmt::format("must be between {} and {}, got {}", min, max, *v));
  return *v;
}

double ConfigMap::optional_double(const std::string& key, double fallback, double min, double max) {
  KeyRecorder::note(key_path(key), fallback, min, max);
  auto s = optional_string(key);
  if (!s) return fallback;
  double v = 0;
  try {
    size_t pos = 0;
    v = std::stod(*s, &pos);
    if (pos != s->size()) throw std::invalid_argument("trailing");
  } catch (...) {
    fail(key, fmt::format("expected a number, got '{}'", *s));
  }
  // stod reads "nan" and "inf", which no range check catches (NaN compares false to every bound).
  if (!std::isfinite(v)) fail(key, fmt::format("expected a finite number, got '{}'", *s));
  if (v < min || v > max) fail(key, fmt::format("must be between {} and {}, got {}", min, max, v));
  return v;
}

bool ConfigMap::optional_bool(const std::string& key, bool fallback) {
  KeyRecorder::note(key_path(key), fallback ? 1.0 : 0.0);
  auto s = optional_string(key);
  if (!s) return fallback;
  if (*s == "true" || *s == "yes" || *s == "on") return true;
  if (*s == "false" || *s == "no" || *s == "off") return false;
  fail(key, fmt::format("expected true or false, got '{}'", *s));
}

std::optional<Date> parse_config_date(const std::string& s) {
  int y = 0;
  unsigned m = 0, d = 0;
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return std::nullopt;
  for (size_t i : {0, 1, 2, 3, 5, 6, 8, 9})
    if (s[i] < '0' || s[i] > '9') return std::nullopt;
  y = std::stoi(s.substr(0, 4));
  m = static_cast<unsigned>(std::stoi(s.substr(5, 2)));
  d = static_cast<unsigned>(std::stoi(s.substr(8, 2)));
  if (m < 1 || m > 12 || d < 1 || d > days_in_month(y, m)) return std::nullopt;
  return days_from_civil(y, m, d);
}

Date ConfigMap::required_date(const std::string& key) {
  const std::string s = required_string(key);
  auto d = parse_config_date(s);
  if (!d) fail(key, fmt::format("expected a date as YYYY-MM-DD, got '{}'", s));
  return *d;
}

std::vector<std::string> ConfigMap::string_list(const std::string& key, bool required) {
  const YAML::Node n = lookup(key);
  if (!n.IsDefined() || n.IsNull()) {
    if (required) fail(key, "is required");
    return {};
  }
  std::vector<std::string> out;
  if (n.IsScalar()) {
    out.push_back(n.Scalar());
    return out;
  }
  if (!n.IsSequence()) fail(key, "expected a list");
  for (const auto& item : n) {
    if (!item.IsScalar()) fail(key, "expected a list of single values");
    out.push_back(item.Scalar());
  }
  return out;
}

std::vector<int64_t> ConfigMap::int_list(const std::string& key, bool required) {
  std::vector<int64_t> out;
  for (const auto& s : string_list(key, required)) {
    auto v = to_int(s);
    if (!v) fail(key, fmt::format("expected integers, got '{}'", s));
    out.push_back(*v);
  }
  return out;
}

std::optional<ConfigMap> ConfigMap::optional_map(const std::string& key) {
  const YAML::Node n = lookup(key);
  if (!n.IsDefined() || n.IsNull()) return std::nullopt;
  if (!n.IsMap()) fail(key, "expected a map of keys and values");
  return ConfigMap(n, file_, key_path(key));
}

ConfigMap ConfigMap::required_map(const std::string& key) {
  auto m = optional_map(key);
  if (!m) fail(key, "is required");
  return *m;
}

std::vector<std::string> ConfigMap::keys() const {
  std::vector<std::string> out;
  if (node_.IsMap())
    for (const auto& kv : node_) out.push_back(kv.first.Scalar());
  return out;
}

void ConfigMap::accept_all_keys() {
  accept_all_ = true;
}

void ConfigMap::finish() const {
  if (accept_all_ || !node_.IsMap()) return;
  std::vector<std::string> valid(known_.begin(), known_.end());
  for (const auto& kv : node_) {
    const std::string key = kv.first.Scalar();
    if (known_.count(key)) continue;
    const std::string hint = closest_match(key, valid);
    const std::string line =
        kv.first.Mark().line >= 0 ? fmt::format(":{}", kv.first.Mark().line + 1) : "";
    if (!hint.empty())
      throw usage_error("{}{}: unknown key '{}' (did you mean '{}'?)", *file_, line, key_path(key),
                        key_path(hint));
    throw usage_error("{}{}: unknown key '{}'", *file_, line, key_path(key));
  }
}

namespace {

// yaml-cpp keeps both entries of a repeated key and lookups take the first: a duplicate key would
// silently lose the value the user wrote last. Checked over the whole tree at load.
void reject_duplicate_keys(const YAML::Node& node, const std::string& path, const std::string& at) {
  if (node.IsSequence()) {
    for (const auto& item : node) reject_duplicate_keys(item, path, at);
    return;
  }
  if (!node.IsMap()) return;
  std::map<std::string, int> seen;  // key -> line of its first occurrence
  for (const auto& kv : node) {
    const std::string key = kv.first.IsScalar() ? kv.first.Scalar() : std::string();
    const std::string key_path = at.empty() ? key : at + "." + key;
    if (kv.first.IsScalar()) {
      const int line = kv.first.Mark().line + 1;
      if (auto [it, fresh] = seen.emplace(key, line); !fresh)
        throw usage_error("{}:{}: duplicate key '{}' (first given at line {})", path, line,
                          key_path, it->second);
    }
    reject_duplicate_keys(kv.second, path, key_path);
  }
}

}  // namespace

ConfigMap load_config(const std::string& path) {
  auto file = std::make_shared<const std::string>(path);
  if (!std::filesystem::is_regular_file(path))
    throw usage_error("config file {} does not exist", path);
  YAML::Node root;
  try {
    root = YAML::LoadFile(path);
  } catch (const YAML::Exception& e) {
    throw usage_error("{}:{}: invalid YAML: {}", path, e.mark.line + 1, e.msg);
  }
  if (!root.IsMap())
    throw usage_error("{}: expected a map of keys and values at the top level", path);
  reject_duplicate_keys(root, path, "");
  return ConfigMap(root, file, "");
}

std::string resolve_path(const ConfigMap& map, const std::string& value) {
  namespace fs = std::filesystem;
  // Paths are relative to the working directory, as for every command-line tool; this keeps
  // `snds-batch run configs/x.yaml` from the repository root working with store: store/.
  (void)map;
  return fs::path(value).lexically_normal().string();
}

}  // namespace snds
