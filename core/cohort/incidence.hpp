// Incidence rates (incidence.csv, docs/cohort.md `incidence:`): for each outcome and stratum the
// persons, person-years at risk, events, rate and exact Poisson 95% interval. Computed on rank 0
// from the sorted cohort rows, so the answer never depends on how the store was split.
//
// At risk for an outcome: from index_date to the outcome date when the patient has it, else to
// end_date, both days included (days = end - index + 1, person-years = days / 365.25); a patient
// whose outcome occurred in the clean window is not at risk of it, nor one whose end precedes the
// index. Time is split across calendar years (stratum `year`) and, with `age_band`, at each
// birthday (the 1st of BEN_NAI_MOI, January when unknown, age = whole years since birth).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/cohort/cohort_engine.hpp"

namespace snds {

// Exact 95% bounds for a Poisson count k (Garwood): the 2.5% quantile of Gamma(k) (0 for k = 0)
// and the 97.5% quantile of Gamma(k + 1).
double poisson_lower_95(uint64_t k);
double poisson_upper_95(uint64_t k);
// The regularised lower incomplete gamma function P(a, x), a > 0, x >= 0.
double regularized_gamma_p(double a, double x);

// Age in whole years on day `d` for a birth in year `birth_year`, month `birth_month` (1-12, or
// kMissingInt for January); kMissingInt when the birth year is unknown.
int64_t age_on(Date d, int64_t birth_year, int64_t birth_month);

inline constexpr const char* kIncidenceRateColumns =
    "persons,person_years,events,rate,rate_low,rate_high";
// incidence.csv: header `outcome,<strata...>,persons,...`, rows by outcome (spec order) then
// stratum values (byte order); figures blank for strata with fewer than min_patients persons.
std::string incidence_csv(const CohortSpec& spec, const std::vector<CohortRow>& rows);

}  // namespace snds
