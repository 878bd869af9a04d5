// Progress of a long phase, rendered by rank 0 from counts the caller has summed over ranks.
// On a terminal: a live bar redrawn at most 5 times a second, shown only after 2 s (short phases
// stay quiet). In a batch log (stderr not a tty): one line every `interval` seconds (default 10,
// SNDS_PROGRESS_INTERVAL overrides). SNDS_PROGRESS=0 turns it off.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace snds {

class Progress {
 public:
  // `unit` names what is counted ("MB", "shards"...). Only the instance on rank 0 prints.
  Progress(std::string phase, uint64_t total, std::string unit, bool is_master);
  ~Progress();
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  void update(uint64_t done);
  void finish();

 private:
  void render(bool final_line);

  std::string phase_;
  uint64_t total_;
  std::string unit_;
  bool enabled_;
  bool tty_;
  bool drawn_ = false;
  bool finished_ = false;
  uint64_t done_ = 0;
  double interval_s_;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_;
};

}  // namespace snds
