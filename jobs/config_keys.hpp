// The config-key registries of the three YAML configs (runtime/config_keys.hpp says what a
// registry is for). Each is declared beside its reader: jobs/ingest/ingest_keys.cpp,
// jobs/aggregate/aggregate_keys.cpp, jobs/cohort/cohort_keys.cpp.
#pragma once

#include <span>

#include "runtime/config_keys.hpp"

namespace snds {

std::span<const KeySpec> ingest_keys();
std::span<const KeySpec> aggregate_keys();
std::span<const KeySpec> cohort_keys();
// All three, in the order of docs/reference.md sections 4-6.
const std::vector<KeyTable>& config_key_tables();

}  // namespace snds
