// Morsel-parallel hash aggregation of one shard's events (see shard_aggregate.hpp).
#include "core/aggregate/shard_aggregate.hpp"

#include <omp.h>

#include <algorithm>
#include <array>
#include <limits>

#include <boost/unordered/unordered_flat_map.hpp>

#include "core/hash.hpp"

namespace snds {
namespace {

constexpr uint32_t kNoPatient = std::numeric_limits<uint32_t>::max();

struct LocalGroup {
  GroupMeasures m;
  uint32_t last_patient = kNoPatient;
};

struct KeyHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const noexcept { return hash_bytes(s); }
};
struct KeyEq {
  using is_transparent = void;
  bool operator()(std::string_view a, std::string_view b) const noexcept { return a == b; }
};
using LocalTable = boost::unordered_flat_map<std::string, LocalGroup, KeyHash, KeyEq>;

bool has_prefix(std::string_view code, const std::vector<std::string>& prefixes) {
  for (const auto& p : prefixes)
    if (code.starts_with(p)) return true;
  return false;
}

std::string_view atc_level(std::string_view atc, size_t chars) {
  if (atc == kUnknownAtc) return atc;  // every level of an unknown ATC is UNKNOWN
  return atc.substr(0, std::min(chars, atc.size()));
}

// The year and month of the last date seen: events come sorted by patient then date, so the
// civil conversion runs about once per distinct (patient, date).
class CivilCache {
 public:
  const CivilDate& of(Date d) {
    if (d != last_) {
      last_ = d;
      civil_ = civil_from_days(d);
    }
    return civil_;
  }

 private:
  Date last_ = kMissingDate;
  CivilDate civil_{0, 1, 1};
};

void append_digits(std::string& key, int value, int width) {
  char buf[12];
  for (int i = width - 1; i >= 0; --i) {
    buf[i] = static_cast<char>('0' + value % 10);
    value /= 10;
  }
  key.append(buf, static_cast<size_t>(width));
}

// Builds the group key of an event into `key` (GroupTable's key format).
template <typename Event, typename Text>
void build_key(std::string& key, const Event& e, const Patient& p,
               const std::vector<Dimension>& dims, CivilCache& civil, const Text& source_text) {
  key.clear();
  for (const Dimension d : dims) {
    switch (d) {
      case Dimension::kMonth: {
        const CivilDate& c = civil.of(e.date);
        key.push_back(7);
        append_digits(key, c.year, 4);
        key.push_back('-');
        append_digits(key, static_cast<int>(c.month), 2);
        break;
      }
      case Dimension::kYear:
        key.push_back(4);
        append_digits(key, civil.of(e.date).year, 4);
        break;
      case Dimension::kSex:
        GroupTable::append_key_value(key, p.sex);
        break;
      case Dimension::kDepartment:
        GroupTable::append_key_value(key, p.department);
        break;
      case Dimension::kAgeBand:
        GroupTable::append_key_value(key, age_band(age_in_year(p, civil.of(e.date).year)));
        break;
      default:
        GroupTable::append_key_value(key, source_text(d, e));
        break;
    }
  }
}

// Morsel boundaries: about kAggregateMorselEvents events each, never splitting a patient.
template <typename Event>
std::vector<size_t> morsel_bounds(const std::vector<Event>& events, size_t morsel_events) {
  std::vector<size_t> bounds{0};
  size_t at = 0;
  while (at < events.size()) {
    size_t end = std::min(events.size(), at + morsel_events);
    while (end < events.size() && events[end].patient == events[end - 1].patient) ++end;
    bounds.push_back(end);
    at = end;
  }
  return bounds;
}

// Events must be sorted by patient (the extractors' order). `keep` filters, `text` gives the
// source's own dimensions, `measure` adds an event's contribution.
template <typename Event, typename Keep, typename Text, typename Add>
GroupTable aggregate_events(const std::vector<Event>& events, const PatientIndex& patients,
                            const AggregateSpec& spec, int threads, const Keep& keep,
                            const Text& text, const Add& measure, ShardAggregateStats* stats,
                            size_t morsel_events) {
  const Date start = spec.period_start.value_or(std::numeric_limits<Date>::min() + 1);
  const Date end = spec.period_end.value_or(std::numeric_limits<Date>::max());
  const std::vector<size_t> bounds = morsel_bounds(events, std::max<size_t>(1, morsel_events));
  const auto morsels = static_cast<int64_t>(bounds.size() - 1);
  const int nthreads = std::max(1, std::min<int>(threads, static_cast<int>(morsels)));
  std::vector<LocalTable> tables(static_cast<size_t>(nthreads));
  std::vector<uint64_t> kept(static_cast<size_t>(nthreads), 0);

#pragma omp parallel num_threads(nthreads)
  {
    const auto t = static_cast<size_t>(omp_get_thread_num());
    LocalTable& table = tables[t];
    std::string key;
    CivilCache civil;
    uint64_t n = 0;
#pragma omp for schedule(dynamic, 1)
    for (int64_t mi = 0; mi < morsels; ++mi) {
      for (size_t i = bounds[static_cast<size_t>(mi)]; i < bounds[static_cast<size_t>(mi) + 1];
           ++i) {
        const Event& e = events[i];
        // A missing date (kMissingDate) is below every period: an undated event is in no aggregate.
        if (e.date == kMissingDate || e.date < start || e.date > end || !keep(e)) continue;
        ++n;
        build_key(key, e, patients.patients[e.patient], spec.group_by, civil, text);
        auto it = table.find(std::string_view(key));
        if (it == table.end()) it = table.emplace(key, LocalGroup{}).first;
        LocalGroup& g = it->second;
        ++g.m.lines;
        measure(e, g.m);
        if (g.last_patient != e.patient) {
          g.last_patient = e.patient;
          ++g.m.patients;
        }
      }
    }
    kept[t] = n;
  }

  GroupTable out(spec.group_by.size());
  out.reserve(tables[0].size());
  // Keys move out of each thread table, which is cleared right after (no lookup in between).
  for (auto& table : tables) {
    for (auto& [k, g] : table) out.add_encoded(std::move(const_cast<std::string&>(k)), g.m);
    table.clear();
  }
  if (stats) {
    stats->events += events.size();
    for (const auto n : kept) stats->kept += n;
  }
  return out;
}

}  // namespace

