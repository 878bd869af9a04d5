// Where every ingested row goes. Bucket ids: [0, shards) are patient shards; [shards,
// shards + join_buckets) are join partitions (detail rows meet their parent rows there); the last
// id is the referential (IR_PHA_R and every table with no patient link, gathered on rank 0).
// Bucket b lives on rank b % ranks. Where a table's rows go is its catalog link (TableLink).
//
// Rows carry `_src` (Int64: file index << 40 | byte offset of the record), a total order over the
// input that makes every sort, and so the store, independent of the rank, thread and shard count.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/batch_codec.hpp"
#include "core/catalog.hpp"
#include "core/column.hpp"
#include "core/hash.hpp"
#include "jobs/ingest/person_map.hpp"

namespace snds {

inline constexpr const char* kSrcColumn = "_src";
// Suffix of the parent-key projections sent to join partitions ("ER_PRS_F#keys").
inline constexpr const char* kKeysSuffix = "#keys";

struct BucketSpace {
  uint32_t shards;
  uint32_t join_buckets;
  // Extracts with persons of several pseudo-NIRs: the NIRs moved to their person's shard.
  const PersonRouting* persons = nullptr;
  // The shard of a row keyed by this BEN_NIR_PSA (or NIR_ANO_17).
  uint32_t patient_shard(std::string_view nir) const {
    return persons ? persons->shard_of(nir, shards) : shard_of_patient(nir, shards);
  }
  uint32_t referential() const { return shards + join_buckets; }
  uint32_t join(uint64_t key_hash) const {
    return shards + static_cast<uint32_t>(key_hash % join_buckets);
  }
  // The rank holding a bucket: round robin, but the referential is gathered on rank 0.
  int owner(uint32_t bucket, int ranks) const {
    return bucket == referential() ? 0 : static_cast<int>(bucket % static_cast<uint32_t>(ranks));
  }
};

// A join key read in place from a batch's typed columns (so "01" and "1", or two date forms,
// meet), hashed and compared without building any per-row key object.
class KeyColumns {
 public:
  // The named columns of `b` (internal_error when one is absent); `salt` (the PMSI year) is
  // part of the key.
  KeyColumns(const Batch& b, std::span<const std::string_view> names, int64_t salt = 0);
  uint64_t hash(size_t row) const;
  // hash(i) of every row i, column by column (one type dispatch per column, not per value).
  std::vector<uint64_t> hash_rows() const;
  size_t rows() const { return columns_.empty() ? 0 : columns_.front()->size(); }
  bool equal(size_t row, const KeyColumns& other, size_t other_row) const;

 private:
  std::vector<const Column*> columns_;
  int64_t salt_;
};

inline KeyColumns dcir_key(const Batch& b) {
  return KeyColumns(b, kDcirJoinKeys);
}
// The PMSI stay key of a field's tables (kMcoStayKeys in the MCO), salted with the year.
inline KeyColumns stay_key(const Batch& b, const TableSpec& spec, int year) {
  return KeyColumns(b, spec.stay_keys, year);
}
inline KeyColumns stay_key(const Batch& b, int year) {
  return KeyColumns(b, kMcoStayKeys, year);
}

// The columns of ER_PRS_F (or T_MCOyyC) that their detail rows take over in the join: the
// patient, the date and DPN_QLF, then what the aggregate's pharmacy measures and dimensions read
// (amount paid, reimbursable base, prescriber specialty; missing when ER_PRS_F lacks them).
inline constexpr std::string_view kPrsCarried[] = {"BEN_NIR_PSA", "BEN_RNG_GEM", "EXE_SOI_DTD",
                                                   "DPN_QLF",     "PRS_PAI_MNT", "BSE_REM_MNT",
                                                   "PSP_SPE_COD"};
// The other DCIR detail tables (ER_CAM_F acts, ER_BIO_F lab tests...) also take the claim line's
// quantity, which nets their regularisation lines as PHA_ACT_QSN does dispensings'. The ER_PRS_F
// key projection carries it for them.
inline constexpr std::string_view kPrsCarriedWithQuantity[] = {
    "BEN_NIR_PSA", "BEN_RNG_GEM", "EXE_SOI_DTD", "DPN_QLF",
    "PRS_PAI_MNT", "BSE_REM_MNT", "PSP_SPE_COD", "PRS_ACT_QTE"};
inline constexpr std::string_view kStayCarried[] = {"NIR_ANO_17", "EXE_SOI_DTD"};
// What a detail table's rows take from their parent.
std::span<const std::string_view> carried_columns(const TableSpec& detail);
// Their types in the join partitions (a parent file may lack the date: it comes as missing).
ColumnType carried_type(const TableSpec& detail, std::string_view column);

// A routed piece of a parsed batch.
struct Routed {
  uint32_t bucket;
  std::string table;
  Batch rows;
};

// Where the pieces of a batch split by bucket go: gathered copies (GatherSplit) or the shuffle's
// compact form made in one pass per column (EncodeSplit: encode_parts, no gathered copy).
class BucketSplit {
 public:
  virtual ~BucketSplit() = default;
  // The rows of each bucket in input order, buckets ascending; nothing for a batch without rows.
  virtual void split(const std::string& table, const Batch& rows,
                     const std::vector<uint32_t>& bucket_of_row) const = 0;
  // Every row (none included) to one bucket.
  virtual void whole(uint32_t bucket, const std::string& table, const Batch& rows) const = 0;
};

class GatherSplit final : public BucketSplit {
 public:
  explicit GatherSplit(std::vector<Routed>& out) : out_(out) {}
  void split(const std::string& table, const Batch& rows,
             const std::vector<uint32_t>& bucket_of_row) const override;
  void whole(uint32_t bucket, const std::string& table, const Batch& rows) const override;

 private:
  std::vector<Routed>& out_;
};

// Each piece handed to `sink` as the bytes of encode_compact(piece).
using EncodedSink =
    std::function<void(uint32_t bucket, const std::string& table, EncodedBatch&& rows)>;
class EncodeSplit final : public BucketSplit {
 public:
  explicit EncodeSplit(EncodedSink sink) : sink_(std::move(sink)) {}
  void split(const std::string& table, const Batch& rows,
             const std::vector<uint32_t>& bucket_of_row) const override;
  void whole(uint32_t bucket, const std::string& table, const Batch& rows) const override;

 private:
  EncodedSink sink_;
};

// Splits a parsed batch of `table` (with `_src`) into its buckets: patient-keyed tables to their
// shard, detail tables to their join partition, parent tables to their shard and a key projection
// to the join partition, referentials (IR_PHA_R...) to the referential. The read sends what an
// EncodeSplit makes of it.
void route_parsed(const TableName& table, const Batch& rows, const BucketSpace& space,
                  const BucketSplit& split);
// The same as gathered pieces.
std::vector<Routed> route_parsed(const TableName& table, const Batch& rows,
                                 const BucketSpace& space);

// Splits `rows` by a per-row bucket id into Routed pieces (ascending bucket order).
std::vector<Routed> split_by_bucket(const std::string& table, const Batch& rows,
                                    const std::vector<uint32_t>& bucket_of_row);

}  // namespace snds
