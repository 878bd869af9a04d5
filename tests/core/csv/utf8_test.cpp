// UTF-8 checking and repair: what counts as well-formed (RFC 3629) and what each bad byte
// becomes.
#include "core/csv/utf8.hpp"

#include <gtest/gtest.h>

namespace snds {
namespace {

TEST(Utf8, AsciiAndWellFormedSequencesAreValid) {
  EXPECT_TRUE(is_valid_utf8(""));
  EXPECT_TRUE(is_valid_utf8("C10AA01;3400930000000"));
  EXPECT_TRUE(is_valid_utf8("caf\xC3\xA9"));                   // é
  EXPECT_TRUE(is_valid_utf8("\xE2\x82\xAC 12"));               // €
  EXPECT_TRUE(is_valid_utf8("\xF0\x9F\x92\x8A"));              // U+1F48A
  EXPECT_TRUE(is_valid_utf8("\xED\x9F\xBF\xF4\x8F\xBF\xBF"));  // U+D7FF, U+10FFFF
}

TEST(Utf8, Latin1StrayContinuationOverlongSurrogateAndTooLargeAreInvalid) {
  EXPECT_FALSE(is_valid_utf8("caf\xE9"));                     // Latin-1 é
  EXPECT_FALSE(is_valid_utf8("a long ASCII run then \x80"));  // past the 8-byte fast path
  EXPECT_FALSE(is_valid_utf8("\xC0\xAF"));                    // overlong '/'
  EXPECT_FALSE(is_valid_utf8("\xE0\x80\xAF"));                // overlong, three bytes
  EXPECT_FALSE(is_valid_utf8("\xED\xA0\x80"));                // surrogate U+D800
  EXPECT_FALSE(is_valid_utf8("\xF4\x90\x80\x80"));            // past U+10FFFF
  EXPECT_FALSE(is_valid_utf8("\xE2\x82"));                    // cut short
}

TEST(Utf8, EachByteOfAnInvalidSequenceBecomesOneReplacementCharacter) {
  EXPECT_EQ(replace_invalid_utf8("caf\xE9"), "caf\xEF\xBF\xBD");
  EXPECT_EQ(replace_invalid_utf8("\xE2\x82"
                                 "x"),
            "\xEF\xBF\xBD\xEF\xBF\xBDx");
  EXPECT_EQ(replace_invalid_utf8("\xC3\xA9\xFF\xC3\xA9"), "\xC3\xA9\xEF\xBF\xBD\xC3\xA9");
  EXPECT_TRUE(is_valid_utf8(replace_invalid_utf8("\xC0\xAF\xED\xA0\x80\xF4\x90\x80\x80")));
}

TEST(Utf8, APrefixCountsCharactersAndNeverCutsOne) {
  EXPECT_EQ(utf8_prefix("C10AA01", 3), "C10");
  EXPECT_EQ(utf8_prefix("C10", 7), "C10");
  EXPECT_EQ(utf8_prefix("C10AA\xEF\xBF\xBD"
                        "1",
                        7),
            "C10AA\xEF\xBF\xBD"
            "1");
  EXPECT_EQ(utf8_prefix("C10AA\xEF\xBF\xBD"
                        "1",
                        6),
            "C10AA\xEF\xBF\xBD");
  EXPECT_EQ(utf8_prefix("\xC3\xA9t\xC3\xA9", 1), "\xC3\xA9");
}

}  // namespace
}  // namespace snds
