// Row routing: hashing patient and join keys into buckets.
#include "jobs/ingest/routing.hpp"

#include <algorithm>
#include <cstring>

#include "core/error.hpp"
#include "core/hash.hpp"

namespace snds {
namespace {

void put_int(std::string& k, int64_t v) { k.append(reinterpret_cast<const char*>(&v), sizeof v); }

void append_value(std::string& k, const Column& c, size_t row) {
  switch (c.type) {
    case ColumnType::kInt64:
    case ColumnType::kDecimal: put_int(k, c.ints[row]); break;
    case ColumnType::kDate: put_int(k, c.dates[row]); break;
    case ColumnType::kString: {
      const std::string_view s = c.strings.at(row);
      put_int(k, static_cast<int64_t>(s.size()));
      k.append(s);
      break;
    }
  }
}

Batch project(const Batch& rows, std::initializer_list<std::string_view> names) {
  Batch p;
  for (auto n : names) p.columns.push_back(rows.at(n));
  return p;
}

}  // namespace

std::vector<int> dcir_key_columns(const Batch& b) {
  std::vector<int> idx;
  for (auto name : kDcirJoinKeys) {
    const int i = b.find(name);
    if (i < 0) throw internal_error("join key {} missing from a batch", name);
    idx.push_back(i);
  }
  return idx;
}

std::string dcir_key(const Batch& b, const std::vector<int>& key_columns, size_t row) {
  std::string k;
  k.reserve(96);
  for (int i : key_columns) append_value(k, b.columns[static_cast<size_t>(i)], row);
  return k;
}

std::string stay_key(int year, const Batch& b, int eta_column, int rsa_column, size_t row) {
  std::string k;
  put_int(k, year);
  append_value(k, b.columns[static_cast<size_t>(eta_column)], row);
  append_value(k, b.columns[static_cast<size_t>(rsa_column)], row);
  return k;
}

std::vector<Routed> split_by_bucket(const std::string& table, const Batch& rows, const std::vector<uint32_t>& bucket_of_row) {
  std::vector<std::pair<uint32_t, uint32_t>> order(bucket_of_row.size());
  for (uint32_t i = 0; i < order.size(); ++i) order[i] = {bucket_of_row[i], i};
  std::stable_sort(order.begin(), order.end(), [](auto& a, auto& b) { return a.first < b.first; });
  std::vector<Routed> out;
  std::vector<uint32_t> idx;
  for (size_t i = 0; i < order.size();) {
    const uint32_t bucket = order[i].first;
    idx.clear();
    for (; i < order.size() && order[i].first == bucket; ++i) idx.push_back(order[i].second);
    out.push_back(Routed{bucket, table, rows.gather(idx)});
  }
  return out;
}

std::vector<Routed> route_parsed(const TableName& table, const Batch& rows, const BucketSpace& space) {
  const size_t n = rows.rows();
  std::vector<uint32_t> bucket(n);
  std::vector<Routed> out;
  auto by_patient = [&](std::string_view column) {
    const Column& c = rows.at(column);
    for (size_t i = 0; i < n; ++i) bucket[i] = shard_of_patient(c.strings.at(i), space.shards);
    auto parts = split_by_bucket(table.name, rows, bucket);
    for (auto& p : parts) out.push_back(std::move(p));
  };
  switch (table.kind) {
    case TableKind::kIrBenR: by_patient("BEN_NIR_PSA"); break;
    case TableKind::kIrPhaR: out.push_back(Routed{space.referential(), table.name, rows}); break;
    case TableKind::kErPrsF:
    case TableKind::kErPhaF: {
      const auto keys = dcir_key_columns(rows);
      for (size_t i = 0; i < n; ++i) bucket[i] = space.join(hash_bytes(dcir_key(rows, keys, i)));
      if (table.kind == TableKind::kErPhaF) {
        out = split_by_bucket(table.name, rows, bucket);
      } else {
        Batch keys_only = project(rows, {"DCT_ORD_NUM", "FLX_DIS_DTD", "FLX_EMT_NUM", "FLX_EMT_ORD", "FLX_EMT_TYP",
                                         "FLX_TRT_DTD", "ORG_CLE_NUM", "PRS_ORD_NUM", "REM_TYP_AFF", "BEN_NIR_PSA",
                                         "BEN_RNG_GEM", "EXE_SOI_DTD", "DPN_QLF", kSrcColumn});
        out = split_by_bucket(table.name + kKeysSuffix, keys_only, bucket);
        by_patient("BEN_NIR_PSA");
      }
      break;
    }
    case TableKind::kMcoB:
    case TableKind::kMcoC:
    case TableKind::kMcoD: {
      const int eta = rows.find("ETA_NUM"), rsa = rows.find("RSA_NUM");
      for (size_t i = 0; i < n; ++i) bucket[i] = space.join(hash_bytes(stay_key(table.year, rows, eta, rsa, i)));
      if (table.kind != TableKind::kMcoC) {
        out = split_by_bucket(table.name, rows, bucket);
      } else {
        Batch keys_only = project(rows, {"ETA_NUM", "RSA_NUM", "NIR_ANO_17", "EXE_SOI_DTD", kSrcColumn});
        out = split_by_bucket(table.name + kKeysSuffix, keys_only, bucket);
        by_patient("NIR_ANO_17");
      }
      break;
    }
  }
  return out;
}

}  // namespace snds
