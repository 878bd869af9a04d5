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
    cv_.wait(lock, [&] { return !queue_.empty() || stopping_ || decodable(); });
    if (stopping_) return;
    if (queue_.empty()) {
      // Nothing to read: decode a task of a shard read ahead (reads always come first).
      const std::shared_ptr<ShardDecoding> decoding = decodable();
      lock.unlock();
      decoding->run_one();
      lock.lock();
      continue;
    }
    auto [shard, wanted] = std::move(queue_.front());
    queue_.pop_front();
    reading_ = shard;
    lock.unlock();
    Done done;
    done.wanted = wanted;
    try {
      done.decoding = std::make_shared<ShardDecoding>(read_(shard, wanted));
    } catch (...) {
      done.error = std::current_exception();
    }
    lock.lock();
    reading_.reset();
    done_[shard] = std::move(done);
    cv_.notify_all();
  }
}

std::shared_ptr<ShardDecoding> ShardReadAhead::decodable() const {
  for (const auto& [shard, done] : done_)
    if (done.decoding && done.decoding->tasks_left()) return done.decoding;
  return nullptr;
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

std::shared_ptr<ShardDecoding> ShardReadAhead::take(uint32_t shard, const WantedTables& wanted) {
  std::unique_lock lock(mu_);
  bool asked = known(shard);
  for (;;) {
    if (!asked) {
      queue_.emplace_front(shard, wanted);  // wanted now: ahead of any read-ahead
      cv_.notify_all();
      asked = true;
    }
    cv_.wait(lock, [&] { return done_.count(shard) > 0; });
    Done done = std::move(done_.at(shard));
    done_.erase(shard);
    if (done.error) std::rethrow_exception(done.error);
    if (done.wanted == wanted) return done.decoding;
    asked = false;  // read ahead for other columns: read again, now
  }
}

void ShardReadAhead::settle() {
  std::unique_lock lock(mu_);
  cv_.wait(lock, [&] { return queue_.empty() && !reading_; });
  done_.clear();  // reads nobody took (a stopped or failed run)
}

}  // namespace snds
