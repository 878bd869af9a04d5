// The in-process backend: N ranks as N threads sharing one hub. Collectives meet at a generation
// barrier; point-to-point messages go through per-rank mailboxes. Semantics mirror MPI's: a
// collective must be called by every rank in the same order.
#include <algorithm>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <exception>
#include <mutex>
#include <string_view>
#include <thread>

#include "core/error.hpp"
#include "runtime/collective.hpp"
#include "runtime/communicator.hpp"

namespace snds {
namespace {

struct Hub {
  explicit Hub(int n) : size(n), slots(static_cast<size_t>(n)), mailboxes(static_cast<size_t>(n)) {}

  const int size;
  std::mutex mu;
  std::condition_variable cv;
  // Collective exchange: each rank deposits into slots[rank], then everyone reads.
  std::vector<std::vector<Bytes>> slots;
  int arrived = 0;
  int departed = 0;
  uint64_t generation = 0;
  bool aborted = false;
  int first_failed = -1;  // the rank whose error is the root cause
  std::vector<std::deque<Message>> mailboxes;

  // Two-phase barrier around an exchange: deposit, wait for all, read, wait for all to have read.
  template <typename Read>
  void exchange(int rank, std::vector<Bytes> deposit, Read read) {
    std::unique_lock lock(mu);
    // Wait until the previous exchange has been fully read.
    cv.wait(lock, [&] { return departed == 0 || aborted; });
    if (aborted) throw PeerFailure(ExitCode::kInternal);
    slots[static_cast<size_t>(rank)] = std::move(deposit);
    const uint64_t gen = generation;
    if (++arrived == size) {
      ++generation;
      departed = size;
      arrived = 0;
      cv.notify_all();
    } else {
      cv.wait(lock, [&] { return generation != gen || aborted; });
      if (aborted) throw PeerFailure(ExitCode::kInternal);
    }
    read(slots);
    if (--departed == 0) {
      cv.notify_all();
    } else {
      // Keep slots alive until everyone has read them.
      cv.wait(lock, [&] { return departed == 0 || aborted; });
    }
  }
};

class LocalCommunicator final : public Communicator {
 public:
  LocalCommunicator(Hub& hub, int rank, bool exit_on_abort = false)
      : hub_(hub), rank_(rank), exit_on_abort_(exit_on_abort) {}

  int rank() const override { return rank_; }
  int size() const override { return hub_.size; }

  void barrier() override {
    hub_.exchange(rank_, {}, [](auto&) {});
  }

  void allreduce_sum(std::span<uint64_t> v) override {
    reduce(v, [](uint64_t a, uint64_t b) { return a + b; });
  }
  void allreduce_max(std::span<uint64_t> v) override {
    reduce(v, [](uint64_t a, uint64_t b) { return std::max(a, b); });
  }
  void allreduce_sum(std::span<double> v) override {
    reduce(v, [](double a, double b) { return a + b; });
  }
  void allreduce_max(std::span<double> v) override {
    reduce(v, [](double a, double b) { return std::max(a, b); });
  }

  void broadcast(Bytes& data, int root) override {
    std::vector<Bytes> dep(1);
    if (rank_ == root) dep[0] = data;
    hub_.exchange(rank_, std::move(dep), [&](auto& slots) {
      if (rank_ != root) data = slots[static_cast<size_t>(root)][0];
    });
  }

  std::vector<Bytes> allgather(const Bytes& data) override {
    std::vector<Bytes> out;
    hub_.exchange(rank_, {data}, [&](auto& slots) {
      for (auto& s : slots) out.push_back(s[0]);
    });
    return out;
  }

  std::vector<Bytes> gather(const Bytes& data, int root) override {
    std::vector<Bytes> out;
    hub_.exchange(rank_, {data}, [&](auto& slots) {
      if (rank_ == root)
        for (auto& s : slots) out.push_back(s[0]);
    });
    return out;
  }

  std::vector<Bytes> alltoallv(const std::vector<Bytes>& send) override {
    if (static_cast<int>(send.size()) != hub_.size)
      throw internal_error("alltoallv needs one buffer per rank");
    std::vector<Bytes> out;
    hub_.exchange(rank_, send, [&](auto& slots) {
      for (auto& s : slots) out.push_back(s[static_cast<size_t>(rank_)]);
    });
    return out;
  }

