// Sorting a shard's table by patient, date and input order.
#include "jobs/ingest/shard_sort.hpp"

#include <algorithm>
#include <numeric>

#include "core/catalog.hpp"
#include "core/store/store_layout.hpp"
#include "jobs/ingest/routing.hpp"

namespace snds {
namespace {

// Big-endian 8-byte prefix: compares like the string's first 8 bytes.
uint64_t prefix_key(std::string_view s) {
  uint64_t k = 0;
  for (size_t i = 0; i < 8; ++i)
    k = (k << 8) | (i < s.size() ? static_cast<unsigned char>(s[i]) : 0u);
  return k;
}

}  // namespace

Batch sort_for_store(const std::string& table, Batch&& rows) {
  const size_t n = rows.rows();
  const int src_col = rows.find(kSrcColumn);
  if (src_col < 0) return std::move(rows);
  const auto& src = rows.columns[static_cast<size_t>(src_col)].ints;
  std::vector<uint32_t> order(n);
  std::iota(order.begin(), order.end(), 0u);

  const bool orphans =
      table.size() > std::string_view(kOrphanSuffix).size() && table.ends_with(kOrphanSuffix);
  const auto t = parse_table_name(table);
  const std::string_view patient = t ? stored_patient_column(table_spec(*t)) : "";
  const int patient_col = orphans || patient.empty() ? -1 : rows.find(patient);
  if (patient_col < 0) {
    std::sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) { return src[a] < src[b]; });
  } else {
    const Column& pat = rows.columns[static_cast<size_t>(patient_col)];
    const int rank_col = patient == "BEN_NIR_PSA" ? rows.find("BEN_RNG_GEM") : -1;
    int date_col = rows.find("EXE_SOI_DTD");
    if (date_col >= 0 && rows.columns[static_cast<size_t>(date_col)].type != ColumnType::kDate)
      date_col = -1;  // not a date (no catalog table has such a one): sorted without it
    std::vector<uint64_t> prefix(n);
    for (size_t i = 0; i < n; ++i) prefix[i] = prefix_key(pat.strings.at(i));
    const std::vector<int64_t>* rank =
        rank_col >= 0 ? &rows.columns[static_cast<size_t>(rank_col)].ints : nullptr;
    const std::vector<Date>* date =
        date_col >= 0 ? &rows.columns[static_cast<size_t>(date_col)].dates : nullptr;
    std::sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) {
      if (prefix[a] != prefix[b]) return prefix[a] < prefix[b];
      const int c = pat.strings.at(a).compare(pat.strings.at(b));
      if (c != 0) return c < 0;
      if (rank && (*rank)[a] != (*rank)[b]) return (*rank)[a] < (*rank)[b];
      if (date && (*date)[a] != (*date)[b]) return (*date)[a] < (*date)[b];
      return src[a] < src[b];
    });
  }
  rows.columns.erase(rows.columns.begin() + src_col);
  return rows.gather(order);
}

}  // namespace snds
