// The nomenclatures' codes (nomenclature.hpp), parsed from the compiled-in CSV files.
#include "core/nomenclature/nomenclature.hpp"

#include <algorithm>
#include <array>
#include <mutex>

#include <fmt/format.h>

namespace snds {

// Generated from core/nomenclature/*.csv (core/CMakeLists.txt).
std::string_view nomenclature_ir_cim_v_csv();
std::string_view nomenclature_ir_ccam_v63_csv();
std::string_view nomenclature_ir_bio_r_csv();
std::string_view nomenclature_ir_ald_v_csv();

namespace {

size_t index_of(CodeSystem s) {
  return static_cast<size_t>(s);
}

// The first field of each data line, without its quotes (CMake kept only that field).
std::vector<std::string> first_column(std::string_view text) {
  std::vector<std::string> out;
  bool header = true;
  while (!text.empty()) {
    const size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view{} : text.substr(end + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (header || line.empty()) {
      header = false;
      continue;
    }
    std::string_view field = line.substr(0, line.find(';'));
    if (field.size() >= 2 && field.front() == '"' && field.back() == '"')
      field = field.substr(1, field.size() - 2);
    // A label's continuation line (IR_CCAM_V63 has labels over two lines, and codes followed by
    // a "[A]" line) is no code: codes are upper-case letters and digits.
    if (!field.empty() && std::all_of(field.begin(), field.end(), [](char c) {
          return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
        }))
      out.emplace_back(field);
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = up;
    }
  }
  return row[b.size()];
}

size_t common_start(std::string_view a, std::string_view b) {
  size_t i = 0;
  while (i < a.size() && i < b.size() && a[i] == b[i]) ++i;
  return i;
}

}  // namespace

const char* code_system_name(CodeSystem system) {
  switch (system) {
    case CodeSystem::kIcd10:
      return "ICD-10 (IR_CIM_V)";
    case CodeSystem::kCcam:
      return "CCAM (IR_CCAM_V63)";
    case CodeSystem::kNabm:
      return "NABM (IR_BIO_R)";
    case CodeSystem::kAld:
      return "ALD (IR_ALD_V)";
  }
  return "?";
}

const std::vector<std::string>& nomenclature_codes(CodeSystem system) {
  static std::once_flag once;
  static std::array<std::vector<std::string>, 4> codes;
  std::call_once(once, [] {
    codes[index_of(CodeSystem::kIcd10)] = first_column(nomenclature_ir_cim_v_csv());
    codes[index_of(CodeSystem::kCcam)] = first_column(nomenclature_ir_ccam_v63_csv());
    codes[index_of(CodeSystem::kNabm)] = first_column(nomenclature_ir_bio_r_csv());
    // IR_IMB_R's IMB_ALD_NUM also numbers the conditions off the list 31 ("hors liste") and
    // polypathologies 32, which IR_ALD_V (ALD_030_COD) files under 99.
    auto& ald = codes[index_of(CodeSystem::kAld)];
    ald = first_column(nomenclature_ir_ald_v_csv());
    ald.insert(ald.end(), {"31", "32"});
    std::sort(ald.begin(), ald.end());
    ald.erase(std::unique(ald.begin(), ald.end()), ald.end());
  });
  return codes[index_of(system)];
}

bool is_known_code(CodeSystem system, std::string_view code) {
  const auto& codes = nomenclature_codes(system);
  return std::binary_search(codes.begin(), codes.end(), code,
                            [](std::string_view a, std::string_view b) { return a < b; });
}

bool is_known_prefix(CodeSystem system, std::string_view prefix) {
  const auto& codes = nomenclature_codes(system);
  const auto it = std::lower_bound(codes.begin(), codes.end(), prefix,
                                   [](std::string_view a, std::string_view b) { return a < b; });
  return it != codes.end() && std::string_view(*it).starts_with(prefix);
}

std::vector<std::string> closest_codes(CodeSystem system, std::string_view code, bool prefix,
                                       size_t n) {
  struct Candidate {
    size_t distance, start;
    std::string code;
  };
  std::vector<Candidate> all;
  std::string last;
  for (const auto& c : nomenclature_codes(system)) {
    std::string cut = prefix ? c.substr(0, code.size()) : c;
    if (cut == last) continue;  // codes are sorted: equal cuts are adjacent
    last = cut;
    all.push_back({edit_distance(code, cut), common_start(code, cut), std::move(cut)});
  }
  const size_t keep = std::min(n, all.size());
  std::partial_sort(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(keep), all.end(),
                    [](const Candidate& a, const Candidate& b) {
                      if (a.distance != b.distance) return a.distance < b.distance;
                      if (a.start != b.start) return a.start > b.start;
                      return a.code < b.code;
                    });
  std::vector<std::string> out;
  for (size_t i = 0; i < keep; ++i) out.push_back(std::move(all[i].code));
  return out;
}

std::string unknown_code_warning(CodeSystem system, std::string_view code, bool prefix) {
  if (prefix ? is_known_prefix(system, code) : is_known_code(system, code)) return {};
  const auto close = closest_codes(system, code, prefix);
  return fmt::format("{} {} is no {} {}{}", prefix ? "prefix" : "code", code,
                     code_system_name(system), prefix ? "code's start" : "code",
                     close.empty() ? "" : fmt::format(" (closest: {})", fmt::join(close, ", ")));
}

}  // namespace snds
