// Log sink: one line per call, written with a single write(2) so ranks do not interleave mid-line.
#include "runtime/log.hpp"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <string>

namespace snds::log {
namespace {
std::atomic<int> g_rank{0};
std::atomic<int> g_size{1};
std::atomic<Level> g_level{Level::kInfo};
std::atomic<bool> g_all_ranks{false};
const auto g_start = std::chrono::steady_clock::now();

const char* name(Level l) {
  switch (l) {
    case Level::kDebug:
      return "debug";
    case Level::kInfo:
      return "info";
    case Level::kWarn:
      return "warning";
    case Level::kError:
      return "error";
    case Level::kQuiet:
      return "";
  }
  return "";
}
}  // namespace

void set_rank(int rank, int size) {
  g_rank = rank;
  g_size = size;
}
void set_level(Level level) {
  g_level = level;
}
Level level() {
  return g_level;
}
void set_all_ranks(bool all) {
  g_all_ranks = all;
}

void configure_from_env() {
  const char* v = std::getenv("SNDS_LOG_LEVEL");
  if (!v) return;
  const std::string s(v);
  if (s == "debug")
    set_level(Level::kDebug);
  else if (s == "info")
    set_level(Level::kInfo);
  else if (s == "warn" || s == "warning")
    set_level(Level::kWarn);
  else if (s == "error")
    set_level(Level::kError);
  else if (s == "quiet")
    set_level(Level::kQuiet);
}

bool enabled(Level l) {
  if (l < g_level.load()) return false;
  if (l <= Level::kInfo && g_rank.load() != 0 && !g_all_ranks.load()) return false;
  return true;
}

void write(Level l, std::string_view message) {
  const double t =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - g_start).count();
  std::string line;
  if (g_size.load() > 1)
    line = fmt::format("[snds-batch r{} {:7.1f}s] {}: {}\n", g_rank.load(), t, name(l), message);
  else
    line = fmt::format("[snds-batch {:7.1f}s] {}: {}\n", t, name(l), message);
  [[maybe_unused]] auto n = ::write(STDERR_FILENO, line.data(), line.size());
}

}  // namespace snds::log
