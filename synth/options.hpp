// What one synthetic extract is made of: patients, seed, calendar years and quirk rates. The rows
// of an extract depend on these and on nothing else (not on ranks, threads or part files).
#pragma once

#include <cstdint>

#include "synth/quirks.hpp"

namespace snds::synth {

struct GeneratorOptions {
  uint64_t patients = 0;  // patient slots = IR_BEN_R rows before the missing_ben quirk
  uint64_t seed = 0;
  int first_year = 2019;  // care dates fall in [first_year-01-01, last_year-12-31]
  int last_year = 2022;
  QuirkSettings quirks = QuirkSettings::defaults();
  // --care-tables: also IR_IMB_R, ER_CAM_F, ER_BIO_F, T_MCOaaA, KI_CCI_R, KI_ECD_R, ER_ETE_F
  // (synth/care_tables.hpp); the other files are the same either way.
  bool care_tables = false;
  // --part-patients: patients per part file (0: the default, part_patients() in
  // jobs/generate/generator.hpp). It cuts the files, not the rows: any value gives the same rows.
  uint64_t part_patients = 0;

  int year_count() const { return last_year - first_year + 1; }
};

// Years the yearly PMSI table names can carry (two digits, 00-69 read as 20yy).
inline constexpr int kMinYear = 2000;
inline constexpr int kMaxYear = 2069;

}  // namespace snds::synth