GroupTable aggregate_shard(const ShardData& shard, const DrugReferential& referential,
                           const AggregateSpec& spec, int threads, ShardAggregateStats* stats,
                           size_t morsel_events) {
  const PatientIndex patients = build_patient_index(shard);
  switch (spec.source) {
    case ExtractorKind::kDispensing: {
      const auto lines = extract_dispensing_lines(shard, patients, referential);
      auto keep = [&](const DispensingLine& l) {
        return spec.atc_filter.empty() || has_prefix(l.atc, spec.atc_filter);
      };
      auto text = [](Dimension d, const DispensingLine& l) -> std::string_view {
        switch (d) {
          case Dimension::kAtc:
            return atc_level(l.atc, 7);
          case Dimension::kAtc1:
            return atc_level(l.atc, 1);
          case Dimension::kAtc2:
            return atc_level(l.atc, 3);
          case Dimension::kAtc3:
            return atc_level(l.atc, 4);
          case Dimension::kAtc4:
            return atc_level(l.atc, 5);
          case Dimension::kCip13:
            return l.cip13;
          default:
            return {};
        }
      };
      auto add = [](const DispensingLine& l, GroupMeasures& m) { m.boxes += l.boxes; };
      return aggregate_events(lines, patients, spec, threads, keep, text, add, stats,
                              morsel_events);
    }
    case ExtractorKind::kHospitalStay: {
      const auto stays = extract_stays(shard, patients);
      auto keep = [&](const StayEvent& s) {
        if (spec.icd10_filter.empty()) return true;
        if (spec.positions.dp && has_prefix(s.dp, spec.icd10_filter)) return true;
        if (spec.positions.dr && has_prefix(s.dr, spec.icd10_filter)) return true;
        if (spec.positions.das)
          for (const auto das : s.das)
            if (has_prefix(das, spec.icd10_filter)) return true;
        return false;
      };
      auto text = [](Dimension d, const StayEvent& s) -> std::string_view {
        return d == Dimension::kDp ? s.dp.substr(0, std::min<size_t>(3, s.dp.size()))
                                   : std::string_view{};
      };
      auto add = [](const StayEvent& s, GroupMeasures& m) { m.days += s.days; };
      return aggregate_events(stays, patients, spec, threads, keep, text, add, stats,
                              morsel_events);
    }
    case ExtractorKind::kClaim: {
      const auto claims = extract_claims(shard, patients);
      auto keep = [](const ClaimLine&) { return true; };
      auto text = [](Dimension, const ClaimLine&) { return std::string_view{}; };
      auto add = [](const ClaimLine& c, GroupMeasures& m) { m.amount += c.amount; };
      return aggregate_events(claims, patients, spec, threads, keep, text, add, stats,
                              morsel_events);
    }
  }
  return GroupTable(spec.group_by.size());
}

}  // namespace snds
