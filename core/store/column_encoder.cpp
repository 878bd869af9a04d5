// Column encoding for the shard writer (see column_encoder.hpp): narrowing, dictionaries, and the
// chunks through the filter pipeline, one chunk at a time so no padded or narrowed copy of a whole
// column is ever made.
#include "core/store/column_encoder.hpp"

#include <algorithm>
#include <climits>
#include <cstring>
#include <limits>
#include <numeric>
#include <span>
#include <string_view>

#include <boost/unordered/unordered_flat_map.hpp>

#include "core/date.hpp"
#include "core/error.hpp"
#include "core/store/chunk_encoder.hpp"
#include "core/store/chunk_pipeline.hpp"

namespace snds {

uint64_t even_chunk_rows(uint64_t rows, uint64_t max_rows) {
  if (rows <= max_rows) return std::max<uint64_t>(rows, 1);
  const uint64_t chunks = (rows + max_rows - 1) / max_rows;
  return (rows + chunks - 1) / chunks;
}

namespace {

// A string column as a sorted dictionary of its distinct values plus one code per row. Sorted
// (byte order) so codes compare as their strings do and the file does not depend on the row order
// of equal values; "" (missing), when present, is code 0.
struct Dictionary {
  std::vector<std::string_view> values;  // views into the column's arena
  std::vector<int32_t> codes;
};

Dictionary encode_strings(const StringColumn& column) {
  Dictionary out;
  const size_t n = column.size();
  out.codes.resize(n);
  boost::unordered_flat_map<std::string_view, uint32_t> ids;
  std::string_view previous;
  uint32_t previous_id = UINT32_MAX;
  for (size_t i = 0; i < n; ++i) {
    const std::string_view s = column.at(i);
    // Rows are sorted by patient: runs of equal values are common (patient ids, codes).
    if (previous_id != UINT32_MAX && s == previous) {
      out.codes[i] = static_cast<int32_t>(previous_id);
      continue;
    }
    auto [it, inserted] = ids.try_emplace(s, static_cast<uint32_t>(out.values.size()));
    if (inserted) {
      if (out.values.size() >= static_cast<size_t>(INT32_MAX))
        throw internal_error("a string column has more than 2^31 distinct values");
      out.values.push_back(s);
    }
    previous = s;
    previous_id = it->second;
    out.codes[i] = static_cast<int32_t>(previous_id);
  }
  std::vector<uint32_t> order(out.values.size());
  std::iota(order.begin(), order.end(), 0u);
  std::sort(order.begin(), order.end(),
            [&](uint32_t a, uint32_t b) { return out.values[a] < out.values[b]; });
  std::vector<int32_t> code_of(order.size());
  std::vector<std::string_view> sorted(order.size());
  for (size_t k = 0; k < order.size(); ++k) {
    code_of[order[k]] = static_cast<int32_t>(k);
    sorted[k] = out.values[order[k]];
  }
  for (auto& c : out.codes) c = code_of[static_cast<size_t>(c)];
  out.values = std::move(sorted);
  return out;
}

// The narrowest signed width (bytes) holding every value of an int64 column, missing values
// (kMissingInt) taking the narrow type's minimum, which no real value may then use.
size_t narrow_int_width(const std::vector<int64_t>& values) {
  int64_t lo = 0, hi = 0;
  for (const int64_t v : values) {
    if (v == kMissingInt) continue;
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
  if (lo > INT8_MIN && hi <= INT8_MAX) return 1;
  if (lo > INT16_MIN && hi <= INT16_MAX) return 2;
  if (lo > INT32_MIN && hi <= INT32_MAX) return 4;
  return 8;
}

// Stores `count` values from `first` as `Narrow`, `missing` mapped to the narrow minimum.
template <typename Narrow, typename Wide>
void narrow_into(const Wide* first, uint64_t count, Wide missing, char* dst) {
  for (uint64_t i = 0; i < count; ++i) {
    const Narrow v =
        first[i] == missing ? std::numeric_limits<Narrow>::min() : static_cast<Narrow>(first[i]);
    std::memcpy(dst + i * sizeof(Narrow), &v, sizeof(Narrow));
  }
}

template <typename Wide>
void narrow_into(size_t width, const Wide* first, uint64_t count, Wide missing, char* dst) {
  switch (width) {
    case 1:
      narrow_into<int8_t>(first, count, missing, dst);
      break;
    case 2:
      narrow_into<int16_t>(first, count, missing, dst);
      break;
    case 4:
      narrow_into<int32_t>(first, count, missing, dst);
      break;
    default:
      narrow_into<int64_t>(first, count, missing, dst);
      break;
  }
}

// Runs every chunk of a dataset through its pipeline. `fill(start, count, dst)` writes the
// elements [start, start + count) to dst; a short last chunk is zero-padded to the chunk's size.
template <typename Fill>
void encode_chunks(EncodedDataset& d, const ShardWriterOptions& options, Fill&& fill) {
  const ChunkEncoding encoding{
      .shuffle = options.compression != Compression::kNone && options.shuffle && d.width > 1,
      .compression = options.compression,
      .level = options.level,
      .fletcher32 = true,
      .element_size = d.width};
  thread_local std::vector<char> plain, stored;
  const uint64_t chunk_bytes = d.chunk_rows * d.width;
  scratch_room(plain, chunk_bytes);
  const uint64_t chunks = d.rows == 0 ? 0 : (d.rows + d.chunk_rows - 1) / d.chunk_rows;
  d.ends.reserve(chunks);
  for (uint64_t k = 0; k < chunks; ++k) {
    const uint64_t start = k * d.chunk_rows;
    const uint64_t count = std::min(d.chunk_rows, d.rows - start);
    fill(start, count, plain.data());
    if (count < d.chunk_rows)
      std::memset(plain.data() + count * d.width, 0, (d.chunk_rows - count) * d.width);
    const size_t size =
        encode_chunk(encoding, std::span<const char>(plain.data(), chunk_bytes), stored);
    d.bytes.insert(d.bytes.end(), stored.data(), stored.data() + size);
    d.ends.push_back(d.bytes.size());
  }
  d.bytes.shrink_to_fit();
}

}  // namespace

EncodedColumn encode_column(const Column& column, const std::string& table,
                            const ShardWriterOptions& options) {
  EncodedColumn out;
  out.name = column.name;
  out.type = column.type;
  const uint64_t n = column.size();
  EncodedDataset& values = out.values;
  values.rows = n;
  values.chunk_rows = even_chunk_rows(n, options.chunk_rows);
  switch (column.type) {
    case ColumnType::kInt64:
    case ColumnType::kDecimal: {
      // Narrowed (format 2): fewer bytes to compress, store, read and decompress.
      values.width = narrow_int_width(column.ints);
      out.missing = values.width == 1   ? INT8_MIN
                    : values.width == 2 ? INT16_MIN
                    : values.width == 4 ? INT32_MIN
                                        : kMissingInt;
      encode_chunks(values, options, [&](uint64_t start, uint64_t count, char* dst) {
        narrow_into<int64_t>(values.width, column.ints.data() + start, count, kMissingInt, dst);
      });
      break;
    }
    case ColumnType::kDate: {
      values.width = 4;
      out.missing = kMissingDate;
      encode_chunks(values, options, [&](uint64_t start, uint64_t count, char* dst) {
        std::memcpy(dst, column.dates.data() + start, count * sizeof(int32_t));
      });
      break;
    }
    case ColumnType::kString: {
      Dictionary dict = encode_strings(column.strings);
      // Codes index the dictionary: as narrow as its size allows (format 2). No code is missing.
      const size_t entries = dict.values.size();
      values.width = entries <= 128 ? 1 : entries <= 32768 ? 2 : 4;
      encode_chunks(values, options, [&](uint64_t start, uint64_t count, char* dst) {
        narrow_into<int32_t>(values.width, dict.codes.data() + start, count, INT32_MIN, dst);
      });
      std::vector<int32_t>().swap(dict.codes);

      // Fixed-length, null-padded UTF-8 strings, as wide as the longest value. A NUL byte inside
      // a value would be read back as the end of the string: refuse it.
      size_t width = 1;
      for (const auto& s : dict.values) {
        if (s.find('\0') != std::string_view::npos)
          throw data_error("column {} of table {} holds a NUL byte, which the store cannot keep",
                           column.name, table);
        width = std::max(width, s.size());
      }
      EncodedDataset& d = out.dictionary.emplace();
      d.kind = EncodedDataset::Kind::kFixedString;
      d.width = width;
      d.rows = entries;
      d.chunk_rows = even_chunk_rows(
          entries, std::clamp<uint64_t>(kDictionaryChunkBytes / width, 1, options.chunk_rows));
      encode_chunks(d, options, [&](uint64_t start, uint64_t count, char* dst) {
        std::memset(dst, 0, count * width);
        for (uint64_t k = 0; k < count; ++k) {
          const std::string_view s = dict.values[start + k];
          std::memcpy(dst + k * width, s.data(), s.size());
        }
      });
      break;
    }
  }
  return out;
}

}  // namespace snds
