// The recursive walk of an inputs folder (see input_discovery.hpp).
#include "jobs/ingest/input_discovery.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <map>
#include <set>
#include <utility>

#include "core/error.hpp"

namespace snds {
namespace fs = std::filesystem;

namespace {

using FileId = std::pair<dev_t, ino_t>;

struct Walk {
  std::set<FileId> folders;             // folders entered (loops through links end here)
  std::map<FileId, std::string> files;  // file -> its first relative path
  std::optional<FileId> skip;           // the store
  std::vector<ListedFile> out;

  void folder(const fs::path& dir, const std::string& relative) {
    std::vector<std::string> names;
    std::error_code ec;
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec))
      names.push_back(it->path().filename().string());
    if (ec) throw data_error("input folder {} cannot be read: {}", dir.string(), ec.message());
    std::sort(names.begin(), names.end());
    for (const auto& name : names) {
      if (name.empty() || name[0] == '.') continue;  // hidden: .DS_Store, .git, editors' files
      entry(dir / name, relative.empty() ? name : relative + "/" + name);
    }
  }

  void entry(const fs::path& path, const std::string& relative) {
    ListedFile f;
    f.path = path.string();
    f.relative = relative;
    struct stat st {};
    if (::stat(f.path.c_str(), &st) != 0) {  // follows links: a dangling one fails here
      struct stat lst {};
      f.reason = ::lstat(f.path.c_str(), &lst) == 0 && S_ISLNK(lst.st_mode)
                     ? "symbolic link to nothing"
                     : "cannot be read";
      out.push_back(std::move(f));
      return;
    }
    const FileId id{st.st_dev, st.st_ino};
    if (S_ISDIR(st.st_mode)) {
      if (skip && *skip == id) return;         // the store being written
      if (!folders.insert(id).second) return;  // reached before: a link loop or a twin
      folder(path, relative);
      return;
    }
    f.table = table_for_file(relative);
    if (!S_ISREG(st.st_mode)) {
      f.reason = "not a regular file";
      out.push_back(std::move(f));
      return;
    }
    f.bytes = static_cast<uint64_t>(st.st_size);
    if (auto [it, fresh] = files.emplace(id, relative); !fresh) {
      f.reason = "same file as " + it->second + " (reached twice through a symbolic link)";
    } else if (!f.table) {
      f.reason = "name is not an SNDS table the ingest reads";
    } else {
      f.taken = true;
    }
    out.push_back(std::move(f));
  }
};

}  // namespace

std::string input_format(std::string_view file_name) {
  const size_t slash = file_name.find_last_of('/');
  if (slash != std::string_view::npos) file_name.remove_prefix(slash + 1);
  std::string lower(file_name);
  for (auto& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  for (const char* known : {".csv", ".sas7bdat"})
    if (const size_t at = lower.rfind(known); at != std::string::npos && at > 0)
      return lower.substr(at + 1);
  const size_t dot = lower.find_last_of('.');
  return dot == std::string::npos || dot == 0 ? std::string() : lower.substr(dot + 1);
}

std::vector<ListedFile> discover_inputs(const std::string& root, const std::string& skip) {
  if (fs::exists(root) && !fs::is_directory(root))
    throw data_error("inputs {} is a file, not a folder: name the folder holding the extract",
                     root);
  if (!fs::is_directory(root)) throw data_error("input folder {} does not exist", root);
  Walk walk;
  struct stat st {};
  if (!skip.empty() && ::stat(skip.c_str(), &st) == 0) walk.skip = FileId{st.st_dev, st.st_ino};
  if (::stat(root.c_str(), &st) == 0) walk.folders.insert(FileId{st.st_dev, st.st_ino});
  walk.folder(root, "");
  return std::move(walk.out);
}

}  // namespace snds
