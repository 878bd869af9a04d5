// Delimiter sniffing (see delimiter.hpp).
#include "core/csv/delimiter.hpp"

#include "core/csv/tokenizer.hpp"
#include "core/csv/value_parse.hpp"

namespace snds {

char sniff_delimiter(const TableSpec& spec, const char* data, size_t size) {
  char best = kCsvDelimiters[0];
  size_t best_known = 0;
  for (const char d : kCsvDelimiters) {
    Tokenizer tok(data, size, 1, d);
    CsvRecord rec;
    if (!tok.next(rec)) break;
    size_t known = 0;
    for (std::string_view f : rec.fields) {
      f = trim_spaces(f);
      std::string name(f);
      for (char& c : name)
        if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
      if (find_column(spec, canonical_column_name(spec, name)) != nullptr) ++known;
    }
    if (known > best_known) {
      best = d;
      best_known = known;
    }
  }
  return best;
}

const char* delimiter_name(char delimiter) {
  switch (delimiter) {
    case ';':
      return "semicolon";
    case ',':
      return "comma";
    case '|':
      return "pipe";
    case '\t':
      return "tab";
  }
  return "unknown";
}

std::optional<char> parse_delimiter(std::string_view text) {
  for (const char d : kCsvDelimiters)
    if (text == std::string_view(&d, 1) || text == delimiter_name(d)) return d;
  return std::nullopt;
}

}  // namespace snds
