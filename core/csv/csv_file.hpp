// Getting an input extract's bytes into memory: whole files (plain or compressed, reference section
// 2) and byte ranges of plain files for parallel reads. Every failure is a data_error naming the
// file. The ingest streams compressed files instead (decompress.hpp, record_blocks.hpp); the
// whole-file readers are for small files and tests.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace snds {

// True when the path ends in ".gz" (any case): such files are read through gunzip.
bool is_gzip_path(std::string_view path);

// The whole decompressed content of a gzip file. Concatenated gzip members (as written by
// `cat a.gz b.gz`, pigz, bgzip) are all read; zero padding after the last member is ignored.
// data_error when the file is missing, not gzip, corrupt or truncated. `content_crc`, when given,
// receives the CRC32 of the decompressed content: zlib computes each member's to check its
// trailer, so it costs no pass over the data (the ingest compares inputs by content with it).
std::string read_gzip_file(const std::string& path, uint32_t* content_crc = nullptr);

// The whole content of an input file: decompressed when input_compression_of(path) names a
// format (.gz, .zst, .bz2), as is otherwise.
std::string read_csv_file(const std::string& path);

// Up to `length` bytes of a plain file from `offset` (fewer at the end of the file).
std::string read_file_range(const std::string& path, uint64_t offset, uint64_t length);

}  // namespace snds
