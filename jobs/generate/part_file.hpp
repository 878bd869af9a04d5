// One output file of the generator (a part of a table, or IR_PHA_R), plain or gzip CSV, or a SAS
// table: written under a temporary name by one thread, renamed when complete
// (core/atomic_file.hpp), removed if the generator fails before that. A SAS table is written as
// CSV first (the generator formats text), then rewritten as .sas7bdat on commit (csv_to_sas.hpp).
#pragma once

#include <cstdint>
#include <filesystem>
#include <string_view>

#include "core/catalog.hpp"
#include "synth/gzip_chunks.hpp"

namespace snds {

class PartFile {
 public:
  // `sas`: the table whose SAS form is written at `final_path` (a .sas7bdat); `gzip` is then false.
  PartFile(std::filesystem::path final_path, bool gzip, const TableSpec* sas = nullptr);
  ~PartFile();
  PartFile(const PartFile&) = delete;
  PartFile& operator=(const PartFile&) = delete;

  bool gzip() const { return gzip_; }
  // Plain files: CSV text as it is. Gzip files: compressed here with `deflater`.
  void write_text(std::string_view text, synth::ChunkDeflater& deflater);
  // Gzip files: a chunk compressed elsewhere (ChunkDeflater), with its CRC and text length.
  void write_chunk(std::string_view deflated, uint32_t crc, uint64_t text_length);
  // Closes the file until resume(), which reopens it to append: a rank writing many parts keeps
  // few open while it waits for the other ranks' row counts (the malformed rows come last). The
  // kernel starts writing the file back meanwhile, so that commit()'s fsync finds little to do.
  void suspend();
  void resume();
  // Closes (gzip trailer), fsyncs and renames to the final name (SAS: rewrites the CSV first);
  // with `sync_folder` false the folder is left to the caller's fsync_folder() (many files).
  void commit(bool sync_folder = true);
  // SAS tables: the CSV rows left out of the SAS table (malformed ones, see csv_to_sas.hpp).
  uint64_t dropped_rows() const { return dropped_; }

  const std::filesystem::path& path() const { return final_; }
  uint64_t text_bytes() const { return text_bytes_; }
  uint64_t disk_bytes() const { return disk_bytes_; }

 private:
  void write_raw(std::string_view bytes);

  std::filesystem::path final_;
  std::filesystem::path temp_;
  bool gzip_;
  const TableSpec* sas_;
  std::filesystem::path sas_temp_;  // the SAS table being written from the CSV at temp_
  uint64_t dropped_ = 0;
  int fd_ = -1;
  bool committed_ = false;
  synth::GzipMember member_;
  uint64_t text_bytes_ = 0;
  uint64_t disk_bytes_ = 0;
  std::string scratch_;
};

}  // namespace snds
