// Store folder preparation and resume detection.
#include "jobs/ingest/store_folder.hpp"

#include "core/atomic_file.hpp"
#include "core/error.hpp"
#include "core/store/store_layout.hpp"
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

}  // namespace

StoreStart prepare_store_folder(const fs::path& store, const std::string& fingerprint, bool force) {
  const fs::path state = store_state_dir(store);
  const fs::path fp_file = state / "fingerprint";
  if (fs::exists(store_manifest_path(store))) {
    if (!force)
      throw usage_error("store {} already exists and is complete; use --force to replace it",
                        store.string());
    log::info("--force: replacing the store in {}", store.string());
    remove_store_content(store);
  } else if (fs::exists(fp_file)) {
    std::string old;
    try {
      old = read_file(fp_file);
    } catch (const Error&) {
    }
    if (old == fingerprint && !force) {
      log::info("resuming the unfinished ingest in {}", store.string());
      return StoreStart::kResume;
    }
    log::info("{} holds an unfinished ingest of other inputs or settings: starting over",
              store.string());
    remove_store_content(store);
  } else if (fs::exists(store) && !fs::is_empty(store)) {
    if (!fs::exists(store / "shards"))
      throw usage_error(
          "store folder {} exists and is not an snds-batch store; choose an empty or new folder",
          store.string());
    remove_store_content(store);
  }
  make_output_dir(store);
  make_output_dir(store / "shards");
  make_output_dir(state);
  write_file_atomic(fp_file, fingerprint);
  return StoreStart::kFresh;
}

void finish_store_folder(const fs::path& store) {
  std::error_code ec;
  fs::remove_all(store_state_dir(store), ec);
}

}  // namespace snds
