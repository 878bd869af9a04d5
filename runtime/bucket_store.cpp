// Bucket storage with spill: encoded batches appended to one file per bucket, each compressed
// with LZ4 (rows spill at about 2.5x their CSV size; LZ4 shrinks them several times at memory
// speed, so the scratch needs that much less room and the disk that much less time).
#include "runtime/bucket_store.hpp"

#include <lz4.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

#include <fmt/format.h>

#include "core/atomic_file.hpp"
#include "core/error.hpp"
#include "core/serialize.hpp"

namespace snds {
namespace fs = std::filesystem;

BucketStore::BucketStore(uint64_t budget_bytes, fs::path scratch)
    : budget_(budget_bytes), scratch_(std::move(scratch)) {}

BucketStore::~BucketStore() {
  std::error_code ec;
  for (auto& [bucket, e] : entries_)
    if (e.has_spill) fs::remove(spill_file(bucket), ec);
}

fs::path BucketStore::spill_file(uint32_t bucket) const {
  return scratch_ / fmt::format("bucket_{:06d}.spill", bucket);
}

void BucketStore::add(uint32_t bucket, const std::string& table, Batch&& rows) {
  if (rows.rows() == 0 && rows.columns.empty()) return;
  const uint64_t bytes = rows.byte_size();
  // Room is made before the batch is kept, so what the store holds never passes the budget (it
  // used to, by up to a batch, after the add and before the spill).
  if (memory_bytes_ + bytes > budget_) spill_down_to(budget_ / 2 > bytes ? budget_ / 2 - bytes : 0);
  Entry& e = entries_[bucket];
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

// A spill file is a sequence of records: u64 encoded size, u64 stored size, then the stored
// bytes: the encoded (table, batch) compressed with LZ4, or as they are when LZ4 cannot take them
// (over LZ4_MAX_INPUT_SIZE) or would not shrink them (stored size == encoded size).
struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};
using File = std::unique_ptr<std::FILE, FileCloser>;

}  // namespace

void BucketStore::spill(uint32_t bucket, Entry& e) {
  std::error_code ec;
  fs::create_directories(scratch_, ec);
  const fs::path path = spill_file(bucket);
  std::FILE* f = std::fopen(path.c_str(), "ab");
  if (!f) throw write_error(path, errno);
  int err = 0;
  uint64_t stored_total = 0;
  std::vector<char> one, packed;
  for (auto& [table, batch] : e.batches) {
    one.clear();
    ByteWriter ow(one);
    ow.put_string(table);
    encode_batch(ow, batch);
    batch = Batch{};  // freed as it goes: the spill makes room, it should not need more first
    const char* stored = one.data();
    uint64_t stored_size = one.size();
    if (one.size() <= static_cast<size_t>(LZ4_MAX_INPUT_SIZE)) {
      packed.resize(static_cast<size_t>(LZ4_compressBound(static_cast<int>(one.size()))));
      const int n = LZ4_compress_default(one.data(), packed.data(), static_cast<int>(one.size()),
                                         static_cast<int>(packed.size()));
      if (n > 0 && static_cast<uint64_t>(n) < one.size()) {
        stored = packed.data();
        stored_size = static_cast<uint64_t>(n);
      }
    }
    const uint64_t header[2] = {one.size(), stored_size};
    if (std::fwrite(header, sizeof header, 1, f) != 1 ||
        std::fwrite(stored, 1, stored_size, f) != stored_size) {
      err = errno != 0 ? errno : EIO;
      break;
    }
    stored_total += sizeof header + stored_size;
  }
  if (std::fclose(f) != 0 && err == 0) err = errno != 0 ? errno : EIO;
  // A full scratch is exit 3 naming the folder, like a full store (setting: scratch).
  if (err != 0) throw write_error(path, err);
  spilled_bytes_ += stored_total;
  memory_bytes_ -= e.bytes;
  e.spilled += e.bytes;
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
  if (e.has_spill) {
    const fs::path path = spill_file(bucket);
    File f(std::fopen(path.c_str(), "rb"));
    if (!f)
      throw data_error("cannot read spill file {} (setting: scratch): {}", path.string(),
                       std::strerror(errno));
    std::vector<char> one, packed;
    uint64_t header[2];
    while (std::fread(header, sizeof header, 1, f.get()) == 1) {
      const uint64_t raw = header[0], stored = header[1];
      one.resize(raw);
      const bool compressed = stored != raw;
      if (compressed) packed.resize(stored);
      char* dst = compressed ? packed.data() : one.data();
      if (std::fread(dst, 1, stored, f.get()) != stored)
        throw data_error("spill file {} is truncated (was the scratch folder changed?)",
                         path.string());
      if (compressed && LZ4_decompress_safe(packed.data(), one.data(), static_cast<int>(stored),
                                            static_cast<int>(raw)) != static_cast<int>(raw))
        throw data_error("spill file {} is damaged (was the scratch folder changed?)",
                         path.string());
      ByteReader r(one);
      std::string table = r.get_string();
      out[table].push_back(decode_batch(r));
    }
    if (std::ferror(f.get()))
      throw data_error("cannot read spill file {} (setting: scratch): {}", path.string(),
                       std::strerror(errno));
    f.reset();
    std::error_code ec;
    fs::remove(path, ec);
  }
  for (auto& [table, batch] : e.batches) out[table].push_back(std::move(batch));
  memory_bytes_ -= e.bytes;
  entries_.erase(it);
  return out;
}

uint64_t BucketStore::bucket_bytes(uint32_t bucket) const {
  auto it = entries_.find(bucket);
  return it == entries_.end() ? 0 : it->second.bytes + it->second.spilled;
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
