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
  const int patient_col = orphans || !t           ? -1
                          : is_mco_table(t->kind) ? rows.find("NIR_ANO_17")
                                                  : rows.find("BEN_NIR_PSA");
  if (patient_col < 0) {
    std::sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) { return src[a] < src[b]; });
  } else {
    const Column& pat = rows.columns[static_cast<size_t>(patient_col)];
    const int rank_col = is_mco_table(t->kind) ? -1 : rows.find("BEN_RNG_GEM");
    const int date_col = rows.find("EXE_SOI_DTD");
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
