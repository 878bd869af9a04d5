// Rendering and matching for the config-key registry (runtime/config_keys.hpp).
#include "runtime/config_keys.hpp"

#include <fmt/format.h>

namespace snds {
namespace {

thread_local KeyRecorder* g_recorder = nullptr;

// Splits "a.b[3].c" into segments "a", "b[]", "c" (list indices erased).
std::vector<std::string> segments(std::string_view path) {
  std::vector<std::string> out(1);
  for (size_t i = 0; i < path.size(); ++i) {
    const char c = path[i];
    if (c == '.') {
      out.emplace_back();
    } else if (c == '[') {
      out.back() += "[]";
      while (i < path.size() && path[i] != ']') ++i;
    } else {
      out.back() += c;
    }
  }
  return out;
}

}  // namespace

bool key_matches(std::string_view pattern, std::string_view path) {
  const auto p = segments(pattern);
  const auto s = segments(path);
  // A final `**` takes the rest: such user-chosen keys may hold dots (file names).
  const bool open_end = !p.empty() && p.back() == "**";
  if (open_end ? s.size() < p.size() : p.size() != s.size()) return false;
  for (size_t i = 0; i < p.size(); ++i) {
    if (p[i] == "*" || p[i] == "**") continue;
    if (p[i] == "*[]" && s[i].ends_with("[]")) continue;
    if (p[i] != s[i]) return false;
  }
  return true;
}

std::string render_key_table(const KeyTable& table) {
  std::string out = "| key | type | default | range | meaning |\n| --- | --- | --- | --- | --- |\n";
  auto cell = [](std::string_view v) {
    return v.empty() ? std::string("") : fmt::format("`{}`", v);
  };
  for (const auto& k : table.keys) {
    const bool plain_default = k.fallback == "required" || k.fallback == "none";
    out +=
        fmt::format("| {} | {} | {} | {} | {} |\n", cell(k.key), k.type,
                    plain_default ? std::string(k.fallback) : cell(k.fallback), k.range, k.meaning);
  }
  return out;
}

KeyRecorder::KeyRecorder() {
  g_recorder = this;
}
KeyRecorder::~KeyRecorder() {
  g_recorder = nullptr;
}

void KeyRecorder::note(std::string path, std::optional<double> fallback, std::optional<double> min,
                       std::optional<double> max) {
  if (g_recorder == nullptr) return;
  g_recorder->reads_.push_back({std::move(path), fallback, min, max});
}

}  // namespace snds
