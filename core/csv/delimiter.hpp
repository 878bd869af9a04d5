// Which delimiter a CSV file uses (contract section 8, "Deliveries"): `;` is the SNDS habit, but
// deliveries also come comma-, pipe- or tab-separated. The header line says which: the delimiter
// that splits it into the most column names of the file's table is the file's.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "core/catalog.hpp"

namespace snds {

// The delimiters a file may use, in the order ties are broken.
inline constexpr char kCsvDelimiters[4] = {';', ',', '|', '\t'};

// The delimiter of a file of table `kind` whose text starts at `data` (BOM already skipped; at
// least the whole header line): of kCsvDelimiters, the one whose split of the header record
// (quotes respected) gives the most names of the table's catalog columns; `;` when none gives
// any (the header is then refused for its missing columns, as it would be anyway).
char sniff_delimiter(const TableSpec& spec, const char* data, size_t size);
inline char sniff_delimiter(TableKind kind, const char* data, size_t size) {
  return sniff_delimiter(table_spec(kind), data, size);
}

// "semicolon" for ';', "comma", "pipe", "tab": how the manifest and messages name a delimiter.
const char* delimiter_name(char delimiter);
// The delimiter a config names: ";", ",", "|", "tab" (or a real tab), or the names above;
// nullopt for anything else.
std::optional<char> parse_delimiter(std::string_view text);

}  // namespace snds
