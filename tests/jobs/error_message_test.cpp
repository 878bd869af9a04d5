// Error messages as users read them: library exceptions lose the source location Boost appends.
#include <gtest/gtest.h>

#include "jobs/error_message.hpp"

namespace snds {

TEST(ErrorMessage, BoostsSourceLocationIsRemoved) {
  EXPECT_EQ(without_source_location("syntax error [boost.json:3 at "
                                    "./boost/json/basic_parser_impl.hpp:2750 in function 'parse']"),
            "syntax error");
  EXPECT_EQ(without_source_location("not an object [boost.json:28 at ./boost/json/value.hpp:2618]"),
            "not an object");
}

TEST(ErrorMessage, OurOwnBracketsAreKept) {
  EXPECT_EQ(without_source_location("bad value [x]"), "bad value [x]");
  EXPECT_EQ(without_source_location("codes [C10, A10]"), "codes [C10, A10]");
  EXPECT_EQ(without_source_location("file t.csv [line 3]"), "file t.csv [line 3]");
  EXPECT_EQ(without_source_location(""), "");
}

}  // namespace snds
