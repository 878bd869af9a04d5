// A column of the tables read by name (core/events/care_sources.hpp), whatever type the store gave
// it: the schema types IMB_ALD_NUM or BIO_PRS_IDE as integers, a delivery may hold them as text,
// and a column absent from the table reads as missing on every row. Not for the hot tables
// (ER_PRS_F, ER_PHA_F): a switch per value.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/column.hpp"
#include "core/csv/value_parse.hpp"
#include "core/date.hpp"

namespace snds::events_detail {

class LooseColumn {
 public:
  LooseColumn() = default;
  LooseColumn(const Batch& b, std::string_view name) {
    const int i = b.find(name);
    if (i >= 0) c_ = &b.columns[static_cast<size_t>(i)];
  }
  bool present() const { return c_ != nullptr; }

  // An integer (a decimal column gives its scaled value); text that is not an integer, and a
  // missing value, give kMissingInt.
  int64_t integer(size_t r) const {
    if (!c_) return kMissingInt;
    switch (c_->type) {
      case ColumnType::kInt64:
      case ColumnType::kDecimal:
        return int_at(*c_, r);
      case ColumnType::kString: {
        int64_t v = kMissingInt;
        return parse_int64(c_->string_at(r), v) ? v : kMissingInt;
      }
      case ColumnType::kDate:
        return kMissingInt;
    }
    return kMissingInt;
  }
  // Text as stored ("" when missing); integers in decimal digits, into `buf`.
  std::string_view text(size_t r, std::string& buf) const {
    if (!c_) return {};
    if (c_->type == ColumnType::kString) return c_->string_at(r);
    if (c_->type == ColumnType::kDate) return {};
    const int64_t v = int_at(*c_, r);
    if (v == kMissingInt) return {};
    buf = std::to_string(v);
    return buf;
  }
  // A string column's value (views into the shard), "" for other types.
  std::string_view string(size_t r) const {
    return c_ && c_->type == ColumnType::kString ? c_->string_at(r) : std::string_view{};
  }
  // A date; 1600-01-01 and unparsable text are missing.
  Date date(size_t r) const {
    if (!c_) return kMissingDate;
    Date d = kMissingDate;
    if (c_->type == ColumnType::kDate) {
      d = c_->dates[r];
    } else if (c_->type == ColumnType::kString) {
      if (!parse_date(c_->string_at(r), d)) d = kMissingDate;
    }
    return d == kSndsMissingSentinel ? kMissingDate : d;
  }

 private:
  const Column* c_ = nullptr;
};

}  // namespace snds::events_detail
