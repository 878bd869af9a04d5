// Which folders a job may write its outputs into. A job's output folder must never be, contain or
// lie inside a store (writing there would replace the store's manifest.json), nor be `/`, nor be a
// non-empty folder that snds-batch did not create: checked by `validate` and by `run` alike,
// before anything is written.
#pragma once

#include <filesystem>
#include <string>

namespace snds {

// The marker a job leaves in every output folder it prepares (so that a rerun after an
// interruption, which leaves no manifest.json, still recognises its own folder).
inline constexpr const char* kOutputMarker = ".snds-batch-output";

// Whether `dir` looks like a store: a manifest.json of format snds-batch-store, an unfinished
// ingest's state (.ingest/) or a lock file, or a shards/ folder of shard files.
bool looks_like_store(const std::filesystem::path& dir);

// A usage error (exit 2, one sentence naming the config file and the folder) when `output` may
// not be written by a job reading `store`.
void check_output_folder(const std::string& output, const std::string& store,
                         const std::string& config_file);

}  // namespace snds
