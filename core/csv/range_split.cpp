// Range scanning and record-aligned splitting (the convention is in range_split.hpp).
#include "core/csv/range_split.hpp"

#include "core/csv/csv_file.hpp"

#include <algorithm>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace snds {

RangeScan scan_range(const char* p, size_t n) {
  RangeScan r;
  size_t i = 0;
#if defined(__SSE2__)
  // Byte-wise counters (compare gives -1 per match, subtracted), flushed with a sum of absolute
  // differences before they can wrap at 255 blocks.
  const __m128i newline = _mm_set1_epi8('\n');
  const __m128i quote = _mm_set1_epi8('"');
  const __m128i zero = _mm_setzero_si128();
  while (n - i >= 16) {
    const size_t blocks = std::min<size_t>((n - i) / 16, 255);
    __m128i acc_nl = zero;
    __m128i acc_q = zero;
    for (size_t b = 0; b < blocks; ++b, i += 16) {
      const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i));
      acc_nl = _mm_sub_epi8(acc_nl, _mm_cmpeq_epi8(v, newline));
      acc_q = _mm_sub_epi8(acc_q, _mm_cmpeq_epi8(v, quote));
    }
    uint64_t sums[2];
    _mm_storeu_si128(reinterpret_cast<__m128i*>(sums), _mm_sad_epu8(acc_nl, zero));
    r.newlines += sums[0] + sums[1];
    _mm_storeu_si128(reinterpret_cast<__m128i*>(sums), _mm_sad_epu8(acc_q, zero));
    r.quotes += sums[0] + sums[1];
  }
#endif
  for (; i < n; ++i) {
    r.newlines += p[i] == '\n';
    r.quotes += p[i] == '"';
  }
  return r;
}

size_t find_record_start(const char* data, size_t size, size_t offset, bool in_quotes_at_offset) {
  if (offset == 0) return 0;
  if (offset >= size) return size;
  if (!in_quotes_at_offset && data[offset - 1] == '\n') return offset;
  bool in_quotes = in_quotes_at_offset;
  size_t p = offset;
  while (p < size) {
    if (in_quotes) {
      const void* q = std::memchr(data + p, '"', size - p);
      if (q == nullptr) return size;
      p = static_cast<size_t>(static_cast<const char*>(q) - data) + 1;
      in_quotes = false;
      continue;
    }
    const char c = data[p++];
    if (c == '\n') return p;
    if (c == '"') in_quotes = true;
  }
  return size;
}

std::vector<RecordRange> split_record_ranges(const char* data, size_t size, size_t begin,
                                             uint64_t begin_line, unsigned parts) {
  parts = std::max(parts, 1u);
  begin = std::min(begin, size);
  const size_t n = size - begin;
  std::vector<RecordRange> out;
  out.reserve(parts);
  uint64_t quotes_before = 0;
  uint64_t newlines_before = 0;
  size_t prev_cut = begin;
  RecordRange current{begin, begin, begin_line};
  for (unsigned i = 1; i <= parts; ++i) {
    const size_t cut = begin + n / parts * i + n % parts * i / parts;
    const RangeScan s = scan_range(data + prev_cut, cut - prev_cut);
    quotes_before += s.quotes;
    newlines_before += s.newlines;
    prev_cut = cut;
    if (i == parts) {
      current.end = size;
      out.push_back(current);
      break;
    }
    const size_t start = find_record_start(data, size, cut, quotes_before % 2 == 1);
    current.end = start;
    out.push_back(current);
    current.begin = start;
    current.first_line =
        begin_line + newlines_before + scan_range(data + cut, start - cut).newlines;
  }
  return out;
}

FileRangeRecords read_range_records(const std::string& path, uint64_t file_size, uint64_t begin,
                                    uint64_t end, bool first_record, bool in_quotes,
                                    bool next_in_quotes) {
  constexpr uint64_t kLookAhead = uint64_t(1) << 20;
  FileRangeRecords r;
  r.lead = first_record ? 0 : 1;
  const bool last = end >= file_size;
  uint64_t want = (end - begin) + r.lead + std::min<uint64_t>(kLookAhead, file_size - end);
  for (;;) {
    r.text = read_file_range(path, begin - r.lead, want);
    r.start = first_record ? 0 : find_record_start(r.text.data(), r.text.size(), 1, in_quotes);
    r.cut = last ? r.text.size()
                 : find_record_start(r.text.data(), r.text.size(), (end - begin) + r.lead,
                                     next_in_quotes);
    const bool text_at_eof = begin - r.lead + r.text.size() >= file_size;
    if (r.cut < r.text.size() || last || text_at_eof) break;
    want *= 2;  // a record runs past the look-ahead: read further
  }
  r.start = std::min(r.start, r.cut);
  return r;
}

}  // namespace snds
