// The baseline table ("Table 1", baseline.csv) and the index-code diagnostic (index_codes.csv):
// counts over the cohort, tallied per patient on the shards and summed on rank 0 (plain integer
// sums in ordered maps, so the answer never depends on how shards were split), then masked
// under disclosure.min_patients (docs/cohort.md, `baseline:` and `index_codes:`).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/cohort/cohort_spec.hpp"
#include "core/serialize.hpp"

namespace snds {

struct CohortTallies {
  // Baseline: patients per "covariate\tvalue"; per count covariate (stays, drugs) the number of
  // patients with each value (zeros included).
  std::map<std::string, uint64_t> counts;
  std::map<std::string, std::map<int64_t, uint64_t>> histograms;
  // index_codes: patients per "code_type\tcode".
  std::map<std::string, uint64_t> index_codes;

  void merge(CohortTallies&& other);
  bool operator==(const CohortTallies&) const = default;
};

void encode_tallies(ByteWriter& w, const CohortTallies& t);
CohortTallies decode_tallies(ByteReader& r);

// The ICD-10 chapter of a code by its first three characters, e.g. "IX (I00-I99)" for I21;
// empty when the code is in no chapter.
std::string_view icd10_chapter(std::string_view code);
// The ATC class at `level` (1-5: the first 1, 3, 4, 5 or 7 characters); empty for an unknown
// ATC or one shorter than the level.
std::string_view atc_class(std::string_view atc, int level);

// One cohort patient's baseline: what was found in the window, as the engine collected it.
struct PatientBaseline {
  std::string_view sex;
  int64_t age_at_index = 0;           // the reference's age (kMissingInt: unknown)
  std::vector<std::string_view> atc;  // ATC codes (level 5) dispensed in the window
  // Or, when the engine resolved them per CIP13 (class_names set, `atc` then unused): the ids of
  // their ATC classes at atc_level (names in *class_names) and of their drugs.
  const std::vector<std::string_view>* class_names = nullptr;
  std::vector<uint32_t> class_ids, drug_ids;
  std::vector<std::string_view> dp;  // DGN_PAL of the stays admitted in the window
  std::vector<bool> events;          // per spec.baseline->events: found in the window
};
void tally_baseline(const BaselineSpec& spec, const PatientBaseline& b, CohortTallies& t);

// tally_baseline for many patients: codes counted under integer keys (a code of up to 7 bytes
// packed in one, longer ones numbered as met) instead of "covariate\tvalue" strings in ordered
// maps, and written out to CohortTallies by flush(), e.g. once per chunk of patients. The string
// views of the patients added must stay valid until then. Sums: the same tallies whatever the
// flushes.
class BaselineCounter {
 public:
  void add(const BaselineSpec& spec, const PatientBaseline& b);
  void flush(CohortTallies& t);  // adds everything counted since the last flush to `t`

 private:
  uint64_t code_key(std::string_view code);
  std::string code_text(uint64_t key) const;
  // Few distinct values (sex, age band, chapter labels): a list searched in order.
  static void count(std::vector<std::pair<std::string_view, uint64_t>>& v, std::string_view x);

  std::vector<std::pair<std::string_view, uint64_t>> sex_, age_, chapters_;
  std::vector<std::pair<uint64_t, uint64_t>> atc_;  // sorted by key, merged per patient
  const std::vector<std::string_view>* class_names_ = nullptr;
  std::vector<uint64_t> class_counts_;        // per class id, with class_names_
  std::vector<uint64_t> drugs_, stays_;       // patients per value
  std::vector<uint64_t> events_;              // patients per baseline event
  std::vector<std::string_view> long_codes_;  // codes longer than 7 bytes, as met
  // Per-patient buffers.
  std::vector<uint64_t> classes_, drug_keys_, merged_;
  std::vector<std::string_view> chapter_buf_;
};

inline constexpr const char* kBaselineCsvHeader =
    "covariate,value,patients,percent,mean,sd,q1,median,q3";
// baseline.csv: the cohort row, then each covariate in the order written, then each named event.
std::string baseline_csv(const CohortSpec& spec, uint64_t cohort_size, const CohortTallies& t);

inline constexpr const char* kIndexCodesCsvHeader = "code_type,code,patients";
std::string index_codes_csv(const CohortTallies& t, int64_t min_patients);

}  // namespace snds
