// Record-aligned blocks of a streamed CSV body (the rule is in record_blocks.hpp).
#include "core/csv/record_blocks.hpp"

#include <algorithm>
#include <cstring>

#include "core/csv/range_split.hpp"
#include "core/error.hpp"

namespace snds {

namespace {

// The last record start in (0, n] of a buffer that starts at a record start, and the newlines
// before it; {0, 0} when none (one record fills the buffer). Counting quotes over the whole
// buffer first (SIMD) gives the quote state at any `\n` from the quotes after it, so the scan
// runs backwards over the last record only.
struct Cut {
  size_t at = 0;
  uint64_t newlines = 0;
};

Cut last_record_start(const char* p, size_t n) {
  const RangeScan all = scan_range(p, n);
  uint64_t quotes_after = 0, newlines_after = 0;
  for (size_t i = n; i-- > 0;) {
    const char c = p[i];
    if (c == '"') {
      ++quotes_after;
    } else if (c == '\n') {
      if ((all.quotes - quotes_after) % 2 == 0) return Cut{i + 1, all.newlines - newlines_after};
      ++newlines_after;
    }
  }
  return Cut{};
}

}  // namespace

RecordBlockReader::RecordBlockReader(const std::string& path, InputCompression format,
                                     uint64_t body_offset, uint64_t body_line, size_t block_bytes)
    : stream_(path, format),
      block_bytes_(std::max<size_t>(block_bytes, 1)),
      offset_(body_offset),
      line_(body_line) {
  if (stream_.skip(body_offset) != body_offset)
    throw data_error("{}: the file is shorter than when its header was read", path);
}

bool RecordBlockReader::next(RecordBlock& block, std::string* text) {
  if (len_ == 0 && eof_) return false;
  size_t want = std::max(block_bytes_, len_);
  Cut cut;
  for (;;) {
    if (buf_.size() < want) buf_.resize(want);
    while (len_ < want && !eof_) {
      const size_t got = stream_.read(buf_.data() + len_, want - len_);
      if (got == 0) eof_ = true;
      len_ += got;
    }
    if (len_ == 0) return false;
    if (eof_) {  // the rest of the body is the last block, whatever it ends with
      cut = Cut{len_, scan_range(buf_.data(), len_).newlines};
      break;
    }
    cut = last_record_start(buf_.data(), len_);
    if (cut.at > 0) break;
    want *= 2;  // one record longer than the buffer: read on until it ends
  }
  block.index = next_index_++;
  block.offset = offset_;
  block.first_line = line_;
  block.size = cut.at;
  block.file_bytes = stream_.file_bytes_read();
  offset_ += cut.at;
  line_ += cut.newlines;
  const size_t carry = len_ - cut.at;
  if (text != nullptr) {
    // The block leaves in `text`; the carry moves to the front of the caller's old buffer,
    // which becomes ours: no copy of the block itself.
    std::string next_buf = std::move(*text);
    next_buf.resize(std::max(block_bytes_, carry));
    std::memcpy(next_buf.data(), buf_.data() + cut.at, carry);
    buf_.resize(cut.at);
    *text = std::move(buf_);
    buf_ = std::move(next_buf);
  } else {
    std::memmove(buf_.data(), buf_.data() + cut.at, carry);
  }
  len_ = carry;
  return true;
}

}  // namespace snds
