// Write-then-rename with fsync; folder creation with restricted modes.
#include "core/atomic_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "core/error.hpp"

namespace snds {
namespace fs = std::filesystem;

fs::path temp_path_for(const fs::path& final_path) {
  fs::path p = final_path;
  p += ".tmp";
  return p;
}

static void fsync_path(const fs::path& p, bool directory) {
  const int fd = ::open(p.c_str(), directory ? O_RDONLY | O_DIRECTORY : O_RDONLY);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

bool is_disk_full(int err) {
  return err == ENOSPC || err == EDQUOT || err == EFBIG;
}

Error write_error(const fs::path& file, int err) {
  if (is_disk_full(err)) {
    const fs::path folder = file.has_parent_path() ? file.parent_path() : fs::path(".");
    return data_error(
        "no space left in folder {} (writing {}: {}): free space there and rerun the same "
        "command",
        folder.string(), file.filename().string(), std::strerror(err));
  }
  return data_error("cannot write {}: {}", file.string(), std::strerror(err));
}

int disk_full_in(std::string_view message) {
  for (const int err : {ENOSPC, EDQUOT, EFBIG})
    if (message.ends_with(std::strerror(err))) return err;
  return 0;
}

void discard_failed_write(const fs::path& temp, const fs::path& final_path, const Error& e) {
  std::error_code ec;
  fs::remove(temp, ec);
  if (const int err = disk_full_in(e.what())) throw write_error(final_path, err);
  throw;
}

void fsync_folder(const fs::path& folder) {
  fsync_path(folder, true);
}

void commit_file(const fs::path& temp, const fs::path& final_path, bool sync_folder) {
  // Data a file system has not placed yet (delayed allocation, NFS) can fail here for want of
  // room: such a file must never be renamed into place.
  {
    const int fd = ::open(temp.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd >= 0 && ::fsync(fd) != 0 && errno != EINVAL) {
      const int err = errno;
      ::close(fd);
      std::error_code ec;
      fs::remove(temp, ec);
      throw write_error(final_path, err);
    }
    if (fd >= 0) ::close(fd);
  }
  ::chmod(temp.c_str(), kOutputFileMode);
  std::error_code ec;
  fs::rename(temp, final_path, ec);
  if (ec)
    throw data_error("cannot rename {} to {}: {}", temp.string(), final_path.string(),
                     ec.message());
  if (sync_folder)
    fsync_path(final_path.has_parent_path() ? final_path.parent_path() : fs::path("."), true);
}

int write_all_at(int fd, std::string_view bytes, uint64_t offset) {
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n =
        ::pwrite(fd, bytes.data() + done, bytes.size() - done, static_cast<off_t>(offset + done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return errno;
    if (n == 0) return EIO;  // no progress: never loop forever
    done += static_cast<size_t>(n);
  }
  return 0;
}

void write_file_atomic(const fs::path& final_path, std::string_view content) {
  const fs::path temp = temp_path_for(final_path);
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, kOutputFileMode);
  if (fd < 0) throw write_error(temp, errno);
  int failed = write_all_at(fd, content, 0);
  if (::close(fd) != 0 && failed == 0) failed = errno;  // NFS reports a full disk at close
  if (failed) {
    std::error_code ec;
    fs::remove(temp, ec);
    throw write_error(final_path, failed);
  }
  commit_file(temp, final_path);
}

void write_files_atomic(const std::vector<std::pair<fs::path, std::string>>& files) {
  std::vector<fs::path> temps;
  auto discard = [&] {
    std::error_code ec;
    for (const auto& t : temps) fs::remove(t, ec);
  };
  for (const auto& [final_path, content] : files) {
    const fs::path temp = temp_path_for(final_path);
    const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, kOutputFileMode);
    if (fd < 0) {
      const int err = errno;
      discard();
      throw write_error(temp, err);
    }
    temps.push_back(temp);
    int failed = write_all_at(fd, content, 0);
    // Data a file system has not placed yet (delayed allocation, NFS) can fail at fsync or close
    // for want of room: such a file must never be renamed into place.
    if (failed == 0 && ::fsync(fd) != 0 && errno != EINVAL) failed = errno;
    ::fchmod(fd, kOutputFileMode);  // whatever the umask
    if (::close(fd) != 0 && failed == 0) failed = errno;
    if (failed) {
      discard();
      throw write_error(final_path, failed);
    }
  }
  std::vector<fs::path> folders;
  for (size_t i = 0; i < files.size(); ++i) {
    const fs::path& final_path = files[i].first;
    std::error_code ec;
    fs::rename(temps[i], final_path, ec);
    if (ec) {
      const fs::path failed = temps[i];
      temps.erase(temps.begin(), temps.begin() + static_cast<std::ptrdiff_t>(i));  // renamed
      discard();
      throw data_error("cannot rename {} to {}: {}", failed.string(), final_path.string(),
                       ec.message());
    }
    const fs::path folder = final_path.has_parent_path() ? final_path.parent_path() : fs::path(".");
    if (std::find(folders.begin(), folders.end(), folder) == folders.end())
      folders.push_back(folder);
  }
  for (const auto& folder : folders) fsync_path(folder, true);
}

void make_output_dir(const fs::path& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec && is_disk_full(ec.value()))
    throw data_error(
        "no space left to create folder {}: free space there and rerun the same command",
        dir.string());
  if (ec) throw data_error("cannot create folder {}: {}", dir.string(), ec.message());
  ::chmod(dir.c_str(), kOutputDirMode);
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw data_error("cannot read {}", path.string());
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace snds
