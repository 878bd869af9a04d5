// Turns a patient's records into CSV rows of every table, in each part file's format: the hot loop
// of the generator (one reserve per row, hand-rolled fields). Also writes IR_PHA_R and the
// deliberate malformed rows.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "synth/csv_text.hpp"
#include "synth/drug_referential.hpp"
#include "synth/records.hpp"
#include "synth/table_layout.hpp"

namespace snds::synth {

// Rows of a block of patients, per table slot (see table_slots()).
struct BlockText {
  std::vector<CharBuf> text;
  std::vector<uint64_t> rows;  // well-formed data rows per slot
  uint64_t quoted_rows = 0;

  void reset(size_t slots) {
    text.resize(slots);
    rows.assign(slots, 0);
    for (auto& t : text) t.clear();
    quoted_rows = 0;
  }
  uint64_t bytes() const {
    uint64_t n = 0;
    for (const auto& t : text) n += t.size();
    return n;
  }
};

class RowFormatter {
 public:
  // `formats[s]` is the format of slot s in the part being written.
  RowFormatter(const GeneratorOptions& options, const DrugReferential& referential,
               std::vector<TableSlot> slots, std::vector<FileFormat> formats);

  void write_patient(const PatientRecords& r, BlockText& out) const;

  const FileFormat& format(size_t slot) const { return formats_[slot]; }
  const std::vector<TableSlot>& slots() const { return slots_; }

  // Malformed row number `m` of a slot (global numbering), with its '\n': a row of the slot's
  // shape with one defect (a field missing, a field too many, a bad date or a bad number).
  std::string malformed_row(size_t slot, uint64_t m) const;

 private:
  const GeneratorOptions& options_;
  const DrugReferential& referential_;
  std::vector<TableSlot> slots_;
  std::vector<FileFormat> formats_;
};

// IR_PHA_R's rows (no header) in a format; returns the row count.
uint64_t write_referential(const GeneratorOptions& options, const DrugReferential& referential,
                           const FileFormat& format, CharBuf& out);

// How many of a table's malformed rows fall among its rows [first, first + count) of the global
// row numbering: exactly floor(total x rate) over the whole table, whatever the split.
uint64_t malformed_before(uint64_t rows, double rate);

}  // namespace snds::synth
