// The aggregate job's result files: result.csv (reference section 5: `,`-separated, header =
// group columns, measures, `suppressed`; one row per group in the order given, which the caller
// sorted) and result.h5 (the same table, typed, one dataset per column under /result, for Python
// and R). Both are written under a temporary name and renamed (core/atomic_file.hpp).
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "core/aggregate/aggregate_spec.hpp"
#include "core/aggregate/group_table.hpp"

namespace snds {

// A CSV field, quoted only when it holds `,`, `"`, CR or LF (quotes doubled inside).
std::string csv_field(std::string_view value);
// A measure as printed: counts in decimal, decimal measures with format_decimal (exact).
std::string measure_text(Measure m, const GroupMeasures& values);

std::string result_csv(const AggregateSpec& spec, const std::vector<GroupRow>& rows);
void write_result_csv(const std::filesystem::path& path, const AggregateSpec& spec,
                      const std::vector<GroupRow>& rows);

// result.h5: /result/<column> 1-D datasets, in CSV order. Group columns are fixed-length UTF-8
// strings (null-padded to the longest value) except `year` (int64); measures are float64 (decimals
// divided by 10^4; counts exact below 2^53) with NaN in suppressed rows; `suppressed` is int8
// (0/1). /result carries attributes `columns` (the names in order), `rows`, `min_patients` and
// `source`.
void write_result_h5(const std::filesystem::path& path, const AggregateSpec& spec,
                     const std::vector<GroupRow>& rows);

}  // namespace snds
