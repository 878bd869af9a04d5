// The reject file: rejects from any ranks, in any order, come out once each in (file, line)
// order, their fields quoted as CSV needs.
#include "core/csv/reject_file.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace snds {
namespace {

TEST(RejectFile, RejectsFromSeveralRanksComeOutInFileAndLineOrder) {
  std::vector<char> rank0, rank1;
  {
    ByteWriter w(rank0);
    put_rejects(w, {{"b.csv", 7, "3 fields, expected 4", "x;y;z"}, {"a.csv", 9, "r", "raw"}});
  }
  {
    ByteWriter w(rank1);
    put_rejects(w, {{"a.csv", 2, "column D: bad date '32/13/2020'", "1;\"2,\"\"3\"\""}});
  }
  std::vector<Reject> all;
  for (const std::vector<char>* b : {&rank0, &rank1}) {
    ByteReader r(*b);
    get_rejects(r, all);
  }
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(reject_file_text(all),
            "file,line,reason,raw\n"
            "a.csv,2,column D: bad date '32/13/2020',\"1;\"\"2,\"\"\"\"3\"\"\"\"\"\n"
            "a.csv,9,r,raw\n"
            "b.csv,7,\"3 fields, expected 4\",x;y;z\n");
}

TEST(RejectFile, NoRejectsIsAHeaderAlone) {
  std::vector<char> none;
  ByteWriter w(none);
  put_rejects(w, {});
  ByteReader r(none);
  std::vector<Reject> all;
  get_rejects(r, all);
  EXPECT_TRUE(all.empty());
  EXPECT_EQ(reject_file_text(all), "file,line,reason,raw\n");
}

}  // namespace
}  // namespace snds
