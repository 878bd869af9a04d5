// The store folder's life cycle: refusing to overwrite a complete store (unless --force) or a
// folder that is not a store, recognising an unfinished ingest of the same inputs (resume: keep
// its finished shard files) and starting over otherwise.
#pragma once

#include <filesystem>
#include <string>

namespace snds {

enum class StoreStart { kFresh, kResume };

// Rank 0 only. `fingerprint` identifies inputs + settings; an unfinished ingest with the same
// fingerprint is resumed.
StoreStart prepare_store_folder(const std::filesystem::path& store, const std::string& fingerprint,
                                bool force);
// Rank 0, at the very end: removes the checkpoint state.
void finish_store_folder(const std::filesystem::path& store);

}  // namespace snds
