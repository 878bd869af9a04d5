// The tables of the sources of issue #13 that the original extract lacks: ALD periods (IR_IMB_R),
// CCAM acts (ER_CAM_F on the imaging, specialist and dental lines of ER_PRS_F; T_MCOaaA in
// stays), lab tests (ER_BIO_F on the lab lines), death certificates (KI_CCI_R, KI_ECD_R) and the
// establishments of some specialist, imaging and lab lines (ER_ETE_F, ETE_IND_TAA 1 for a public
// hospital's outpatient activity).
// Derived from a patient's records (what PatientModel::generate gave) and drawn from their own
// stream (Stream::kCareTables), so the other tables are byte-identical with or without them.
// Plain files: ISO dates, no quirks. Codes are real ones (CCAM V63, NABM, ICD-10 with its ALD).
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "synth/drug_referential.hpp"
#include "synth/options.hpp"
#include "synth/records.hpp"

namespace snds::synth {

// Each table's CSV text (rows only) and row count, by table instance name ("T_MCO20A").
struct CareTablesText {
  std::map<std::string, std::string> text;
  std::map<std::string, uint64_t> rows;
  void append(const CareTablesText& other);
};

// The header line of a care table ("IR_IMB_R", "T_MCO20A"...), with its '\n'.
std::string care_table_header(const std::string& table);
// Every care table name of an extract, for the options' years.
std::vector<std::string> care_table_names(const GeneratorOptions& options);

void care_rows(const GeneratorOptions& options, const DrugReferential& referential,
               const PatientRecords& r, CareTablesText& out);

}  // namespace snds::synth
