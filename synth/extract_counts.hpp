// Counts of what an extract holds beyond plain rows (patients, deaths, twins, each event quirk),
// summed over patients, then over threads and ranks, and written to generate.json so that ingest
// and job tests can reconcile their numbers exactly.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

#include "synth/records.hpp"

namespace snds::synth {

struct ExtractCounts {
  enum Field : size_t {
    kPatients,
    kIrBenRRows,
    kMissingFromIrBenR,
    kTwinPairs,
    kDeaths,
    kHeavyPatients,
    kClaimLines,
    kPharmacyRows,
    kInfo71Lines,
    kRegularisationLines,
    kOrphanRows,
    kUnknownCipRows,
    kLateClaims,
    kStays,
    kInvalidStays,
    kDasRows,
    kQuotedRows,
    kPersonsWithTwoNirs,
    kPlaceholderStays,
    kFieldCount
  };
  std::array<uint64_t, kFieldCount> values{};

  uint64_t& operator[](Field f) { return values[f]; }
  uint64_t operator[](Field f) const { return values[f]; }

  void add_patient(const PatientRecords& r) {
    values[kPatients] += 1;
    const bool two = r.nir2_from != kMissingDate;
    values[kIrBenRRows] += r.in_ir_ben_r ? (two ? 2 : 1) : 0;
    values[kPersonsWithTwoNirs] += two ? 1 : 0;
    for (const auto& s : r.stays) values[kPlaceholderStays] += s.placeholder ? 1 : 0;
    values[kMissingFromIrBenR] += r.in_ir_ben_r ? 0 : 1;
    values[kTwinPairs] += r.rng_gem == 2 ? 1 : 0;
    values[kDeaths] += r.death != kMissingDate ? 1 : 0;
    values[kHeavyPatients] += r.heavy ? 1 : 0;
    values[kClaimLines] += r.prs.size();
    values[kPharmacyRows] += r.pha.size();
    values[kInfo71Lines] += r.info71_lines;
    values[kRegularisationLines] += r.regularisation_lines;
    values[kOrphanRows] += r.orphan_rows;
    values[kUnknownCipRows] += r.unknown_cip_rows;
    values[kLateClaims] += r.late_claims;
    values[kStays] += r.stays.size();
    for (const auto& s : r.stays) values[kInvalidStays] += s.invalid ? 1 : 0;
    values[kDasRows] += r.das.size();
  }
  void add(const ExtractCounts& o) {
    for (size_t i = 0; i < kFieldCount; ++i) values[i] += o.values[i];
  }

  // Names used in generate.json, in Field order.
  static std::string_view name(size_t field) {
    static constexpr std::string_view kNames[kFieldCount] = {"patients",
                                                             "ir_ben_r_rows",
                                                             "patients_missing_from_ir_ben_r",
                                                             "twin_pairs",
                                                             "deaths",
                                                             "heavy_patients",
                                                             "claim_lines",
                                                             "pharmacy_rows",
                                                             "info71_lines",
                                                             "regularisation_lines",
                                                             "orphan_rows",
                                                             "unknown_cip_rows",
                                                             "late_claims",
                                                             "stays",
                                                             "invalid_stays",
                                                             "das_rows",
                                                             "quoted_rows",
                                                             "persons_with_two_pseudo_nirs",
                                                             "placeholder_nir_stays"};
    return kNames[field];
  }
};

}  // namespace snds::synth
