// cohort.csv and attrition.csv are exactly the reference's text; cohort.h5 holds the same table
// typed, with identical bytes from one write to the next.
#include "core/cohort/cohort_output.hpp"

#include <gtest/gtest.h>
#include <hdf5.h>
#include <sys/stat.h>

#include "core/store/h5.hpp"
#include "tests/core/cohort/cohort_world.hpp"
#include "tests/support/test_support.hpp"

namespace snds {
namespace {

using test::day;

std::vector<CohortRow> sample_rows() {
  std::vector<CohortRow> rows(3);
  rows[0] = {"0123456789ABCDEFG", 1, day(2020, 3, 1), 63, "2", kMissingDate, day(2022, 12, 31),
             EndReason::kStudyEnd};
  rows[1] = {
      "0123456789ABCDEFG", 2, day(2020, 3, 5), kMissingInt, "1", day(2021, 2, 1), day(2021, 2, 1),
      EndReason::kOutcome};
  rows[2] = {"ZZ", 1, day(2021, 1, 1), 80, "1", kMissingDate, day(2021, 6, 30), EndReason::kDeath};
  return rows;
}

TEST(CohortCsv, HasTheContractHeaderIsoDatesAndEmptyMissingValues) {
  EXPECT_EQ(cohort_csv(sample_rows()),
            "BEN_NIR_PSA,BEN_RNG_GEM,index_date,age_at_index,sex,outcome_date,end_date,end_reason\n"
            "0123456789ABCDEFG,1,2020-03-01,63,2,,2022-12-31,study_end\n"
            "0123456789ABCDEFG,2,2020-03-05,,1,2021-02-01,2021-02-01,outcome\n"
            "ZZ,1,2021-01-01,80,1,,2021-06-30,death\n");
}

TEST(CohortCsv, AnEmptyCohortIsTheHeaderAlone) {
  EXPECT_EQ(cohort_csv({}), std::string(kCohortCsvHeader) + "\n");
}

TEST(CohortCsv, QuotesAValueHoldingACommaOrAQuote) {
  auto rows = sample_rows();
  rows.resize(1);
  rows[0].sex = "a,\"b";
  EXPECT_NE(cohort_csv(rows).find(",\"a,\"\"b\","), std::string::npos);
}

TEST(AttritionCsv, ListsEachStepWithItsPatients) {
  EXPECT_EQ(attrition_csv({"index_event", "washout", "adult40"}, {10, 7, 5}),
            "step,patients\nindex_event,10\nwashout,7\nadult40,5\n");
}

// Reads a whole 1-D dataset of /cohort as `memory_type`.
template <typename T>
std::vector<T> read_column(hid_t file, const char* name, hid_t memory_type, size_t rows) {
  std::vector<T> out(rows);
  const hid_t ds = H5Dopen2(file, (std::string("/cohort/") + name).c_str(), H5P_DEFAULT);
  EXPECT_GE(ds, 0) << name;
  if (rows) {
    EXPECT_GE(H5Dread(ds, memory_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, out.data()), 0);
  }
  H5Dclose(ds);
  return out;
}

std::vector<std::string> read_strings(hid_t file, const char* name, size_t rows) {
  const hid_t ds = H5Dopen2(file, (std::string("/cohort/") + name).c_str(), H5P_DEFAULT);
  const hid_t type = H5Dget_type(ds);
  const size_t width = H5Tget_size(type);
  std::string buf(rows * width, '\0');
  if (rows) {
    EXPECT_GE(H5Dread(ds, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf.data()), 0);
  }
  H5Tclose(type);
  H5Dclose(ds);
  std::vector<std::string> out;
  for (size_t i = 0; i < rows; ++i)
    out.push_back(std::string(buf.c_str() + i * width, strnlen(buf.c_str() + i * width, width)));
  return out;
}

TEST(CohortH5, HoldsTheTableTypedWithDatesAsDaysSince1970) {
  test::TempDir dir("cohort-h5");
  const auto path = dir / "cohort.h5";
  write_cohort_h5(path, sample_rows());
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0640u);
  EXPECT_FALSE(std::filesystem::exists(dir / "cohort.h5.tmp"));

  h5::Lock lock(h5::mutex());
  const hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  ASSERT_GE(file, 0);
  EXPECT_EQ(read_strings(file, "BEN_NIR_PSA", 3),
            (std::vector<std::string>{"0123456789ABCDEFG", "0123456789ABCDEFG", "ZZ"}));
  EXPECT_EQ(read_column<int64_t>(file, "BEN_RNG_GEM", H5T_NATIVE_INT64, 3),
            (std::vector<int64_t>{1, 2, 1}));
  EXPECT_EQ(read_column<int32_t>(file, "index_date", H5T_NATIVE_INT32, 3),
            (std::vector<int32_t>{day(2020, 3, 1), day(2020, 3, 5), day(2021, 1, 1)}));
  EXPECT_EQ(read_column<int32_t>(file, "age_at_index", H5T_NATIVE_INT32, 3),
            (std::vector<int32_t>{63, INT32_MIN, 80}));
  EXPECT_EQ(read_strings(file, "sex", 3), (std::vector<std::string>{"2", "1", "1"}));
  EXPECT_EQ(read_column<int32_t>(file, "outcome_date", H5T_NATIVE_INT32, 3),
            (std::vector<int32_t>{INT32_MIN, day(2021, 2, 1), INT32_MIN}));
  EXPECT_EQ(read_column<int32_t>(file, "end_date", H5T_NATIVE_INT32, 3),
            (std::vector<int32_t>{day(2022, 12, 31), day(2021, 2, 1), day(2021, 6, 30)}));
  EXPECT_EQ(read_strings(file, "end_reason", 3),
            (std::vector<std::string>{"study_end", "outcome", "death"}));
  H5Fclose(file);
}

TEST(CohortH5, TwoWritesOfTheSameRowsAreByteIdentical) {
  test::TempDir dir("cohort-h5");
  write_cohort_h5(dir / "a.h5", sample_rows());
  write_cohort_h5(dir / "b.h5", sample_rows());
  const std::string a = test::read_text(dir / "a.h5");
  EXPECT_FALSE(a.empty());
  EXPECT_EQ(a, test::read_text(dir / "b.h5"));
}

TEST(CohortH5, AnEmptyCohortIsAValidFile) {
  test::TempDir dir("cohort-h5");
  write_cohort_h5(dir / "empty.h5", {});
  h5::Lock lock(h5::mutex());
  const hid_t file = H5Fopen((dir / "empty.h5").c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  ASSERT_GE(file, 0);
  EXPECT_TRUE(read_strings(file, "BEN_NIR_PSA", 0).empty());
  H5Fclose(file);
}

}  // namespace
}  // namespace snds
