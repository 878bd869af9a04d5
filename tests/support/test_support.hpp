// Helpers shared by tests: scratch folders, running the real binary, reading small files.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

namespace snds::test {

// A fresh folder under the build tree's temp area, removed when the object dies.
class TempDir {
 public:
  explicit TempDir(const std::string& prefix = "snds-test");
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

void write_text(const std::filesystem::path& path, const std::string& text);
std::string read_text(const std::filesystem::path& path);

// Sets the environment CTest gives MPI tests (root, oversubscription, 1 thread) unless set.
void ensure_test_environment();
// The project's source folder (configs/, tests/data/).
std::filesystem::path source_dir();

// Path of the snds-batch binary under test (SNDS_BIN, set by CTest).
std::string snds_bin();
// `data` as one gzip member (zlib, deflate `level`), for tests of compressed inputs.
std::string gzip_member(std::string_view data, int level = 6);

// Runs a shell command; returns its exit status (0-255), stdout+stderr in `output`.
int run_command(const std::string& command, std::string* output = nullptr);

}  // namespace snds::test
