// The store folder's life cycle, all under the store's writer lock: refusing to overwrite a
// complete store (unless --force) or a folder that is not a store, recognising an unfinished
// ingest of the same inputs (resume: keep its finished shard files) and starting over otherwise.
// `--force` on a complete store never touches it while the new one is built: the new store is
// written beside it, in STORE.new, and swapped in only once complete (swap_in_store), so a
// failing or killed --force leaves the good store answering jobs.
#pragma once

#include <filesystem>
#include <string>

#include "jobs/ingest/store_lock.hpp"

namespace snds {

enum class StoreStart { kFresh, kResume };

struct PreparedStore {
  StoreStart start = StoreStart::kFresh;
  std::filesystem::path folder;    // where this ingest writes: the store, or STORE.new
  std::filesystem::path replaces;  // with --force on a complete store: the store; else empty
  StoreLock lock;                  // the store's writer lock: keep it until the ingest ends
  StoreLock folder_lock;           // STORE.new's, while it is being built
  std::string store_id;  // written into the manifest and every file (new, or the resumed run's)
};

// The folder a --force ingest builds the replacement of `store` in: STORE.new beside it.
std::filesystem::path replacement_folder(const std::filesystem::path& store);

// Rank 0 only. Takes the store's lock (exit 2 naming its holder when another ingest has it), then
// decides. `fingerprint` identifies inputs + settings; an unfinished ingest with the same
// fingerprint is resumed (in STORE.new too: a --force stopped by a signal resumes when rerun).
PreparedStore prepare_store_folder(const std::filesystem::path& store,
                                   const std::string& fingerprint, bool force);
// Rank 0, at the very end, once the manifest is written: removes the checkpoint state and, for a
// replacement, swaps it in for the old store and removes the old one.
void finish_store_folder(PreparedStore& prepared);

}  // namespace snds
