// DispensingSource: the per-dictionary-entry resolution of pharmacy lines gives the same lines
// whether the shard's strings come decoded or as the store's codes, and its patient-aligned
// row ranges together give exactly the whole shard's lines.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <numeric>

#include "core/events/events.hpp"
#include "tests/core/events/shard_builder.hpp"

namespace snds {
namespace {

using test::pha_row;
using test::Row;
using test::ShardBuilder;

Row ben(const std::string& nir, const std::string& rank, const std::string& sex) {
  return {{"BEN_NIR_PSA", nir},
          {"BEN_RNG_GEM", rank},
          {"BEN_SEX_COD", sex},
          {"BEN_NAI_ANN", "1960"},
          {"BEN_RES_DPT", "075"}};
}

DrugReferential referential() {
  Batch b = test::empty_store_table(TableKind::kIrPhaR);
  test::append_row(b, {{"PHA_CIP_C13", "3400930000001"}, {"PHA_ATC_C07", "C10AA01"}});
  test::append_row(b, {{"PHA_CIP_C13", "3400930000002"}, {"PHA_ATC_C07", "N02BE01"}});
  return DrugReferential(b);
}
const DrugReferential kRef = referential();

// Patients A(1), B(1), B(2) (twins), C(1); lines grouped by patient as the store keeps them,
// with an information-only line, a cancellation, an unlisted CIP13 and an orphan (Z).
ShardBuilder grouped_shard() {
  ShardBuilder s;
  s.add("IR_BEN_R",
        {ben("A", "1", "1"), ben("B", "1", "2"), ben("B", "2", "1"), ben("C", "1", "2")});
  s.add("IR_PHA_R", {});
  s.add("ER_PHA_F", {pha_row("A", "1", "2020-01-10", "3400930000001", "2"),
                     pha_row("A", "1", "2020-01-10", "3400930000002", "1"),
                     pha_row("A", "1", "2020-02-10", "3400930000001", "1", "71"),
                     pha_row("A", "1", "2020-03-10", "3400930000001", "1"),
                     pha_row("B", "1", "2020-01-05", "3400930000001", "1"),
                     pha_row("B", "1", "2020-01-05", "3400930000001", "-1"),
                     pha_row("B", "2", "2021-05-05", "3400939999999", "3"),
                     pha_row("B", "2", "2021-06-05", "3400930000002", "1"),
                     pha_row("C", "1", "2019-12-31", "3400930000002", "4"),
                     pha_row("Z", "1", "2019-12-31", "3400930000002", "4")});
  return s;
}

// The store's form of every string column: codes into a sorted dictionary of distinct values.
void encode_strings(ShardData& shard) {
  for (auto& [name, batch] : shard.tables)
    for (Column& c : batch.columns) {
      if (c.type != ColumnType::kString || c.encoded) continue;
      std::vector<std::string_view> values;
      for (size_t i = 0; i < c.strings.size(); ++i) values.push_back(c.strings.at(i));
      std::vector<std::string_view> dict = values;
      std::sort(dict.begin(), dict.end());
      dict.erase(std::unique(dict.begin(), dict.end()), dict.end());
      StringColumn d;
      for (auto v : dict) d.push_back(v);
      std::vector<int32_t> codes;
      for (auto v : values)
        codes.push_back(
            static_cast<int32_t>(std::lower_bound(dict.begin(), dict.end(), v) - dict.begin()));
      c.codes = std::move(codes);
      c.dictionary = std::move(d);
      c.strings = StringColumn();
      c.encoded = true;
    }
}

struct Plain {
  uint32_t patient;
  Date date;
  std::string cip13, atc;
  int64_t boxes;
  bool operator==(const Plain&) const = default;
};

std::vector<Plain> plain(const std::vector<DispensingLine>& lines) {
  std::vector<Plain> out;
  for (const auto& l : lines)
    out.push_back({l.patient, l.date, std::string(l.cip13), std::string(l.atc), l.boxes});
  return out;
}

TEST(DispensingSource, StoreCodesGiveTheSameLinesAsDecodedStrings) {
  const ShardData decoded = grouped_shard().take();
  ShardData encoded = grouped_shard().take();
  encode_strings(encoded);
  const auto from_strings =
      plain(extract_dispensing_lines(decoded, build_patient_index(decoded), kRef));
  const auto from_codes =
      plain(extract_dispensing_lines(encoded, build_patient_index(encoded), kRef));
  EXPECT_EQ(from_strings.size(), 8u);  // 10 rows - an information-only line - the orphan
  EXPECT_EQ(from_strings, from_codes);
  EXPECT_EQ(from_codes.back().atc, "N02BE01");
  EXPECT_EQ(from_codes[5].atc, std::string(kUnknownAtc));  // B(2)'s unlisted CIP13
}

TEST(DispensingSource, RangesNeverSplitAPatientAndTogetherGiveTheWholeShard) {
  ShardData shard = grouped_shard().take();
  encode_strings(shard);
  const PatientIndex patients = build_patient_index(shard);
  const DispensingSource source(shard, patients, kRef);
  std::vector<DispensingLine> whole;
  const size_t counted = source.lines(0, source.rows(), whole);
  EXPECT_EQ(counted, whole.size());
  for (size_t per_range : {1, 2, 3, 100}) {
    SCOPED_TRACE(per_range);
    const auto bounds = source.ranges(per_range);
    ASSERT_EQ(bounds.front(), 0u);
    ASSERT_EQ(bounds.back(), source.rows());
    std::vector<DispensingLine> joined;
    for (size_t k = 0; k + 1 < bounds.size(); ++k) {
      std::vector<DispensingLine> part;
      source.lines(bounds[k], bounds[k + 1], part);
      // No patient of this range appears in the lines gathered so far.
      for (const auto& l : part)
        for (const auto& j : joined) ASSERT_NE(l.patient, j.patient);
      joined.insert(joined.end(), part.begin(), part.end());
    }
    EXPECT_EQ(plain(joined), plain(whole));
  }
  // Per range of one row, the twins B(1) and B(2) start ranges of their own.
  EXPECT_EQ(source.ranges(1), (std::vector<size_t>{0, 4, 6, 8, 9, 10}));
}

TEST(DispensingSource, AFilterOnCip13sKeepsOnlyTheirLinesButCountsAll) {
  ShardData shard = grouped_shard().take();
  encode_strings(shard);
  const PatientIndex patients = build_patient_index(shard);
  const DispensingSource source(shard, patients, kRef);
  std::vector<uint8_t> keep(source.cip13s().size(), 0);
  for (size_t c = 0; c < keep.size(); ++c) keep[c] = source.atcs()[c].starts_with("C10");
  std::vector<DispensingLine> lines;
  EXPECT_EQ(source.lines(0, source.rows(), lines, &keep), 8u);
  ASSERT_EQ(lines.size(), 4u);
  for (const auto& l : lines) EXPECT_EQ(l.atc, "C10AA01");
}

// The selection-vector path (rows of other CIP13s skipped first) gives exactly the filtered
// lines, range by range, for unsorted shards too.
TEST(DispensingSource, SelectedLinesAreTheFilteredLinesOfEveryRange) {
  for (const bool grouped : {true, false}) {
    SCOPED_TRACE(grouped ? "grouped" : "not grouped");
    ShardData shard = grouped ? grouped_shard().take() : [] {
      ShardBuilder s;
      s.add("IR_BEN_R", {ben("A", "1", "1"), ben("B", "1", "2")});
      s.add("IR_PHA_R", {});
      s.add("ER_PHA_F", {pha_row("B", "1", "2020-01-10", "3400930000001", "1"),
                         pha_row("A", "1", "2020-01-12", "3400930000001", "1"),
                         pha_row("A", "1", "2020-01-11", "3400930000002", "1"),
                         pha_row("A", "1", "2020-01-11", "3400930000001", "2", "71")});
      return s.take();
    }();
    encode_strings(shard);
    const PatientIndex patients = build_patient_index(shard);
    const DispensingSource source(shard, patients, kRef);
    for (size_t c = 0; c < source.cip13s().size(); ++c) {
      std::vector<uint8_t> keep(source.cip13s().size(), 0);
      keep[c] = 1;
      for (size_t per_range : {1, 3, 100}) {
        const auto bounds = source.ranges(per_range);
        for (size_t k = 0; k + 1 < bounds.size(); ++k) {
          std::vector<DispensingLine> filtered, selected;
          const size_t counted = source.lines(bounds[k], bounds[k + 1], filtered, &keep);
          const size_t kept = source.selected_lines(bounds[k], bounds[k + 1], selected, keep);
          EXPECT_EQ(kept, selected.size());
          // What the aggregate reports as the source's lines when it selects rows this way.
          EXPECT_EQ(source.count_lines(bounds[k], bounds[k + 1]), counted);
          EXPECT_EQ(plain(selected), plain(filtered)) << "CIP " << c << ", range " << k;
        }
      }
    }
  }
}

// date_range: the dates of every row (information-only and orphan rows too) within the bounds.
TEST(DispensingSource, TheDateRangeKeepsTheBoundsAndLeavesMissingDatesOut) {
  ShardBuilder s;
  s.add("IR_BEN_R", {ben("A", "1", "1")});
  s.add("IR_PHA_R", {});
  s.add("ER_PHA_F", {pha_row("A", "1", "2019-12-31", "3400930000001", "1"),
                     pha_row("A", "1", "", "3400930000001", "1"),
                     pha_row("A", "1", "2020-03-01", "3400930000001", "1", "71"),
                     pha_row("A", "1", "2021-06-30", "3400930000001", "1")});
  ShardData shard = s.take();
  encode_strings(shard);
  const PatientIndex patients = build_patient_index(shard);
  const DispensingSource source(shard, patients, kRef);
  const Date lo = days_from_civil(2020, 1, 1), hi = days_from_civil(2021, 12, 31);
  EXPECT_EQ(source.date_range(lo, hi),
            (std::pair{days_from_civil(2020, 3, 1), days_from_civil(2021, 6, 30)}));
  const auto all =
      source.date_range(std::numeric_limits<Date>::min() + 1, std::numeric_limits<Date>::max());
  EXPECT_EQ(all, (std::pair{days_from_civil(2019, 12, 31), days_from_civil(2021, 6, 30)}));
  const auto none = source.date_range(days_from_civil(2022, 1, 1), days_from_civil(2022, 2, 1));
  EXPECT_GT(none.first, none.second);
}

// Each range's {first, last} patient of its lines (ranges without lines left out), as the
// aggregate and the cohort collect them.
std::vector<std::pair<uint32_t, uint32_t>> patient_spans(const DispensingSource& source,
                                                         const std::vector<size_t>& bounds) {
  std::vector<std::pair<uint32_t, uint32_t>> spans;
  for (size_t k = 0; k + 1 < bounds.size(); ++k) {
    std::vector<DispensingLine> part;
    source.lines(bounds[k], bounds[k + 1], part);
    if (!part.empty()) spans.emplace_back(part.front().patient, part.back().patient);
  }
  return spans;
}

// Rows out of the stored order: a range's lines still come out sorted by patient, and the
// per-range spans of patients show that a patient's lines straddle ranges, which is how callers
// know to extract such a shard again as one range.
TEST(DispensingSource, LinesComeOutSortedAndAPatientInTwoRangesIsSeen) {
  ShardBuilder s;
  s.add("IR_BEN_R", {ben("A", "1", "1"), ben("B", "1", "2")});
  s.add("IR_PHA_R", {});
  s.add("ER_PHA_F", {pha_row("B", "1", "2020-01-10", "3400930000001", "1"),
                     pha_row("A", "1", "2020-01-12", "3400930000001", "1"),
                     pha_row("A", "1", "2020-01-11", "3400930000002", "1"),
                     pha_row("B", "1", "2020-01-13", "3400930000002", "1")});
  ShardData shard = s.take();
  encode_strings(shard);
  const PatientIndex patients = build_patient_index(shard);
  const DispensingSource source(shard, patients, kRef);
  std::vector<DispensingLine> lines;
  source.lines(0, 4, lines);
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(lines[0].patient, 0u);
  EXPECT_LT(lines[0].date, lines[1].date);
  EXPECT_EQ(lines[3].patient, 1u);
  // Ranges of one row each (B | A A | B): B's lines are in the first and the last range.
  const auto bounds = source.ranges(1);
  EXPECT_EQ(bounds, (std::vector<size_t>{0, 1, 3, 4}));
  EXPECT_TRUE(DispensingSource::lines_straddle_ranges(patient_spans(source, bounds)));
}

TEST(DispensingSource, SpansOfPatientsStraddleOnlyWhenAPatientIsInTwoRanges) {
  using Spans = std::vector<std::pair<uint32_t, uint32_t>>;
  EXPECT_FALSE(DispensingSource::lines_straddle_ranges(Spans{}));
  EXPECT_FALSE(DispensingSource::lines_straddle_ranges(Spans{{0, 3}, {4, 4}, {5, 9}}));
  EXPECT_FALSE(DispensingSource::lines_straddle_ranges(Spans{{0, 3}, {1, 0}, {4, 9}}));  // empty
  EXPECT_TRUE(DispensingSource::lines_straddle_ranges(Spans{{0, 3}, {3, 5}}));
  EXPECT_TRUE(DispensingSource::lines_straddle_ranges(Spans{{0, 3}, {1, 0}, {2, 5}}));
  EXPECT_TRUE(DispensingSource::lines_straddle_ranges(Spans{{4, 6}, {0, 1}}));
}

// A rank going backwards deep in the rows (rows 8191 and 8192 swapped between twins) puts a
// patient in two ranges; in the stored order no patient is.
TEST(DispensingSource, ARankGoingBackwardsMakesAPatientStraddleRanges) {
  constexpr size_t kRows = 8192 + 10;
  for (const bool broken : {false, true}) {
    ShardBuilder s;
    s.add("IR_BEN_R", {ben("A", "1", "1"), ben("A", "2", "1")});
    s.add("IR_PHA_R", {});
    std::vector<Row> rows;
    for (size_t r = 0; r < kRows; ++r) {
      const bool second_twin = broken ? r != 8192 && r >= 8191 : r >= 8192;
      rows.push_back(pha_row("A", second_twin ? "2" : "1", "2020-01-10", "3400930000001", "1"));
    }
    s.add("ER_PHA_F", rows);
    ShardData shard = s.take();
    encode_strings(shard);
    const PatientIndex patients = build_patient_index(shard);
    SCOPED_TRACE(broken ? "broken" : "grouped");
    const DispensingSource source(shard, patients, kRef);
    const auto bounds = source.ranges(1000);
    ASSERT_GT(bounds.size(), 2u);
    EXPECT_EQ(DispensingSource::lines_straddle_ranges(patient_spans(source, bounds)), broken);
  }
}

}  // namespace
}  // namespace snds
