// Reading a cohort job config (reference section 6, docs/cohort.md) into a CohortSpec: every key
// checked strictly, every event name resolved, every error one sentence naming file, line and key.
#pragma once

#include <string>

#include "core/cohort/cohort_spec.hpp"
#include "jobs/job_entry.hpp"
#include "runtime/config.hpp"

namespace snds {

struct CohortJobConfig : StoreJobConfig {  // config_file, store, output
  CohortSpec spec;
};

// Reads the whole config (the `job:` key included) and calls finish(): nothing unread is left.
CohortJobConfig read_cohort_config(ConfigMap& config);

// The resolved config with every default, as recorded in manifest.json.
boost::json::object cohort_config_to_json(const CohortJobConfig& config);

}  // namespace snds
