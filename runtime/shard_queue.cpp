// Master/worker shard hand-out over point-to-point messages (one tag each way).
#include "runtime/shard_queue.hpp"

#include <chrono>
#include <deque>
#include <exception>
#include <limits>

#include "core/error.hpp"
#include "core/serialize.hpp"
#include "runtime/collective.hpp"
#include "runtime/progress.hpp"
#include "runtime/signals.hpp"

namespace snds {
namespace {

constexpr int kTagToMaster = 101;  // worker -> master: [type u8] ...
constexpr int kTagAssign = 102;    // master -> worker: [shard u32], kNoShard = no more
constexpr uint8_t kRequest = 1;    // asks for a shard
constexpr uint8_t kResult = 2;     // [shard u32][status u8][payload: partial or error message]
constexpr uint8_t kClosed = 3;     // a worker's last message: it has every reply it asked for
constexpr uint32_t kNoShard = std::numeric_limits<uint32_t>::max();

Bytes encode_result(uint32_t shard, uint8_t status, const Bytes& payload) {
  Bytes b;
  ByteWriter w(b);
  w.put<uint8_t>(kResult);
  w.put<uint32_t>(shard);
  w.put<uint8_t>(status);
  w.put_bytes(payload.data(), payload.size());
  return b;
}

Bytes encode_u32(uint32_t v) {
  Bytes b;
  ByteWriter(b).put<uint32_t>(v);
  return b;
}

// Runs work(shard), turning an exception into (status, message).
uint8_t run_one(const std::function<Bytes(uint32_t)>& work, uint32_t shard, Bytes& out,
                std::exception_ptr& error) {
  try {
    out = work(shard);
    return 0;
  } catch (const Error& e) {
    error = std::current_exception();
    out.assign(e.what(), e.what() + std::strlen(e.what()));
    return static_cast<uint8_t>(e.code());
  } catch (const std::bad_alloc&) {
    error =
        std::make_exception_ptr(internal_error("out of memory while processing shard {}", shard));
    return static_cast<uint8_t>(ExitCode::kInternal);
  } catch (const std::exception& e) {
    error = std::make_exception_ptr(internal_error("{}", e.what()));
    return static_cast<uint8_t>(ExitCode::kInternal);
  }
}

}  // namespace

ShardQueueStats run_shard_queue(Communicator& comm, uint32_t shards,
                                const std::function<Bytes(uint32_t)>& work,
                                const std::function<void(uint32_t, Bytes&&)>& merge,
                                const std::string& phase,
                                const std::function<void(uint32_t)>& upcoming) {
  const auto start = std::chrono::steady_clock::now();
  ShardQueueStats stats;
  std::exception_ptr local_error;
  uint64_t failure_code = 0;

  if (comm.is_master()) {
    stats.shards_per_rank.assign(static_cast<size_t>(comm.size()), 0);
    Progress progress(phase, shards, "shards", true);
    // Every rank's first shard is its own number (while there are shards): no rank waits for
    // rank 0 to answer its first request, which rank 0 does only between two of its own shards.
    const auto first_round = static_cast<uint32_t>(std::min<int64_t>(shards, comm.size()));
    uint32_t next = first_round;
    uint64_t assigned = first_round > 0 ? first_round - 1 : 0, received = 0;  // rank 0's: below
    int workers_open = comm.size() - 1;
    bool stop_handout = false;
    auto handle = [&](Message&& m) {
      ByteReader r(m.payload);
      const auto type = r.get<uint8_t>();
      if (type == kRequest) {
        uint32_t give = kNoShard;
        if (!stop_handout && next < shards) give = next++;
        if (give != kNoShard) ++assigned;
        comm.send(m.source, kTagAssign, encode_u32(give));
        return;
      }
      if (type == kClosed) {
        --workers_open;
        return;
      }
      const auto shard = r.get<uint32_t>();
      const auto status = r.get<uint8_t>();
      Bytes payload(m.payload.begin() + static_cast<long>(m.payload.size() - r.remaining()),
                    m.payload.end());
      ++received;
      if (status == 0) {
        if (!local_error) merge(shard, std::move(payload));
        ++stats.shards_per_rank[static_cast<size_t>(m.source)];
      } else if (status != 255 && !failure_code) {
        failure_code = status;
        stop_handout = true;
      }
      progress.update(received);
    };
    // Rank 0's next shard, announced to `upcoming`; shard 0 first (see first_round).
    uint32_t claimed = kNoShard;
    if (shards > 0) {
      claimed = 0;
      ++assigned;
    }
    for (;;) {
      while (auto m = comm.try_recv(kTagToMaster)) handle(std::move(*m));
      if (stop_requested()) stop_handout = true;
      if (stop_handout || local_error) break;
      uint32_t s = 0;
      if (claimed != kNoShard) {
        s = claimed;
        claimed = kNoShard;
      } else if (next < shards) {
        s = next++;
        ++assigned;
      } else {
        break;
      }
      if (upcoming && next < shards) {
        claimed = next++;
        ++assigned;
        upcoming(claimed);
      }
      Bytes partial;
      const uint8_t status = run_one(work, s, partial, local_error);
      ++received;
      if (status == 0) {
        merge(s, std::move(partial));
        ++stats.shards_per_rank[0];
      } else {
        failure_code = status;
        stop_handout = true;
      }
      progress.update(received);
    }
    if (claimed != kNoShard) --assigned;  // announced but never run: no result is owed for it
    stop_handout = true;
    while (workers_open > 0 || received < assigned) handle(comm.recv(-1, kTagToMaster));
    progress.finish();
    if (!failure_code && stop_requested()) failure_code = static_cast<uint64_t>(ExitCode::kStopped);
  } else {
    // Two requests in flight: the reply to the earlier one is usually here by the time the
    // current shard starts, so the next shard is known early and can be read ahead. Each request
    // gets exactly one reply; a worker closes once it holds them all (kNoShard is final).
    const Bytes request{static_cast<char>(kRequest)};
    int outstanding = 0;
    bool exhausted = false;
    std::deque<uint32_t> held;
    if (static_cast<uint32_t>(comm.rank()) < shards)
      held.push_back(static_cast<uint32_t>(comm.rank()));
    auto ask = [&] {
      comm.send(0, kTagToMaster, request);
      ++outstanding;
    };
    auto receive = [&](const Message& m) {
      --outstanding;
      ByteReader r(m.payload);
      const auto shard = r.get<uint32_t>();
      if (shard == kNoShard) {
        exhausted = true;
      } else {
        held.push_back(shard);
      }
    };
    ask();
    ask();
    for (;;) {
      if (held.empty()) {
        if (outstanding == 0) break;
        receive(comm.recv(0, kTagAssign));
        continue;
      }
      const uint32_t shard = held.front();
      held.pop_front();
      if (!exhausted) ask();
      while (held.empty() && outstanding > 0) {
        auto m = comm.try_recv(kTagAssign);
        if (!m) break;
        receive(*m);
      }
      if (upcoming && !held.empty() && !local_error) upcoming(held.front());
      Bytes partial;
      uint8_t status = 255;  // skipped after an earlier failure on this rank
      if (!local_error) status = run_one(work, shard, partial, local_error);
      comm.send(0, kTagToMaster, encode_result(shard, status, status == 0 ? partial : Bytes{}));
    }
    comm.send(0, kTagToMaster, Bytes{static_cast<char>(kClosed)});
  }

  // Every rank learns the outcome; the rank that failed rethrows its own error.
  uint64_t mine = 0;
  if (local_error) {
    try {
      std::rethrow_exception(local_error);
    } catch (const Error& e) {
      mine = static_cast<uint64_t>(e.code());
    }
  }
  if (comm.is_master() && failure_code) mine = std::max(mine, failure_code);
  const uint64_t worst = comm.max(mine);
  stats.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (worst == 0) return stats;
  if (local_error) std::rethrow_exception(local_error);
  if (worst == static_cast<uint64_t>(ExitCode::kStopped))
    throw stopped_error(
        "stopped by a signal before the job finished; rerun the same command to run it again");
  throw PeerFailure(static_cast<ExitCode>(worst));
}

}  // namespace snds
