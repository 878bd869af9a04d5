// UTF-8 checking and repair of the string values an ingest stores (issue #12): an extract
// exported in another encoding (Latin-1, Windows-1252) or damaged in transit would otherwise
// carry bytes that are no UTF-8 into the store and from there into every job output
// (result.csv, cohort.csv), which readers then refuse or garble. Values are repaired, not
// rejected: a label with one stray byte still belongs to its row, and the row's codes and
// amounts are good.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace snds {

// True when `s` is well-formed UTF-8 (no overlong forms, no surrogates, nothing past U+10FFFF).
// ASCII, the bulk of an extract, is checked eight bytes at a time.
bool is_valid_utf8(std::string_view s);

inline bool is_ascii(std::string_view s) {
  size_t i = 0;
  for (; i + 8 <= s.size(); i += 8) {
    uint64_t w;
    std::memcpy(&w, s.data() + i, 8);
    if (w & 0x8080808080808080ULL) return false;
  }
  for (; i < s.size(); ++i)
    if (static_cast<unsigned char>(s[i]) >= 0x80) return false;
  return true;
}

// The UTF-8 encoding of U+FFFD, the replacement character.
inline constexpr std::string_view kReplacementCharacter = "\xEF\xBF\xBD";

// `s` with every byte that does not belong to a well-formed UTF-8 sequence replaced by U+FFFD
// (one per byte: `caf\xE9` becomes `caf\uFFFD`); well-formed sequences are kept as they are.
std::string replace_invalid_utf8(std::string_view s);

// The first `chars` characters of `s` (code points, so bytes for ASCII): a code level (ATC
// class, ICD-10 category) cut from a repaired value never ends inside a character.
inline std::string_view utf8_prefix(std::string_view s, size_t chars) {
  size_t i = 0;
  for (size_t n = 0; i < s.size(); ++i)
    if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80 && n++ == chars) break;
  return s.substr(0, i);
}

}  // namespace snds
