// A CSV table rewritten as a SAS table (.sas7bdat), typed as the ingest types it: what
// `generate --format sas7bdat` writes, so the same extract can be ingested as CSV and as SAS
// tables and give the same store. Each column of the CSV's header map (make_header_map: catalog
// columns in catalog order, then extras) becomes a variable: integers and decimals numeric, dates
// numeric days since 1960-01-01 with the DATE9. format, strings character of the width of their
// longest value. An integer column holding a value a double cannot carry exactly (beyond 2^53) is
// written as character instead. Rows the ingest would reject (malformed on purpose) have no SAS
// form and are left out: the count is returned.
#pragma once

#include <cstdint>
#include <filesystem>

#include "core/catalog.hpp"

namespace snds {

struct CsvToSasResult {
  uint64_t rows = 0;     // written
  uint64_t dropped = 0;  // CSV records the ingest would reject
};

// Reads `csv` (plain) twice in blocks of `block_bytes` (bounded memory) and writes `sas`.
// `compress_rows`: RLE-compressed rows. data_error naming the file on a bad header or write.
CsvToSasResult csv_to_sas(const TableSpec& spec, const std::filesystem::path& csv,
                          const std::filesystem::path& sas, bool compress_rows = false,
                          size_t block_bytes = size_t{16} << 20);

}  // namespace snds
