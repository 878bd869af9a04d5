// Malformed rows: an exact count whatever the split, and exactly one defect each.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "synth/drug_referential.hpp"
#include "synth/row_formatter.hpp"
#include "synth/table_layout.hpp"

namespace snds::synth {
namespace {

TEST(GeneratorMalformed, CountIsFloorOfRowsTimesRateWhateverTheSplit) {
  const double rate = 0.0007;
  for (uint64_t total : {0ULL, 10ULL, 1428ULL, 1429ULL, 123457ULL}) {
    for (int parts : {1, 2, 3, 7}) {
      uint64_t sum = 0;
      for (int p = 0; p < parts; ++p) {
        const uint64_t lo = total * p / parts, hi = total * (p + 1) / parts;  // any split
        sum += malformed_before(hi, rate) - malformed_before(lo, rate);
      }
      EXPECT_EQ(sum, static_cast<uint64_t>(std::floor(total * rate))) << total << " " << parts;
    }
  }
}

TEST(GeneratorMalformed, MalformedRowsHaveExactlyOneDefect) {
  GeneratorOptions o;
  o.patients = 10;
  const DrugReferential ref(o.seed, 0);
  const auto slots = table_slots(o);
  std::vector<FileFormat> formats;
  for (const auto& s : slots) formats.push_back(choose_format(o, s.kind, s.name, 0));
  const RowFormatter f(o, ref, slots, formats);
  int wrong_count = 0, bad_value = 0;
  for (uint64_t m = 0; m < 200; ++m) {
    const std::string row = f.malformed_row(kSlotErPrsF, m);
    EXPECT_EQ(row.back(), '\n');
    const auto fields = static_cast<size_t>(std::count(row.begin(), row.end(), ';') + 1);
    if (fields != formats[kSlotErPrsF].columns.size()) {
      ++wrong_count;
      EXPECT_EQ(row.find("#VALUE!"), std::string::npos);
    } else {
      ++bad_value;
      EXPECT_TRUE(row.find("#VALUE!") != std::string::npos || row.find("0A") != std::string::npos ||
                  row.find("ABC") != std::string::npos)
          << row;
    }
    EXPECT_EQ(row, f.malformed_row(kSlotErPrsF, m));
  }
  EXPECT_GT(wrong_count, 50);
  EXPECT_GT(bad_value, 50);
}

}  // namespace
}  // namespace snds::synth
