// Read-ahead of shard files for the store-reading jobs: one I/O thread per rank makes every
// HDF5 call of the shard phase (copying the wanted columns' stored chunks out of the file) while
// the rank's main thread and its OpenMP team compute on the previous shard. When it has nothing
// to read, the I/O thread starts decoding what it has read (ShardDecoding tasks, no HDF5 call);
// the team finishes the decoding when it takes the shard. HDF5 is thus still called by one thread
// at a time, MPI only by the main thread, and the serial part of a shard overlaps the parallel
// part of the one before instead of idling a core.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <exception>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>

#include "core/store/shard_decoding.hpp"
#include "core/store/shard_reader.hpp"

namespace snds {

class ShardReadAhead {
 public:
  using Read = std::function<StoredShard(uint32_t shard, const WantedTables& wanted)>;
  explicit ShardReadAhead(Read read);
  ~ShardReadAhead();  // waits for a read in flight
  ShardReadAhead(const ShardReadAhead&) = delete;
  ShardReadAhead& operator=(const ShardReadAhead&) = delete;

  // Queues `shard` for reading on the I/O thread, after the reads already queued.
  void start(uint32_t shard, const WantedTables& wanted);
  // The shard's stored columns: the read queued for it, or a read made next on the I/O thread.
  // Rethrows the read's error. Reads done for other shards are kept for their own take().
  std::shared_ptr<ShardDecoding> take(uint32_t shard, const WantedTables& wanted);
  // Waits until the I/O thread is idle (before the rank calls HDF5 itself again).
  void settle();

 private:
  struct Done {
    WantedTables wanted;
    std::shared_ptr<ShardDecoding> decoding;
    std::exception_ptr error;
  };
  void loop();
  bool known(uint32_t shard) const;
  std::shared_ptr<ShardDecoding> decodable() const;  // a read shard with tasks left

  Read read_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::pair<uint32_t, WantedTables>> queue_;  // to read, in this order
  std::optional<uint32_t> reading_;
  std::map<uint32_t, Done> done_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace snds
