// Persons (docs/data-model.md, "Persons"): which IR_BEN_R rows are one person when the extract
// has BEN_IDT_ANO, and the identifier rules shared by the ingest (which shards by person and
// stores each row's person in the `_person` column) and the jobs (PatientIndex's person level).
//
// A pseudo-NIR is a (BEN_NIR_PSA, BEN_RNG_GEM). Its person is the BEN_IDT_ANO of its rows: every
// pseudo-NIR carrying the same BEN_IDT_ANO is one person. A pseudo-NIR without one (empty, or
// only on rows with a fictitious NIR) is a person of its own, as without BEN_IDT_ANO.
#pragma once

#include <algorithm>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace snds {

// IR_BEN_R's stored person column (Int64): rows of one person share its value, numbered from 0
// in the order of each person's smallest (BEN_NIR_PSA, BEN_RNG_GEM) in the shard. Written only
// when some person of the extract has several pseudo-NIRs; absent, each pseudo-NIR is a person.
inline constexpr std::string_view kPersonColumn = "_person";

// A NIR_ANO_17 that stands for "no usable NIR" (PMSI rows whose patient could not be chained):
// empty, or every character but possibly the last an 'x' or 'X' (`xxxxxxxxxxxxxxxxx`,
// `XXXXXXXXXXXXXXXXD`, `XXXXXXXXXXXXXXXXA`...), the ATIH's masks. Such a row never links to a
// patient, even if IR_BEN_R had a row with that value.
bool is_placeholder_nir(std::string_view nir_ano_17);

// BEN_CDI_NIR filled and other than "00" (IR_NIR_V: 00 is a normal NIR; the other codes are
// provisional or fictitious numbers, which several people may share). Such a row keeps its
// pseudo-NIR as today, but its BEN_IDT_ANO links nothing.
bool is_fictitious_nir(std::string_view ben_cdi_nir);

struct PersonCounts {
  uint64_t persons = 0;             // distinct persons
  uint64_t persons_linked = 0;      // persons with several pseudo-NIRs
  uint64_t pseudo_nirs_linked = 0;  // pseudo-NIRs of those persons
  uint64_t several_ids = 0;         // pseudo-NIRs whose rows carry several BEN_IDT_ANO
  uint64_t fictitious_rows = 0;     // rows with a fictitious BEN_CDI_NIR
  uint64_t rows_without_id = 0;     // rows with an empty BEN_IDT_ANO
  void add(const PersonCounts& o);
};

// The person of each IR_BEN_R row, numbered as kPersonColumn. `cdi` may be empty (no
// BEN_CDI_NIR column). A pseudo-NIR whose rows carry several BEN_IDT_ANO takes the smallest
// (byte order) and is counted in several_ids: merging the two persons instead could chain
// unrelated people through one bad identifier.
std::vector<int64_t> assign_persons(std::span<const std::string_view> nir,
                                    std::span<const int64_t> rank,
                                    std::span<const std::string_view> idt,
                                    std::span<const std::string_view> cdi, PersonCounts* counts);

// The value an attribute takes for a person whose pseudo-NIRs disagree: the most frequent
// among the non-missing values, ties to the smallest (deterministic, and the majority is the
// likeliest right when one pseudo-NIR's row was mistyped). `values` is reordered.
template <typename T>
T majority_value(std::vector<T>& values, const T& missing) {
  std::sort(values.begin(), values.end());
  T best = missing;
  size_t best_n = 0;
  for (size_t i = 0; i < values.size();) {
    size_t j = i;
    while (j < values.size() && values[j] == values[i]) ++j;
    if (values[i] != missing && j - i > best_n) {
      best = values[i];
      best_n = j - i;
    }
    i = j;
  }
  return best;
}

}  // namespace snds
