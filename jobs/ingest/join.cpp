// Join partitions: build on the parent keys, probe with the detail rows.
#include "jobs/ingest/join.hpp"

#include <boost/unordered/unordered_flat_map.hpp>

#include "core/error.hpp"
#include "core/hash.hpp"
#include "core/store/store_layout.hpp"

namespace snds {
namespace {

struct KeyHash {
  size_t operator()(const std::string& s) const noexcept { return hash_bytes(s); }
};

using ParentIndex = boost::unordered_flat_map<std::string, uint32_t, KeyHash>;

template <typename KeyFn>
ParentIndex index_parents(const Batch& parents, KeyFn key_of, uint64_t& duplicates) {
  ParentIndex index;
  index.reserve(parents.rows());
  const auto& src = parents.at(kSrcColumn).ints;
  for (uint32_t i = 0; i < parents.rows(); ++i) {
    auto [it, inserted] = index.try_emplace(key_of(i), i);
    if (!inserted) {
      ++duplicates;
      if (src[i] < src[it->second]) it->second = i;
    }
  }
  return index;
}

// Joins `details` against `parents`; appends routed outputs.
template <typename ParentKeyFn, typename DetailKeyFn>
void join_table(const std::string& detail_table, const Batch& details, const Batch& parents,
                std::span<const std::string_view> carried, std::string_view patient_column, ParentKeyFn parent_key,
                DetailKeyFn detail_key, const BucketSpace& space, JoinCounts& counts, std::vector<Routed>& out,
                const std::string& parent_table) {
  uint64_t dups = 0;
  const ParentIndex index = index_parents(parents, parent_key, dups);
  if (dups) counts.duplicate_parent_keys[parent_table] += dups;
  std::vector<uint32_t> matched, parent_row, orphan;
  std::vector<uint32_t> orphan_bucket;
  for (uint32_t i = 0; i < details.rows(); ++i) {
    const std::string k = detail_key(i);
    auto it = index.find(k);
    if (it == index.end()) {
      orphan.push_back(i);
      orphan_bucket.push_back(static_cast<uint32_t>(hash_bytes(k) % space.shards));
    } else {
      matched.push_back(i);
      parent_row.push_back(it->second);
    }
  }
  counts.joined[detail_table] += matched.size();
  counts.orphans[detail_table] += orphan.size();
  if (!matched.empty()) {
    Batch joined = details.gather(matched);
    for (auto name : carried) {
      Column c(std::string(name), parents.at(name).type);
      c.gather_from(parents.at(name), parent_row);
      const int existing = joined.find(name);
      if (existing >= 0) joined.columns[static_cast<size_t>(existing)] = std::move(c);
      else joined.columns.push_back(std::move(c));
    }
    const Column& nir = joined.at(patient_column);
    std::vector<uint32_t> bucket(joined.rows());
    for (size_t i = 0; i < bucket.size(); ++i) bucket[i] = shard_of_patient(nir.strings.at(i), space.shards);
    for (auto& r : split_by_bucket(detail_table, joined, bucket)) out.push_back(std::move(r));
  }
  if (!orphan.empty()) {
    Batch orphans = details.gather(orphan);
    for (auto& r : split_by_bucket(detail_table + kOrphanSuffix, orphans, orphan_bucket)) out.push_back(std::move(r));
  }
}

Batch take_concat(std::map<std::string, std::vector<Batch>>& data, const std::string& table) {
  auto it = data.find(table);
  if (it == data.end()) return Batch{};
  Batch b = concat(std::move(it->second));
  data.erase(it);
  return b;
}

}  // namespace

void JoinCounts::add(const JoinCounts& o) {
  for (auto& [k, v] : o.joined) joined[k] += v;
  for (auto& [k, v] : o.orphans) orphans[k] += v;
  for (auto& [k, v] : o.duplicate_parent_keys) duplicate_parent_keys[k] += v;
}

Batch concat(std::vector<Batch>&& parts) {
  if (parts.empty()) return Batch{};
  Batch out = std::move(parts[0]);
  for (size_t i = 1; i < parts.size(); ++i) {
    out.append(parts[i]);
    parts[i] = Batch{};
  }
  return out;
}

std::vector<Routed> join_bucket(std::map<std::string, std::vector<Batch>>&& data, const BucketSpace& space,
                                JoinCounts& counts) {
  std::vector<Routed> out;
  // DCIR: ER_PHA_F against the ER_PRS_F key projection.
  {
    Batch parents = take_concat(data, std::string("ER_PRS_F") + kKeysSuffix);
    Batch details = take_concat(data, "ER_PHA_F");
    if (details.rows() > 0) {
      if (parents.columns.empty()) {
        // No parent rows in this partition at all: every detail row is an orphan.
        const TableSpec& prs = table_spec(TableKind::kErPrsF);
        for (auto name : kDcirJoinKeys) parents.columns.emplace_back(std::string(name), find_column(prs, name)->type);
        for (auto name : kPrsCarried) parents.columns.emplace_back(std::string(name), find_column(prs, name)->type);
        parents.columns.emplace_back(kSrcColumn, ColumnType::kInt64);
      }
      const auto pk = dcir_key_columns(parents);
      const auto dk = dcir_key_columns(details);
      join_table(
          "ER_PHA_F", details, parents, kPrsCarried, "BEN_NIR_PSA",
          [&](uint32_t i) { return dcir_key(parents, pk, i); }, [&](uint32_t i) { return dcir_key(details, dk, i); },
          space, counts, out, "ER_PRS_F");
    }
  }
  // PMSI: per year, T_MCOyyB and T_MCOyyD against the T_MCOyyC key projection.
  std::vector<std::string> detail_tables;
  for (auto& [name, parts] : data) {
    auto t = parse_table_name(name);
    if (t && (t->kind == TableKind::kMcoB || t->kind == TableKind::kMcoD)) detail_tables.push_back(name);
  }
  std::map<int, Batch> parents_by_year;
  for (const auto& name : detail_tables) {
    const auto t = *parse_table_name(name);
    const std::string c_name = table_instance_name(TableKind::kMcoC, t.year);
    if (!parents_by_year.count(t.year)) {
      Batch p = take_concat(data, c_name + kKeysSuffix);
      if (p.columns.empty()) {
        p.columns.emplace_back("ETA_NUM", ColumnType::kString);
        p.columns.emplace_back("RSA_NUM", ColumnType::kString);
        p.columns.emplace_back("NIR_ANO_17", ColumnType::kString);
        p.columns.emplace_back("EXE_SOI_DTD", ColumnType::kDate);
        p.columns.emplace_back(kSrcColumn, ColumnType::kInt64);
      }
      parents_by_year[t.year] = std::move(p);
    }
    const Batch& parents = parents_by_year[t.year];
    Batch details = take_concat(data, name);
    const int peta = parents.find("ETA_NUM"), prsa = parents.find("RSA_NUM");
    const int deta = details.find("ETA_NUM"), drsa = details.find("RSA_NUM");
    join_table(
        name, details, parents, kStayCarried, "NIR_ANO_17",
        [&](uint32_t i) { return stay_key(t.year, parents, peta, prsa, i); },
        [&](uint32_t i) { return stay_key(t.year, details, deta, drsa, i); }, space, counts, out, c_name);
  }
  return out;
}

}  // namespace snds
