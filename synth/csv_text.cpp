// The preformatted date table of csv_text.hpp, built once on first use (about 6 MB).
#include "synth/csv_text.hpp"

namespace snds::synth::text {
namespace {

DateTable build_date_table() {
  DateTable t;
  t.first = days_from_civil(DateTable::kFirstYear, 1, 1);
  t.days = static_cast<uint32_t>(days_from_civil(DateTable::kLastYear, 12, 31) - t.first + 1);
  for (int f = 0; f < 3; ++f) {
    t.text[f].reset(new char[t.days * DateTable::kSlot]());
    for (uint32_t i = 0; i < t.days; ++i) {
      const CivilDate c = civil_from_days(t.first + static_cast<Date>(i));
      put_civil(t.text[f].get() + i * DateTable::kSlot, c.year, c.month, c.day,
                static_cast<DateForm>(f));
    }
  }
  return t;
}

}  // namespace

const DateTable& date_table() {
  static const DateTable table = build_date_table();
  return table;
}

}  // namespace snds::synth::text
