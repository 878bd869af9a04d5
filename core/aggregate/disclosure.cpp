// The primary suppression rule.
#include "core/aggregate/disclosure.hpp"

namespace snds {

size_t apply_disclosure(std::vector<GroupRow>& rows, int64_t min_patients) {
  size_t n = 0;
  for (auto& r : rows) {
    r.suppressed = static_cast<int64_t>(r.measures.patients) < min_patients;
    if (r.suppressed) ++n;
  }
  return n;
}

}  // namespace snds
