// Morsel-parallel hash aggregation of one shard's events (see shard_aggregate.hpp).
#include "core/aggregate/shard_aggregate.hpp"

#include <omp.h>

#include <algorithm>
#include <array>
#include <limits>
#include <numeric>
#include <optional>

#include <boost/unordered/unordered_flat_map.hpp>

#include "core/aggregate/margins.hpp"
#include "core/aggregate/regions.hpp"
#include "core/csv/utf8.hpp"
#include "core/events/care_sources.hpp"
#include "core/hash.hpp"

namespace snds {
namespace {

constexpr uint32_t kNoPatient = std::numeric_limits<uint32_t>::max();

struct LocalGroup {
  GroupMeasures m;
  uint32_t last_patient = kNoPatient;
};

using LocalTable = boost::unordered_flat_map<std::string, LocalGroup, StringKeyHash, StringKeyEq>;

std::string_view atc_level(std::string_view atc, size_t chars) {
  if (atc == kUnknownAtc) return atc;  // every level of an unknown ATC is UNKNOWN
  return utf8_prefix(atc, chars);
}

// The month of every day of 1900-2099 (an index from 1900-01) and each month's "YYYY-MM", built
// once: the generic key path looks a line's month up rather than converting its date and writing
// its digits. Lines of one patient change date often, so a cache of the last date missed most of
// the time and the out-of-line civil_from_days took ~10% of a monthly claims aggregate.
class MonthTable {
 public:
  static const MonthTable& get() {
    static const MonthTable table;
    return table;
  }
  // d's month index, or -1 outside the table (then the caller converts).
  int month_of(Date d) const {
    const int64_t k = int64_t{d} - first_;
    return k >= 0 && k < static_cast<int64_t>(month_.size()) ? month_[static_cast<size_t>(k)] : -1;
  }
  std::string_view text(int m) const { return {text_.data() + 7 * static_cast<size_t>(m), 7}; }
  static int year(int m) { return kFirstYear + m / 12; }

 private:
  static constexpr int kFirstYear = 1900, kYears = 200;
  MonthTable() : first_(days_from_civil(kFirstYear, 1, 1)) {
    month_.reserve(static_cast<size_t>(days_from_civil(kFirstYear + kYears, 1, 1) - first_));
    char buf[10];  // write_iso_date's "YYYY-MM-DD"
    for (int y = kFirstYear; y < kFirstYear + kYears; ++y)
      for (unsigned m = 1; m <= 12; ++m) {
        const auto index = static_cast<uint16_t>((y - kFirstYear) * 12 + static_cast<int>(m) - 1);
        month_.insert(month_.end(), days_in_month(y, m), index);
        write_iso_date(buf, CivilDate{y, m, 1});
        text_.append(buf, 7);
      }
  }
  Date first_;
  std::vector<uint16_t> month_;  // per day from first_
  std::string text_;             // 7 bytes per month
};

// The year and month of a line's date for the group key, from MonthTable when it covers the date.
class CivilCache {
 public:
  int year(Date d) const {
    const int m = months_.month_of(d);
    return m >= 0 ? MonthTable::year(m) : civil_from_days(d).year;
  }
  // The key's value of d's month: length byte 7, then "YYYY-MM".
  void append_month(std::string& key, Date d) const;

