// The store's writer lock: flock(2) on STORE/.lock (see store_lock.hpp).
#include "jobs/ingest/store_lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>

#include <fmt/format.h>

#include "core/atomic_file.hpp"
#include "core/error.hpp"
#include "runtime/log.hpp"

namespace snds {
namespace fs = std::filesystem;

namespace {

std::string holder_text() {
  char host[256] = {};
  if (::gethostname(host, sizeof host - 1) != 0) std::strcpy(host, "unknown-host");
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char when[32];
  std::strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return fmt::format("pid {} on {} since {}\n", ::getpid(), host, when);
}

bool flock_unsupported(int err) {
  return err == ENOLCK || err == ENOSYS || err == EOPNOTSUPP || err == EINVAL;
}

}  // namespace

StoreLock StoreLock::exclusive(const fs::path& folder) {
  const fs::path file = folder / kStoreLockName;
  // A lock file removed (by an operator breaking a lock) between our open and our flock leaves us
  // holding a lock on a file nobody else will open: retry on the file now at that path.
  for (int attempt = 0; attempt < 10; ++attempt) {
    const int fd = ::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, kOutputFileMode);
    if (fd < 0)
      throw data_error("cannot create the store's lock file {}: {}", file.string(),
                       std::strerror(errno));
    int rc;
    do {
      rc = ::flock(fd, LOCK_EX | LOCK_NB);
    } while (rc != 0 && errno == EINTR);
    if (rc != 0) {
      const int err = errno;
      ::close(fd);
      if (err == EWOULDBLOCK) {
        std::string who = store_lock_holder(folder);
        throw usage_error(
            "store {} is locked by another ingest ({}): wait for it to end; if that process is "
            "gone, see \"What protects a store\" in docs/operators.md",
            folder.string(), who.empty() ? "holder unknown" : who);
      }
      if (flock_unsupported(err)) {
        log::warn(
            "cannot lock store {}: its file system does not support flock ({}); nothing stops "
            "a second ingest from writing it at the same time (docs/operators.md)",
            folder.string(), std::strerror(err));
        return StoreLock();
      }
      throw data_error("cannot lock {}: {}", file.string(), std::strerror(err));
    }
    struct stat held {
    }, now{};
    if (::fstat(fd, &held) != 0 || ::stat(file.c_str(), &now) != 0 || held.st_ino != now.st_ino ||
        held.st_dev != now.st_dev) {
      ::close(fd);
      continue;
    }
    StoreLock lock(fd);
    // Who holds it, for the message of the next ingest; fdatasync so that a reader on another
    // NFS client sees it.
    const std::string text = holder_text();
    if (::ftruncate(fd, 0) != 0 || write_all_at(fd, text, 0) != 0 || ::fdatasync(fd) != 0)
      throw data_error("cannot write the store's lock file {}: {}", file.string(),
                       std::strerror(errno));
    return lock;
  }
  throw data_error("cannot lock {}: the lock file keeps being replaced", file.string());
}

StoreLock::~StoreLock() {
  release();
}

StoreLock::StoreLock(StoreLock&& other) noexcept : fd_(other.fd_) {
  other.fd_ = -1;
}

StoreLock& StoreLock::operator=(StoreLock&& other) noexcept {
  if (this != &other) {
    release();
    fd_ = other.fd_;
    other.fd_ = -1;
  }
  return *this;
}

void StoreLock::release() {
  if (fd_ < 0) return;
  // Emptied first: a file that names a holder is held (or its holder died without a release on a
  // file system that keeps the lock, the case an operator breaks by hand).
  [[maybe_unused]] const int ignored = ::ftruncate(fd_, 0);
  ::flock(fd_, LOCK_UN);
  ::close(fd_);
  fd_ = -1;
}

std::string store_lock_holder(const fs::path& folder) {
  std::string text;
  try {
    text = read_file(folder / kStoreLockName);
  } catch (const Error&) {
    return "";
  }
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  return text;
}

}  // namespace snds
