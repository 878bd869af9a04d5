// SNDS_FAULT parsing and firing.
#include "runtime/fault_injection.hpp"

#include <csignal>
#include <cstdlib>
#include <mutex>
#include <string>

namespace snds {
namespace {

struct Plan {
  std::string action;  // "kill" | "stop" | "pause"
  std::string event;
  long after = 0;
  long seen = 0;
};

Plan* plan() {
  static Plan* p = []() -> Plan* {
    const char* v = std::getenv("SNDS_FAULT");
    if (!v) return nullptr;
    const std::string s(v);
    const auto us = s.find("_after_"), eq = s.find('=');
    if (us == std::string::npos || eq == std::string::npos || eq < us) return nullptr;
    auto* out =
        new Plan{s.substr(0, us), s.substr(us + 7, eq - us - 7), std::atol(s.c_str() + eq + 1), 0};
    return out;
  }();
  return p;
}

}  // namespace

void fault_point(std::string_view event) {
  Plan* p = plan();
  if (!p || p->event != event) return;
  static std::mutex mu;
  std::lock_guard lock(mu);
  if (++p->seen != p->after) return;
  if (p->action == "kill") std::raise(SIGKILL);
  if (p->action == "stop") std::raise(SIGTERM);
  if (p->action == "pause") std::raise(SIGSTOP);  // held mid-run until SIGCONT (lock tests)
}

}  // namespace snds
