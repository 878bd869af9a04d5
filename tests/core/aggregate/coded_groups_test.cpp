// Dictionary-form partials and rank 0's merge: the rows that come out depend on the values only,
// never on the codes, the dictionaries' order or the merge order.
#include "core/aggregate/coded_groups.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/error.hpp"

namespace snds {
namespace {

GroupMeasures lines_and_patients(int64_t lines, uint64_t patients) {
  GroupMeasures m;
  m.lines = lines;
  m.patients = patients;
  return m;
}

std::vector<std::string> printed(const std::vector<GroupRow>& rows) {
  std::vector<std::string> out;
  for (const auto& r : rows) {
    std::string line;
    for (const auto& v : r.values) line += v + "|";
    out.push_back(line + std::to_string(r.measures.lines) + "/" +
                  std::to_string(r.measures.patients));
  }
  return out;
}

// Two shards that saw the same values in different orders.
CodedGroups first_shard() {
  CodedGroups g(2);
  g.values = {{"C10AA01", "N02BE01"}, {"2020-01", "2020-02"}};
  g.add(std::vector<uint32_t>{0, 0}, lines_and_patients(3, 2));
  g.add(std::vector<uint32_t>{1, 1}, lines_and_patients(1, 1));
  return g;
}
CodedGroups second_shard() {
  CodedGroups g(2);
  g.values = {{"N02BE01", "C10AA01", "A01"}, {"2020-02", "2020-01"}};
  g.add(std::vector<uint32_t>{1, 1}, lines_and_patients(5, 4));  // C10AA01, 2020-01
  g.add(std::vector<uint32_t>{2, 0}, lines_and_patients(1, 1));  // A01, 2020-02
  return g;
}

TEST(GroupMerger, GroupsOfEqualValuesAddUpWhateverTheirCodes) {
  GroupMerger all(2);
  all.merge(first_shard());
  all.merge(second_shard());
  EXPECT_EQ(all.size(), 3u);
  EXPECT_EQ(printed(all.sorted_rows()), (std::vector<std::string>{
                                            "A01|2020-02|1/1",
                                            "C10AA01|2020-01|8/6",
                                            "N02BE01|2020-02|1/1",
                                        }));
}

TEST(GroupMerger, TheMergeOrderDoesNotChangeTheRows) {
  GroupMerger ab(2), ba(2);
  ab.merge(first_shard());
  ab.merge(second_shard());
  ba.merge(second_shard());
  ba.merge(first_shard());
  EXPECT_EQ(printed(ab.sorted_rows()), printed(ba.sorted_rows()));
}

TEST(GroupMerger, SortsColumnByColumnInByteOrder) {
  const std::string e_acute = "\xc3\xa9";  // UTF-8: bytes above every ASCII letter
  CodedGroups g(2);
  g.values = {{"b", "a", "B", e_acute}, {"2", "10"}};
  for (uint32_t v = 0; v < 4; ++v)
    for (uint32_t w = 0; w < 2; ++w) g.add(std::vector<uint32_t>{v, w}, lines_and_patients(1, 1));
  std::vector<std::string> got;
  for (const auto& r : g.sorted_rows()) got.push_back(r.values[0] + r.values[1]);
  // "10" < "2" as bytes; uppercase before lowercase.
  EXPECT_EQ(got, (std::vector<std::string>{"B10", "B2", "a10", "a2", "b10", "b2", e_acute + "10",
                                           e_acute + "2"}));
}

TEST(GroupMerger, ManyGroupsSurviveTheTableGrowing) {
  // More groups than the first table holds: every one must still be found again.
  CodedGroups g(1);
  for (int i = 0; i < 5000; ++i) {
    g.values[0].push_back("v" + std::to_string(i));
    g.add(std::vector<uint32_t>{static_cast<uint32_t>(i)}, lines_and_patients(1, 1));
  }
  GroupMerger all(1);
  all.merge(g);
  all.merge(g);
  EXPECT_EQ(all.size(), 5000u);
  for (const auto& r : all.sorted_rows()) ASSERT_EQ(r.measures.lines, 2);
}

TEST(CodedGroups, SurviveTheWireFormat) {
  const CodedGroups g = second_shard();
  const CodedGroups back = CodedGroups::deserialize(g.serialize());
  EXPECT_EQ(back.values, g.values);
  EXPECT_EQ(back.codes, g.codes);
  EXPECT_EQ(back.measures, g.measures);
}

TEST(CodedGroups, ACodeOutsideItsValuesIsRefused) {
  CodedGroups g(1);
  g.values = {{"only"}};
  g.add(std::vector<uint32_t>{1}, lines_and_patients(1, 1));
  EXPECT_THROW(CodedGroups::deserialize(g.serialize()), Error);
}

TEST(CodedGroups, AStringKeyedTableGivesTheSameRows) {
  GroupTable t(2);
  t.add({"C10AA01", "2020-01"}, lines_and_patients(2, 1));
  t.add({"", "2020-02"}, lines_and_patients(1, 1));
  t.add({"C10AA01", "2020-01"}, lines_and_patients(1, 1));
  EXPECT_EQ(printed(to_coded(t).sorted_rows()), printed(t.sorted_rows()));
}

}  // namespace
}  // namespace snds
