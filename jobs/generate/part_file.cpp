// Output files of the generator (see part_file.hpp).
#include "jobs/generate/part_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/atomic_file.hpp"
#include "core/error.hpp"
#include "jobs/generate/csv_to_sas.hpp"

namespace snds {

PartFile::PartFile(std::filesystem::path final_path, bool gzip, const TableSpec* sas)
    : final_(std::move(final_path)),
      temp_(temp_path_for(final_)),
      gzip_(gzip && sas == nullptr),
      sas_(sas) {
  if (sas_) {
    sas_temp_ = temp_;
    temp_ += ".csv";
  }
  fd_ = ::open(temp_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, kOutputFileMode);
  if (fd_ < 0)
    throw data_error("generate: cannot write {}: {}", temp_.string(), std::strerror(errno));
  if (gzip_) write_raw(synth::GzipMember::header());
}

PartFile::~PartFile() {
  if (fd_ >= 0) ::close(fd_);
  std::error_code ec;
  if (!committed_) std::filesystem::remove(temp_, ec);
  if (sas_) {
    std::filesystem::remove(temp_, ec);
    if (!committed_) std::filesystem::remove(sas_temp_, ec);
  }
}

void PartFile::write_raw(std::string_view bytes) {
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd_, bytes.data() + done, bytes.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw data_error("generate: cannot write {}: {}", temp_.string(), std::strerror(errno));
    }
    done += static_cast<size_t>(n);
  }
  disk_bytes_ += bytes.size();
}

void PartFile::write_text(std::string_view text, synth::ChunkDeflater& deflater) {
  if (text.empty()) return;
  if (!gzip_) {
    write_raw(text);
    text_bytes_ += text.size();
    return;
  }
  const uint32_t crc = deflater.deflate(text, scratch_);
  write_chunk(scratch_, crc, text.size());
}

void PartFile::write_chunk(std::string_view deflated, uint32_t crc, uint64_t text_length) {
  if (text_length == 0) return;
  write_raw(deflated);
  member_.add(crc, text_length);
  text_bytes_ += text_length;
}

void PartFile::suspend() {
  if (fd_ < 0) return;
  ::sync_file_range(fd_, 0, 0, SYNC_FILE_RANGE_WRITE);  // a hint: its failure changes nothing
  const int fd = fd_;
  fd_ = -1;
  if (::close(fd) != 0)
    throw data_error("generate: cannot write {}: {}", temp_.string(), std::strerror(errno));
}

void PartFile::resume() {
  if (fd_ >= 0) return;
  fd_ = ::open(temp_.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
  if (fd_ < 0)
    throw data_error("generate: cannot write {}: {}", temp_.string(), std::strerror(errno));
}

void PartFile::commit(bool sync_folder) {
  resume();
  if (gzip_) write_raw(member_.trailer());
  if (::close(fd_) != 0) {
    fd_ = -1;
    throw data_error("generate: cannot write {}: {}", temp_.string(), std::strerror(errno));
  }
  fd_ = -1;
  if (sas_) {
    dropped_ = csv_to_sas(*sas_, temp_, sas_temp_).dropped;
    std::error_code ec;
    std::filesystem::remove(temp_, ec);
    disk_bytes_ = std::filesystem::file_size(sas_temp_);
    commit_file(sas_temp_, final_, sync_folder);
  } else {
    commit_file(temp_, final_, sync_folder);
  }
  committed_ = true;
}

}  // namespace snds
