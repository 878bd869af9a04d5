// The generator as a distributed job: each rank generates its own range of patients with OpenMP
// threads (blocks of patients formatted into memory), writes its part of every table in order from
// its main thread, appends its share of the malformed rows, and rank 0 writes IR_PHA_R and
// DIR/generate.json (row counts per table and file, quirk settings and counts).
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include <boost/json.hpp>

#include "runtime/communicator.hpp"
#include "synth/extract_counts.hpp"
#include "synth/options.hpp"
#include "synth/patient_model.hpp"
#include "synth/row_formatter.hpp"

namespace snds {

// Patients per block: the unit a thread generates and the main thread writes.
inline constexpr uint64_t kGenerateBlockPatients = 64;

// One block of patients as text per table slot (and as gzip chunks for gzip files).
struct GeneratedBlock {
  synth::BlockText text;
  std::vector<std::string> deflated;  // per slot, only for gzip files
  std::vector<uint32_t> crc;
  synth::ExtractCounts counts;
};

// Generates patients [lo, hi) with `threads` OpenMP threads; `sink` receives the blocks in patient
// order, on the calling thread. `progress(done)` is called after each round of blocks.
void generate_blocks(const synth::PatientModel& model, const synth::RowFormatter& formatter,
                     uint64_t lo, uint64_t hi, int threads,
                     const std::function<void(const GeneratedBlock&)>& sink,
                     const std::function<void(uint64_t)>& progress = {});

// The patients rank `rank` of `ranks` generates: [first, second).
std::pair<uint64_t, uint64_t> patient_range(uint64_t patients, int rank, int ranks);

// The part file name of a table: "ER_PRS_F_p0002.csv" (".csv.gz" when gzip, ".sas7bdat" when sas).
std::string part_file_name(const std::string& table, int part, bool gzip, bool sas = false);

// What the extract's files are: CSV (plain or gzip, per the quirks) or SAS tables (`--format
// sas7bdat`: the same rows, typed, without the malformed ones; see csv_to_sas.hpp).
enum class OutputFormat : uint8_t { kCsv, kSas7bdat };

struct GenerateResult {
  boost::json::object summary;  // generate.json's content (rank 0 only)
  uint64_t text_bytes = 0;      // CSV bytes over all ranks, before compression
  double seconds = 0;
};

// Collective over `comm`: writes the extract into `out` (created; files of a previous extract
// there are replaced). Every rank returns after the whole extract is written.
GenerateResult generate_extract(const synth::GeneratorOptions& options,
                                const std::filesystem::path& out, Communicator& comm, int threads,
                                OutputFormat format = OutputFormat::kCsv);

}  // namespace snds
