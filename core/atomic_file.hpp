// Write-then-rename: an output file is either whole or absent. Files are created 0640 (outputs are
// never world-readable) and fsynced before the rename so a crash cannot leave a torn file.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/error.hpp"

namespace snds {

inline constexpr unsigned kOutputFileMode = 0640;
inline constexpr unsigned kOutputDirMode = 0750;

// The temporary name an output is written under before commit_file() renames it.
std::filesystem::path temp_path_for(const std::filesystem::path& final_path);
// fsyncs `temp` and renames it to `final_path`, then fsyncs the folder unless `sync_folder` is
// false: a writer committing many files into one folder calls fsync_folder() once after the last.
void commit_file(const std::filesystem::path& temp, const std::filesystem::path& final_path,
                 bool sync_folder = true);
void fsync_folder(const std::filesystem::path& folder);
// Writes all of `bytes` at `offset` of the open file `fd` (retrying short writes); 0, or the
// errno of the failed write.
int write_all_at(int fd, std::string_view bytes, uint64_t offset);
// Whether a write failed for want of room: no space (ENOSPC), a quota (EDQUOT) or a file size
// limit (EFBIG, RLIMIT_FSIZE). Such a failure is exit 3, whatever file it hits.
bool is_disk_full(int err);
// The error for a failed write of `file` (exit 3): for a full disk one sentence naming the
// folder, "no space left in folder X (writing Y: No space left on device): free space there and
// rerun the same command"; otherwise "cannot write Y: <reason>".
Error write_error(const std::filesystem::path& file, int err);
// The errno whose strerror() ends `message` when it is a disk-full one (HDF5 reports only the
// text), else 0.
int disk_full_in(std::string_view message);

// Called in the catch handler of a failed write of `temp` (meant to become `final_path`): removes
// `temp` and rethrows the error, a full disk as write_error(final_path, ...).
[[noreturn]] void discard_failed_write(const std::filesystem::path& temp,
                                       const std::filesystem::path& final_path, const Error& e);

// Writes `content` to final_path atomically; on failure nothing is left at either name.
void write_file_atomic(const std::filesystem::path& final_path, std::string_view content);
// write_file_atomic for several files at once, each whole or absent: all are written and
// fsynced, then renamed, then each folder is fsynced once (not once per file: a job writing
// seven outputs spent more time in those fsyncs than in writing). On a failure no temporary file
// is left and none of the files is renamed into place.
void write_files_atomic(const std::vector<std::pair<std::filesystem::path, std::string>>& files);
// Creates a folder (and parents) with kOutputDirMode; error naming the folder on failure.
void make_output_dir(const std::filesystem::path& dir);
std::string read_file(const std::filesystem::path& path);

}  // namespace snds
