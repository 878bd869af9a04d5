// The Communicator: everything distributed logic needs from MPI, behind an interface with two
// backends: MPI (runtime/mpi_communicator.cpp) and in-process threads
// (runtime/local_communicator.cpp) so shuffles, joins and schedulers are unit-tested without
// mpirun. Rule: only one thread per rank (the one that owns the Communicator) calls it. Payloads
// are byte buffers; callers serialise with core/serialize.hpp (ByteWriter, ByteReader).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace snds {

using Bytes = std::vector<char>;

struct Message {
  int source = -1;
  int tag = 0;
  Bytes payload;
};

class Communicator {
 public:
  virtual ~Communicator() = default;

  virtual int rank() const = 0;
  virtual int size() const = 0;
  bool is_master() const { return rank() == 0; }

  virtual void barrier() = 0;
  // Element-wise sums/maxima over ranks, in place, on every rank.
  virtual void allreduce_sum(std::span<uint64_t> values) = 0;
  virtual void allreduce_max(std::span<uint64_t> values) = 0;
  virtual void allreduce_sum(std::span<double> values) = 0;
  virtual void allreduce_max(std::span<double> values) = 0;
  // Root's buffer replaces everyone's.
  virtual void broadcast(Bytes& data, int root) = 0;
  // Every rank's buffer, in rank order, on every rank.
  virtual std::vector<Bytes> allgather(const Bytes& data) = 0;
  // Every rank's buffer on root (empty vector elsewhere).
  virtual std::vector<Bytes> gather(const Bytes& data, int root) = 0;
  // send[d] goes to rank d; returns recv[s] from rank s.
  virtual std::vector<Bytes> alltoallv(const std::vector<Bytes>& send) = 0;

  // Point to point (work queues, result streams). Tags are small non-negative ints.
  virtual void send(int dest, int tag, const Bytes& payload) = 0;
  // Blocks for a message with `tag` from `source` (-1: any source).
  virtual Message recv(int source, int tag) = 0;
  // Non-blocking: a waiting message with `tag` from any source, if one is there.
  virtual std::optional<Message> try_recv(int tag) = 0;

  // Aborts every rank (MPI_Abort); used only when a rank cannot report an error collectively.
  [[noreturn]] virtual void abort(int exit_code) = 0;

  // Convenience reductions.
  uint64_t sum(uint64_t v) {
    allreduce_sum(std::span<uint64_t>(&v, 1));
    return v;
  }
  uint64_t max(uint64_t v) {
    allreduce_max(std::span<uint64_t>(&v, 1));
    return v;
  }
  bool any(bool v) { return max(v ? 1 : 0) != 0; }
};

// Runs `body` on `ranks` in-process ranks (threads) and waits for all; an exception thrown by any
// rank is rethrown here (the first by rank order) after every rank has finished or failed.
void run_in_process(int ranks, const std::function<void(Communicator&)>& body);

// The process's communicator: MPI_COMM_WORLD when a launcher started this process as an MPI rank
// (mpirun, srun with PMI or PMIx), otherwise a single in-process rank. A lone process thus skips
// MPI_Init, which for Open MPI means starting a singleton orted: about 0.3 s per command.
// SNDS_MPI=always|never overrides the detection.
Communicator& world();
bool launched_by_mpi();
// One in-process rank (rank 0 of 1); abort() exits the process.
Communicator& solo_world();

// The process-wide MPI communicator (MPI_COMM_WORLD). Initialises MPI on first use if nobody did
// (MPI_THREAD_FUNNELED) and finalises at exit only what it initialised.
Communicator& mpi_world();
// True when MPI was initialised by mpi_world() or by someone else.
bool mpi_active();
// Finalises MPI if mpi_world() initialised it; called at the end of main.
void mpi_shutdown();

}  // namespace snds