  void send(int dest, int tag, const Bytes& payload) override {
    std::lock_guard lock(hub_.mu);
    hub_.mailboxes[static_cast<size_t>(dest)].push_back(Message{rank_, tag, payload});
    hub_.cv.notify_all();
  }

  Message recv(int source, int tag) override {
    std::unique_lock lock(hub_.mu);
    auto& box = hub_.mailboxes[static_cast<size_t>(rank_)];
    for (;;) {
      if (hub_.aborted) throw PeerFailure(ExitCode::kInternal);
      auto it = std::find_if(box.begin(), box.end(), [&](const Message& m) {
        return m.tag == tag && (source < 0 || m.source == source);
      });
      if (it != box.end()) {
        Message m = std::move(*it);
        box.erase(it);
        return m;
      }
      hub_.cv.wait(lock);
    }
  }

  std::optional<Message> try_recv(int tag) override {
    std::lock_guard lock(hub_.mu);
    auto& box = hub_.mailboxes[static_cast<size_t>(rank_)];
    auto it = std::find_if(box.begin(), box.end(), [&](const Message& m) { return m.tag == tag; });
    if (it == box.end()) return std::nullopt;
    Message m = std::move(*it);
    box.erase(it);
    return m;
  }

  [[noreturn]] void abort(int exit_code) override {
    if (exit_on_abort_) std::_Exit(exit_code);  // a whole process: nobody else to tell
    throw internal_error("in-process rank {} aborted with code {}", rank_, exit_code);
  }

 private:
  template <typename V, typename Op>
  void reduce(std::span<V> values, Op op) {
    Bytes mine(values.size_bytes());
    std::memcpy(mine.data(), values.data(), values.size_bytes());
    hub_.exchange(rank_, {std::move(mine)}, [&](auto& slots) {
      for (size_t i = 0; i < values.size(); ++i) {
        V acc;
        std::memcpy(&acc, slots[0][0].data() + i * sizeof(V), sizeof(V));
        for (size_t r = 1; r < slots.size(); ++r) {
          V x;
          std::memcpy(&x, slots[r][0].data() + i * sizeof(V), sizeof(V));
          acc = op(acc, x);
        }
        values[i] = acc;
      }
    });
  }

  Hub& hub_;
  int rank_;
  bool exit_on_abort_;
};

}  // namespace

Communicator& solo_world() {
  static Hub hub(1);
  static LocalCommunicator world(hub, 0, /*exit_on_abort=*/true);
  return world;
}

bool launched_by_mpi() {
  if (const char* forced = std::getenv("SNDS_MPI")) {
    const std::string_view v(forced);
    if (v == "always" || v == "1") return true;
    if (v == "never" || v == "0") return false;
  }
  // What mpirun (Open MPI, MPICH/Hydra) and srun's PMI/PMIx plugins put in a rank's environment.
  for (const char* name :
       {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK", "PMI_SIZE", "PMI_FD", "MPI_LOCALNRANKS"})
    if (std::getenv(name) != nullptr) return true;
  return false;
}

Communicator& world() {
  return launched_by_mpi() ? mpi_world() : solo_world();
}

void run_in_process(int ranks, const std::function<void(Communicator&)>& body) {
  Hub hub(ranks);
  std::vector<std::exception_ptr> errors(static_cast<size_t>(ranks));
  std::vector<std::thread> threads;
  for (int r = 0; r < ranks; ++r) {
    threads.emplace_back([&, r] {
      LocalCommunicator comm(hub, r);
      try {
        body(comm);
      } catch (...) {
        errors[static_cast<size_t>(r)] = std::current_exception();
        std::lock_guard lock(hub.mu);
        if (hub.first_failed < 0) hub.first_failed = r;
        hub.aborted = true;
        hub.cv.notify_all();
      }
    });
  }
  for (auto& t : threads) t.join();
  // The root cause wins over the PeerFailure errors it caused on the other ranks.
  for (auto& e : errors) {
    if (!e) continue;
    try {
      std::rethrow_exception(e);
    } catch (const PeerFailure&) {
      continue;
    } catch (...) {
      throw;
    }
  }
  if (hub.first_failed >= 0) std::rethrow_exception(errors[static_cast<size_t>(hub.first_failed)]);
}

}  // namespace snds
