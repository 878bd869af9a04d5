// The quirks of real SNDS extracts (reference sections 2-3) that the generator plants on purpose,
// each switchable and each with a rate. File quirks are drawn once per written file; the others
// once per row, claim, dispensing, patient or stay (the `unit` of each). docs/generator.md lists
// them with their defaults.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

namespace snds::synth {

enum class Quirk : uint8_t {
  // Per file.
  kDates,         // the file writes dates as dd/mm/yyyy or SAS datetimes instead of ISO
  kMissing1600,   // the file writes missing dates as 1600-01-01 (in its form) instead of empty
  kDecimalComma,  // the file writes decimals with ',' instead of '.'
  kNumEnq,        // the file names the patient key NUM_ENQ
  kShuffle,       // the file's columns are in a shuffled order
  kExtraColumns,  // the file has extra columns (optional catalog columns and unknown ones)
  kGzip,          // the file is written as .csv.gz
  // Per row or event.
  kQuotes,          // a row with every field in double quotes (and labels with ';' and '"')
  kMalformed,       // extra rows with a wrong field count, a bad date or a bad number
  kInfo71,          // information-only duplicate claim lines (DPN_QLF = 71)
  kRegularisation,  // a later claim line cancelling a dispensing (negative quantities)
  kOrphans,         // ER_PHA_F rows whose 9 keys match no ER_PRS_F line
  kUnknownCip,      // dispensed CIP13 codes absent from IR_PHA_R
  kMissingBen,      // patients with claims but no IR_BEN_R row
  kTwins,           // twin pairs: same BEN_NIR_PSA, BEN_RNG_GEM 1 and 2
  kInvalidStays,    // PMSI stays with a non-zero return code or a GHM in CMD 90
  kLateClaims,      // claims processed (FLX_DIS_DTD) 7 to 27 months after the care date
  kPersons,         // a second pseudo-NIR from a date on, linked by BEN_IDT_ANO (off by default)
  kPlaceholderNir,  // a stay whose NIR_ANO_17 is a placeholder (off by default)
  kCount
};

inline constexpr size_t kQuirkCount = static_cast<size_t>(Quirk::kCount);

struct QuirkInfo {
  Quirk quirk;
  std::string_view name;  // as written in --quirks
  std::string_view unit;  // what the rate is a probability of
  double default_rate;
};

// One entry per quirk, in enum order.
const std::array<QuirkInfo, kQuirkCount>& quirk_table();
const QuirkInfo& quirk_info(Quirk q);

struct QuirkSettings {
  std::array<double, kQuirkCount> rates{};

  double rate(Quirk q) const { return rates[static_cast<size_t>(q)]; }
  void set(Quirk q, double r) { rates[static_cast<size_t>(q)] = r; }

  static QuirkSettings defaults();
  static QuirkSettings none();
  // Every rate times `factor`, capped at 1 (the --quirk-rate option).
  QuirkSettings scaled(double factor) const;
};

}  // namespace snds::synth
