// The MPI backend over MPI_COMM_WORLD. Works as a singleton (no launcher) and under mpirun/srun.
// Large payloads are split into chunks below INT_MAX bytes where MPI counts are ints.
#include <mpi.h>

#include <algorithm>
#include <climits>
#include <cstring>

#include "core/error.hpp"
#include "runtime/communicator.hpp"

namespace snds {
namespace {

bool g_we_initialised = false;

void check(int rc, const char* what) {
  if (rc != MPI_SUCCESS) {
    char msg[MPI_MAX_ERROR_STRING];
    int len = 0;
    MPI_Error_string(rc, msg, &len);
    throw internal_error("MPI failure in {}: {}", what, std::string(msg, static_cast<size_t>(len)));
  }
}

// Messages over this size travel as several MPI messages (counts are ints).
constexpr size_t kMaxChunk = size_t(1) << 30;

class MpiCommunicator final : public Communicator {
 public:
  MpiCommunicator() {
    MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
    MPI_Comm_size(MPI_COMM_WORLD, &size_);
  }
  int rank() const override { return rank_; }
  int size() const override { return size_; }

  void barrier() override { check(MPI_Barrier(MPI_COMM_WORLD), "MPI_Barrier"); }

  void allreduce_sum(std::span<uint64_t> v) override {
    check(MPI_Allreduce(MPI_IN_PLACE, v.data(), static_cast<int>(v.size()), MPI_UINT64_T, MPI_SUM,
                        MPI_COMM_WORLD),
          "MPI_Allreduce");
  }
  void allreduce_max(std::span<uint64_t> v) override {
    check(MPI_Allreduce(MPI_IN_PLACE, v.data(), static_cast<int>(v.size()), MPI_UINT64_T, MPI_MAX,
                        MPI_COMM_WORLD),
          "MPI_Allreduce");
  }
  void allreduce_sum(std::span<double> v) override {
    check(MPI_Allreduce(MPI_IN_PLACE, v.data(), static_cast<int>(v.size()), MPI_DOUBLE, MPI_SUM,
                        MPI_COMM_WORLD),
          "MPI_Allreduce");
  }
  void allreduce_max(std::span<double> v) override {
    check(MPI_Allreduce(MPI_IN_PLACE, v.data(), static_cast<int>(v.size()), MPI_DOUBLE, MPI_MAX,
                        MPI_COMM_WORLD),
          "MPI_Allreduce");
  }

  void broadcast(Bytes& data, int root) override {
    uint64_t n = data.size();
    check(MPI_Bcast(&n, 1, MPI_UINT64_T, root, MPI_COMM_WORLD), "MPI_Bcast");
    data.resize(n);
    for (size_t off = 0; off < n; off += kMaxChunk) {
      const int len = static_cast<int>(std::min(kMaxChunk, n - off));
      check(MPI_Bcast(data.data() + off, len, MPI_CHAR, root, MPI_COMM_WORLD), "MPI_Bcast");
    }
  }

  std::vector<Bytes> allgather(const Bytes& data) override {
    std::vector<Bytes> out(static_cast<size_t>(size_));
    for (int r = 0; r < size_; ++r) {
      Bytes b = r == rank_ ? data : Bytes{};
      broadcast(b, r);
      out[static_cast<size_t>(r)] = std::move(b);
    }
    return out;
  }

  std::vector<Bytes> gather(const Bytes& data, int root) override {
    std::vector<Bytes> send(static_cast<size_t>(size_));
    send[static_cast<size_t>(root)] = data;
    std::vector<Bytes> got = alltoallv(send);
    if (rank_ != root) return {};
    return got;
  }

