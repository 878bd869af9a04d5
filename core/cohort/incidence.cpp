// Person-time split by stratum, event counts and exact Poisson intervals.
#include "core/cohort/incidence.hpp"

#include <algorithm>
#include <cmath>
#include <map>

#include <fmt/format.h>

#include "core/column.hpp"

namespace snds {
namespace {

struct Cell {
  uint64_t persons = 0;
  int64_t days = 0;
  uint64_t events = 0;
};

// Quantile p of Gamma(a, 1) by bisection: deterministic, accurate to the last bits.
double gamma_quantile(double p, double a) {
  double lo = 0, hi = std::max(1.0, a);
  while (regularized_gamma_p(a, hi) < p) hi *= 2;
  for (int i = 0; i < 200 && hi - lo > 1e-15 * hi; ++i) {
    const double mid = 0.5 * (lo + hi);
    (regularized_gamma_p(a, mid) < p ? lo : hi) = mid;
  }
  return 0.5 * (lo + hi);
}

Date next_year_start(Date d) {
  return days_from_civil(year_of(d) + 1, 1, 1);
}

// The first birthday strictly after d (the 1st of the birth month).
Date next_birthday(Date d, int64_t birth_month) {
  const auto m = static_cast<unsigned>(birth_month == kMissingInt ? 1 : birth_month);
  const int y = year_of(d);
  const Date this_year = days_from_civil(y, m, 1);
  return this_year > d ? this_year : days_from_civil(y + 1, m, 1);
}

std::string figure(double v) {
  return fmt::format("{:.4f}", v);
}

}  // namespace

double regularized_gamma_p(double a, double x) {
  if (x <= 0) return 0;
  const double log_front = -x + a * std::log(x) - std::lgamma(a);
  if (x < a + 1) {
    double term = 1 / a, sum = term;
    for (int n = 1; n < 10000; ++n) {
      term *= x / (a + n);
      sum += term;
      if (std::fabs(term) < std::fabs(sum) * 1e-17) break;
    }
    return sum * std::exp(log_front);
  }
  // Continued fraction for Q(a, x) (modified Lentz).
  const double tiny = 1e-300;
  double b = x + 1 - a, c = 1 / tiny, d = 1 / b, h = d;
  for (int i = 1; i < 10000; ++i) {
    const double an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (std::fabs(d) < tiny) d = tiny;
    c = b + an / c;
    if (std::fabs(c) < tiny) c = tiny;
    d = 1 / d;
    const double delta = d * c;
    h *= delta;
    if (std::fabs(delta - 1) < 1e-17) break;
  }
  return 1 - std::exp(log_front) * h;
}

double poisson_lower_95(uint64_t k) {
  return k == 0 ? 0.0 : gamma_quantile(0.025, static_cast<double>(k));
}

double poisson_upper_95(uint64_t k) {
  return gamma_quantile(0.975, static_cast<double>(k + 1));
}

int64_t age_on(Date d, int64_t birth_year, int64_t birth_month) {
  if (birth_year == kMissingInt) return kMissingInt;
  const auto c = civil_from_days(d);
  const int64_t m = birth_month == kMissingInt ? 1 : birth_month;
  return c.year - birth_year - (static_cast<int64_t>(c.month) < m ? 1 : 0);
}

std::string incidence_csv(const CohortSpec& spec, const std::vector<CohortRow>& rows) {
  const IncidenceSpec& inc = *spec.incidence;
  bool by_age = false, by_year = false;
  std::string header = "outcome";
  for (auto s : inc.strata) {
    by_age = by_age || s == IncidenceStratum::kAgeBand;
    by_year = by_year || s == IncidenceStratum::kYear;
    header += s == IncidenceStratum::kSex       ? ",sex"
              : s == IncidenceStratum::kAgeBand ? ",age_band"
                                                : ",year";
  }
  std::string out = header + "," + kIncidenceRateColumns + "\n";
  const auto names = spec.incidence_outcome_names();

  // A stratum's key: its values joined by NUL bytes (no stored value holds one), which orders
  // keys as the lists of their values would order (shorter before longer on a common prefix),
  // at one string per key instead of one per value.
  std::vector<std::string> touched;
  std::string k;
  for (size_t o = 0; o < names.size(); ++o) {
    std::map<std::string, Cell> cells;
    for (const auto& r : rows) {
      if (r.prevalent & (1u << o)) continue;
      // The single outcome comes first; `outcomes:` follow in order.
      const Date event = spec.outcome_event ? (o == 0 ? r.outcome_date : r.outcome_dates[o - 1])
                                            : r.outcome_dates[o];
      const Date stop = event != kMissingDate ? event : r.end_date;
      if (r.index_date == kMissingDate || stop < r.index_date) continue;
      touched.clear();
      auto key_at = [&](Date d) -> const std::string& {
        k.clear();
        for (size_t i = 0; i < inc.strata.size(); ++i) {
          if (i > 0) k.push_back('\0');
          const auto s = inc.strata[i];
          if (s == IncidenceStratum::kSex)
            k.append(r.sex);
          else if (s == IncidenceStratum::kAgeBand)
            k.append(age_band(age_on(d, r.birth_year, r.birth_month)));
          else
            k.append(std::to_string(year_of(d)));
        }
        return k;
      };
      for (int64_t cur = r.index_date; cur <= stop;) {
        int64_t next = int64_t{stop} + 1;
        if (by_year) next = std::min<int64_t>(next, next_year_start(static_cast<Date>(cur)));
        if (by_age && r.birth_year != kMissingInt)
          next = std::min<int64_t>(next, next_birthday(static_cast<Date>(cur), r.birth_month));
        const std::string& key = key_at(static_cast<Date>(cur));
        cells[key].days += next - cur;
        if (std::find(touched.begin(), touched.end(), key) == touched.end()) touched.push_back(key);
        cur = next;
      }
      for (const auto& t : touched) ++cells[t].persons;
      if (event != kMissingDate) ++cells[key_at(event)].events;
    }
    for (const auto& [key, c] : cells) {
      std::string line = names[o];
      if (!inc.strata.empty()) {
        line += ",";
        for (char ch : key) line.push_back(ch == '\0' ? ',' : ch);
      }
      if (static_cast<int64_t>(c.persons) < spec.min_patients) {
        out += line + ",,,,,,\n";
        continue;
      }
      const double years = double(c.days) / 365.25;
      const double scale = double(inc.per) / years;
      out +=
          fmt::format("{},{},{},{},{},{},{}\n", line, c.persons, figure(years), c.events,
                      figure(double(c.events) * scale), figure(poisson_lower_95(c.events) * scale),
                      figure(poisson_upper_95(c.events) * scale));
    }
  }
  return out;
}

}  // namespace snds
