// The DCIR cleaning rules (dcir_rules.hpp): which rows ER_ETE_F marks as public hospital activity.
#include "core/events/dcir_rules.hpp"

#include <array>
#include <string>

#include <boost/unordered/unordered_flat_map.hpp>
#include <boost/unordered/unordered_flat_set.hpp>

#include "core/error.hpp"
#include "core/events/loose_column.hpp"
#include "core/hash.hpp"

namespace snds {

const char* dcir_rule_name(DcirRule r) {
  return r == kRuleMajorations ? "majorations" : "public_hospital";
}

namespace {

using events_detail::LooseColumn;

constexpr size_t kOrgKey = 6;                              // ORG_CLE_NUM: text
constexpr bool kDateKey[9] = {0, 1, 0, 0, 0, 1, 0, 0, 0};  // FLX_DIS_DTD, FLX_TRT_DTD

// A row's 9 keys, each as one integer (integers, dates as days, ORG_CLE_NUM as the hash of its
// text) so that tables typing a key differently still match; the text is compared on a hit.
struct Keys {
  std::array<LooseColumn, 9> column;
  std::string buf;
  Keys(const Batch& b, std::string_view name) {
    for (size_t k = 0; k < 9; ++k) {
      column[k] = LooseColumn(b, kDcirKeys[k]);
      if (!column[k].present())
        throw internal_error("shard table {} has no column {} (a DCIR key the {} rule needs)", name,
                             kDcirKeys[k], "public_hospital");
    }
  }
  std::array<int64_t, 9> at(size_t r) {
    std::array<int64_t, 9> v{};
    for (size_t k = 0; k < 9; ++k)
      v[k] = k == kOrgKey  ? static_cast<int64_t>(hash_bytes(column[k].text(r, buf)))
             : kDateKey[k] ? static_cast<int64_t>(column[k].date(r))
                           : column[k].integer(r);
    return v;
  }
  std::string_view org(size_t r) { return column[kOrgKey].text(r, buf); }
};

uint64_t hash_keys(const std::array<int64_t, 9>& v) {
  uint64_t h = 0;
  for (int64_t x : v) h = hash_combine(h, static_cast<uint64_t>(x));
  return h;
}

}  // namespace

std::vector<uint8_t> public_hospital_rows(const ShardData& shard, const Batch& table,
                                          std::string_view name) {
  const Batch* ete = shard.find(std::string(kEteTable));
  if (!ete || ete->rows() == 0 || table.rows() == 0) return {};
  const LooseColumn taa(*ete, kEteTaaColumn);
  if (!taa.present()) return {};
  std::vector<size_t> marked;
  for (size_t r = 0; r < ete->rows(); ++r)
    if (taa.integer(r) == 1) marked.push_back(r);
  if (marked.empty()) return {};

  Keys ete_keys(*ete, kEteTable);
  // Key hash -> the ER_ETE_F rows of ETE_IND_TAA = 1 bearing it (almost always one).
  boost::unordered_flat_map<uint64_t, std::vector<std::pair<std::array<int64_t, 9>, std::string>>>
      lines;
  // DCT_ORD_NUM alone (an integer, nearly unique per claim) rules out almost every line before
  // its nine keys are built (ORG_CLE_NUM's text hashed): the rule then costs one integer probe
  // per line instead of a nine-key hash (3x the ALD/acts/lab/deaths cohort's CPU without it).
  boost::unordered_flat_set<int64_t> claims;
  for (size_t r : marked) {
    const auto v = ete_keys.at(r);
    lines[hash_keys(v)].emplace_back(v, std::string(ete_keys.org(r)));
    claims.insert(v[0]);
  }
  Keys keys(table, name);
  std::vector<uint8_t> out(table.rows(), 0);
  bool any = false;
  for (size_t r = 0; r < table.rows(); ++r) {
    if (!claims.contains(keys.column[0].integer(r))) continue;
    const auto v = keys.at(r);
    const auto it = lines.find(hash_keys(v));
    if (it == lines.end()) continue;
    for (const auto& [key, org] : it->second)
      if (key == v && org == keys.org(r)) {
        out[r] = 1;
        any = true;
        break;
      }
  }
  if (!any) out.clear();
  return out;
}

}  // namespace snds
