// Default rates of the generator's quirks. File quirks get high rates because an extract has few
// files (with one rank, one per table): a low rate would leave them out of most runs. Event
// quirks stay rare, as in real extracts. The malformed rate stays well below ingest's default
// max_reject_ratio (0.001), and the count is exact (floor(rows x rate)), so a default extract
// always ingests with the default settings.
#include "synth/quirks.hpp"

#include <algorithm>

namespace snds::synth {

const std::array<QuirkInfo, kQuirkCount>& quirk_table() {
  static const std::array<QuirkInfo, kQuirkCount> kTable = {{
      {Quirk::kDates, "dates", "file", 0.6},
      {Quirk::kMissing1600, "missing1600", "file", 0.8},
      {Quirk::kDecimalComma, "decimal_comma", "file", 0.4},
      {Quirk::kNumEnq, "num_enq", "file", 0.3},
      {Quirk::kShuffle, "shuffle", "file", 0.3},
      {Quirk::kExtraColumns, "extra_columns", "file", 0.5},
      {Quirk::kGzip, "gzip", "file", 0.2},
      {Quirk::kQuotes, "quotes", "row", 0.01},
      {Quirk::kMalformed, "malformed", "row", 0.0002},
      {Quirk::kInfo71, "info71", "claim line", 0.01},
      {Quirk::kRegularisation, "regularisation", "pharmacy line", 0.01},
      {Quirk::kOrphans, "orphans", "ER_PHA_F row", 0.001},
      {Quirk::kUnknownCip, "unknown_cip", "ER_PHA_F row", 0.003},
      {Quirk::kMissingBen, "missing_ben", "patient", 0.002},
      {Quirk::kTwins, "twins", "patient pair", 0.004},
      {Quirk::kInvalidStays, "invalid_stays", "stay", 0.02},
      {Quirk::kLateClaims, "late_claims", "claim line", 0.01},
      // Off by default: they change the example's answers (persons, stays that link nobody).
      {Quirk::kPersons, "persons", "patient", 0.0},
      {Quirk::kPlaceholderNir, "placeholder_nir", "stay", 0.0},
  }};
  return kTable;
}

const QuirkInfo& quirk_info(Quirk q) {
  return quirk_table()[static_cast<size_t>(q)];
}

QuirkSettings QuirkSettings::defaults() {
  QuirkSettings s;
  for (const auto& info : quirk_table()) s.set(info.quirk, info.default_rate);
  return s;
}

QuirkSettings QuirkSettings::none() {
  return QuirkSettings{};
}

QuirkSettings QuirkSettings::scaled(double factor) const {
  QuirkSettings s = *this;
  for (auto& r : s.rates) r = std::min(1.0, r * factor);
  return s;
}

}  // namespace snds::synth
