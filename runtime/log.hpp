// Logging tagged by rank, with levels, to stderr. By default only rank 0 prints info; warnings and
// errors print from any rank. Never pass a patient identifier or a raw input line to these.
#pragma once

#include <string_view>

#include <fmt/format.h>

namespace snds::log {

enum class Level { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3, kQuiet = 4 };

void set_rank(int rank, int size);
void set_level(Level level);
Level level();
// SNDS_LOG_LEVEL=debug|info|warn|error|quiet overrides the default (info).
void configure_from_env();
// When false (default), info/debug lines print from rank 0 only.
void set_all_ranks(bool all);
void write(Level level, std::string_view message);
bool enabled(Level level);

template <typename... Args>
void debug(fmt::format_string<Args...> f, Args&&... args) {
  if (enabled(Level::kDebug)) write(Level::kDebug, fmt::format(f, std::forward<Args>(args)...));
}
template <typename... Args>
void info(fmt::format_string<Args...> f, Args&&... args) {
  if (enabled(Level::kInfo)) write(Level::kInfo, fmt::format(f, std::forward<Args>(args)...));
}
template <typename... Args>
void warn(fmt::format_string<Args...> f, Args&&... args) {
  if (enabled(Level::kWarn)) write(Level::kWarn, fmt::format(f, std::forward<Args>(args)...));
}
template <typename... Args>
void error(fmt::format_string<Args...> f, Args&&... args) {
  if (enabled(Level::kError)) write(Level::kError, fmt::format(f, std::forward<Args>(args)...));
}

}  // namespace snds::log
