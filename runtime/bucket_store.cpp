// Bucket storage with spill: compact encoded batches (core/batch_codec.hpp) held in memory and,
// past the budget, appended to one file per bucket, each compressed with LZ4 (on the rank's
// threads) when that shrinks it. take() reads a bucket's spill back on the calling thread (file
// I/O) and decompresses and decodes every batch on the OpenMP threads.
#include "runtime/bucket_store.hpp"

#include <lz4.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <exception>
#include <memory>

#include <fmt/format.h>

#include "core/atomic_file.hpp"
#include "core/error.hpp"

namespace snds {
namespace fs = std::filesystem;

BucketStore::BucketStore(uint64_t budget_bytes, fs::path scratch, int threads)
    : budget_(budget_bytes), scratch_(std::move(scratch)), threads_(std::max(threads, 1)) {}

BucketStore::~BucketStore() {
  std::error_code ec;
  for (auto& [bucket, e] : entries_)
    if (e.has_spill) fs::remove(spill_file(bucket), ec);
}

fs::path BucketStore::spill_file(uint32_t bucket) const {
  return scratch_ / fmt::format("bucket_{:06d}.spill", bucket);
}

void BucketStore::add(uint32_t bucket, const std::string& table, const Batch& rows) {
  if (rows.rows() == 0 && rows.columns.empty()) return;
  add(bucket, table, encode_compact(rows));
}

void BucketStore::add(uint32_t bucket, const std::string& table, EncodedBatch&& rows) {
  if (rows.no_columns()) return;
  const uint64_t bytes = rows.size();
  // Room is made before the batch is kept, so what the store holds never passes the budget (it
  // used to, by up to a batch, after the add and before the spill).
  if (memory_bytes_ + bytes > budget_) spill_down_to(budget_ / 2 > bytes ? budget_ / 2 - bytes : 0);
  Entry& e = entries_[bucket];
  e.decoded += rows.decoded_bytes();
  e.batches.emplace_back(table, std::move(rows));
  e.bytes += bytes;
  memory_bytes_ += bytes;
  if (memory_bytes_ > budget_) spill(bucket, e);  // a single batch larger than the budget
  peak_bytes_ = std::max(peak_bytes_, memory_bytes_);
}

void BucketStore::spill_down_to(uint64_t target) {
  // Spill the largest buckets first (down to about half the budget), so spills come in few big
  // writes.
  std::vector<std::pair<uint64_t, uint32_t>> by_size;
  for (auto& [bucket, e] : entries_)
    if (e.bytes) by_size.emplace_back(e.bytes, bucket);
  std::sort(by_size.begin(), by_size.end(), std::greater<>());
  for (auto& [bytes, bucket] : by_size) {
    if (memory_bytes_ <= target) break;
    spill(bucket, entries_[bucket]);
  }
}

namespace {

// A spill file is a sequence of records: a header (encoded size, stored size, rows, decoded
// bytes, table name length), the table name, then the stored bytes: the encoded batch compressed
// with LZ4, or as it is when LZ4 cannot take it (over LZ4_MAX_INPUT_SIZE) or would not shrink it
// (stored size == encoded size).
struct RecordHeader {
  uint64_t encoded;
  uint64_t stored;
  uint64_t rows;
  uint64_t decoded;
  uint64_t table_length;
};

struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};
using File = std::unique_ptr<std::FILE, FileCloser>;

// Batches compressed together before their write: enough for every thread to have work, few
// enough that the compressed copies stay a small part of the budget.
constexpr uint64_t kSpillGroupBytes = uint64_t{32} << 20;

struct Packed {
  std::unique_ptr<char[]> data;  // none: stored as it is
  uint64_t size = 0;
  uint64_t encoded = 0;
};

// LZ4 of `in`, or nothing when it does not shrink it.
Packed lz4(const EncodedBatch& in) {
  Packed p;
  p.encoded = in.size();
  if (in.size() > static_cast<size_t>(LZ4_MAX_INPUT_SIZE)) return p;
  const int bound = LZ4_compressBound(static_cast<int>(in.size()));
  p.data = std::make_unique_for_overwrite<char[]>(static_cast<size_t>(bound));
  const int n = LZ4_compress_default(in.data(), p.data.get(), static_cast<int>(in.size()), bound);
  if (n > 0 && static_cast<uint64_t>(n) < in.size())
    p.size = static_cast<uint64_t>(n);
  else
    p.data.reset();
  return p;
}

}  // namespace