 private:
  const MonthTable& months_ = MonthTable::get();
};

void append_digits(std::string& key, int value, int width) {
  char buf[12];
  for (int i = width - 1; i >= 0; --i) {
    buf[i] = static_cast<char>('0' + value % 10);
    value /= 10;
  }
  key.append(buf, static_cast<size_t>(width));
}

void CivilCache::append_month(std::string& key, Date d) const {
  key.push_back(7);
  if (const int m = months_.month_of(d); m >= 0) {
    key.append(months_.text(m));
    return;
  }
  const CivilDate cd = civil_from_days(d);
  append_digits(key, cd.year, 4);
  key.push_back('-');
  append_digits(key, static_cast<int>(cd.month), 2);
}

// Builds the group key of an event into `key` (GroupTable's key format); columns whose bit is
// set in `collapsed` get kAllValue (margin rows).
template <typename Event, typename Text, typename FluxOf>
void build_key(std::string& key, const Event& e, const Patient& p,
               const std::vector<Dimension>& dims, CivilCache& civil, const Text& source_text,
               const FluxOf& flux_of, uint64_t collapsed = 0) {
  key.clear();
  for (size_t c = 0; c < dims.size(); ++c) {
    if (collapsed >> c & 1) {
      GroupTable::append_key_value(key, kAllValue);
      continue;
    }
    switch (dims[c]) {
      case Dimension::kMonth:
        civil.append_month(key, e.date);
        break;
      case Dimension::kFluxMonth: {
        const Date f = flux_of(e);
        if (f == kMissingDate) {
          key.push_back(0);
          break;
        }
        civil.append_month(key, f);
        break;
      }
      case Dimension::kYear:
        key.push_back(4);
        append_digits(key, civil.year(e.date), 4);
        break;
      case Dimension::kSex:
        GroupTable::append_key_value(key, p.sex);
        break;
      case Dimension::kDepartment:
        GroupTable::append_key_value(key, p.department);
        break;
      case Dimension::kRegion:
        GroupTable::append_key_value(key, region_of_department(p.department));
        break;
      case Dimension::kAgeBand:
        GroupTable::append_key_value(key, age_band(age_in_year(p, civil.year(e.date))));
        break;
      default:
        GroupTable::append_key_value(key, source_text(dims[c], e));
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
template <typename Event, typename Keep, typename Text, typename Add, typename FluxOf>
GroupTable aggregate_events(const std::vector<Event>& events, const PatientIndex& patients,
                            const AggregateSpec& spec, int threads, const Keep& keep,
                            const Text& text, const Add& measure, const FluxOf& flux_of,
                            ShardAggregateStats* stats, size_t morsel_events) {
  const std::vector<uint64_t> masks =
      spec.totals ? margin_masks(spec.group_by) : std::vector<uint64_t>{0};
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
        for (const uint64_t collapsed : masks) {
          build_key(key, e, patients.patients[e.patient], spec.group_by, civil, text, flux_of,
                    collapsed);
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

// ---- Dispensing lines on integer keys.
// Every dimension value of a line becomes a small id (ATC levels and CIP13s through the shard's
// CIP13 dictionary, sex and department through per-patient ids, month and year as offsets from
// the shard's first date, the age band as its index), the ids are packed into one 64-bit key, and
// strings are only built once per group at the end. Byte-identical to the string-key path, which
// remains for the rare spec whose ids do not fit in 64 bits.

// Interns strings into dense ids, in first-seen order.
class Interner {
 public:
  uint32_t id(std::string_view s) {
    auto [it, fresh] = ids_.try_emplace(s, static_cast<uint32_t>(values_.size()));
    if (fresh) values_.push_back(s);
    return it->second;
  }
  const std::vector<std::string_view>& values() const { return values_; }

 private:
  boost::unordered_flat_map<std::string_view, uint32_t> ids_;
  std::vector<std::string_view> values_;
};

unsigned bits_for(size_t distinct) {
  unsigned b = 0;
  while (b < 64 && (uint64_t{1} << b) < distinct) ++b;
  return b;
}

constexpr uint32_t kUnknownAgeBand = 10;

// The first and last of `n` dates, missing ones left out ({max, min} when none).
std::pair<Date, Date> dates_in_range(const Date* d, size_t n, Date lo, Date hi) {
  Date first = std::numeric_limits<Date>::max(), last = std::numeric_limits<Date>::min();
  for (size_t i = 0; i < n; ++i) {
    if (d[i] == kMissingDate || d[i] < lo || d[i] > hi) continue;
    first = std::min(first, d[i]);
    last = std::max(last, d[i]);
  }
  return {first, last};
}

// Missing amounts count as 0 (the line still counts).
int64_t events_detail_or_zero(int64_t v) {
  return v == kMissingInt ? 0 : v;
}

uint32_t age_band_index(int64_t age) {
  if (age == kMissingInt || age < 0) return kUnknownAgeBand;
  return static_cast<uint32_t>(std::min<int64_t>(age / 10, 9));
}

// A group column in the packed key. Its id comes from a table indexed by the line's CIP13 (ATC
// levels, CIP13, generic group) or patient (sex, department, region), whose ids name `strings`;
// from the line's ER_PHA_F row (prescriber specialty: the column's own ids); or from the line's
// dates and patient (month, year, age band, processing month), computed. With margins, the id
// with every bit set stands for ALL.
struct PackedDim {
  enum class From : uint8_t { kCip, kPatient, kRow, kComputed };
  Dimension dim = Dimension::kAtc;
  From from = From::kComputed;
  unsigned shift = 0;
  unsigned bits = 0;
  std::vector<uint32_t> ids;              // kCip: per CIP13 of the shard; kPatient: per patient
  std::vector<std::string_view> strings;  // kCip, kPatient: id -> value
};

// `index` is the shard's patient index (the source's), `patients` the units counted: `index`
// itself, or its person_view() when the shard has persons (lines are then renumbered to persons
// and the shard is one range, since a person's pseudo-NIRs need not be adjacent in the rows).
std::optional<CodedGroups> aggregate_dispensing_packed(
    const DispensingSource& source, const PatientIndex& index, const PatientIndex& patients,
    const AggregateSpec& spec, int threads, ShardAggregateStats* stats, size_t morsel_events) {
  const auto& cips = source.cip13s();
  const auto& atcs = source.atcs();
  const bool totals = spec.totals;
  // With margins each column keeps one id free for ALL (all bits set).
  auto width = [totals](size_t distinct) { return bits_for(distinct + (totals ? 1 : 0)); };
  // CIP13s whose ATC passes the filter.
  std::vector<uint8_t> keep_cip(cips.size(), 1);
  if (!spec.atc_filter.empty())
    for (size_t c = 0; c < cips.size(); ++c)
      keep_cip[c] = has_code_prefix(atcs[c], spec.atc_filter);
  const bool selective = std::count(keep_cip.begin(), keep_cip.end(), 1) <
                         static_cast<std::ptrdiff_t>(keep_cip.size());

  // The month and year range of the shard's lines, for offsets (the period narrows it).
  const Date lo_bound = spec.period_start.value_or(std::numeric_limits<Date>::min() + 1);
  const Date hi_bound = spec.period_end.value_or(std::numeric_limits<Date>::max());
  const auto [lo, hi] = source.date_range(lo_bound, hi_bound);
  const bool any_date = lo <= hi;
  const CivilDate first = civil_from_days(any_date ? lo : 0);
  const CivilDate last = civil_from_days(any_date ? hi : 0);
  const int64_t first_month = int64_t{first.year} * 12 + first.month - 1;
  const int64_t months = int64_t{last.year} * 12 + last.month - 1 - first_month + 1;
  // Month offset and year of every day of the range, once per shard: a line's date is then a
  // table lookup, not a civil-calendar conversion (lines of one patient change date often).
  struct DayInfo {
    uint32_t month;  // offset from first_month
    int32_t year;
  };
  std::vector<DayInfo> day_info;
  if (any_date) {
    day_info.resize(static_cast<size_t>(int64_t{hi} - lo + 1));
    for (size_t k = 0; k < day_info.size(); ++k) {
      const CivilDate c = civil_from_days(lo + static_cast<Date>(k));
      day_info[k] = {static_cast<uint32_t>(int64_t{c.year} * 12 + c.month - 1 - first_month),
                     c.year};
    }
  }

  // The processing months of the shard's rows (FLX_DIS_DTD), when a spec groups by them: id 0
  // for a missing date, 1 + offset from the first month otherwise.
  int64_t first_flux_month = 0, flux_months = 0;
  if (spec.groups_by(Dimension::kFluxMonth) && source.flux_dates()) {
    const auto [flo, fhi] =
        dates_in_range(source.flux_dates(), source.rows(), std::numeric_limits<Date>::min() + 1,
                       std::numeric_limits<Date>::max());
    if (flo <= fhi) {
      const CivilDate a = civil_from_days(flo), b = civil_from_days(fhi);
      first_flux_month = int64_t{a.year} * 12 + a.month - 1;
      flux_months = int64_t{b.year} * 12 + b.month - 1 - first_flux_month + 1;
    }
  }
  auto flux_id = [&](Date f) -> uint64_t {
    if (f == kMissingDate) return 0;
    const CivilDate c = civil_from_days(f);
    return static_cast<uint64_t>(int64_t{c.year} * 12 + c.month - 1 - first_flux_month + 1);
  };

  // Sex, department, region: an id per patient, a string per id.
  auto per_patient = [&](PackedDim& pd, auto value_of) {
    Interner values;
    pd.from = PackedDim::From::kPatient;
    pd.ids.reserve(patients.patients.size());
    for (const Patient& p : patients.patients) pd.ids.push_back(values.id(value_of(p)));
    pd.strings = values.values();
    pd.bits = width(pd.strings.size());
  };
  // ATC levels, CIP13, generic group: an id per CIP13 of the shard.
  auto per_cip = [&](PackedDim& pd, auto value_of) {
    Interner values;
    pd.from = PackedDim::From::kCip;
    pd.ids.resize(cips.size());
    for (size_t c = 0; c < cips.size(); ++c) pd.ids[c] = values.id(value_of(c));
    pd.strings = values.values();
    pd.bits = width(pd.strings.size());
  };
  std::vector<PackedDim> dims;
  unsigned shift = 0;
  for (const Dimension d : spec.group_by) {
    PackedDim pd;
    pd.dim = d;
    switch (d) {
      case Dimension::kAtc:
      case Dimension::kAtc5:
      case Dimension::kAtc1:
      case Dimension::kAtc2:
      case Dimension::kAtc3:
      case Dimension::kAtc4: {
        const size_t chars = d == Dimension::kAtc1   ? 1
                             : d == Dimension::kAtc2 ? 3
                             : d == Dimension::kAtc3 ? 4
                             : d == Dimension::kAtc4 ? 5
                                                     : 7;
        per_cip(pd, [&](size_t c) { return atc_level(atcs[c], chars); });
        break;
      }
      case Dimension::kCip13:
        if (totals) {
          per_cip(pd, [&](size_t c) { return cips[c]; });
        } else {
          pd.from = PackedDim::From::kCip;
          pd.ids.resize(cips.size());
          std::iota(pd.ids.begin(), pd.ids.end(), 0u);
          pd.strings = cips;
          pd.bits = bits_for(cips.size());
        }
        break;
      case Dimension::kGenericGroup:
        per_cip(pd, [&](size_t c) { return source.generic_groups()[c]; });
        break;
      case Dimension::kPrescriberSpecialty:
        pd.from = PackedDim::From::kRow;
        pd.strings = source.prescribers();
        pd.bits = width(pd.strings.size());
        break;
      case Dimension::kMonth:
        pd.bits = width(static_cast<size_t>(months));
        break;
      case Dimension::kFluxMonth:
        pd.bits = width(static_cast<size_t>(flux_months) + 1);
        break;
      case Dimension::kYear:
        pd.bits = width(static_cast<size_t>(int64_t{last.year} - first.year + 1));
        break;
      case Dimension::kSex:
        per_patient(pd, [](const Patient& p) { return p.sex; });
        break;
      case Dimension::kDepartment:
        per_patient(pd, [](const Patient& p) { return p.department; });
        break;
      case Dimension::kRegion:
        per_patient(pd, [](const Patient& p) { return region_of_department(p.department); });
        break;
      case Dimension::kAgeBand:
        pd.bits = width(kUnknownAgeBand + 1);
        break;
      default:  // a dimension dispensing lines do not have: always ""
        pd.bits = totals ? 1 : 0;
        break;
    }
    pd.shift = shift;
    shift += pd.bits;
    dims.push_back(std::move(pd));
  }
  if (shift > 64) return std::nullopt;
  // Margins: each mask's columns set to their ALL id (all bits), the others kept.
  struct PackedMask {
    uint64_t keep = ~uint64_t{0};
    uint64_t all = 0;
  };
  std::vector<PackedMask> masks;
  if (totals) {
    for (const uint64_t m : margin_masks(spec.group_by)) {
      PackedMask pm;
      for (size_t c = 0; c < dims.size(); ++c) {
        if (!(m >> c & 1)) continue;
        const uint64_t field = dims[c].bits == 64
                                   ? ~uint64_t{0}
                                   : ((uint64_t{1} << dims[c].bits) - 1) << dims[c].shift;
        pm.keep &= ~field;
        pm.all |= field;
      }
      masks.push_back(pm);
    }
  }
  const Column* paid = spec.measures_include(Measure::kAmount) ? source.paid() : nullptr;
  const Column* base = spec.measures_include(Measure::kBase) ? source.base() : nullptr;
  const Date* flux = source.flux_dates();
  const int32_t* prescriber = source.prescriber_ids();
  const bool flux_cut = spec.flux_until.has_value();
  const Date flux_until = spec.flux_until.value_or(0);

  const std::vector<size_t> bounds = index.has_persons()
                                         ? std::vector<size_t>{0, source.rows()}
                                         : source.ranges(std::max<size_t>(1, morsel_events));
  const auto morsels = static_cast<int64_t>(bounds.size() - 1);
  const int nthreads = std::max(1, std::min<int>(threads, static_cast<int>(morsels)));
  using PackedTable = boost::unordered_flat_map<uint64_t, LocalGroup>;
  // Each thread's table lives as long as the thread (OpenMP keeps its pool) and is cleared, not
  // freed, between shards: its buckets are reused instead of regrown from empty every shard.
  std::vector<PackedTable*> tables(static_cast<size_t>(nthreads));
  std::vector<uint64_t> seen(static_cast<size_t>(nthreads), 0), kept(seen);

  // One range of rows into `table`: its lines (all, or those of kept CIP13s only), the period,
  // the keys, the measures. Returns the range's first and last patient ({1, 0}: no line).
  auto process = [&](size_t begin, size_t end, PackedTable& table,
                     std::vector<DispensingLine>& lines, uint64_t& n_seen,
                     uint64_t& n_kept) -> std::pair<uint32_t, uint32_t> {
    lines.clear();
    if (selective) {
      // Few CIP13s kept (a study's drugs): the lines are built for those rows only.
      n_seen += source.count_lines(begin, end);
      source.selected_lines(begin, end, lines, keep_cip);
    } else {
      n_seen += source.lines(begin, end, lines, &keep_cip);
    }
    to_persons(lines, index);
    for (const DispensingLine& l : lines) {
      if (l.date == kMissingDate || l.date < lo_bound || l.date > hi_bound) continue;
      // The processing cut-off: a line without FLX_DIS_DTD has no processing date to keep.
      if (flux_cut && (flux[l.row] == kMissingDate || flux[l.row] > flux_until)) continue;
      ++n_kept;
      uint64_t key = 0;
      const DayInfo* day = day_info.data() + (l.date - lo);
      for (const PackedDim& pd : dims) {
        uint64_t id = 0;
        if (pd.from == PackedDim::From::kCip) {
          id = pd.ids[l.cip];
        } else if (pd.from == PackedDim::From::kPatient) {
          id = pd.ids[l.patient];
        } else if (pd.from == PackedDim::From::kRow) {
          id = static_cast<uint64_t>(prescriber[l.row]);
        } else if (pd.dim == Dimension::kFluxMonth) {
          id = flux_id(flux[l.row]);
        } else if (pd.dim == Dimension::kMonth) {
          id = day->month;
        } else if (pd.dim == Dimension::kYear) {
          id = static_cast<uint64_t>(day->year - first.year);
        } else if (pd.dim == Dimension::kAgeBand) {
          id = age_band_index(age_in_year(patients.patients[l.patient], day->year));
        }
        key |= id << pd.shift;
      }
      const int64_t amount = paid ? events_detail_or_zero(int_at(*paid, l.row)) : 0;
      const int64_t reimbursable = base ? events_detail_or_zero(int_at(*base, l.row)) : 0;
      auto add = [&](uint64_t k) {
        LocalGroup& g = table[k];
        ++g.m.lines;
        g.m.boxes += l.boxes;
        g.m.amount += amount;
        g.m.base += reimbursable;
        if (g.last_patient != l.patient) {
          g.last_patient = l.patient;
          ++g.m.patients;
        }
      };
      if (masks.empty()) {
        add(key);
      } else {
        for (const PackedMask& pm : masks) add((key & pm.keep) | pm.all);
      }
    }
    if (lines.empty()) return {1u, 0u};
    return {lines.front().patient, lines.back().patient};
  };

  std::vector<std::pair<uint32_t, uint32_t>> spans(static_cast<size_t>(morsels), {1u, 0u});
#pragma omp parallel num_threads(nthreads)
  {
    const auto t = static_cast<size_t>(omp_get_thread_num());
    thread_local PackedTable table;
    table.clear();
    tables[t] = &table;
    std::vector<DispensingLine> lines;
    uint64_t n_seen = 0, n_kept = 0;
#pragma omp for schedule(dynamic, 1)
    for (int64_t mi = 0; mi < morsels; ++mi) {
      const auto m = static_cast<size_t>(mi);
      spans[m] = process(bounds[m], bounds[m + 1], table, lines, n_seen, n_kept);
    }
    seen[t] = n_seen;
    kept[t] = n_kept;
  }
  // A patient in two morsels (rows out of the stored order) would count twice in `patients`:
  // the shard again, as one range on this thread.
  if (DispensingSource::lines_straddle_ranges(spans)) {
    for (PackedTable* table : tables) table->clear();
    std::fill(seen.begin(), seen.end(), 0);
    std::fill(kept.begin(), kept.end(), 0);
    std::vector<DispensingLine> lines;
    process(0, source.rows(), *tables[0], lines, seen[0], kept[0]);
  }

  // Thread tables into the first, then the groups in dictionary form: each column's values are
  // the ones its groups use, in first-use order (rank 0 sorts by value, not by code).
  PackedTable& all = *tables[0];
  for (size_t t = 1; t < tables.size(); ++t)
    for (const auto& [k, g] : *tables[t]) all[k].m.add(g.m);
  const size_t columns = dims.size();
  CodedGroups out(columns);
  out.codes.reserve(all.size() * columns);
  out.measures.reserve(all.size());
  std::vector<std::vector<uint32_t>> code_of(columns);  // id -> code, kNoCode until used
  constexpr uint32_t kNoCode = std::numeric_limits<uint32_t>::max();
  auto value_of = [&](const PackedDim& pd, uint64_t id) -> std::string {
    if (totals && pd.bits > 0 &&
        id == (pd.bits == 64 ? ~uint64_t{0} : (uint64_t{1} << pd.bits) - 1))
      return std::string(kAllValue);
    if (pd.from != PackedDim::From::kComputed) return std::string(pd.strings[id]);
    switch (pd.dim) {
      case Dimension::kFluxMonth: {
        if (id == 0) return {};
        const int64_t month = first_flux_month + static_cast<int64_t>(id) - 1;
        std::string v;
        append_digits(v, static_cast<int>(month / 12), 4);
        v.push_back('-');
        append_digits(v, static_cast<int>(month % 12 + 1), 2);
        return v;
      }
      case Dimension::kMonth: {
        const int64_t month = first_month + static_cast<int64_t>(id);
        std::string v;
        append_digits(v, static_cast<int>(month / 12), 4);
        v.push_back('-');
        append_digits(v, static_cast<int>(month % 12 + 1), 2);
        return v;
      }
      case Dimension::kYear: {
        std::string v;
        append_digits(v, first.year + static_cast<int>(id), 4);
        return v;
      }
      case Dimension::kAgeBand:
        return std::string(id == kUnknownAgeBand ? age_band(kMissingInt)
                                                 : age_band(static_cast<int64_t>(id) * 10));
      default:
        return {};
    }
  };
  std::vector<uint32_t> group(columns);
  for (const auto& [packed, g] : all) {
    for (size_t c = 0; c < columns; ++c) {
      const PackedDim& pd = dims[c];
      const uint64_t id = pd.bits == 0
                              ? 0
                              : (packed >> pd.shift) &
                                    (pd.bits == 64 ? ~uint64_t{0} : (uint64_t{1} << pd.bits) - 1);
      auto& codes = code_of[c];
      if (id >= codes.size()) codes.resize(id + 1, kNoCode);
      if (codes[id] == kNoCode) {
        codes[id] = static_cast<uint32_t>(out.values[c].size());
        out.values[c].push_back(value_of(pd, id));
      }
      group[c] = codes[id];
    }
    out.add(group, g.m);
  }
  if (stats) {
    for (const auto n : seen) stats->events += n;
    for (const auto n : kept) stats->kept += n;
  }
  return out;
}

// ---- The sources of core/events/care_sources.hpp.

// An ALD period cut into the months (or years) of the aggregate period it is open in: one event
// per (period, month or year), dated on the first day of it inside both the period and the
// aggregate's period. Without a month or year column, one event per period that meets the
// aggregate's period, dated on the first such day.
struct AldSlice {
  uint32_t patient;
  Date date;
  int64_t ald;
};

std::vector<AldSlice> ald_slices(const std::vector<AldPeriod>& periods, const AggregateSpec& spec) {
  const bool monthly = spec.groups_by(Dimension::kMonth);
  const bool yearly = !monthly && spec.groups_by(Dimension::kYear);
  std::vector<AldSlice> out;
  for (const AldPeriod& p : periods) {
    const Date from = std::max(p.date, spec.period_start.value_or(p.date));
    const Date to = std::min(p.end, spec.period_end.value_or(p.end == kOpenEnd ? p.date : p.end));
    if (from > to) continue;
    if (!monthly && !yearly) {
      out.push_back({p.patient, from, p.ald});
      continue;
    }
    for (Date d = from; d <= to;) {
      out.push_back({p.patient, d, p.ald});
      const CivilDate c = civil_from_days(d);
      const Date next = monthly ? (c.month == 12 ? days_from_civil(c.year + 1, 1, 1)
                                                 : days_from_civil(c.year, c.month + 1, 1))
                                : days_from_civil(c.year + 1, 1, 1);
      d = next;
    }
  }
  return out;
}

bool has_int(int64_t v, const std::vector<int64_t>& values) {
  return std::find(values.begin(), values.end(), v) != values.end();
}

// Integer codes as text for the group key: the text lives until the next call on this thread,
// and build_key copies it at once.
std::string_view int_text(int64_t v) {
  thread_local std::string buf;
  if (v == kMissingInt) return {};
  buf = std::to_string(v);
  return buf;
}

// Events are extracted with the patient index and, with persons, renumbered to them.
CodedGroups aggregate_care_source(const ShardData& shard, const PatientIndex& index,
                                  const PatientIndex& patients, const AggregateSpec& spec,
                                  int threads, ShardAggregateStats* stats, size_t morsel_events,
                                  const DeathCertificates* certificates) {
  auto no_flux = [](const auto&) { return kMissingDate; };
  auto count_only = [](const auto&, GroupMeasures&) {};
  switch (spec.source) {
    case ExtractorKind::kAld: {
      std::vector<AldPeriod> periods = extract_ald_periods(shard, index);
      to_persons(periods, index);
      std::erase_if(periods, [&](const AldPeriod& p) {
        if (spec.icd10_filter.empty() && spec.ald_filter.empty()) return false;
        return !((!p.icd10.empty() && has_code_prefix(p.icd10, spec.icd10_filter)) ||
                 has_int(p.ald, spec.ald_filter));
      });
      const std::vector<AldSlice> slices = ald_slices(periods, spec);
      auto text = [](Dimension d, const AldSlice& e) {
        return d == Dimension::kAld ? int_text(e.ald) : std::string_view{};
      };
      return to_coded(aggregate_events(
          slices, patients, spec, threads, [](const AldSlice&) { return true; }, text, count_only,
          no_flux, stats, morsel_events));
    }
    case ExtractorKind::kAct: {
      auto acts = extract_acts(shard, index, spec.act_settings, threads);
      to_persons(acts, index);
      auto keep = [&](const ActEvent& e) {
        return spec.ccam_filter.empty() || has_code_prefix(e.ccam, spec.ccam_filter);
      };
      auto text = [](Dimension d, const ActEvent& e) {
        return d == Dimension::kCcam ? e.ccam : std::string_view{};
      };
      return to_coded(aggregate_events(acts, patients, spec, threads, keep, text, count_only,
                                       no_flux, stats, morsel_events));
    }
    case ExtractorKind::kLab: {
      auto labs = extract_labs(shard, index);
      to_persons(labs, index);
      auto keep = [&](const LabEvent& e) {
        return spec.nabm_filter.empty() || has_int(e.nabm, spec.nabm_filter);
      };
      auto text = [](Dimension d, const LabEvent& e) {
        return d == Dimension::kNabm ? int_text(e.nabm) : std::string_view{};
      };
      return to_coded(aggregate_events(labs, patients, spec, threads, keep, text, count_only,
                                       no_flux, stats, morsel_events));
    }
    case ExtractorKind::kDeath: {
      auto deaths = extract_deaths(shard, index, spec.death_sources, certificates, threads);
      if (index.has_persons()) {
        to_persons(deaths, index);
        dedupe_deaths(deaths);
      }
      auto keep = [&](const DeathEvent& e) {
        if (spec.icd10_filter.empty() || has_code_prefix(e.cause, spec.icd10_filter)) return true;
        if (spec.any_cause)
          for (auto c : e.other_causes)
            if (has_code_prefix(c, spec.icd10_filter)) return true;
        return false;
      };
      auto text = [](Dimension d, const DeathEvent& e) {
        return d == Dimension::kCause ? utf8_prefix(e.cause, 3) : std::string_view{};
      };
      return to_coded(aggregate_events(deaths, patients, spec, threads, keep, text, count_only,
                                       no_flux, stats, morsel_events));
    }
    default:
      return CodedGroups(spec.group_by.size());
  }
}

}  // namespace

std::vector<TableColumns> aggregate_columns_needed(const AggregateSpec& spec) {
  std::vector<TableColumns> out = columns_needed(spec.source);
  const bool flux = spec.flux_until || spec.groups_by(Dimension::kFluxMonth);
  auto add = [&](TableKind table, std::string_view column) {
    for (auto& t : out)
      if (t.kind == table) t.columns.emplace_back(column);
  };
  if (spec.source == ExtractorKind::kDispensing) {
    if (spec.measures_include(Measure::kAmount)) add(TableKind::kErPhaF, kPharmacyPaidColumn);
    if (spec.measures_include(Measure::kBase)) add(TableKind::kErPhaF, kPharmacyBaseColumn);
    if (spec.groups_by(Dimension::kPrescriberSpecialty))
      add(TableKind::kErPhaF, kPharmacyPrescriberColumn);
    if (flux) add(TableKind::kErPhaF, "FLX_DIS_DTD");
  } else if (spec.source == ExtractorKind::kClaim && flux) {
    add(TableKind::kErPrsF, "FLX_DIS_DTD");
  }
  return out;
}

CodedGroups aggregate_shard(const ShardData& shard, const DrugReferential& referential,
                            const AggregateSpec& spec, int threads, ShardAggregateStats* stats,
                            size_t morsel_events, const DeathCertificates* certificates) {
  const PatientIndex index = build_patient_index(shard);
  // With persons (docs/data-model.md, "Persons"), events are renumbered to persons so that
  // `patients` counts distinct persons and a person's attributes are resolved ones.
  const PatientIndex persons = index.has_persons() ? person_view(index) : PatientIndex{};
  const PatientIndex& patients = index.has_persons() ? persons : index;
  switch (spec.source) {
    case ExtractorKind::kDispensing: {
      const DispensingSource source(shard, index, referential);
      if (auto packed = aggregate_dispensing_packed(source, index, patients, spec, threads, stats,
                                                    morsel_events))
        return std::move(*packed);
      std::vector<DispensingLine> lines;
      lines.reserve(source.rows());
      source.lines(0, source.rows(), lines);
      to_persons(lines, index);
      const Date* flux = source.flux_dates();
      auto flux_of = [flux](const DispensingLine& l) { return flux ? flux[l.row] : kMissingDate; };
      auto keep = [&](const DispensingLine& l) {
        if (spec.flux_until && (flux_of(l) == kMissingDate || flux_of(l) > *spec.flux_until))
          return false;
        return spec.atc_filter.empty() || has_code_prefix(l.atc, spec.atc_filter);
      };
      auto text = [&source](Dimension d, const DispensingLine& l) -> std::string_view {
        switch (d) {
          case Dimension::kAtc:
          case Dimension::kAtc5:
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
          case Dimension::kGenericGroup:
            return source.generic_groups()[l.cip];
          case Dimension::kPrescriberSpecialty:
            return source.prescriber_ids()
                       ? source.prescribers()[static_cast<size_t>(source.prescriber_ids()[l.row])]
                       : std::string_view{};
          default:
            return {};
        }
      };
      const Column* paid = source.paid();
      const Column* base = source.base();
      auto add = [paid, base](const DispensingLine& l, GroupMeasures& m) {
        m.boxes += l.boxes;
        if (paid) m.amount += events_detail_or_zero(int_at(*paid, l.row));
        if (base) m.base += events_detail_or_zero(int_at(*base, l.row));
      };
      return to_coded(aggregate_events(lines, patients, spec, threads, keep, text, add, flux_of,
                                       stats, morsel_events));
    }
    case ExtractorKind::kHospitalStay: {
      auto stays = extract_stays(shard, index, threads);
      to_persons(stays, index);
      auto keep = [&](const StayEvent& s) {
        if (spec.icd10_filter.empty()) return true;
        if (spec.positions.dp && has_code_prefix(s.dp, spec.icd10_filter)) return true;
        if (spec.positions.dr && has_code_prefix(s.dr, spec.icd10_filter)) return true;
        if (spec.positions.das)
          for (const auto das : s.das)
            if (has_code_prefix(das, spec.icd10_filter)) return true;
        return false;
      };
      auto text = [](Dimension d, const StayEvent& s) -> std::string_view {
        return d == Dimension::kDp ? utf8_prefix(s.dp, 3) : std::string_view{};
      };
      auto add = [](const StayEvent& s, GroupMeasures& m) { m.days += s.days; };
      auto flux_of = [](const StayEvent&) { return kMissingDate; };
      return to_coded(aggregate_events(stays, patients, spec, threads, keep, text, add, flux_of,
                                       stats, morsel_events));
    }
    case ExtractorKind::kClaim: {
      auto claims = extract_claims(shard, index);
      to_persons(claims, index);
      auto keep = [&spec](const ClaimLine& c) {
        return !spec.flux_until || (c.flux != kMissingDate && c.flux <= *spec.flux_until);
      };
      auto text = [](Dimension, const ClaimLine&) { return std::string_view{}; };
      auto add = [](const ClaimLine& c, GroupMeasures& m) { m.amount += c.amount; };
      auto flux_of = [](const ClaimLine& c) { return c.flux; };
      return to_coded(aggregate_events(claims, patients, spec, threads, keep, text, add, flux_of,
                                       stats, morsel_events));
    }
    case ExtractorKind::kAld:
    case ExtractorKind::kAct:
    case ExtractorKind::kLab:
    case ExtractorKind::kDeath:
      return aggregate_care_source(shard, index, patients, spec, threads, stats, morsel_events,
                                   certificates);
  }
  return CodedGroups(spec.group_by.size());
}

}  // namespace snds
