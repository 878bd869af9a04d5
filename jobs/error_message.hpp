// What users read of an error: Boost's exceptions end their message with where the library
// threw them, which means nothing to a user (issue #12); cli.cpp prints every message through
// without_source_location().
#pragma once

#include <string>

namespace snds {

// Boost's exceptions end their message with where the library threw them
// (" [boost.json:3 at ./boost/json/basic_parser_impl.hpp:2750 in function 'parse']"): the user
// needs the sentence, not the library's source lines. Removes such a trailing location.
inline std::string without_source_location(std::string message) {
  if (message.empty() || message.back() != ']') return message;
  for (size_t bracket = message.find(" ["); bracket != std::string::npos;
       bracket = message.find(" [", bracket + 1)) {
    // "[<category>:<number> at <file>:<line>..."
    size_t i = bracket + 2;
    while (i < message.size() && message[i] != ':' && message[i] != ' ' && message[i] != ']') ++i;
    if (i == bracket + 2 || i >= message.size() || message[i] != ':') continue;
    size_t digits = ++i;
    if (digits < message.size() && message[digits] == '-') ++digits;
    while (digits < message.size() && message[digits] >= '0' && message[digits] <= '9') ++digits;
    if (digits == i || message.compare(digits, 4, " at ") != 0) continue;
    message.erase(bracket);
    return message;
  }
  return message;
}

}  // namespace snds
