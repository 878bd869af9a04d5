// The error model: every failure that reaches the user is one `snds::Error` carrying the exit code
// of docs/reference.md section 1.1 (2 usage/config, 3 bad input data, 4 internal/MPI, 75 stopped by a signal) and
// one sentence naming the file, line, key or setting at fault. Messages never hold patient ids.
#pragma once

#include <stdexcept>
#include <string>

#include <fmt/format.h>

namespace snds {

enum class ExitCode : int {
  kOk = 0,
  kUsage = 2,     // bad command line or bad config
  kData = 3,      // bad input data: reject ratio over its limit, unreadable file
  kInternal = 4,  // internal or MPI failure
  kStopped = 75,  // stopped by SIGTERM/SIGUSR1 after a checkpoint; rerun resumes
};

class Error : public std::runtime_error {
 public:
  Error(ExitCode code, const std::string& message) : std::runtime_error(message), code_(code) {}
  ExitCode code() const noexcept { return code_; }

 private:
  ExitCode code_;
};

template <typename... Args>
Error usage_error(fmt::format_string<Args...> f, Args&&... args) {
  return Error(ExitCode::kUsage, fmt::format(f, std::forward<Args>(args)...));
}
template <typename... Args>
Error data_error(fmt::format_string<Args...> f, Args&&... args) {
  return Error(ExitCode::kData, fmt::format(f, std::forward<Args>(args)...));
}
template <typename... Args>
Error internal_error(fmt::format_string<Args...> f, Args&&... args) {
  return Error(ExitCode::kInternal, fmt::format(f, std::forward<Args>(args)...));
}
inline Error stopped_error(const std::string& what) {
  return Error(ExitCode::kStopped, what);
}

}  // namespace snds