  std::vector<Bytes> alltoallv(const std::vector<Bytes>& send) override {
    const auto n = static_cast<size_t>(size_);
    if (send.size() != n) throw internal_error("alltoallv needs one buffer per rank");
    std::vector<uint64_t> send_sizes(n), recv_sizes(n);
    for (size_t i = 0; i < n; ++i) send_sizes[i] = send[i].size();
    check(MPI_Alltoall(send_sizes.data(), 1, MPI_UINT64_T, recv_sizes.data(), 1, MPI_UINT64_T,
                       MPI_COMM_WORLD),
          "MPI_Alltoall");
    std::vector<Bytes> recv(n);
    for (size_t i = 0; i < n; ++i) recv[i].resize(recv_sizes[i]);
    // Point-to-point with chunking: robust for any size, no int overflow in displacements.
    std::vector<MPI_Request> reqs;
    for (size_t i = 0; i < n; ++i) {
      for (size_t off = 0; off < recv_sizes[i]; off += kMaxChunk) {
        MPI_Request rq;
        const int len = static_cast<int>(std::min(kMaxChunk, recv_sizes[i] - off));
        check(MPI_Irecv(recv[i].data() + off, len, MPI_CHAR, static_cast<int>(i), kAlltoallTag,
                        MPI_COMM_WORLD, &rq),
              "MPI_Irecv");
        reqs.push_back(rq);
      }
    }
    for (size_t i = 0; i < n; ++i) {
      for (size_t off = 0; off < send_sizes[i]; off += kMaxChunk) {
        MPI_Request rq;
        const int len = static_cast<int>(std::min(kMaxChunk, send_sizes[i] - off));
        check(MPI_Isend(send[i].data() + off, len, MPI_CHAR, static_cast<int>(i), kAlltoallTag,
                        MPI_COMM_WORLD, &rq),
              "MPI_Isend");
        reqs.push_back(rq);
      }
    }
    check(MPI_Waitall(static_cast<int>(reqs.size()), reqs.data(), MPI_STATUSES_IGNORE),
          "MPI_Waitall");
    return recv;
  }

  void send(int dest, int tag, const Bytes& payload) override {
    uint64_t n = payload.size();
    check(MPI_Send(&n, 1, MPI_UINT64_T, dest, tag, MPI_COMM_WORLD), "MPI_Send");
    for (size_t off = 0; off < n; off += kMaxChunk) {
      const int len = static_cast<int>(std::min(kMaxChunk, n - off));
      check(MPI_Send(payload.data() + off, len, MPI_CHAR, dest, tag + kPayloadTagOffset,
                     MPI_COMM_WORLD),
            "MPI_Send");
    }
  }

  Message recv(int source, int tag) override {
    MPI_Status st;
    uint64_t n = 0;
    check(MPI_Recv(&n, 1, MPI_UINT64_T, source < 0 ? MPI_ANY_SOURCE : source, tag, MPI_COMM_WORLD,
                   &st),
          "MPI_Recv");
    return receive_payload(st.MPI_SOURCE, tag, n);
  }

  std::optional<Message> try_recv(int tag) override {
    int flag = 0;
    MPI_Status st;
    check(MPI_Iprobe(MPI_ANY_SOURCE, tag, MPI_COMM_WORLD, &flag, &st), "MPI_Iprobe");
    if (!flag) return std::nullopt;
    uint64_t n = 0;
    check(MPI_Recv(&n, 1, MPI_UINT64_T, st.MPI_SOURCE, tag, MPI_COMM_WORLD, MPI_STATUS_IGNORE),
          "MPI_Recv");
    return receive_payload(st.MPI_SOURCE, tag, n);
  }

  [[noreturn]] void abort(int exit_code) override {
    MPI_Abort(MPI_COMM_WORLD, exit_code);
    std::_Exit(exit_code);
  }

 private:
  // Header messages use the caller's tag; payload chunks use tag + offset so a header can never
  // be confused with a payload. The alltoallv tag sits above every user tag.
  static constexpr int kPayloadTagOffset = 1000;
  static constexpr int kAlltoallTag = 30000;

  Message receive_payload(int source, int tag, uint64_t n) {
    Message m{source, tag, Bytes(n)};
    for (size_t off = 0; off < n; off += kMaxChunk) {
      const int len = static_cast<int>(std::min(kMaxChunk, static_cast<size_t>(n) - off));
      check(MPI_Recv(m.payload.data() + off, len, MPI_CHAR, source, tag + kPayloadTagOffset,
                     MPI_COMM_WORLD, MPI_STATUS_IGNORE),
            "MPI_Recv");
    }
    return m;
  }

  int rank_ = 0;
  int size_ = 1;
};

}  // namespace

Communicator& mpi_world() {
  static MpiCommunicator* world = [] {
    int initialised = 0;
    MPI_Initialized(&initialised);
    if (!initialised) {
      int provided = 0;
      check(MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided), "MPI_Init_thread");
      g_we_initialised = true;
      MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    }
    return new MpiCommunicator();
  }();
  return *world;
}

bool mpi_active() {
  int initialised = 0, finalised = 0;
  MPI_Initialized(&initialised);
  MPI_Finalized(&finalised);
  return initialised && !finalised;
}

void mpi_shutdown() {
  int finalised = 0;
  MPI_Finalized(&finalised);
  if (g_we_initialised && !finalised) MPI_Finalize();
}

}  // namespace snds
