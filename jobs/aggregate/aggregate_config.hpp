// Reading an aggregate job config (reference section 5, docs/aggregate.md) into an AggregateSpec:
// every key checked strictly, every dimension and measure checked against the source, every error
// one sentence naming file, line and key. Needs no store: `validate` runs exactly this.
#pragma once

#include <string>

#include <boost/json.hpp>

#include "core/aggregate/aggregate_spec.hpp"
#include "jobs/job_entry.hpp"
#include "runtime/config.hpp"

namespace snds {

struct AggregateJobConfig : StoreJobConfig {  // config_file, store, output
  AggregateSpec spec;
};

// Reads the whole config (the `job:` key included) and calls finish(): nothing unread is left.
AggregateJobConfig read_aggregate_config(ConfigMap& config);

// The resolved config with every default, as recorded in manifest.json.
boost::json::object aggregate_config_to_json(const AggregateJobConfig& config);

}  // namespace snds
