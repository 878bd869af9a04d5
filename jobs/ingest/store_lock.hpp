// The store's writer lock (issue #12, case 2): an ingest holds an exclusive flock(2) on
// STORE/.lock from before it decides anything about the folder until it has finished, so two
// ingests can never write one store at once. The holder writes "pid@host since <time>" into the
// file, so a second ingest can say who holds it. The kernel (or the file system's lock manager)
// releases a flock when its process dies, however it dies: a lock is never left behind by a
// crash on a file system whose flock is coherent. docs/operators.md ("What protects a store")
// says what it relies on (Lustre's `flock` mount option, GPFS, NFSv4) and how to break a lock
// where it is not released.
//
// Jobs do not lock: they never see a store being written (a store is complete only once its
// manifest is written, and --force builds the replacement beside it), and every shard they read
// must carry the store id of the manifest they started from (store_layout.hpp), which catches a
// store replaced while they read it.
#pragma once

#include <filesystem>
#include <string>

namespace snds {

inline constexpr const char* kStoreLockName = ".lock";

class StoreLock {
 public:
  StoreLock() = default;
  // Takes the exclusive lock on `folder`/.lock (created if absent; the folder must exist) without
  // waiting. A usage_error (exit 2) naming the holder when another process holds it. On a file
  // system without flock (ENOLCK, ENOSYS, EOPNOTSUPP: Lustre mounted without `flock`) the store
  // cannot be protected: a warning says so and the lock is held nowhere (held() is false).
  static StoreLock exclusive(const std::filesystem::path& folder);
  ~StoreLock();
  StoreLock(StoreLock&& other) noexcept;
  StoreLock& operator=(StoreLock&& other) noexcept;
  StoreLock(const StoreLock&) = delete;
  StoreLock& operator=(const StoreLock&) = delete;

  bool held() const { return fd_ >= 0; }
  // Releases the lock now (the destructor does it otherwise).
  void release();

 private:
  explicit StoreLock(int fd) : fd_(fd) {}
  int fd_ = -1;
};

// "pid 1234 on node12 since 2026-12-05T21:10:00Z": who holds the lock of `folder` as its holder
// wrote it, or "" when nobody wrote it.
std::string store_lock_holder(const std::filesystem::path& folder);

}  // namespace snds
