// Store folder preparation, resume detection and the --force swap.
#include "jobs/ingest/store_folder.hpp"

#include <fcntl.h>
#include <stdio.h>  // renameat2
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/atomic_file.hpp"
#include "core/error.hpp"
#include "core/store/store_layout.hpp"
#include "runtime/fault_injection.hpp"
#include "runtime/log.hpp"

namespace snds {
namespace fs = std::filesystem;

namespace {

void remove_store_content(const fs::path& store) {
  std::error_code ec;
  fs::remove(store_manifest_path(store), ec);  // first: the store stops being "complete"
  fs::remove_all(store / "shards", ec);
  fs::remove(store_referential_path(store), ec);
  fs::remove(store_rejects_path(store), ec);
  fs::remove_all(store_state_dir(store), ec);
}

// Whether `store` holds nothing an ingest did not write: absent, empty, or only a lock file.
bool holds_nothing(const fs::path& store) {
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(store, ec))
    if (entry.path().filename() != kStoreLockName) return false;
  return true;
}

// Whether `folder` may be written as a store: absent, empty, or something an ingest made.
bool is_store_like(const fs::path& folder) {
  return !fs::exists(folder) || holds_nothing(folder) || fs::exists(store_manifest_path(folder)) ||
         fs::exists(store_state_dir(folder)) || fs::exists(folder / "shards");
}

// Resumes the unfinished ingest in `folder` when it is of the same inputs and settings (and
// `may_resume`), else empties it and starts a fresh one. The folder exists and is locked.
void start_or_resume(const fs::path& folder, const std::string& fingerprint, bool may_resume,
                     PreparedStore& out) {
  const fs::path state = store_state_dir(folder);
  const fs::path fp_file = state / "fingerprint";
  const fs::path id_file = state / "store_id";
  if (fs::exists(fp_file)) {
    std::string old, id;
    try {
      old = read_file(fp_file);
      id = read_file(id_file);
    } catch (const Error&) {
    }
    // The kept shards carry the interrupted run's store id: the resumed run writes the same.
    if (old == fingerprint && may_resume && !id.empty()) {
      log::info("resuming the unfinished ingest in {}", folder.string());
      out.start = StoreStart::kResume;
      out.store_id = id;
      return;
    }
    log::info("{} holds an unfinished ingest of other inputs or settings: starting over",
              folder.string());
    remove_store_content(folder);
  } else if (!holds_nothing(folder)) {
    remove_store_content(folder);
  }
  make_output_dir(folder / "shards");
  make_output_dir(state);
  out.start = StoreStart::kFresh;
  out.store_id = new_store_id();
  write_file_atomic(id_file, out.store_id);
  write_file_atomic(fp_file, fingerprint);
}

// "store/" -> "store": the folder's own name, for its siblings' names.
fs::path without_slash(const fs::path& folder) {
  return folder.has_filename() ? folder : folder.parent_path();
}

void sync_folder(const fs::path& folder) {
  const int fd = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

}  // namespace

fs::path replacement_folder(const fs::path& store) {
  const fs::path s = without_slash(store);
  return s.parent_path() / (s.filename().string() + ".new");
}

PreparedStore prepare_store_folder(const fs::path& store, const std::string& fingerprint,
                                   bool force) {
  // Refused before anything is created in it, the lock file included.
  if (!is_store_like(store))
    throw usage_error(
        "store folder {} exists and is not an snds-batch store; choose an empty or new folder",
        store.string());
  make_output_dir(store);
  PreparedStore out;
  // Every decision below is made under the lock, held until the ingest ends.
  out.lock = StoreLock::exclusive(store);
  if (!fs::exists(store_manifest_path(store))) {
    out.folder = store;
    start_or_resume(store, fingerprint, !force, out);
    return out;
  }
  if (!force)
    throw usage_error("store {} already exists and is complete; use --force to replace it",
                      store.string());
  const fs::path next = replacement_folder(store);
  if (!is_store_like(next))
    throw usage_error(
        "--force builds the new store in {} beside {}, but that folder exists and is not an "
        "unfinished snds-batch store: move it away",
        next.string(), store.string());
  make_output_dir(next);
  out.folder_lock = StoreLock::exclusive(next);
  out.folder = next;
  out.replaces = store;
  log::info("--force: building the new store in {}; it replaces {} once complete", next.string(),
            store.string());
  start_or_resume(next, fingerprint, true, out);
  return out;
}

void finish_store_folder(PreparedStore& prepared) {
  std::error_code ec;
  fs::remove_all(store_state_dir(prepared.folder), ec);
  if (prepared.replaces.empty()) return;
  const fs::path& next = prepared.folder;
  const fs::path& store = prepared.replaces;
  fault_point("swap");
  // One atomic step where the file system has it (Linux: ext4, xfs, btrfs, tmpfs...): jobs see
  // the old store or the new one, never none. Elsewhere, two renames: a job starting between
  // them finds no store and fails (exit 3) without reading anything.
  fs::path old = next;
  if (::renameat2(AT_FDCWD, next.c_str(), AT_FDCWD, store.c_str(), RENAME_EXCHANGE) != 0) {
    if (errno != EINVAL && errno != ENOSYS && errno != EOPNOTSUPP)
      throw data_error("cannot swap the new store {} in for {}: {}", next.string(), store.string(),
                       std::strerror(errno));
    const fs::path s = without_slash(store);
    old = s.parent_path() / (s.filename().string() + ".old");
    fs::remove_all(old, ec);
    if (::rename(store.c_str(), old.c_str()) != 0)
      throw data_error("cannot move the old store {} aside to {}: {}", store.string(), old.string(),
                       std::strerror(errno));
    if (::rename(next.c_str(), store.c_str()) != 0)
      throw data_error(
          "cannot rename the new store {} to {}: {} (the old store is in {}: rename it back, or "
          "rename {} to {})",
          next.string(), store.string(), std::strerror(errno), old.string(), next.string(),
          store.string());
  }
  sync_folder(fs::absolute(without_slash(store)).parent_path());
  // The old store (now at `old`) goes, its lock file with it; both locks are released after.
  fs::remove_all(old, ec);
  if (ec)
    log::warn("the new store is in {}; the old one could not be removed from {}: {}",
              store.string(), old.string(), ec.message());
  prepared.folder_lock.release();
  prepared.lock.release();
  log::info("--force: the new store replaced the old one in {}", store.string());
}

}  // namespace snds
