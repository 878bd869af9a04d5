// Shuffle rounds over alltoallv; the wire format is a count, then (bucket, table, rows, decoded
// bytes, size, compact batch) parts.
#include "runtime/exchange.hpp"

#include <algorithm>

#include "core/error.hpp"
#include "core/serialize.hpp"

namespace snds {

void Outbox::add(int dest, uint32_t bucket, const std::string& table, EncodedBatch&& rows) {
  bytes_ += rows.size();
  ++count_;
  parts_[static_cast<size_t>(dest)].push_back(Part{bucket, table, std::move(rows)});
}

std::vector<Bytes> Outbox::take_encoded() {
  std::vector<Bytes> out(parts_.size());
  for (size_t d = 0; d < parts_.size(); ++d) {
    size_t size = sizeof(uint64_t);
    for (const auto& p : parts_[d])
      size += sizeof(uint32_t) + sizeof(uint64_t) + p.table.size() + 3 * sizeof(uint64_t) +
              p.rows.size();
    out[d].reserve(size);
    ByteWriter w(out[d]);
    w.put<uint64_t>(parts_[d].size());
    for (auto& p : parts_[d]) {
      w.put<uint32_t>(p.bucket);
      w.put_string(p.table);
      w.put<uint64_t>(p.rows.rows());
      w.put<uint64_t>(p.rows.decoded_bytes());
      w.put<uint64_t>(p.rows.size());
      w.put_bytes(p.rows.data(), p.rows.size());
      p.rows.release();
    }
    parts_[d].clear();
  }
  bytes_ = 0;
  count_ = 0;
  return out;
}

std::vector<Outbox::Part> Outbox::take_local(int rank) {
  std::vector<Part> local = std::move(parts_[static_cast<size_t>(rank)]);
  parts_[static_cast<size_t>(rank)].clear();
  for (auto& p : local) bytes_ -= std::min(bytes_, static_cast<uint64_t>(p.rows.size()));
  count_ -= std::min(count_, static_cast<uint64_t>(local.size()));
  return local;
}

namespace {
// Per thread: a rank's exchange() and its phase metrics run on its communicating thread, and the
// ranks that tests run in one process (run_in_process) each have their own thread.
thread_local ExchangeTotals g_totals;
}  // namespace

ExchangeTotals exchange_totals() {
  return g_totals;
}

void reset_largest_round() {
  g_totals.largest_round = 0;
}

ExchangeStats exchange(Communicator& comm, Outbox& outbox, BucketStore& store) {
  ExchangeStats stats;
  // Rows staying on this rank skip the wire format.
  std::vector<Outbox::Part> local = outbox.take_local(comm.rank());
  std::vector<Bytes> send = outbox.take_encoded();
  for (size_t d = 0; d < send.size(); ++d)
    if (static_cast<int>(d) != comm.rank()) stats.bytes_sent += send[d].size();
  g_totals.rounds += 1;
  g_totals.bytes_sent += stats.bytes_sent;
  g_totals.largest_round = std::max(g_totals.largest_round, stats.bytes_sent);
  std::vector<Bytes> recv = comm.alltoallv(send);
  send.clear();
  for (size_t s = 0; s < recv.size(); ++s) {
    if (static_cast<int>(s) != comm.rank()) stats.bytes_received += recv[s].size();
    ByteReader r(recv[s]);
    const auto parts = r.get<uint64_t>();
    for (uint64_t i = 0; i < parts; ++i) {
      const auto bucket = r.get<uint32_t>();
      std::string table = r.get_string();
      const auto rows = r.get<uint64_t>();
      const auto decoded = r.get<uint64_t>();
      const auto size = r.get<uint64_t>();
      if (size > r.remaining()) throw internal_error("truncated buffer while decoding");
      EncodedBatch batch(size, rows, decoded);
      r.get_bytes(batch.data(), size);
      store.add(bucket, table, std::move(batch));
    }
    Bytes().swap(recv[s]);
  }
  for (auto& p : local) store.add(p.bucket, p.table, std::move(p.rows));
  return stats;
}

}  // namespace snds
