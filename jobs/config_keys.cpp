// The list of registries that docs/reference.md renders, in the order of its sections 4-6.
#include "jobs/config_keys.hpp"

namespace snds {

const std::vector<KeyTable>& config_key_tables() {
  static const std::vector<KeyTable> kTables = {
      {"ingest", ingest_keys()}, {"aggregate", aggregate_keys()}, {"cohort", cohort_keys()}};
  return kTables;
}

}  // namespace snds
