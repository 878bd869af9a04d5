// Progress rendering: a bar with rate and ETA on a terminal, periodic lines in batch logs.
#include "runtime/progress.hpp"

#include <unistd.h>

#include <cstdlib>

#include <fmt/format.h>

namespace snds {

Progress::Progress(std::string phase, uint64_t total, std::string unit, bool is_master)
    : phase_(std::move(phase)), total_(total), unit_(std::move(unit)) {
  const char* off = std::getenv("SNDS_PROGRESS");
  enabled_ = is_master && !(off && std::string(off) == "0");
  tty_ = ::isatty(STDERR_FILENO) != 0;
  const char* iv = std::getenv("SNDS_PROGRESS_INTERVAL");
  interval_s_ = iv ? std::atof(iv) : 10.0;
  if (interval_s_ <= 0) interval_s_ = 10.0;
  start_ = last_ = std::chrono::steady_clock::now();
}

Progress::~Progress() {
  finish();
}

void Progress::update(uint64_t done) {
  done_ = done;
  if (!enabled_ || finished_) return;
  const auto now = std::chrono::steady_clock::now();
  const double since_start = std::chrono::duration<double>(now - start_).count();
  const double since_last = std::chrono::duration<double>(now - last_).count();
  if (tty_) {
    if (since_start < 2.0 || since_last < 0.2) return;
  } else if (since_last < interval_s_) {
    return;
  }
  last_ = now;
  render(false);
}

void Progress::finish() {
  if (finished_) return;
  finished_ = true;
  if (enabled_ && tty_ && drawn_) {
    done_ = total_;
    render(true);
  }
}

void Progress::render(bool final_line) {
  const double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  const double frac = total_ ? static_cast<double>(done_) / static_cast<double>(total_) : 0.0;
  const double rate = elapsed > 0 ? static_cast<double>(done_) / elapsed : 0.0;
  const double eta = rate > 0 && total_ > done_ ? static_cast<double>(total_ - done_) / rate : 0.0;
  std::string line;
  if (tty_) {
    constexpr int kWidth = 30;
    const int filled = static_cast<int>(frac * kWidth);
    line = fmt::format("\r{:<12} [{}{}] {:5.1f}% {}/{} {} {:.1f} {}/s ETA {:.0f}s", phase_,
                       std::string(static_cast<size_t>(filled), '#'),
                       std::string(static_cast<size_t>(kWidth - filled), '.'), frac * 100, done_,
                       total_, unit_, rate, unit_, eta);
    if (final_line) line += '\n';
    drawn_ = true;
  } else {
    line = fmt::format("[snds-batch] progress {}: {}/{} {} ({:.1f}%), {:.1f} {}/s, ETA {:.0f}s\n",
                       phase_, done_, total_, unit_, frac * 100, rate, unit_, eta);
  }
  [[maybe_unused]] auto n = ::write(STDERR_FILENO, line.data(), line.size());
}

}  // namespace snds
