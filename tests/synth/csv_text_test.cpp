// The hand-rolled CSV field writers: dates in the three SNDS forms, cents, integers, padding.
#include <gtest/gtest.h>

#include <string>

#include "core/date.hpp"
#include "synth/csv_text.hpp"

namespace snds::synth {
namespace {

std::string put(auto&& fn) {
  char buf[128];
  char* end = fn(buf);
  return std::string(buf, end);
}

TEST(GeneratorText, FieldsAreWrittenInTheContractForms) {
  using namespace text;
  const Date d = days_from_civil(2020, 3, 5);
  EXPECT_EQ(put([&](char* p) { return put_date(p, d, DateForm::kIso, true); }), "2020-03-05");
  EXPECT_EQ(put([&](char* p) { return put_date(p, d, DateForm::kDmy, true); }), "05/03/2020");
  EXPECT_EQ(put([&](char* p) { return put_date(p, d, DateForm::kSas, true); }),
            "05MAR2020:00:00:00");
  EXPECT_EQ(put([&](char* p) { return put_date(p, kMissingDate, DateForm::kDmy, true); }),
            "01/01/1600");
  EXPECT_EQ(put([&](char* p) { return put_date(p, kMissingDate, DateForm::kSas, true); }),
            "01JAN1600:00:00:00");
  EXPECT_EQ(put([&](char* p) { return put_date(p, kMissingDate, DateForm::kIso, false); }), "");
  // Outside the preformatted range too.
  EXPECT_EQ(put([&](char* p) {
              return put_date(p, days_from_civil(1950, 12, 31), DateForm::kIso, true);
            }),
            "1950-12-31");
  EXPECT_EQ(put([&](char* p) { return put_cents(p, -1234, true); }), "-12,34");
  EXPECT_EQ(put([&](char* p) { return put_cents(p, 5, false); }), "0.05");
  for (int64_t v : {int64_t{0}, int64_t{7}, int64_t{42}, int64_t{999}, int64_t{1000}, int64_t{-5},
                    int64_t{123456789012345}, INT64_MIN, INT64_MAX})
    EXPECT_EQ(put([&](char* p) { return put_i64(p, v); }), std::to_string(v));
  EXPECT_EQ(put([&](char* p) { return put_padded(p, 42, 10); }), "0000000042");
}

}  // namespace
}  // namespace snds::synth
