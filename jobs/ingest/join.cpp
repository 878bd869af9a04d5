// Join partitions: build on the parent keys, probe with the detail rows.
#include "jobs/ingest/join.hpp"

#include <boost/unordered/unordered_flat_map.hpp>

#include "core/error.hpp"
#include "core/hash.hpp"
#include "core/store/store_layout.hpp"

namespace snds {
namespace {

// The parent index: row numbers, hashed and compared through the key columns they point into.
// A probe is the (keys, row) of a detail row; the table is heterogeneous (transparent) so probes
// need no parent-shaped key object.
// Hashes are computed once per row, column by column (KeyColumns::hash_rows), before the index
// is built or probed.
struct Probe {
  const KeyColumns* keys;
  uint32_t row;
  uint64_t hash;
};

struct ProbeHash {
  using is_transparent = void;
  const uint64_t* parent_hash;
  size_t operator()(uint32_t row) const noexcept { return parent_hash[row]; }
  size_t operator()(const Probe& p) const noexcept { return p.hash; }
};

struct ProbeEqual {
  using is_transparent = void;
  const KeyColumns* parent;
  bool operator()(uint32_t a, uint32_t b) const noexcept { return parent->equal(a, *parent, b); }
  bool operator()(const Probe& p, uint32_t b) const noexcept {
    return p.keys->equal(p.row, *parent, b);
  }
  bool operator()(uint32_t a, const Probe& p) const noexcept {
    return p.keys->equal(p.row, *parent, a);
  }
};

using ParentIndex = boost::unordered_flat_map<uint32_t, uint32_t, ProbeHash, ProbeEqual>;

// Parent rows whose key an earlier row already has, for a key projection no detail row probes
// (a partition without detail rows): duplicate_parent_keys counts every partition.
uint64_t count_duplicate_keys(const Batch& parents, const KeyColumns& keys) {
  const std::vector<uint64_t> hashes = keys.hash_rows();
  ParentIndex index(parents.rows(), ProbeHash{hashes.data()}, ProbeEqual{&keys});
  uint64_t dups = 0;
  for (uint32_t i = 0; i < parents.rows(); ++i) dups += index.try_emplace(i, i).second ? 0 : 1;
  return dups;
}

// Joins `details` against `parents` on their key columns; appends routed outputs. When a key
// has several parent rows, the one first in input order (smallest `_src`) wins.
void join_table(const std::string& detail_table, const Batch& details,
                const KeyColumns& detail_keys, const Batch& parents, const KeyColumns& parent_keys,
                std::span<const std::string_view> carried, std::string_view patient_column,
                const BucketSpace& space, JoinCounts& counts, const BucketSplit& out,
                const std::string& parent_table, bool count_duplicates) {
  const std::vector<uint64_t> parent_hash = parent_keys.hash_rows();
  const std::vector<uint64_t> detail_hash = detail_keys.hash_rows();
  ParentIndex index(parents.rows(), ProbeHash{parent_hash.data()}, ProbeEqual{&parent_keys});
  const auto& src = parents.at(kSrcColumn).ints;
  uint64_t dups = 0;
  for (uint32_t i = 0; i < parents.rows(); ++i) {
    auto [it, inserted] = index.try_emplace(i, i);
    if (!inserted) {
      ++dups;
      if (src[i] < src[it->second]) it->second = i;
    }
  }
  // T_MCOyyB and T_MCOyyD probe the same T_MCOyyC keys: their duplicates are counted once.
  if (dups && count_duplicates) counts.duplicate_parent_keys[parent_table] += dups;
  std::vector<uint32_t> matched, parent_row, orphan;
  std::vector<uint32_t> orphan_bucket;
  for (uint32_t i = 0; i < details.rows(); ++i) {
    auto it = index.find(Probe{&detail_keys, i, detail_hash[i]});
    if (it == index.end()) {
      orphan.push_back(i);
      orphan_bucket.push_back(static_cast<uint32_t>(detail_hash[i] % space.shards));
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
      if (existing >= 0)
        joined.columns[static_cast<size_t>(existing)] = std::move(c);
      else
        joined.columns.push_back(std::move(c));
    }
    const Column& nir = joined.at(patient_column);
    std::vector<uint32_t> bucket(joined.rows());
    for (size_t i = 0; i < bucket.size(); ++i) bucket[i] = space.patient_shard(nir.strings.at(i));
    out.split(detail_table, joined, bucket);
  }
  if (!orphan.empty()) {
    Batch orphans = details.gather(orphan);
    out.split(detail_table + kOrphanSuffix, orphans, orphan_bucket);
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
  // Each column sized once for all the parts (appending grows it geometrically: each value
  // copied about three times instead of once).
  size_t rows = out.rows();
  for (size_t i = 1; i < parts.size(); ++i) rows += parts[i].rows();
  for (Column& c : out.columns) {
    if (c.type != ColumnType::kString) {
      c.reserve(rows);
      continue;
    }
    size_t bytes = 0;
    for (const Batch& p : parts) {
      const int j = p.find(c.name);
      if (j >= 0) bytes += p.columns[static_cast<size_t>(j)].strings.bytes().size();
    }
    c.strings.reserve(rows, bytes);
  }
  for (size_t i = 1; i < parts.size(); ++i) {
    out.append(parts[i]);
    parts[i] = Batch{};
  }
  return out;
}

namespace {

// The parents' key projection with no row: every detail row of the partition is an orphan.
Batch no_parents(const TableSpec& detail, std::span<const std::string_view> keys,
                 std::span<const std::string_view> carried) {
  const TableSpec& parent = table_spec_by_id(detail.parent);
  Batch p;
  for (auto name : keys) p.columns.emplace_back(std::string(name), find_column(parent, name)->type);
  for (auto name : carried) p.columns.emplace_back(std::string(name), carried_type(detail, name));
  p.columns.emplace_back(kSrcColumn, ColumnType::kInt64);
  return p;
}

}  // namespace

std::vector<Routed> join_bucket(std::map<std::string, std::vector<Batch>>&& data,
                                const BucketSpace& space, JoinCounts& counts) {
  std::vector<Routed> out;
  join_bucket(std::move(data), space, counts, GatherSplit(out));
  return out;
}

void join_bucket(std::map<std::string, std::vector<Batch>>&& data, const BucketSpace& space,
                 JoinCounts& counts, const BucketSplit& out) {
  // The detail tables of the partition: DCIR ones against the ER_PRS_F key projection, PMSI ones
  // against their field's C table of their year.
  std::vector<TableName> dcir, pmsi;
  for (auto& [name, parts] : data) {
    const auto t = parse_table_name(name);
    if (!t) continue;
    const TableLink link = table_spec(*t).link;
    if (link == TableLink::kDcirDetail) dcir.push_back(*t);
    if (link == TableLink::kPmsiDetail) pmsi.push_back(*t);
  }
  {
    Batch parents = take_concat(data, std::string("ER_PRS_F") + kKeysSuffix);
    bool first = true;  // every detail table probes the same parents: duplicates counted once
    for (const TableName& t : dcir) {
      Batch details = take_concat(data, t.name);
      if (parents.columns.empty())
        parents = no_parents(table_spec(t), kDcirJoinKeys, kPrsCarriedWithQuantity);
      join_table(t.name, details, dcir_key(details), parents, dcir_key(parents),
                 carried_columns(table_spec(t)), "BEN_NIR_PSA", space, counts, out, "ER_PRS_F",
                 first);
      first = false;
    }
    if (dcir.empty() && parents.rows() > 0)
      if (const uint64_t dups = count_duplicate_keys(parents, dcir_key(parents)))
        counts.duplicate_parent_keys["ER_PRS_F"] += dups;
  }
  std::map<std::string, Batch> parents_by_name;  // "T_MCO19C" -> its key projection
  for (const TableName& t : pmsi) {
    const TableSpec& spec = table_spec(t);
    const std::string c_name = table_instance_name(table_spec_by_id(spec.parent), t.year);
    const bool first_of_parent = !parents_by_name.count(c_name);
    if (first_of_parent) {
      Batch p = take_concat(data, c_name + kKeysSuffix);
      if (p.columns.empty()) p = no_parents(spec, spec.stay_keys, kStayCarried);
      parents_by_name[c_name] = std::move(p);
    }
    const Batch& parents = parents_by_name[c_name];
    Batch details = take_concat(data, t.name);
    join_table(t.name, details, stay_key(details, spec, t.year), parents,
               stay_key(parents, spec, t.year), kStayCarried, "NIR_ANO_17", space, counts, out,
               c_name, first_of_parent);
  }
  // Stay keys of parents without detail rows in this partition.
  for (auto& [name, parts] : data) {
    if (!name.ends_with(kKeysSuffix)) continue;
    const auto t =
        parse_table_name(name.substr(0, name.size() - std::string_view(kKeysSuffix).size()));
    if (!t || table_spec(*t).link != TableLink::kPmsiParent) continue;
    const Batch parents = concat(std::move(parts));
    if (const uint64_t dups =
            count_duplicate_keys(parents, stay_key(parents, table_spec(*t), t->year)))
      counts.duplicate_parent_keys[t->name] += dups;
  }
}

}  // namespace snds
