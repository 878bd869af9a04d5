// Write-then-rename with fsync; folder creation with restricted modes.
#include "core/atomic_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

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

void commit_file(const fs::path& temp, const fs::path& final_path) {
  fsync_path(temp, false);
  ::chmod(temp.c_str(), kOutputFileMode);
  std::error_code ec;
  fs::rename(temp, final_path, ec);
  if (ec)
    throw data_error("cannot rename {} to {}: {}", temp.string(), final_path.string(),
                     ec.message());
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
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC, kOutputFileMode);
  if (fd < 0) throw data_error("cannot write {}: {}", temp.string(), std::strerror(errno));
  if (const int failed = write_all_at(fd, content, 0)) {
    ::close(fd);
    throw data_error("cannot write {}: {}", temp.string(), std::strerror(failed));
  }
  ::close(fd);
  commit_file(temp, final_path);
}

void make_output_dir(const fs::path& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
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
