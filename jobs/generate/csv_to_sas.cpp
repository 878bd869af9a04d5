// Rewriting a CSV table as a SAS table (see csv_to_sas.hpp). Two passes: the first learns the row
// count and the string widths ReadStat needs before the first row, the second writes.
#include "jobs/generate/csv_to_sas.hpp"

#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include "core/csv/csv_file.hpp"
#include "core/csv/record_blocks.hpp"
#include "core/csv/table_parser.hpp"
#include "core/error.hpp"
#include "core/sas/sas_writer.hpp"

namespace snds {
namespace {

constexpr int64_t kExactInDouble = int64_t{1} << 53;
constexpr size_t kMaxSasString = 32767;

// Calls `fn` with every block of the body parsed (rows typed, rejects apart).
void for_each_block(const CsvHeader& h, const std::string& path, size_t block_bytes,
                    const std::function<void(const ParseResult&)>& fn) {
  RecordBlockReader reader(path, InputCompression::kNone, h.body_offset, h.body_line, block_bytes);
  RecordBlock b;
  std::string text;
  while (reader.next(b, &text))
    fn(parse_records(h.map, text.data(), b.size, b.offset, b.first_line, 0, path));
}

}  // namespace

CsvToSasResult csv_to_sas(const TableSpec& spec, const std::filesystem::path& csv,
                          const std::filesystem::path& sas, bool compress_rows,
                          size_t block_bytes) {
  const std::string path = csv.string();
  CsvHeader h;
  for (size_t want = 1 << 16;; want *= 4) {
    const std::string start = read_file_range(path, 0, want);
    h = read_header(spec, start.data(), start.size(), path);
    if (h.body_offset < start.size() || start.size() < want) break;
  }
  const std::vector<HeaderColumn>& cols = h.map.columns;
  CsvToSasResult result;
  std::vector<size_t> width(cols.size(), 1);
  std::vector<bool> as_text(cols.size(), false);
  for_each_block(h, path, block_bytes, [&](const ParseResult& p) {
    result.rows += p.rows.rows();
    result.dropped += p.rejects.size();
    for (size_t c = 0; c < cols.size(); ++c) {
      const Column& col = p.rows.columns[c];
      if (col.type == ColumnType::kString) {
        for (size_t r = 0; r < col.size(); ++r)
          width[c] = std::max(width[c], col.strings.at(r).size());
      } else if (col.type == ColumnType::kInt64) {
        for (int64_t x : col.ints)
          if (x != kMissingInt && (x >= kExactInDouble || x <= -kExactInDouble)) as_text[c] = true;
      }
    }
  });
  std::vector<SasWriteColumn> vars;
  for (size_t c = 0; c < cols.size(); ++c) {
    SasWriteColumn v;
    v.name = cols[c].name;
    v.numeric = cols[c].type != ColumnType::kString && !as_text[c];
    v.format = cols[c].type == ColumnType::kDate ? "DATE9" : "";
    v.width = as_text[c] ? 20 : width[c];
    if (v.width > kMaxSasString)
      throw data_error("{}: column {} holds values of {} bytes, over SAS's {}", path, v.name,
                       v.width, kMaxSasString);
    vars.push_back(std::move(v));
  }
  SasTableWriter out(sas.string(), vars, result.rows, compress_rows);
  for_each_block(h, path, block_bytes, [&](const ParseResult& p) {
    for (size_t r = 0; r < p.rows.rows(); ++r) {
      out.begin_row();
      for (size_t c = 0; c < cols.size(); ++c) {
        const Column& col = p.rows.columns[c];
        switch (col.type) {
          case ColumnType::kString:
            out.string(c, col.strings.at(r));
            break;
          case ColumnType::kInt64:
            if (col.ints[r] == kMissingInt) {
              out.missing(c);
            } else if (as_text[c]) {
              out.string(c, std::to_string(col.ints[r]));
            } else {
              out.number(c, static_cast<double>(col.ints[r]));
            }
            break;
          case ColumnType::kDecimal:
            if (col.ints[r] == kMissingInt) {
              out.missing(c);
            } else {
              out.number(c, static_cast<double>(col.ints[r]) / static_cast<double>(kDecimalScale));
            }
            break;
          case ColumnType::kDate:
            if (col.dates[r] == kMissingDate) {
              out.missing(c);
            } else {
              out.number(c, sas_days(col.dates[r]));
            }
            break;
        }
      }
      out.end_row();
    }
  });
  out.finish();
  return result;
}

}  // namespace snds
