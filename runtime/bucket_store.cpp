// Bucket storage with spill: compact encoded batches (core/batch_codec.hpp) held in memory and,
// past the budget, appended to one file per bucket in groups of about 1 MB, each compressed with
// LZ4 (on the rank's threads) when that shrinks it. take() reads a bucket's spill back on the
// calling thread (file I/O), decompresses it and decodes each table's batches, as few batches as
// their columns allow, column by column on the OpenMP threads.
#include "runtime/bucket_store.hpp"

#include <lz4.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <exception>
#include <memory>
#include <span>

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

// A spill file is a sequence of groups, each a header (raw size, stored size) and its stored
// bytes: the raw bytes compressed with LZ4 (stored < raw), or as they are when LZ4 cannot take
// them (over LZ4_MAX_INPUT_SIZE) or would not shrink them (stored == raw). The raw bytes of a group
// are records: a header (encoded size, rows, decoded bytes, table name length), the table name,
// then the encoded batch. Batches are grouped, not compressed one by one: at national scale a
// bucket receives thousands of batches of a few KB (one per read round, rank and table), and LZ4
// on each alone pays its setup per call and finds less to match.
struct GroupHeader {
  uint64_t raw;
  uint64_t stored;
};

struct RecordHeader {
  uint64_t encoded;
  uint64_t rows;
  uint64_t decoded;
  uint64_t table_length;
};

struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};
using File = std::unique_ptr<std::FILE, FileCloser>;

// Raw bytes of a group (LZ4 works on blocks up to this; a larger batch is a group of its own),
// and of the groups compressed together before their write: enough for every thread to have
// work, few enough that the copies stay a small part of the budget.
constexpr uint64_t kGroupBytes = uint64_t{1} << 20;
constexpr uint64_t kSpillWindowBytes = uint64_t{16} << 20;

struct Group {
  std::unique_ptr<char[]> data;  // the stored bytes (LZ4, or raw)
  uint64_t raw = 0;
  uint64_t stored = 0;
};

template <typename T>
void put(char*& at, const T& v) {
  std::memcpy(at, &v, sizeof v);
  at += sizeof v;
}

