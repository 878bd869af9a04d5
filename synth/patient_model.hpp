// The patient model: from (seed, patient index) alone, who the patient is (age, sex, department,
// twin, death) and their care over the years: consultations, lab tests, home nursing, chronic
// treatments dispensed monthly, acute episodes, hospital stays with ICD-10 diagnoses and GHM, and
// the event quirks (info-only lines, regularisations, orphans, unknown CIP13, invalid stays...).
#pragma once

#include <cstdint>

#include "synth/drug_referential.hpp"
#include "synth/options.hpp"
#include "synth/records.hpp"

namespace snds::synth {

// Key space of DCT_ORD_NUM: patient index << 20, plus a per-patient document counter; orphan
// ER_PHA_F rows use counters from kOrphanDocumentBase on, which no ER_PRS_F line uses.
inline constexpr int kDocumentBits = 20;
inline constexpr int64_t kOrphanDocumentBase = int64_t{1} << 19;
// RSA_NUM = patient index << 16 plus a per-patient stay counter: unique over the whole extract.
inline constexpr int kStayBits = 16;

class PatientModel {
 public:
  PatientModel(const GeneratorOptions& options, const DrugReferential& referential);

  // Fills `out` (cleared first) with patient `index` (0 <= index < options.patients).
  void generate(uint64_t index, PatientRecords& out) const;

  const GeneratorOptions& options() const { return options_; }
  const DrugReferential& referential() const { return referential_; }

 private:
  const GeneratorOptions& options_;
  const DrugReferential& referential_;
};

// True when patients 2k and 2k+1 are twins (both exist and the twins quirk picked the pair).
bool is_twin_pair(const GeneratorOptions& options, uint64_t pair);
// BEN_NIR_PSA of a person: 17 characters, unique per person index for a given seed.
std::array<char, 17> pseudonym(uint64_t seed, uint64_t person, uint64_t salt = 0);
// The 9-character FINESS of hospital `h` (0-3) of a department, for a given seed.
std::array<char, 9> finess(uint64_t seed, uint16_t department, int h);

}  // namespace snds::synth
