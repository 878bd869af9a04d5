// Baseline covariates and index codes: per-patient tallies, their merge and the masked tables.
#include "core/cohort/baseline.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>

#include <fmt/format.h>

#include "core/column.hpp"
#include "core/csv/utf8.hpp"
#include "core/error.hpp"
#include "core/events/events.hpp"

namespace snds {
namespace {

void put_counts(ByteWriter& w, const std::map<std::string, uint64_t>& m) {
  w.put<uint64_t>(m.size());
  for (const auto& [k, v] : m) {
    w.put_string(k);
    w.put<uint64_t>(v);
  }
}

std::map<std::string, uint64_t> get_counts(ByteReader& r) {
  std::map<std::string, uint64_t> m;
  for (auto n = r.get<uint64_t>(); n > 0; --n) {
    std::string k = r.get_string();
    m[std::move(k)] = r.get<uint64_t>();
  }
  return m;
}

std::string key(std::string_view covariate, std::string_view value) {
  std::string k(covariate);
  k.push_back('\t');
  k.append(value);
  return k;
}

// Count covariates: the value at rank ceil(p * n) of the sorted values (inverted CDF).
int64_t quantile(const std::map<int64_t, uint64_t>& h, uint64_t n, uint64_t num, uint64_t den) {
  const uint64_t rank = std::max<uint64_t>(1, (num * n + den - 1) / den);
  uint64_t seen = 0;
  for (const auto& [v, c] : h) {
    seen += c;
    if (seen >= rank) return v;
  }
  return h.empty() ? 0 : h.rbegin()->first;
}

std::string percent(uint64_t n, uint64_t total) {
  return total == 0 ? std::string() : fmt::format("{:.2f}", 100.0 * double(n) / double(total));
}

struct Chapter {
  const char* last;  // last three-character code of the chapter
  const char* label;
};
// WHO ICD-10 chapters in code order (U00-U85, chapter XXII, sits between T98 and V01).
constexpr Chapter kChapters[] = {
    {"B99", "I (A00-B99)"},    {"D48", "II (C00-D48)"},   {"D89", "III (D50-D89)"},
    {"E90", "IV (E00-E90)"},   {"F99", "V (F00-F99)"},    {"G99", "VI (G00-G99)"},
    {"H59", "VII (H00-H59)"},  {"H95", "VIII (H60-H95)"}, {"I99", "IX (I00-I99)"},
    {"J99", "X (J00-J99)"},    {"K93", "XI (K00-K93)"},   {"L99", "XII (L00-L99)"},
    {"M99", "XIII (M00-M99)"}, {"N99", "XIV (N00-N99)"},  {"O99", "XV (O00-O99)"},
    {"P96", "XVI (P00-P96)"},  {"Q99", "XVII (Q00-Q99)"}, {"R99", "XVIII (R00-R99)"},
    {"T98", "XIX (S00-T98)"},  {"U85", "XXII (U00-U85)"}, {"Y98", "XX (V01-Y98)"},
    {"Z99", "XXI (Z00-Z99)"}};

// Chapters in the table's order (code order), for baseline.csv.
size_t chapter_rank(std::string_view label) {
  for (size_t i = 0; i < std::size(kChapters); ++i)
    if (label == kChapters[i].label) return i;
  return std::size(kChapters);
}

}  // namespace

void CohortTallies::merge(CohortTallies&& other) {
  for (auto& [k, v] : other.counts) counts[k] += v;
  for (auto& [k, h] : other.histograms) {
    auto& mine = histograms[k];
    for (const auto& [v, c] : h) mine[v] += c;
  }
  for (auto& [k, v] : other.index_codes) index_codes[k] += v;
}

void encode_tallies(ByteWriter& w, const CohortTallies& t) {
  put_counts(w, t.counts);
  w.put<uint64_t>(t.histograms.size());
  for (const auto& [k, h] : t.histograms) {
    w.put_string(k);
    w.put<uint64_t>(h.size());
    for (const auto& [v, c] : h) {
      w.put<int64_t>(v);
      w.put<uint64_t>(c);
    }
  }
  put_counts(w, t.index_codes);
}

CohortTallies decode_tallies(ByteReader& r) {
  CohortTallies t;
  t.counts = get_counts(r);
  for (auto n = r.get<uint64_t>(); n > 0; --n) {
    auto& h = t.histograms[r.get_string()];
    for (auto m = r.get<uint64_t>(); m > 0; --m) {
      const auto v = r.get<int64_t>();
      h[v] = r.get<uint64_t>();
    }
  }
  t.index_codes = get_counts(r);
  return t;
}

std::string_view icd10_chapter(std::string_view code) {
  if (code.size() < 3 || code[0] < 'A' || code[0] > 'Z' || code[1] < '0' || code[1] > '9' ||
      code[2] < '0' || code[2] > '9')
    return {};
  const std::string_view head = code.substr(0, 3);
  for (const auto& c : kChapters)
    if (head <= std::string_view(c.last)) {
      // Gaps between chapters (D49, E91-E99, H96-H99, K94-K99, P97-P99, U86-U99, V00) are in none.
      const std::string_view label(c.label);
      const auto open = label.find('(');
      const std::string_view first = label.substr(open + 1, 3);
      return head >= first ? label : std::string_view{};
    }
  return {};
}

std::string_view atc_class(std::string_view atc, int level) {
  static constexpr size_t kLength[] = {1, 3, 4, 5, 7};
  if (level < 1 || level > 5 || atc == kUnknownAtc) return {};
  const size_t n = kLength[level - 1];
  return atc.size() < n ? std::string_view{} : utf8_prefix(atc, n);
}

void tally_baseline(const BaselineSpec& spec, const PatientBaseline& b, CohortTallies& t) {
  BaselineCounter c;
  c.add(spec, b);
  c.flush(t);
}

uint64_t BaselineCounter::code_key(std::string_view code) {
  // Up to 7 bytes: the bytes, and the length in the top byte; longer: 0xff there and the code's
  // number among the long codes met.
  if (code.size() <= 7) {
    uint64_t k = 0;
    std::memcpy(&k, code.data(), code.size());
    return k | (uint64_t{code.size()} << 56);
  }
  auto it = std::find(long_codes_.begin(), long_codes_.end(), code);
  if (it == long_codes_.end()) it = long_codes_.insert(long_codes_.end(), code);
  return (uint64_t{0xff} << 56) | static_cast<uint64_t>(it - long_codes_.begin());
}

std::string BaselineCounter::code_text(uint64_t key) const {
  const auto size = static_cast<size_t>(key >> 56);
  if (size == 0xff) return std::string(long_codes_[key & ((uint64_t{1} << 56) - 1)]);
  char bytes[8];
  std::memcpy(bytes, &key, sizeof bytes);
  return std::string(bytes, size);
}

void BaselineCounter::count(std::vector<std::pair<std::string_view, uint64_t>>& v,
                            std::string_view x) {
  for (auto& [value, n] : v)
    if (value == x) {
      ++n;
      return;
    }
  v.emplace_back(x, 1);
}

void BaselineCounter::add(const BaselineSpec& spec, const PatientBaseline& b) {
  if (spec.sex) count(sex_, b.sex);
  if (spec.age_band) count(age_, age_band(b.age_at_index));
  auto bump = [](std::vector<uint64_t>& histogram, size_t value) {
    if (histogram.size() <= value) histogram.resize(value + 1, 0);
    ++histogram[value];
  };
  auto distinct = [](std::vector<uint64_t>& v) {
    std::sort(v.begin(), v.end());
    v.erase(std::unique(v.begin(), v.end()), v.end());
  };
  if ((spec.atc || spec.drugs) && b.class_names) {
    if (class_names_ && class_names_ != b.class_names)
      throw internal_error("baseline ids of two shards counted before a flush");
    class_names_ = b.class_names;
    if (spec.atc) {
      classes_.assign(b.class_ids.begin(), b.class_ids.end());
      distinct(classes_);
      if (class_counts_.size() < class_names_->size()) class_counts_.resize(class_names_->size());
      for (uint64_t id : classes_) ++class_counts_[id];
    }
    if (spec.drugs) {
      drug_keys_.assign(b.drug_ids.begin(), b.drug_ids.end());
      distinct(drug_keys_);
      bump(drugs_, drug_keys_.size());
    }
  } else if (spec.atc || spec.drugs) {
    classes_.clear();
    drug_keys_.clear();
    for (auto a : b.atc) {
      if (auto c = atc_class(a, spec.atc_level); !c.empty()) classes_.push_back(code_key(c));
      if (auto d = atc_class(a, 5); !d.empty()) drug_keys_.push_back(code_key(d));
    }
    if (spec.atc) {
      distinct(classes_);
      for (uint64_t k : classes_) {
        auto it = std::lower_bound(atc_.begin(), atc_.end(), std::pair<uint64_t, uint64_t>{k, 0});
        if (it == atc_.end() || it->first != k) it = atc_.insert(it, {k, 0});
        ++it->second;
      }
    }
    if (spec.drugs) {
      distinct(drug_keys_);
      bump(drugs_, drug_keys_.size());
    }
  }
  if (spec.dp_chapter) {
    chapter_buf_.clear();
    for (auto dp : b.dp)
      if (auto c = icd10_chapter(dp); !c.empty()) chapter_buf_.push_back(c);
    // Chapter labels are views of one static table: equal labels are the same pointer.
    std::sort(chapter_buf_.begin(), chapter_buf_.end(),
              [](std::string_view x, std::string_view y) { return x.data() < y.data(); });
    chapter_buf_.erase(
        std::unique(chapter_buf_.begin(), chapter_buf_.end(),
                    [](std::string_view x, std::string_view y) { return x.data() == y.data(); }),
        chapter_buf_.end());
    for (auto c : chapter_buf_) count(chapters_, c);
  }
  if (spec.stays) bump(stays_, b.dp.size());
  if (events_.size() < b.events.size()) events_.resize(b.events.size(), 0);
  for (size_t e = 0; e < b.events.size(); ++e)
    if (b.events[e]) ++events_[e];
}

void BaselineCounter::flush(CohortTallies& t) {
  for (auto& [v, n] : sex_) t.counts[key("sex", v)] += n;
  for (auto& [v, n] : age_) t.counts[key("age_band", v)] += n;
  for (auto& [k, n] : atc_) t.counts[key("atc", code_text(k))] += n;
  for (size_t id = 0; id < class_counts_.size(); ++id)
    if (class_counts_[id] > 0) t.counts[key("atc", (*class_names_)[id])] += class_counts_[id];
  for (auto& [v, n] : chapters_) t.counts[key("dp_chapter", v)] += n;
  auto histogram = [&](const char* name, const std::vector<uint64_t>& h) {
    for (size_t v = 0; v < h.size(); ++v)
      if (h[v] > 0) t.histograms[name][static_cast<int64_t>(v)] += h[v];
  };
  histogram("drugs", drugs_);
  histogram("stays", stays_);
  for (size_t e = 0; e < events_.size(); ++e)
    if (events_[e] > 0) t.counts[key("event", std::to_string(e))] += events_[e];
  sex_.clear();
  age_.clear();
  atc_.clear();
  class_counts_.clear();
  class_names_ = nullptr;
  chapters_.clear();
  drugs_.clear();
  stays_.clear();
  events_.clear();
  long_codes_.clear();
}

std::string baseline_csv(const CohortSpec& spec, uint64_t cohort_size, const CohortTallies& t) {
  const BaselineSpec& b = *spec.baseline;
  const int64_t min = spec.min_patients;
  std::string out = std::string(kBaselineCsvHeader) + "\n";
  auto row = [&](std::string_view covariate, std::string_view value, uint64_t n,
                 const std::string& stats) {
    const bool masked = static_cast<int64_t>(n) < min;
    out += fmt::format("{},{},{},{},{}\n", covariate, value, masked ? "" : std::to_string(n),
                       masked ? "" : percent(n, cohort_size), stats);
  };
  row("cohort", "", cohort_size, ",,,,");
  auto categorical = [&](const std::string& covariate) {
    const std::string prefix = covariate + "\t";
    std::vector<std::pair<std::string_view, uint64_t>> values;
    for (auto it = t.counts.lower_bound(prefix);
         it != t.counts.end() && it->first.starts_with(prefix); ++it)
      values.emplace_back(std::string_view(it->first).substr(prefix.size()), it->second);
    if (covariate == "dp_chapter")  // chapter order, not the labels' byte order
      std::stable_sort(values.begin(), values.end(), [](const auto& x, const auto& y) {
        return chapter_rank(x.first) < chapter_rank(y.first);
      });
    for (const auto& [value, n] : values) row(covariate, value, n, ",,,,");
  };
  auto numeric = [&](const std::string& covariate) {
    static const std::map<int64_t, uint64_t> kNone;
    auto found = t.histograms.find(covariate);
    const auto& h = found == t.histograms.end() ? kNone : found->second;
    uint64_t n = 0, with = 0;
    double sum = 0;
    for (const auto& [v, c] : h) {
      n += c;
      if (v > 0) with += c;
      sum += double(v) * double(c);
    }
    std::string stats = ",,,,";
    if (n > 0 && static_cast<int64_t>(n) >= min) {
      const double mean = sum / double(n);
      double ss = 0;
      for (const auto& [v, c] : h) ss += double(c) * (double(v) - mean) * (double(v) - mean);
      const std::string sd = n > 1 ? fmt::format("{:.4f}", std::sqrt(ss / double(n - 1))) : "";
      stats = fmt::format("{:.4f},{},{},{},{}", mean, sd, quantile(h, n, 1, 4),
                          quantile(h, n, 1, 2), quantile(h, n, 3, 4));
    }
    row(covariate, "", with, stats);
  };
  for (const auto& c : b.covariates) {
    if (c == "stays" || c == "drugs")
      numeric(c);
    else
      categorical(c);
  }
  for (size_t e = 0; e < b.events.size(); ++e) {
    auto it = t.counts.find(key("event", std::to_string(e)));
    row("event", spec.events[b.events[e]].name, it == t.counts.end() ? 0 : it->second, ",,,,");
  }
  return out;
}

std::string index_codes_csv(const CohortTallies& t, int64_t min_patients) {
  std::string out = std::string(kIndexCodesCsvHeader) + "\n";
  for (const auto& [k, n] : t.index_codes) {
    const auto tab = k.find('\t');
    const bool masked = static_cast<int64_t>(n) < min_patients;
    out += fmt::format("{},{},{}\n", std::string_view(k).substr(0, tab),
                       std::string_view(k).substr(tab + 1), masked ? "" : std::to_string(n));
  }
  return out;
}

}  // namespace snds
