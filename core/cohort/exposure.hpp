// Exposure periods (docs/cohort.md, `exposure:`): the treatment periods one patient's dispensings
// of the index event cover, as SCALPEL3's exposure transformers and OHDSI's drug eras build them.
// Pure functions of a patient's supplies, so the rules are tested on hand-made histories.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "core/cohort/cohort_spec.hpp"
#include "core/date.hpp"

namespace snds {

// One dispensing event of the index definition: its date, boxes (PHA_ACT_QSN, Decimal scaled)
// and whether its CIP13 is a large pack (PHA_CND_TOP = GC).
struct Supply {
  Date date;
  int64_t boxes;
  bool large_pack;
};

struct ExposurePeriod {
  Date start;
  Date end;       // last covered day, inclusive
  int64_t boxes;  // boxes of the supplies in the period, Decimal scaled

  bool operator==(const ExposurePeriod&) const = default;
};

// Days a supply covers: boxes x (days_per_box, or 30 / 90 days by pack size), boxes taken as
// PHA_ACT_QSN / 10^4 rounded down to whole days of cover, at least 1 day.
int64_t supply_days(const ExposureSpec& spec, const Supply& s);

// Periods built from `supplies` (sorted by date) dated on or after `from`:
//   duration mode: a supply dated d covers [d, d + days - 1]. Without stockpile a supply that
//   starts inside the running period extends it to max(end, d + days - 1); with stockpile its
//   days are added after the running end (end + days). A supply whose uncovered gap to the
//   running end (d - end - 1) is <= grace_days joins the period; otherwise it starts a new one.
//   min_purchases mode: one period from the first date D >= from on which `min_purchases`
//   supplies are dated in [D - within_days, D] (all dated >= from), to `until`; none otherwise.
std::vector<ExposurePeriod> exposure_periods(const ExposureSpec& spec,
                                             std::span<const Supply> supplies, Date from,
                                             Date until);

}  // namespace snds
