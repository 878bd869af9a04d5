// Write-then-rename: an output file is either whole or absent. Files are created 0640 (outputs are
// never world-readable) and fsynced before the rename so a crash cannot leave a torn file.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

namespace snds {

inline constexpr unsigned kOutputFileMode = 0640;
inline constexpr unsigned kOutputDirMode = 0750;

// The temporary name an output is written under before commit_file() renames it.
std::filesystem::path temp_path_for(const std::filesystem::path& final_path);
// fsyncs `temp` and renames it to `final_path` (then fsyncs the folder).
void commit_file(const std::filesystem::path& temp, const std::filesystem::path& final_path);
// Writes all of `bytes` at `offset` of the open file `fd` (retrying short writes); 0, or the
// errno of the failed write.
int write_all_at(int fd, std::string_view bytes, uint64_t offset);
// Writes `content` to final_path atomically.
void write_file_atomic(const std::filesystem::path& final_path, std::string_view content);
// Creates a folder (and parents) with kOutputDirMode; error naming the folder on failure.
void make_output_dir(const std::filesystem::path& dir);
std::string read_file(const std::filesystem::path& path);

}  // namespace snds
