// IR_PHA_R as the generator builds it: CIP13 pack codes for every drug of the catalog, derived from
// the seed only (every rank builds the same one; rank 0 writes it). Each drug also has one code
// that IR_PHA_R leaves out, dispensed under the unknown_cip quirk.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "synth/catalogs.hpp"

namespace snds::synth {

struct CipCode {
  std::array<char, 13> cip;  // "34009" + 7 digits + EAN-13 check digit
  uint16_t drug;             // index into drug_catalog()
  uint8_t pack_months;       // 1 (standard pack) or 3 (large pack, PHA_CND_TOP "GC")
  bool referenced;           // written to IR_PHA_R
  bool odd_label;            // label holding ';' and '"' (quotes quirk)
  uint32_t price_cents;      // per box
  uint16_t pack_units;       // tablets per box, for the label

  std::string_view code() const { return {cip.data(), cip.size()}; }
};

class DrugReferential {
 public:
  // `odd_label_rate`: share of labels carrying a ';' and quotes (the quotes quirk).
  DrugReferential(uint64_t seed, double odd_label_rate);

  std::span<const CipCode> codes() const { return codes_; }
  const CipCode& at(uint32_t i) const { return codes_[i]; }
  // Codes of a drug in IR_PHA_R: standard packs, then large packs (may be empty).
  std::span<const uint32_t> standard_packs(uint16_t drug) const { return standard_[drug]; }
  std::span<const uint32_t> large_packs(uint16_t drug) const { return large_[drug]; }
  // The drug's code absent from IR_PHA_R.
  uint32_t unreferenced(uint16_t drug) const { return unreferenced_[drug]; }
  // PHA_MED_NOM of a code.
  std::string label(uint32_t i) const;

 private:
  std::vector<CipCode> codes_;
  std::vector<std::vector<uint32_t>> standard_, large_;
  std::vector<uint32_t> unreferenced_;
};

// The EAN-13 check digit of the first 12 digits.
char ean13_check_digit(const char* first12);

}  // namespace snds::synth
