// Bucket storage with spill: encoded batches appended to one file per bucket.
#include "runtime/bucket_store.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

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

void BucketStore::spill(uint32_t bucket, Entry& e) {
  std::error_code ec;
  fs::create_directories(scratch_, ec);
  std::vector<char> buf;
  buf.reserve(e.bytes + 4096 * e.batches.size());
  ByteWriter w(buf);
  for (auto& [table, batch] : e.batches) {
    // Each record: its length, then the table and the batch, encoded in place.
    const size_t at = buf.size();
    w.put<uint64_t>(0);
    w.put_string(table);
    encode_batch(w, batch);
    const uint64_t length = buf.size() - at - sizeof(uint64_t);
    std::memcpy(buf.data() + at, &length, sizeof length);
  }
  const fs::path path = spill_file(bucket);
  std::FILE* f = std::fopen(path.c_str(), "ab");
  if (!f) throw write_error(path, errno);
  const size_t written = std::fwrite(buf.data(), 1, buf.size(), f);
  int err = written == buf.size() ? 0 : errno;
  if (std::fclose(f) != 0 && err == 0) err = errno;
  // A full scratch is exit 3 naming the folder, like a full store (setting: scratch).
  if (written != buf.size() || err != 0) throw write_error(path, err != 0 ? err : EIO);
  spilled_bytes_ += buf.size();
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
    // One read of the whole file (it was read a character at a time through a stream).
    std::vector<char> buf;
    std::FILE* f = std::fopen(path.c_str(), "rb");
    if (!f) throw data_error("cannot read {}: {}", path.string(), std::strerror(errno));
    std::error_code size_error;
    buf.resize(static_cast<size_t>(fs::file_size(path, size_error)));
    const size_t got = size_error ? 0 : std::fread(buf.data(), 1, buf.size(), f);
    const int err = errno;
    std::fclose(f);
    if (size_error || got != buf.size())
      throw data_error("cannot read {}: {}", path.string(),
                       std::strerror(size_error ? size_error.value() : (err != 0 ? err : EIO)));
    ByteReader r(buf);
    while (!r.done()) {
      const auto n = r.get<uint64_t>();
      (void)n;
      std::string table = r.get_string();
      out[table].push_back(decode_batch(r));
    }
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
