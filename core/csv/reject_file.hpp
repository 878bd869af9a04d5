// The reject file (STORE/rejects.csv, reference section 2): every record the parser refused,
// with its file, line, reason and text, one CSV row each in (file, line) order whatever the
// ranks and threads that met them. Ranks send theirs to rank 0 as bytes (put/get below), which
// writes the file.
#pragma once

#include <string>
#include <vector>

#include "core/csv/table_parser.hpp"
#include "core/serialize.hpp"

namespace snds {

void put_rejects(ByteWriter& w, const std::vector<Reject>& rejects);
// Appends the rejects one put_rejects wrote to `out`.
void get_rejects(ByteReader& r, std::vector<Reject>& out);

// The file's text: a header line, then the rejects sorted by (file, line), fields quoted as CSV
// needs.
std::string reject_file_text(std::vector<Reject> rejects);

}  // namespace snds
