// Small builders shared by the store tests: typed columns from literals, batch equality, header
// surgery.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "core/column.hpp"
#include "core/store/shard_header.hpp"

namespace snds::test {

inline Column int_column(const std::string& name, std::vector<int64_t> values,
                         ColumnType type = ColumnType::kInt64) {
  Column c(name, type);
  c.ints = std::move(values);
  return c;
}

inline Column date_column(const std::string& name, std::vector<Date> values) {
  Column c(name, ColumnType::kDate);
  c.dates = std::move(values);
  return c;
}

inline Column string_column(const std::string& name, const std::vector<std::string>& values) {
  Column c(name, ColumnType::kString);
  for (const auto& v : values) c.strings.push_back(v);
  return c;
}

inline std::vector<std::string> strings_of(const Column& c) {
  std::vector<std::string> out;
  for (size_t i = 0; i < c.strings.size(); ++i) out.emplace_back(c.strings.at(i));
  return out;
}

// Same names, types and values, column by column.
inline void expect_same_batch(const Batch& expected, const Batch& actual) {
  ASSERT_EQ(expected.columns.size(), actual.columns.size());
  for (size_t i = 0; i < expected.columns.size(); ++i) {
    const Column& e = expected.columns[i];
    const Column& a = actual.columns[i];
    SCOPED_TRACE("column " + e.name);
    EXPECT_EQ(e.name, a.name);
    ASSERT_EQ(e.type, a.type);
    ASSERT_EQ(e.size(), a.size());
    switch (e.type) {
      case ColumnType::kInt64:
      case ColumnType::kDecimal:
        EXPECT_EQ(e.ints, a.ints);
        break;
      case ColumnType::kDate:
        EXPECT_EQ(e.dates, a.dates);
        break;
      case ColumnType::kString:
        EXPECT_EQ(strings_of(e), strings_of(a));
        break;
    }
  }
}

// Seven rows of each column kind (an int with a missing value and one needing 16 bits, a date
// with a missing value, strings with an empty one and repeats): the shard files of the store
// tests that look at the file's layout rather than its values.
inline Batch mixed_batch() {
  Batch b;
  b.columns.push_back(int_column("N", {1, 2, kMissingInt, 30000, 5, 6, 7}));
  b.columns.push_back(date_column("D", {18000, 18001, kMissingDate, 3, 4, 5, 6}));
  b.columns.push_back(string_column("S", {"b", "a", "", "c", "a", "b", "zz"}));
  return b;
}

// Zeroes a shard file's header (the HDF5 user block): what a file written before format 4, or
// rewritten by another tool, looks like to the reader.
inline void clear_shard_header(const std::filesystem::path& path) {
  std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
  const std::string zeros(kShardHeaderBytes, '\0');
  f.write(zeros.data(), static_cast<std::streamsize>(zeros.size()));
}

}  // namespace snds::test
