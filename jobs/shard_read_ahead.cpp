// The read-ahead I/O thread (see shard_read_ahead.hpp).
#include "jobs/shard_read_ahead.hpp"

#include <utility>

namespace snds {

ShardReadAhead::ShardReadAhead(Read read) : read_(std::move(read)) {
  thread_ = std::thread([this] { loop(); });
}

ShardReadAhead::~ShardReadAhead() {
  {
    std::unique_lock lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void ShardReadAhead::loop() {
  std::unique_lock lock(mu_);
  for (;;) {
    cv_.wait(lock, [&] { return !queue_.empty() || stopping_; });
    if (stopping_) return;
    auto [shard, wanted] = std::move(queue_.front());
    queue_.pop_front();
    reading_ = shard;
    lock.unlock();
    Done done;
    done.wanted = wanted;
    try {
      done.stored = read_(shard, wanted);
    } catch (...) {
      done.error = std::current_exception();
    }
    lock.lock();
    reading_.reset();
    done_[shard] = std::move(done);
    cv_.notify_all();
  }
}

bool ShardReadAhead::known(uint32_t shard) const {
  if (reading_ == shard || done_.count(shard) > 0) return true;
  for (const auto& q : queue_)
    if (q.first == shard) return true;
  return false;
}

void ShardReadAhead::start(uint32_t shard, const WantedTables& wanted) {
  std::unique_lock lock(mu_);
  if (known(shard)) return;
  queue_.emplace_back(shard, wanted);
  cv_.notify_all();
}

StoredShard ShardReadAhead::take(uint32_t shard, const WantedTables& wanted) {
  std::unique_lock lock(mu_);
  if (!known(shard)) {
    queue_.emplace_front(shard, wanted);  // wanted now: ahead of any read-ahead
    cv_.notify_all();
  }
  cv_.wait(lock, [&] { return done_.count(shard) > 0; });
  Done done = std::move(done_.at(shard));
  done_.erase(shard);
  if (done.error) std::rethrow_exception(done.error);
  if (done.wanted != wanted) {  // read for other columns: read again, now
    queue_.emplace_front(shard, wanted);
    cv_.notify_all();
    cv_.wait(lock, [&] { return done_.count(shard) > 0; });
    done = std::move(done_.at(shard));
    done_.erase(shard);
    if (done.error) std::rethrow_exception(done.error);
  }
  return std::move(*done.stored);
}

void ShardReadAhead::settle() {
  std::unique_lock lock(mu_);
  cv_.wait(lock, [&] { return queue_.empty() && !reading_; });
  done_.clear();  // reads nobody took (a stopped or failed run)
}

}  // namespace snds