// The records of batches [from, to) serialised, then compressed when that shrinks them; the
// batches' bytes are released as they are copied.
Group pack(std::vector<std::pair<std::string, EncodedBatch>>& batches, size_t from, size_t to) {
  Group g;
  for (size_t i = from; i < to; ++i)
    g.raw += sizeof(RecordHeader) + batches[i].first.size() + batches[i].second.size();
  auto raw = std::make_unique_for_overwrite<char[]>(g.raw);
  char* at = raw.get();
  for (size_t i = from; i < to; ++i) {
    auto& [table, batch] = batches[i];
    put(at, RecordHeader{batch.size(), batch.rows(), batch.decoded_bytes(), table.size()});
    std::memcpy(at, table.data(), table.size());
    at += table.size();
    std::memcpy(at, batch.data(), batch.size());
    at += batch.size();
    batch.release();  // freed as it goes: the spill makes room, it should not need much more
  }
  if (g.raw <= static_cast<uint64_t>(LZ4_MAX_INPUT_SIZE)) {
    const int bound = LZ4_compressBound(static_cast<int>(g.raw));
    auto packed = std::make_unique_for_overwrite<char[]>(static_cast<size_t>(bound));
    const int n = LZ4_compress_default(raw.get(), packed.get(), static_cast<int>(g.raw), bound);
    if (n > 0 && static_cast<uint64_t>(n) < g.raw) {
      g.stored = static_cast<uint64_t>(n);
      g.data = std::move(packed);
      return g;
    }
  }
  g.stored = g.raw;
  g.data = std::move(raw);
  return g;
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
  // Groups of consecutive batches (kGroupBytes of raw bytes), packed a window at a time.
  std::vector<std::pair<size_t, size_t>> groups;
  for (size_t from = 0; from < batches.size();) {
    size_t to = from;
    for (uint64_t raw = 0; to < batches.size() && (to == from || raw < kGroupBytes); ++to)
      raw += batches[to].second.size();
    groups.emplace_back(from, to);
    from = to;
  }
  std::vector<Group> packed;
  for (size_t g0 = 0; g0 < groups.size() && err == 0;) {
    size_t g1 = g0;
    for (uint64_t window = 0; g1 < groups.size() && (g1 == g0 || window < kSpillWindowBytes); ++g1)
      for (size_t i = groups[g1].first; i < groups[g1].second; ++i)
        window += batches[i].second.size();
    packed.clear();
    packed.resize(g1 - g0);
#pragma omp parallel for schedule(dynamic, 1) num_threads(threads_) if (g1 - g0 > 1)
    for (size_t g = g0; g < g1; ++g)
      // LZ4 does not throw; a failed allocation ends the program as elsewhere.
      packed[g - g0] = pack(batches, groups[g].first, groups[g].second);
    for (const Group& p : packed) {
      const GroupHeader h{p.raw, p.stored};
      if (std::fwrite(&h, sizeof h, 1, f.get()) != 1 ||
          std::fwrite(p.data.get(), 1, p.stored, f.get()) != p.stored) {
        err = errno != 0 ? errno : EIO;
        break;
      }
      stored_total += sizeof h + p.stored;
    }
    g0 = g1;
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
  const fs::path path = spill_file(bucket);
  const auto damaged = [&path] {
    return data_error("spill file {} is damaged (was the scratch folder changed?)", path.string());
  };
  // The spilled groups read here (file I/O on the calling thread), then decompressed on the
  // threads.
  std::vector<Group> groups;
  const bool had_spill = e.has_spill;
  if (had_spill) {
    File f(std::fopen(path.c_str(), "rb"));
    if (!f)
      throw data_error("cannot read spill file {} (setting: scratch): {}", path.string(),
                       std::strerror(errno));
    GroupHeader h;
    while (std::fread(&h, sizeof h, 1, f.get()) == 1) {
      if (h.stored > h.raw || h.raw == 0) throw damaged();
      Group g{std::make_unique_for_overwrite<char[]>(h.stored), h.raw, h.stored};
      if (std::fread(g.data.get(), 1, h.stored, f.get()) != h.stored)
        throw data_error("spill file {} is truncated (was the scratch folder changed?)",
                         path.string());
      groups.push_back(std::move(g));
    }
    if (std::ferror(f.get()))
      throw data_error("cannot read spill file {} (setting: scratch): {}", path.string(),
                       std::strerror(errno));
  }
  bool bad = false;
#pragma omp parallel for schedule(dynamic, 1) num_threads(threads_) if (groups.size() > 1)
  for (size_t g = 0; g < groups.size(); ++g) {
    Group& p = groups[g];
    if (p.stored == p.raw) continue;
    auto raw = std::make_unique_for_overwrite<char[]>(p.raw);
    if (LZ4_decompress_safe(p.data.get(), raw.get(), static_cast<int>(p.stored),
                            static_cast<int>(p.raw)) != static_cast<int>(p.raw)) {
#pragma omp critical
      bad = true;
      continue;
    }
    p.data = std::move(raw);
    p.stored = p.raw;
  }
  if (bad) throw damaged();

  // Every batch the bucket holds, spilled first, in the order it was added, indexed (where its
  // columns lie), per table.
  std::map<std::string, std::vector<CompactIndex>> pieces;
  try {
    for (const Group& g : groups) {
      const char* at = g.data.get();
      const char* end = at + g.raw;
      while (at < end) {
        RecordHeader h;
        if (static_cast<uint64_t>(end - at) < sizeof h) throw damaged();
        std::memcpy(&h, at, sizeof h);
        at += sizeof h;
        if (h.table_length > 4096 || static_cast<uint64_t>(end - at) < h.table_length ||
            static_cast<uint64_t>(end - at) - h.table_length < h.encoded)
          throw damaged();
        std::string table(at, h.table_length);
        at += h.table_length;
        pieces[table].push_back(index_compact(at, h.encoded));
        at += h.encoded;
      }
    }
    for (auto& [table, batch] : e.batches)
      pieces[table].push_back(index_compact(batch.data(), batch.size()));
  } catch (const Error&) {
    throw damaged();
  }
  // Each table's consecutive batches of one layout become one batch: one allocation per column
  // instead of one per column and batch. The columns are decoded on the threads.
  struct Run {
    std::span<const CompactIndex> pieces;
    Batch* batch;
  };
  std::vector<Run> runs;
  for (auto& [table, list] : pieces) {
    std::vector<size_t> starts;  // of the table's runs, then its end
    for (size_t i = 0; i < list.size(); ++i)
      if (i == 0 || !same_layout(list[i - 1], list[i])) starts.push_back(i);
    starts.push_back(list.size());
    std::vector<Batch>& batches = out[table];
    batches.resize(starts.size() - 1);
    for (size_t k = 0; k + 1 < starts.size(); ++k) {
      batches[k].columns.resize(list[starts[k]].cols.size());
      const std::span<const CompactIndex> run(list.data() + starts[k], starts[k + 1] - starts[k]);
      runs.push_back(Run{run, &batches[k]});
    }
  }
  std::vector<std::pair<size_t, size_t>> tasks;  // (run, column)
  for (size_t r = 0; r < runs.size(); ++r)
    for (size_t j = 0; j < runs[r].batch->columns.size(); ++j) tasks.emplace_back(r, j);
  std::exception_ptr error;
#pragma omp parallel for schedule(dynamic, 1) num_threads(threads_) if (tasks.size() > 1)
  for (size_t t = 0; t < tasks.size(); ++t) {
    try {
      const auto [r, j] = tasks[t];
      decode_column(runs[r].pieces, j, runs[r].batch->columns[j]);
    } catch (...) {
#pragma omp critical
      if (!error) error = std::current_exception();
    }
  }
  if (error) {
    try {
      std::rethrow_exception(error);
    } catch (const Error&) {
      throw damaged();
    }
  }
  memory_bytes_ -= e.bytes;
  entries_.erase(it);
  std::error_code ec;
  if (had_spill) fs::remove(path, ec);
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
