// Phase timing and the collective gather of per-rank figures.
#include "runtime/metrics.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <cstdio>

#include "core/serialize.hpp"
#include "runtime/exchange.hpp"

namespace snds {

uint64_t peak_rss_bytes() {
  struct rusage ru {};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<uint64_t>(ru.ru_maxrss) * 1024;
}

uint64_t current_rss_bytes() {
  std::FILE* f = std::fopen("/proc/self/statm", "r");
  if (f == nullptr) return 0;
  unsigned long long size = 0, resident = 0;
  const int got = std::fscanf(f, "%llu %llu", &size, &resident);
  std::fclose(f);
  if (got != 2) return 0;
  return static_cast<uint64_t>(resident) * static_cast<uint64_t>(::sysconf(_SC_PAGESIZE));
}

namespace {
double process_cpu_seconds() {
  struct rusage ru {};
  getrusage(RUSAGE_SELF, &ru);
  const auto seconds = [](const timeval& t) {
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) * 1e-6;
  };
  return seconds(ru.ru_utime) + seconds(ru.ru_stime);
}
}  // namespace

void Metrics::begin_phase(const std::string& name) {
  PhaseRecord p;
  p.name = name;
  phases_.push_back(std::move(p));
  const ExchangeTotals t = exchange_totals();
  rounds_at_start_ = t.rounds;
  sent_at_start_ = t.bytes_sent;
  reset_largest_round();
  cpu_at_start_ = process_cpu_seconds();
  start_ = std::chrono::steady_clock::now();
}

void Metrics::end_phase(uint64_t rows, uint64_t bytes) {
  auto& p = phases_.back();
  p.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  p.rows = rows;
  p.bytes = bytes;
  p.peak_rss = peak_rss_bytes();
  const ExchangeTotals t = exchange_totals();
  p.rounds = t.rounds - rounds_at_start_;
  p.sent_bytes = t.bytes_sent - sent_at_start_;
  p.largest_round = t.largest_round;
  p.cpu_s = process_cpu_seconds() - cpu_at_start_;
}

boost::json::array Metrics::gather(Communicator& comm) const {
  Bytes mine;
  ByteWriter w(mine);
  w.put<uint64_t>(phases_.size());
  for (const auto& p : phases_) {
    w.put_string(p.name);
    w.put<double>(p.wall_s);
    w.put<uint64_t>(p.rows);
    w.put<uint64_t>(p.bytes);
    w.put<uint64_t>(p.peak_rss);
    w.put<uint64_t>(p.rounds);
    w.put<uint64_t>(p.sent_bytes);
    w.put<uint64_t>(p.largest_round);
    w.put<double>(p.cpu_s);
  }
  const auto all = comm.gather(mine, 0);
  boost::json::array out;
  if (!comm.is_master()) return out;
  std::vector<std::vector<PhaseRecord>> per_rank;
  for (const auto& buf : all) {
    ByteReader r(buf);
    std::vector<PhaseRecord> recs(r.get<uint64_t>());
    for (auto& p : recs) {
      p.name = r.get_string();
      p.wall_s = r.get<double>();
      p.rows = r.get<uint64_t>();
      p.bytes = r.get<uint64_t>();
      p.peak_rss = r.get<uint64_t>();
      p.rounds = r.get<uint64_t>();
      p.sent_bytes = r.get<uint64_t>();
      p.largest_round = r.get<uint64_t>();
      p.cpu_s = r.get<double>();
    }
    per_rank.push_back(std::move(recs));
  }
  for (size_t i = 0; i < per_rank[0].size(); ++i) {
    boost::json::object o;
    double wall = 0;
    uint64_t rows = 0, bytes = 0, rounds = 0, sent = 0;
    boost::json::array rss, rrows, rwall, rsent, rlargest, rcpu;
    for (const auto& recs : per_rank) {
      if (i >= recs.size()) continue;
      wall = std::max(wall, recs[i].wall_s);
      rows += recs[i].rows;
      bytes += recs[i].bytes;
      rss.push_back(recs[i].peak_rss);
      rrows.push_back(recs[i].rows);
      rwall.push_back(recs[i].wall_s);
      rcpu.push_back(recs[i].cpu_s);
      rounds = std::max(rounds, recs[i].rounds);
      sent += recs[i].sent_bytes;
      rsent.push_back(recs[i].sent_bytes);
      rlargest.push_back(recs[i].largest_round);
    }
    o["name"] = per_rank[0][i].name;
    o["wall_s"] = wall;
    o["rows"] = rows;
    o["bytes"] = bytes;
    o["rows_per_rank"] = std::move(rrows);
    o["wall_s_per_rank"] = std::move(rwall);
    o["peak_rss_bytes_per_rank"] = std::move(rss);
    o["cpu_s_per_rank"] = std::move(rcpu);
    if (rounds > 0)
      o["exchange"] = boost::json::object{{"rounds", rounds},
                                          {"bytes_sent", sent},
                                          {"bytes_sent_per_rank", std::move(rsent)},
                                          {"largest_round_bytes_per_rank", std::move(rlargest)}};
    out.push_back(std::move(o));
  }
  return out;
}

}  // namespace snds
