// Output folder refusal (see output_folder.hpp).
#include "jobs/output_folder.hpp"

#include "core/atomic_file.hpp"
#include "core/error.hpp"
#include "core/store/store_layout.hpp"

namespace snds {
namespace fs = std::filesystem;

namespace {

bool is_previous_output(const fs::path& dir) {
  std::error_code ec;
  if (fs::exists(dir / kOutputMarker, ec)) return true;
  // Outputs of releases before the marker: a job manifest.
  const fs::path manifest = dir / "manifest.json";
  if (!fs::is_regular_file(manifest, ec)) return false;
  try {
    const std::string text = read_file(manifest);
    return text.find("\"job\"") != std::string::npos &&
           text.find("snds-batch-store") == std::string::npos;
  } catch (const Error&) {
    return false;
  }
}

// `inner` equals `outer` or lies below it (both absolute and normal).
bool lies_within(const fs::path& inner, const fs::path& outer) {
  auto i = inner.begin();
  for (auto o = outer.begin(); o != outer.end(); ++o, ++i) {
    if (o->empty()) continue;  // a trailing separator
    if (i == inner.end() || *i != *o) return false;
  }
  return true;
}

}  // namespace

bool looks_like_store(const fs::path& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return false;
  if (fs::exists(store_state_dir(dir), ec) || fs::exists(dir / ".lock", ec)) return true;
  const fs::path manifest = store_manifest_path(dir);
  if (fs::is_regular_file(manifest, ec)) {
    try {
      if (read_file(manifest).find("snds-batch-store") != std::string::npos) return true;
    } catch (const Error&) {
    }
  }
  return fs::exists(shard_path(dir, 0), ec) || fs::exists(store_referential_path(dir), ec);
}

void check_output_folder(const std::string& output, const std::string& store,
                         const std::string& config_file) {
  if (output.empty())
    throw usage_error("{}: output is empty; name the folder the job writes into", config_file);
  std::error_code ec;
  const fs::path out = fs::weakly_canonical(fs::absolute(output), ec).lexically_normal();
  const fs::path st = fs::weakly_canonical(fs::absolute(store), ec).lexically_normal();
  if (out == out.root_path())
    throw usage_error("{}: output {} is the root of the file system; choose a folder of its own",
                      config_file, output);
  if (lies_within(st, out))
    throw usage_error("{}: output {} {} the store {}; choose a folder outside the store",
                      config_file, output, out == st ? "is" : "contains", store);
  for (fs::path p = out; !p.empty(); p = p.parent_path()) {
    if (looks_like_store(p))
      throw usage_error("{}: output {} {} the store {}; choose a folder outside any store",
                        config_file, output, p == out ? "is" : "lies inside", p.string());
    if (p == p.root_path()) break;
  }
  if (fs::is_directory(out, ec) && !fs::is_empty(out, ec) && !is_previous_output(out))
    throw usage_error(
        "{}: output {} is a non-empty folder that holds no previous snds-batch output; choose an "
        "empty or new folder",
        config_file, output);
}

}  // namespace snds
