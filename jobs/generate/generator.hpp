// The generator as a distributed job. The patients are cut into parts of a fixed size that depends
// on the patient count only (part_patients()), one file per table and part; the ranks share the
// parts out (contiguous runs of them) and generate each with OpenMP threads (blocks of patients
// formatted into memory), written in order from the rank's main thread; then each part gets its
// share of the malformed rows, and rank 0 writes IR_PHA_R and DIR/generate.json (row counts per
// table and file, quirk settings and counts). Every file is thus the same whatever the rank count.
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

// Contiguous shares of `count` items (patients, parts) over `ranks`: rank `rank`'s is
// [first, second).
std::pair<uint64_t, uint64_t> patient_range(uint64_t count, int rank, int ranks);

// Default part size: at least kMinPartPatients patients a part, and at most kDefaultParts parts
// (larger parts beyond kMinPartPatients x kDefaultParts patients), a multiple of the thread block.
inline constexpr uint64_t kMinPartPatients = 4096;
inline constexpr uint64_t kDefaultParts = 64;
// Patients per part file: `requested` (--part-patients) when not 0, else the default above.
uint64_t part_patients(uint64_t patients, uint64_t requested = 0);
// The number of parts (files per table): ceil(patients / part size), at least 1.
uint64_t part_count(uint64_t patients, uint64_t part_size);

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
// there are replaced). Every rank returns after the whole extract is written. The files (names
// and bytes) and generate.json but its `run` are the same whatever the rank and thread counts.
GenerateResult generate_extract(const synth::GeneratorOptions& options,
                                const std::filesystem::path& out, Communicator& comm, int threads,
                                OutputFormat format = OutputFormat::kCsv);

}  // namespace snds
