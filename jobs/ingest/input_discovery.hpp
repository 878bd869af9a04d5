// Input discovery (contract section 8, "Deliveries"): which files an ingest's `inputs:` holds.
// Real extracts arrive as trees (a folder per product, per year, per delivery), so an inputs
// folder is walked recursively, in a deterministic order, and every file found is listed, taken
// (its name is an SNDS table the ingest reads) or not (with the reason): nothing is ignored in
// silence. The listing goes into the store's manifest and the ingest's summary.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/catalog.hpp"

namespace snds {

struct ListedFile {
  std::string path;      // as opened: the inputs folder joined with `relative`
  std::string relative;  // relative to the inputs folder ('/'-separated); the path itself for
                         // files named one by one in the config
  std::optional<TableName> table;  // the table its name maps to, if any
  bool taken = false;
  std::string reason;  // why a file is not taken (empty when taken)
  uint64_t bytes = 0;
};

// Walks `root` recursively: entries sorted by name at every level, so the listing (and the
// order of the files the ingest reads) is the same on every run and file system. Hidden files and
// folders (name starting with '.') are skipped, as is `skip` (the store, when it lies inside the
// inputs). Symbolic links are followed, but a folder or file already reached (same device and
// inode) is not entered again: no loops, no file read twice. Throws data_error when `root` is not
// a readable folder.
// The format a file name announces: "csv", "csv.gz", "sas7bdat"... (its extensions, lower case,
// from the first one that is a known data format), or its last extension, or "" when it has none.
std::string input_format(std::string_view file_name);

std::vector<ListedFile> discover_inputs(const std::string& root, const std::string& skip);

}  // namespace snds
