// The cohort job's result files (reference section 6): cohort.csv and attrition.csv as text, and
// cohort.h5, the same table typed for Python and R. cohort.csv and cohort.h5 hold patient
// pseudonyms: they are patient-level outputs (mode 0640), never logged.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "core/cohort/cohort_engine.hpp"

namespace snds {

inline constexpr const char* kCohortCsvHeader =
    "BEN_NIR_PSA,BEN_RNG_GEM,index_date,age_at_index,sex,outcome_date,end_date,end_reason";

// cohort.csv: header then one line per row, in the order given (sort first), "\n" line ends.
// With the study, end reasons name their censoring event and each `outcomes:` entry adds a
// `<name>_date` column after end_reason (without `outcomes:` the file is as before).
std::string cohort_csv(const std::vector<CohortRow>& rows, const CohortSpec* spec = nullptr);

inline constexpr const char* kExposuresCsvHeader = "BEN_NIR_PSA,BEN_RNG_GEM,start,end,boxes";
// exposures.csv: each row's exposure periods, in row order then period order.
std::string exposures_csv(const std::vector<CohortRow>& rows);
// attrition.csv: "step,patients" then one line per step.
std::string attrition_csv(const std::vector<std::string>& steps,
                          const std::vector<uint64_t>& patients);

// Writes cohort.h5 atomically (temp name, fsync, rename; 0640): one group /cohort with a dataset
// per column. Dates are int32 days since 1970-01-01 (attribute `units`), missing as INT32_MIN
// (attribute `missing`); strings are fixed-length, NUL-padded. The bytes depend on the rows
// only (no timestamps), so the file is identical from run to run. Call from one thread only.
void write_cohort_h5(const std::filesystem::path& path, const std::vector<CohortRow>& rows,
                     const CohortSpec* spec = nullptr);

}  // namespace snds
