// One output file of the generator (a part of a table, or IR_PHA_R), plain or gzip: written under a
// temporary name by one thread, renamed when complete (core/atomic_file.hpp), removed if the
// generator fails before that.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string_view>

#include "core/synth/gzip_chunks.hpp"

namespace snds {

class PartFile {
 public:
  PartFile(std::filesystem::path final_path, bool gzip);
  ~PartFile();
  PartFile(const PartFile&) = delete;
  PartFile& operator=(const PartFile&) = delete;

  bool gzip() const { return gzip_; }
  // Plain files: CSV text as it is. Gzip files: compressed here with `deflater`.
  void write_text(std::string_view text, synth::ChunkDeflater& deflater);
  // Gzip files: a chunk compressed elsewhere (ChunkDeflater), with its CRC and text length.
  void write_chunk(std::string_view deflated, uint32_t crc, uint64_t text_length);
  // Closes (gzip trailer), fsyncs and renames to the final name.
  void commit();

  const std::filesystem::path& path() const { return final_; }
  uint64_t text_bytes() const { return text_bytes_; }
  uint64_t disk_bytes() const { return disk_bytes_; }

 private:
  void write_raw(std::string_view bytes);

  std::filesystem::path final_;
  std::filesystem::path temp_;
  bool gzip_;
  int fd_ = -1;
  bool committed_ = false;
  synth::GzipMember member_;
  uint64_t text_bytes_ = 0;
  uint64_t disk_bytes_ = 0;
  std::string scratch_;
};

}  // namespace snds
