// The config-key registry: one declaration per key of every YAML config (name, type, default,
// range, meaning), DuckDB-style. docs/reference.md's key tables are rendered from it, and the
// test tests/jobs/config_keys_test.cpp proves it agrees with what the config readers ask for
// (through KeyRecorder): a key the code reads but the registry lacks, a range or default that
// differs, a registry row no config reaches, or a docs table that differs all fail the build.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace snds {

struct KeySpec {
  // Dotted path; `*` stands for a user-chosen name (events.*.atc), a final `**` for one that may
  // hold dots (delimiters.** for file names), `[]` for a list item (criteria[].name).
  std::string_view key;
  std::string_view type;      // as shown to users: integer, number, boolean, date, string, list...
  std::string_view fallback;  // "required", "none", or the default as written in a config
  std::string_view range;     // "1-1048576", a list of values, or "" when free
  std::string_view meaning;   // one sentence, Markdown
};

struct KeyTable {
  std::string_view command;  // ingest | aggregate | cohort
  std::span<const KeySpec> keys;
};

// The Markdown table of one registry (`| key | type | default | range | meaning |`).
std::string render_key_table(const KeyTable& table);

// True when a concrete key path (events.statin.atc, criteria[2].name) matches a registry pattern.
bool key_matches(std::string_view pattern, std::string_view path);

// What one read of a key told the registry: its concrete path and, for numbers, the default and
// range the reader passed.
struct KeyRead {
  std::string path;
  std::optional<double> fallback, min, max;
};

// Collects every key the ConfigMap getters read while it is installed (tests only; one per
// thread, nesting not supported). Production never installs one, so reads cost one branch.
class KeyRecorder {
 public:
  KeyRecorder();
  ~KeyRecorder();
  KeyRecorder(const KeyRecorder&) = delete;
  KeyRecorder& operator=(const KeyRecorder&) = delete;

  const std::vector<KeyRead>& reads() const { return reads_; }

  // Called by ConfigMap.
  static void note(std::string path, std::optional<double> fallback = std::nullopt,
                   std::optional<double> min = std::nullopt,
                   std::optional<double> max = std::nullopt);

 private:
  std::vector<KeyRead> reads_;
};

}  // namespace snds
