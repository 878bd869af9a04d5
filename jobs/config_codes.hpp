// Config code lists against the SNDS nomenclatures (core/nomenclature): a code or prefix that no
// real code matches is a warning, not an error (a nomenclature lags behind new codes, and a study
// may name a code on purpose), naming the config's file, line and key and the closest real codes.
// `validate` and `run` print them (rank 0) before anything else.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/nomenclature/nomenclature.hpp"
#include "runtime/config.hpp"

namespace snds {

// Appends one warning per code of `codes` (the list at `key` of `map`) that is not real.
// `prefix`: the list matches by prefix (ICD-10, CCAM), else exactly (NABM, ALD).
void warn_unknown_codes(const ConfigMap& map, const std::string& key, CodeSystem system,
                        const std::vector<std::string>& codes, bool prefix,
                        std::vector<std::string>& warnings);
void warn_unknown_codes(const ConfigMap& map, const std::string& key, CodeSystem system,
                        const std::vector<int64_t>& codes, std::vector<std::string>& warnings);

// Prints `warnings` (log::warn) on rank 0 (`is_master`).
void print_config_warnings(const std::vector<std::string>& warnings, bool is_master);

}  // namespace snds
