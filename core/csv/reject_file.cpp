// The reject file's rows (reject_file.hpp).
#include "core/csv/reject_file.hpp"

#include <algorithm>
#include <tuple>

#include <fmt/format.h>

namespace snds {
namespace {

std::string csv_field(std::string_view s) {
  if (s.find_first_of(",\"\n\r") == std::string_view::npos) return std::string(s);
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
  return out;
}

}  // namespace

void put_rejects(ByteWriter& w, const std::vector<Reject>& rejects) {
  w.put<uint64_t>(rejects.size());
  for (const auto& r : rejects) {
    w.put_string(r.file);
    w.put<uint64_t>(r.line);
    w.put_string(r.reason);
    w.put_string(r.raw);
  }
}

void get_rejects(ByteReader& r, std::vector<Reject>& out) {
  const auto n = r.get<uint64_t>();
  for (uint64_t i = 0; i < n; ++i) {
    Reject j;
    j.file = r.get_string();
    j.line = r.get<uint64_t>();
    j.reason = r.get_string();
    j.raw = r.get_string();
    out.push_back(std::move(j));
  }
}

std::string reject_file_text(std::vector<Reject> rejects) {
  std::sort(rejects.begin(), rejects.end(), [](const Reject& a, const Reject& b) {
    return std::tie(a.file, a.line) < std::tie(b.file, b.line);
  });
  std::string text = "file,line,reason,raw\n";
  for (const auto& j : rejects)
    text += fmt::format("{},{},{},{}\n", csv_field(j.file), j.line, csv_field(j.reason),
                        csv_field(j.raw));
  return text;
}

}  // namespace snds
