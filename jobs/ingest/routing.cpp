// Row routing: hashing patient and join keys into buckets.
#include "jobs/ingest/routing.hpp"

#include <algorithm>
#include <cstring>
#include <span>

#include "core/error.hpp"
#include "core/hash.hpp"

namespace snds {
namespace {

// A parent's key projection: the join keys, the carried columns (an optional one absent from the
// file comes as missing values), the input position.
Batch key_projection(const Batch& rows, std::span<const std::string_view> keys,
                     std::span<const std::string_view> carried, const TableSpec& parent) {
  Batch p;
  auto take = [&](std::string_view n, ColumnType type) {
    const int i = rows.find(n);
    if (i >= 0) {
      p.columns.push_back(rows.columns[static_cast<size_t>(i)]);
      return;
    }
    Column c(std::string(n), type);
    for (size_t k = 0; k < rows.rows(); ++k) c.append_missing();
    p.columns.push_back(std::move(c));
  };
  for (auto n : keys) take(n, ColumnType::kString);  // keys are required: always present
  for (auto n : carried) {
    const ColumnSpec* c = find_column(parent, n);
    take(n, c ? c->type : ColumnType::kDate);
  }
  p.columns.push_back(rows.at(kSrcColumn));
  return p;
}

}  // namespace

KeyColumns::KeyColumns(const Batch& b, std::span<const std::string_view> names, int64_t salt)
    : salt_(salt) {
  for (auto name : names) columns_.push_back(&b.at(name));
}

uint64_t KeyColumns::hash(size_t row) const {
  uint64_t h = mix64(static_cast<uint64_t>(salt_));
  for (const Column* c : columns_) {
    switch (c->type) {
      case ColumnType::kInt64:
      case ColumnType::kDecimal:
        h = hash_combine(h, static_cast<uint64_t>(c->ints[row]));
        break;
      case ColumnType::kDate:
        h = hash_combine(h, static_cast<uint64_t>(static_cast<int64_t>(c->dates[row])));
        break;
      case ColumnType::kString:
        h = hash_combine(h, hash_bytes(c->strings.at(row)));
        break;
    }
  }
  return h;
}

std::vector<uint64_t> KeyColumns::hash_rows() const {
  const size_t n = rows();
  std::vector<uint64_t> h(n, mix64(static_cast<uint64_t>(salt_)));
  for (const Column* c : columns_) {
    switch (c->type) {
      case ColumnType::kInt64:
      case ColumnType::kDecimal:
        for (size_t i = 0; i < n; ++i) h[i] = hash_combine(h[i], static_cast<uint64_t>(c->ints[i]));
        break;
      case ColumnType::kDate:
        for (size_t i = 0; i < n; ++i)
          h[i] = hash_combine(h[i], static_cast<uint64_t>(static_cast<int64_t>(c->dates[i])));
        break;
      case ColumnType::kString:
        for (size_t i = 0; i < n; ++i) h[i] = hash_combine(h[i], hash_bytes(c->strings.at(i)));
        break;
    }
  }
  return h;
}

bool KeyColumns::equal(size_t row, const KeyColumns& other, size_t other_row) const {
  if (salt_ != other.salt_) return false;
  for (size_t i = 0; i < columns_.size(); ++i) {
    const Column& a = *columns_[i];
    const Column& b = *other.columns_[i];
    switch (a.type) {
      case ColumnType::kInt64:
      case ColumnType::kDecimal:
        if (a.ints[row] != b.ints[other_row]) return false;
        break;
      case ColumnType::kDate:
        if (a.dates[row] != b.dates[other_row]) return false;
        break;
      case ColumnType::kString:
        if (a.strings.at(row) != b.strings.at(other_row)) return false;
        break;
    }
  }
  return true;
}

std::span<const std::string_view> carried_columns(const TableSpec& detail) {
  if (detail.link == TableLink::kPmsiDetail) return kStayCarried;
  if (detail.kind == TableKind::kErPhaF) return kPrsCarried;
  return kPrsCarriedWithQuantity;
}

ColumnType carried_type(const TableSpec& detail, std::string_view column) {
  const ColumnSpec* c = find_column(table_spec_by_id(detail.parent), column);
  return c ? c->type : ColumnType::kDate;
}

namespace {

// The rows of each bucket in input order, buckets ascending: a counting sort over the bucket
// numbers (a bucket space's, at most a few thousand).
using PieceSink = std::function<void(uint32_t bucket, std::span<const uint32_t> rows)>;
void split_rows(const std::vector<uint32_t>& bucket_of_row, const PieceSink& sink) {
  const size_t n = bucket_of_row.size();
  if (n == 0) return;
  const uint32_t top = *std::max_element(bucket_of_row.begin(), bucket_of_row.end());
  std::vector<uint32_t> start(static_cast<size_t>(top) + 2, 0);
  for (const uint32_t b : bucket_of_row) ++start[b + 1];
  for (size_t k = 1; k < start.size(); ++k) start[k] += start[k - 1];
  std::vector<uint32_t> idx(n);
  std::vector<uint32_t> next(start.begin(), start.end() - 1);
  for (uint32_t i = 0; i < n; ++i) idx[next[bucket_of_row[i]]++] = i;
  for (uint32_t b = 0; b <= top; ++b)
    if (start[b + 1] > start[b])
      sink(b, std::span<const uint32_t>(idx).subspan(start[b], start[b + 1] - start[b]));
}

}  // namespace

void GatherSplit::split(const std::string& table, const Batch& rows,
                        const std::vector<uint32_t>& bucket_of_row) const {
  split_rows(bucket_of_row, [&](uint32_t b, std::span<const uint32_t> picked) {
    out_.push_back(Routed{b, table, rows.gather(picked)});
  });
}

void GatherSplit::whole(uint32_t bucket, const std::string& table, const Batch& rows) const {
  out_.push_back(Routed{bucket, table, rows});
}

void EncodeSplit::split(const std::string& table, const Batch& rows,
                        const std::vector<uint32_t>& bucket_of_row) const {
  // The buckets present, numbered densely as encode_parts' parts.
  const size_t n = bucket_of_row.size();
  if (n == 0) return;
  const uint32_t top = *std::max_element(bucket_of_row.begin(), bucket_of_row.end());
  std::vector<uint32_t> part_of_bucket(static_cast<size_t>(top) + 1, 0);
  for (const uint32_t b : bucket_of_row) part_of_bucket[b] = 1;
  std::vector<uint32_t> bucket_of_part;
  for (uint32_t b = 0; b <= top; ++b) {
    if (part_of_bucket[b] == 0) continue;
    part_of_bucket[b] = static_cast<uint32_t>(bucket_of_part.size());
    bucket_of_part.push_back(b);
  }
  std::vector<uint32_t> part_of_row(n);
  for (size_t i = 0; i < n; ++i) part_of_row[i] = part_of_bucket[bucket_of_row[i]];
  std::vector<EncodedBatch> parts = encode_parts(rows, part_of_row, bucket_of_part.size());
  for (size_t k = 0; k < parts.size(); ++k) sink_(bucket_of_part[k], table, std::move(parts[k]));
}

void EncodeSplit::whole(uint32_t bucket, const std::string& table, const Batch& rows) const {
  sink_(bucket, table, encode_compact(rows));
}

void route_parsed(const TableName& table, const Batch& rows, const BucketSpace& space,
                  const BucketSplit& split) {
  const size_t n = rows.rows();
  std::vector<uint32_t> bucket(n);
  auto by_patient = [&](std::string_view column) {
    const Column& c = rows.at(column);
    for (size_t i = 0; i < n; ++i) bucket[i] = space.patient_shard(c.strings.at(i));
    split.split(table.name, rows, bucket);
  };
  const TableSpec& spec = table_spec(table);
  switch (spec.link) {
    case TableLink::kPatient:
      by_patient(spec.patient_column);
      break;
    case TableLink::kReferential:
      split.whole(space.referential(), table.name, rows);
      break;
    case TableLink::kDcirParent:
    case TableLink::kDcirDetail: {
      const std::vector<uint64_t> h = dcir_key(rows).hash_rows();
      for (size_t i = 0; i < n; ++i) bucket[i] = space.join(h[i]);
      if (spec.link == TableLink::kDcirDetail) {
        split.split(table.name, rows, bucket);
      } else {
        const Batch keys_only = key_projection(rows, kDcirJoinKeys, kPrsCarriedWithQuantity, spec);
        split.split(table.name + kKeysSuffix, keys_only, bucket);
        by_patient(spec.patient_column);
      }
      break;
    }
    case TableLink::kPmsiParent:
    case TableLink::kPmsiDetail: {
      const std::vector<uint64_t> h = stay_key(rows, spec, table.year).hash_rows();
      for (size_t i = 0; i < n; ++i) bucket[i] = space.join(h[i]);
      if (spec.link == TableLink::kPmsiDetail) {
        split.split(table.name, rows, bucket);
      } else {
        const Batch keys_only = key_projection(rows, spec.stay_keys, kStayCarried, spec);
        split.split(table.name + kKeysSuffix, keys_only, bucket);
        by_patient(spec.patient_column);
      }
      break;
    }
  }
}

std::vector<Routed> split_by_bucket(const std::string& table, const Batch& rows,
                                    const std::vector<uint32_t>& bucket_of_row) {
  std::vector<Routed> out;
  GatherSplit(out).split(table, rows, bucket_of_row);
  return out;
}

std::vector<Routed> route_parsed(const TableName& table, const Batch& rows,
                                 const BucketSpace& space) {
  std::vector<Routed> out;
  route_parsed(table, rows, space, GatherSplit(out));
  return out;
}

}  // namespace snds
