// Header mapping and the typed record loop. Each record is first checked and parsed into a staging
// row (one slot per column), and only appended to the Batch when every field is valid, so a
// rejected record leaves no partial row behind.
#include "core/csv/table_parser.hpp"

#include <algorithm>
#include <cstring>
#include <optional>

#include <fmt/ranges.h>

#include "core/csv/delimiter.hpp"
#include "core/csv/range_split.hpp"
#include "core/csv/tokenizer.hpp"
#include "core/csv/utf8.hpp"
#include "core/csv/value_parse.hpp"
#include "core/error.hpp"

namespace snds {
namespace {

constexpr unsigned kOffsetBits = 40;
constexpr size_t kSampleRows = 1024;  // rows parsed before the string arenas are sized

std::string upper_trimmed(std::string_view s) {
  s = trim_spaces(s);
  std::string out(s);
  for (char& c : out)
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  return out;
}

// A value quoted in a reject reason: short, on one line.
std::string shown_value(std::string_view v) {
  constexpr size_t kMax = 40;
  std::string out(v.substr(0, kMax));
  for (char& c : out)
    if (static_cast<unsigned char>(c) < 0x20) c = '?';
  if (v.size() > kMax) out += "...";
  return out;
}

// True when `v` parses as its in-memory type (a reject then failed the schema's rule instead).
bool parses_as(ColumnType t, std::string_view v) {
  int64_t x;
  Date d;
  switch (t) {
    case ColumnType::kInt64:
      return parse_int64(v, x);
    case ColumnType::kDecimal:
      return parse_decimal(v, x);
    case ColumnType::kDate:
      return parse_date(v, d);
    case ColumnType::kString:
      return std::memchr(v.data(), '\0', v.size()) == nullptr;
  }
  return false;
}

}  // namespace

Batch HeaderMap::empty_batch() const {
  Batch b;
  b.columns.reserve(columns.size());
  for (const auto& c : columns) b.columns.emplace_back(c.name, c.type);
  return b;
}

HeaderMap make_header_map(const TableSpec& spec, std::span<const std::string_view> header_fields,
                          std::string_view file_name, std::vector<std::string>* missing) {
  HeaderMap map;
  map.spec = &spec;
  map.file = std::string(file_name);

  std::vector<std::string> names;
  names.reserve(header_fields.size());
  for (std::string_view f : header_fields) {
    std::string n = upper_trimmed(f);
    if (!n.empty()) n = std::string(canonical_column_name(spec, n));
    names.push_back(std::move(n));
  }
  // Only names of the catalog are ever quoted: a file without its header row has a patient's
  // row here, and no message may quote a data value (docs/ingest.md).
  const bool no_known_name = std::none_of(names.begin(), names.end(), [&](const std::string& n) {
    return find_column(spec, n) != nullptr;
  });
  for (size_t i = 0; i < names.size(); ++i)
    for (size_t j = 0; j < i; ++j)
      if (!names[i].empty() && names[i] == names[j]) {
        if (find_column(spec, names[i]) != nullptr)
          throw data_error("{}: column {} appears twice in the header", file_name, names[i]);
        throw data_error(
            "{}: fields {} and {} of the header have the same name{}", file_name, j + 1, i + 1,
            no_known_name ? fmt::format(" and none of its {} fields is a column of {}: "
                                        "is the header row missing?",
                                        names.size(), spec.pattern)
                          : "");
      }

  const auto present = [&](std::string_view n) {
    return std::find(names.begin(), names.end(), n) != names.end();
  };
  std::vector<std::string> absent;
  for (const ColumnSpec& c : spec.columns) {
    if (present(c.name)) {
      map.columns.push_back({std::string(c.name), c.type, true, c.rule});
    } else if (c.required) {
      absent.emplace_back(c.name);
    }
  }
  if (missing != nullptr) {
    missing->insert(missing->end(), absent.begin(), absent.end());
  } else if (absent.size() == 1) {
    throw data_error("{}: column {} is missing from the header", file_name, absent[0]);
  } else if (!absent.empty()) {
    throw data_error("{}: columns {} are missing from the header", file_name,
                     fmt::join(absent, ", "));
  }
  std::vector<std::string> extras;
  for (const auto& n : names)
    if (!n.empty() && find_column(spec, n) == nullptr) extras.push_back(n);
  std::sort(extras.begin(), extras.end());
  for (auto& n : extras) map.columns.push_back({std::move(n), ColumnType::kString, false});

  map.field_column.reserve(names.size());
  for (const auto& n : names) {
    int index = -1;
    for (size_t c = 0; c < map.columns.size() && !n.empty(); ++c)
      if (map.columns[c].name == n) index = static_cast<int>(c);
    map.field_column.push_back(index);
  }
  return map;
}

CsvHeader read_header(const TableSpec& spec, const char* data, size_t size,
                      std::string_view file_name, char delimiter,
                      std::vector<std::string>* missing) {
  size_t start = 0;
  if (size >= 3 && static_cast<unsigned char>(data[0]) == 0xEF &&
      static_cast<unsigned char>(data[1]) == 0xBB && static_cast<unsigned char>(data[2]) == 0xBF)
    start = 3;
  if (delimiter == 0) delimiter = sniff_delimiter(spec, data + start, size - start);
  Tokenizer tok(data + start, size - start, 1, delimiter);
  CsvRecord rec;
  if (!tok.next(rec)) throw data_error("{}: the file is empty (no header row)", file_name);
  if (rec.error != nullptr)
    throw data_error("{}: line {}: the header has an unterminated quote", file_name, rec.line);
  CsvHeader h;
  h.map = make_header_map(spec, rec.fields, file_name, missing);
  h.map.delimiter = delimiter;
  h.body_offset = start + tok.position();
  h.body_line = tok.line();
  return h;
}

struct RecordTyper::Plan {
  // Per header field, where its value goes. Typed values are appended as they parse (and taken
  // back if a later field of the record is bad); strings are staged and appended last.
  struct FieldPlan {
    ColumnType type;
    bool skip;  // a field with an empty header name
    Column* column;
    size_t slot;     // String fields: index into `staged`
    ValueRule rule;  // the schema's type, checked beyond the parse
  };
  const HeaderMap* header;
  std::vector<FieldPlan> fields;
  std::vector<Column*> string_columns;
  std::vector<Column*> typed_columns;
  std::vector<std::string_view> staged;
  std::vector<std::string> repaired;  // staged values rewritten as UTF-8
  ParseResult* out = nullptr;
  size_t stored = 0;
  size_t estimate = 0;
};

RecordTyper::RecordTyper(const HeaderMap& header, ParseResult& out, size_t estimate)
    : plan_(new Plan) {
  Plan& p = *plan_;
  p.header = &header;
  p.estimate = estimate;
  out.rows = header.empty_batch();
  for (auto& c : out.rows.columns) c.reserve(estimate);
  const size_t nfield = header.field_count();
  p.fields.resize(nfield);
  for (size_t f = 0; f < nfield; ++f) {
    const int c = header.field_column[f];
    if (c < 0) {
      p.fields[f] = {ColumnType::kString, true, nullptr, 0, ValueRule::kNone};
      continue;
    }
    Column* col = &out.rows.columns[static_cast<size_t>(c)];
    p.fields[f] = {col->type, false, col, p.string_columns.size(),
                   header.columns[static_cast<size_t>(c)].rule};
    if (col->type == ColumnType::kString) {
      p.string_columns.push_back(col);
    } else {
      p.typed_columns.push_back(col);
    }
  }
  p.staged.resize(p.string_columns.size());
  p.repaired.resize(p.string_columns.size());
  p.out = &out;
}

RecordTyper::~RecordTyper() {
  delete plan_;
}

bool RecordTyper::add(std::span<const std::string_view> fields, std::string& reason) {
  Plan& p = *plan_;
  const size_t nfield = p.fields.size();
  size_t bad = nfield;  // header field of the first unparsable value
  size_t record_invalid_utf8 = 0;
  for (size_t f = 0; f < nfield; ++f) {
    const Plan::FieldPlan& fp = p.fields[f];
    const std::string_view v = fields[f];
    bool ok = true;
    switch (fp.type) {
      case ColumnType::kString:
        // A NUL byte is not text (a binary file, a broken export): the store's fixed-length
        // strings could not hold it, so the row is rejected here rather than failing later.
        ok = std::memchr(v.data(), '\0', v.size()) == nullptr;
        if (ok && !fp.skip) {
          p.staged[fp.slot] = trim_spaces(v);
          if (!is_valid_utf8(p.staged[fp.slot])) {
            p.repaired[fp.slot] = replace_invalid_utf8(p.staged[fp.slot]);
            p.staged[fp.slot] = p.repaired[fp.slot];
            ++record_invalid_utf8;
          }
          if (fp.rule != ValueRule::kNone) ok = string_fits_rule(fp.rule, p.staged[fp.slot]);
        }
        break;
      case ColumnType::kInt64: {
        int64_t x;
        ok = parse_int64(v, x) &&
             (fp.rule == ValueRule::kNone || int_fits_rule(fp.rule, ColumnType::kInt64, x));
        if (ok) fp.column->ints.push_back(x);
        break;
      }
      case ColumnType::kDecimal: {
        int64_t x;
        ok = parse_decimal(v, x) &&
             (fp.rule == ValueRule::kNone || int_fits_rule(fp.rule, ColumnType::kDecimal, x));
        if (ok) fp.column->ints.push_back(x);
        break;
      }
      case ColumnType::kDate: {
        Date x;
        ok = parse_date(v, x);
        if (ok) fp.column->dates.push_back(x);
        break;
      }
    }
    if (!ok) {
      bad = f;
      break;
    }
  }
  if (bad < nfield) {
    for (Column* col : p.typed_columns) {
      if (col->size() == p.stored) continue;
      if (col->type == ColumnType::kDate) {
        col->dates.pop_back();
      } else {
        col->ints.pop_back();
      }
    }
    const HeaderColumn& hc = p.header->columns[static_cast<size_t>(p.header->field_column[bad])];
    const std::string_view v = trim_spaces(fields[bad]);
    reason =
        fmt::format("column {}: bad {} '{}'", hc.name,
                    parses_as(hc.type, v) ? value_rule_name(hc.rule) : column_type_word(hc.type),
                    shown_value(v));
    return false;
  }
  for (size_t i = 0; i < p.string_columns.size(); ++i)
    p.string_columns[i]->strings.push_back(p.staged[i]);
  p.out->invalid_utf8_values += record_invalid_utf8;
  if (++p.stored == kSampleRows) {
    // Size the string arenas from the first rows, sparing most of their regrowth copies.
    for (Column* col : p.string_columns) {
      const size_t per_row = col->strings.bytes().size() / kSampleRows + 1;
      col->strings.reserve(p.estimate, per_row * p.estimate + per_row * p.estimate / 8);
    }
  }
  return true;
}

ParseResult parse_records(const HeaderMap& header, const char* data, size_t size,
                          uint64_t base_offset, uint64_t first_line, uint32_t file_index,
                          std::string_view file_name) {
  if (file_index >= (1u << (64 - kOffsetBits)))
    throw internal_error("file index {} is over the source-order limit", file_index);
  if (base_offset + size >= (uint64_t{1} << kOffsetBits))
    throw data_error("{}: files over 1 TiB are not supported", file_name);

  ParseResult res;
  const size_t nfield = header.field_count();
  // One pass of a few GB/s to size the columns: saves the reallocations of the typed ones.
  const size_t estimate = scan_range(data, size).newlines + 1;
  RecordTyper typer(header, res, estimate);
  res.source_order.reserve(estimate);
  const uint64_t order_base = uint64_t{file_index} << kOffsetBits;

  const auto reject = [&](const CsvRecord& rec, std::string reason) {
    Reject r;
    r.file = std::string(file_name);
    r.line = rec.line;
    r.reason = std::move(reason);
    r.raw = std::string(rec.raw.substr(0, kMaxRejectRawBytes));
    res.rejects.push_back(std::move(r));
  };

  Tokenizer tok(data, size, first_line, header.delimiter);
  CsvRecord rec;
  std::string reason;
  while (tok.next(rec)) {
    ++res.rows_read;
    if (rec.error != nullptr) {
      reject(rec, rec.error);
      continue;
    }
    if (rec.fields.size() != nfield) {
      reject(rec, fmt::format("{} fields, expected {}", rec.fields.size(), nfield));
      continue;
    }
    if (!typer.add(rec.fields, reason)) {
      reject(rec, std::move(reason));
      continue;
    }
    res.source_order.push_back(order_base | (base_offset + rec.offset));
  }
  return res;
}

ParseResult parse_csv_buffer(const TableSpec& spec, const char* data, size_t size,
                             uint32_t file_index, std::string_view file_name, char delimiter) {
  const CsvHeader h = read_header(spec, data, size, file_name, delimiter);
  return parse_records(h.map, data + h.body_offset, size - h.body_offset, h.body_offset,
                       h.body_line, file_index, file_name);
}

}  // namespace snds