void BucketStore::spill(uint32_t bucket, Entry& e) {
  std::error_code ec;
  fs::create_directories(scratch_, ec);
  const fs::path path = spill_file(bucket);
  File f(std::fopen(path.c_str(), "ab"));
  if (!f) throw write_error(path, errno);
  int err = 0;
  uint64_t stored_total = 0;
  auto& batches = e.batches;
  std::vector<Packed> packed;
  for (size_t from = 0; from < batches.size() && err == 0;) {
    size_t to = from;
    for (uint64_t group = 0; to < batches.size() && (to == from || group < kSpillGroupBytes); ++to)
      group += batches[to].second.size();
    packed.clear();
    packed.resize(to - from);
#pragma omp parallel for schedule(dynamic, 1) num_threads(threads_) if (to - from > 1)
    for (size_t i = from; i < to; ++i) {
      // LZ4 does not throw; a failed allocation ends the program as elsewhere.
      packed[i - from] = lz4(batches[i].second);
      // Freed as it goes: the spill makes room, it should not need much more first.
      if (packed[i - from].data) batches[i].second.release();
    }
    for (size_t i = from; i < to && err == 0; ++i) {
      const auto& [table, batch] = batches[i];
      const Packed& p = packed[i - from];
      const char* stored = p.data ? p.data.get() : batch.data();
      const RecordHeader h{p.encoded, p.data ? p.size : p.encoded, batch.rows(),
                           batch.decoded_bytes(), table.size()};
      if (std::fwrite(&h, sizeof h, 1, f.get()) != 1 ||
          std::fwrite(table.data(), 1, table.size(), f.get()) != table.size() ||
          std::fwrite(stored, 1, h.stored, f.get()) != h.stored) {
        err = errno != 0 ? errno : EIO;
        break;
      }
      stored_total += sizeof h + table.size() + h.stored;
    }
    for (size_t i = from; i < to; ++i) batches[i].second.release();
    from = to;
  }
  if (std::fclose(f.release()) != 0 && err == 0) err = errno != 0 ? errno : EIO;
  // A full scratch is exit 3 naming the folder, like a full store (setting: scratch).
  if (err != 0) throw write_error(path, err);
  spilled_bytes_ += stored_total;
  memory_bytes_ -= e.bytes;
  e.bytes = 0;
  e.batches.clear();
  e.batches.shrink_to_fit();
  e.has_spill = true;
}

std::map<std::string, std::vector<Batch>> BucketStore::take(uint32_t bucket) {
  std::map<std::string, std::vector<Batch>> out;
  auto it = entries_.find(bucket);
  if (it == entries_.end()) return out;
  Entry& e = it->second;
  // Everything the bucket holds, spilled first, in the order it was added: the stored bytes
  // (LZ4 or not) read here, decompressed and decoded on the threads.
  struct Piece {
    std::string table;
    EncodedBatch stored;   // as read, or the in-memory batch
    uint64_t encoded = 0;  // != stored.size(): LZ4
  };
  std::vector<Piece> pieces;
  const fs::path path = spill_file(bucket);
  const bool had_spill = e.has_spill;
  if (had_spill) {
    File f(std::fopen(path.c_str(), "rb"));
    if (!f)
      throw data_error("cannot read spill file {} (setting: scratch): {}", path.string(),
                       std::strerror(errno));
    RecordHeader h;
    while (std::fread(&h, sizeof h, 1, f.get()) == 1) {
      if (h.table_length > 4096 || h.stored > h.encoded || h.encoded == 0)
        throw data_error("spill file {} is damaged (was the scratch folder changed?)",
                         path.string());
      Piece p;
      p.table.resize(h.table_length);
      p.stored = EncodedBatch(h.stored, h.rows, h.decoded);
      p.encoded = h.encoded;
      if (std::fread(p.table.data(), 1, h.table_length, f.get()) != h.table_length ||
          std::fread(p.stored.data(), 1, h.stored, f.get()) != h.stored)
        throw data_error("spill file {} is truncated (was the scratch folder changed?)",
                         path.string());
      pieces.push_back(std::move(p));
    }
    if (std::ferror(f.get()))
      throw data_error("cannot read spill file {} (setting: scratch): {}", path.string(),
                       std::strerror(errno));
  }
  for (auto& [table, batch] : e.batches) {
    const uint64_t size = batch.size();
    pieces.push_back(Piece{table, std::move(batch), size});
  }
  memory_bytes_ -= e.bytes;
  entries_.erase(it);

  std::vector<Batch> decoded(pieces.size());
  std::exception_ptr error;
  bool damaged = false;
#pragma omp parallel for schedule(dynamic, 1) num_threads(threads_) if (pieces.size() > 1)
  for (size_t i = 0; i < pieces.size(); ++i) {
    try {
      Piece& p = pieces[i];
      if (p.encoded != p.stored.size()) {
        EncodedBatch raw(p.encoded, p.stored.rows(), p.stored.decoded_bytes());
        if (LZ4_decompress_safe(p.stored.data(), raw.data(), static_cast<int>(p.stored.size()),
                                static_cast<int>(p.encoded)) != static_cast<int>(p.encoded)) {
#pragma omp critical
          damaged = true;
          continue;
        }
        p.stored = std::move(raw);
      }
      decoded[i] = decode_compact(p.stored);
      p.stored.release();
    } catch (...) {
#pragma omp critical
      if (!error) error = std::current_exception();
    }
  }
  if (damaged)
    throw data_error("spill file {} is damaged (was the scratch folder changed?)", path.string());
  if (error) std::rethrow_exception(error);
  std::error_code ec;
  if (had_spill) fs::remove(path, ec);
  for (size_t i = 0; i < pieces.size(); ++i) out[pieces[i].table].push_back(std::move(decoded[i]));
  return out;
}

uint64_t BucketStore::bucket_bytes(uint32_t bucket) const {
  auto it = entries_.find(bucket);
  return it == entries_.end() ? 0 : it->second.decoded;
}

void BucketStore::make_room(uint64_t bytes, uint32_t keep) {
  if (memory_bytes_ + bytes <= budget_) return;
  std::vector<std::pair<uint64_t, uint32_t>> by_size;
  for (auto& [bucket, e] : entries_)
    if (e.bytes && bucket != keep) by_size.emplace_back(e.bytes, bucket);
  std::sort(by_size.begin(), by_size.end(), std::greater<>());
  for (auto& [b_bytes, bucket] : by_size) {
    if (memory_bytes_ + bytes <= budget_) break;
    spill(bucket, entries_[bucket]);
  }
}

std::vector<uint32_t> BucketStore::buckets() const {
  std::vector<uint32_t> out;
  for (const auto& [bucket, e] : entries_) out.push_back(bucket);
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace snds
