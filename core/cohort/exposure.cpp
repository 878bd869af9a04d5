// Exposure periods from dispensings: durations, stockpiling, grace-period merges, n-th purchase.
#include "core/cohort/exposure.hpp"

#include <algorithm>

#include "core/column.hpp"

namespace snds {

int64_t supply_days(const ExposureSpec& spec, const Supply& s) {
  const int64_t per_box = spec.days_per_box > 0 ? spec.days_per_box : (s.large_pack ? 90 : 30);
  return std::max<int64_t>(1, per_box * s.boxes / kDecimalScale);
}

std::vector<ExposurePeriod> exposure_periods(const ExposureSpec& spec,
                                             std::span<const Supply> supplies, Date from,
                                             Date until) {
  std::vector<ExposurePeriod> out;
  auto first = std::lower_bound(supplies.begin(), supplies.end(), from,
                                [](const Supply& s, Date d) { return s.date < d; });
  if (spec.min_purchases > 0) {
    const auto n = static_cast<size_t>(spec.min_purchases);
    std::span<const Supply> kept(first, supplies.end());
    for (size_t i = n - 1; i < kept.size(); ++i) {
      // kept[i - n + 1 .. i] are n supplies; the window holds them when the oldest is within it.
      if (int64_t{kept[i].date} - kept[i - n + 1].date <= spec.within_days) {
        int64_t boxes = 0;
        for (size_t k = 0; k < kept.size() && kept[k].date <= until; ++k) boxes += kept[k].boxes;
        out.push_back({kept[i].date, until, boxes});
        break;
      }
    }
    return out;
  }
  for (auto it = first; it != supplies.end(); ++it) {
    const int64_t days = supply_days(spec, *it);
    if (!out.empty() && int64_t{it->date} - out.back().end - 1 <= spec.grace_days) {
      auto& p = out.back();
      if (spec.stockpile && it->date <= p.end)
        p.end = static_cast<Date>(p.end + days);
      else
        p.end = static_cast<Date>(std::max<int64_t>(p.end, it->date + days - 1));
      p.boxes += it->boxes;
    } else {
      out.push_back({it->date, static_cast<Date>(it->date + days - 1), it->boxes});
    }
  }
  return out;
}

}  // namespace snds
