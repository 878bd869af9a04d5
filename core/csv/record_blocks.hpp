// Cutting a streamed (decompressed) CSV body into blocks of whole records, for parsing a
// compressed extract in bounded memory and in parallel: the ranges of range_split.hpp, found
// while reading forward instead of by a scan of a file on disk.
//
// Block k holds the records whose first byte lies in [s_k, s_{k+1}) of the decompressed file,
// where s_0 is the body start (after the header) and s_{k+1} is the last record start in
// (s_k, s_k + block_bytes] (the carry [s_{k+1}, s_k + block_bytes) opens the next block). A
// record longer than a block makes that block longer. The quote rule is the tokenizer's
// (every `"` toggles the quote state; a record starts after a `\n` outside quotes), so the blocks'
// records are exactly those of one Tokenizer over the whole body, with the same byte offsets and
// line numbers. The cuts depend only on the bytes and block_bytes: every reader of the same file
// finds the same blocks, so ranks can share a file's blocks without talking to each other.
#pragma once

#include <cstdint>
#include <string>

#include "core/csv/decompress.hpp"

namespace snds {

struct RecordBlock {
  uint64_t index = 0;       // 0, 1, 2... in file order
  uint64_t offset = 0;      // byte offset of the block's first byte in the decompressed file
  uint64_t first_line = 0;  // physical line of that byte
  uint64_t size = 0;        // bytes in the block
  uint64_t file_bytes = 0;  // compressed bytes of the file read when the block was cut
};

class RecordBlockReader {
 public:
  // Opens the file and skips its first `body_offset` decompressed bytes (the header, whose first
  // byte after it is on line `body_line`). `block_bytes` >= 1.
  RecordBlockReader(const std::string& path, InputCompression format, uint64_t body_offset,
                    uint64_t body_line, size_t block_bytes);

  // The next block: false once the body is over. With `text`, the block's bytes are put there
  // (its previous content is discarded; its allocation is reused); without, the block is only
  // cut and counted (a block another reader parses).
  bool next(RecordBlock& block, std::string* text);
  // The index the next block will have.
  uint64_t next_index() const { return next_index_; }

  // The compressed file's bytes and CRC-32 as stored: the whole file once next() returned false.
  uint64_t file_bytes_read() const { return stream_.file_bytes_read(); }
  uint32_t file_crc32() const { return stream_.file_crc32(); }
  // The decompressed content's length and CRC-32 (header included): the whole once next() returned
  // false.
  uint64_t content_bytes() const { return stream_.bytes_out(); }
  uint32_t content_crc32() const { return stream_.content_crc32(); }
  // Bytes held (buffers), for memory accounting.
  size_t buffer_bytes() const { return buf_.capacity(); }

 private:
  DecompressStream stream_;
  size_t block_bytes_;
  std::string buf_;  // [0, len_): the carry, starting at a record start
  size_t len_ = 0;
  bool eof_ = false;
  uint64_t next_index_ = 0;
  uint64_t offset_ = 0;
  uint64_t line_ = 0;
};

}  // namespace snds
