// A small reader of generated extracts for the generator's tests, independent of core/csv: reads
// every file of a table (plain or gzip), splits ';' fields with double quotes, maps NUM_ENQ to the
// catalog's name, normalises dates to ISO ("" when missing or 1600-01-01) and decimals to '.',
// and rejects rows as the reference says (wrong field count, unparsable date or number in a typed
// column of the catalog).
#pragma once

#include <zlib.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <filesystem>
#include <map>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "core/catalog.hpp"
#include "core/date.hpp"

namespace snds::test {

// One row of a TableRows: its normalised values, by column index.
struct Row {
  const std::string* cells;
  const std::string& operator[](size_t i) const { return cells[i]; }
};

struct TableRows {
  std::vector<std::string> columns;  // canonical names: the union of the files' headers
  std::vector<std::string> cells;    // rows x columns, row-major
  std::vector<Row> rows;             // views into `cells`
  uint64_t rejected = 0;
  std::vector<std::string> files;

  size_t col(std::string_view name) const {
    for (size_t i = 0; i < columns.size(); ++i)
      if (columns[i] == name) return i;
    throw std::runtime_error("no column " + std::string(name));
  }
};

inline std::string read_maybe_gzip(const std::filesystem::path& p) {
  gzFile f = gzopen(p.c_str(), "rb");  // reads plain files as they are
  if (!f) throw std::runtime_error("cannot open " + p.string());
  std::string out;
  char buf[1 << 16];
  int n;
  while ((n = gzread(f, buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));
  const bool bad = n < 0;
  gzclose(f);
  if (bad) throw std::runtime_error("corrupt gzip " + p.string());
  return out;
}

// Splits one line into fields (views into `line`, or into `scratch` for quoted fields); false
// when the quotes are unbalanced.
inline bool split_fields(std::string_view line, std::vector<std::string_view>& out,
                         std::vector<std::string>& scratch) {
  out.clear();
  if (line.find('"') == std::string_view::npos) {
    size_t pos = 0;
    for (;;) {
      const size_t semi = line.find(';', pos);
      if (semi == std::string_view::npos) {
        out.push_back(line.substr(pos));
        return true;
      }
      out.push_back(line.substr(pos, semi - pos));
      pos = semi + 1;
    }
  }
  scratch.clear();
  std::string cur;
  bool quoted = false, was_quoted = false;
  for (size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c == '"') {
        if (i + 1 < line.size() && line[i + 1] == '"') {
          cur += '"';
          ++i;
        } else {
          quoted = false;
        }
      } else {
        cur += c;
      }
    } else if (c == '"' && cur.empty() && !was_quoted) {
      quoted = was_quoted = true;
    } else if (c == ';') {
      scratch.push_back(std::move(cur));
      cur.clear();
      was_quoted = false;
    } else {
      cur += c;
    }
  }
  scratch.push_back(std::move(cur));
  for (const auto& f : scratch) out.emplace_back(f);
  return !quoted;
}

inline bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

inline int digits_value(std::string_view s) {
  int v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return -1;
    v = v * 10 + (c - '0');
  }
  return v;
}

// ISO text of a date in any of the three forms; "" for missing; false when unparsable.
inline bool normalise_date(std::string_view s, std::string& iso) {
  static constexpr std::string_view kMonths = "JANFEBMARAPRMAYJUNJULAUGSEPOCTNOVDEC";
  iso.clear();
  if (s.empty()) return true;
  int y, m, d;
  if (s.size() == 10 && s[4] == '-' && s[7] == '-') {
    y = digits_value(s.substr(0, 4)), m = digits_value(s.substr(5, 2)),
    d = digits_value(s.substr(8, 2));
  } else if (s.size() == 10 && s[2] == '/' && s[5] == '/') {
    d = digits_value(s.substr(0, 2)), m = digits_value(s.substr(3, 2)),
    y = digits_value(s.substr(6, 4));
  } else if (s.size() == 8 && s.find_first_not_of("0123456789") == std::string_view::npos) {
    // ddMMyyyy: the PMSI's ENT_DAT and SOR_DAT, dates in the catalog.
    d = digits_value(s.substr(0, 2)), m = digits_value(s.substr(2, 2)),
    y = digits_value(s.substr(4, 4));
  } else if (s.size() == 18 && s.substr(9) == ":00:00:00") {
    d = digits_value(s.substr(0, 2)), y = digits_value(s.substr(5, 4));
    const size_t k = kMonths.find(s.substr(2, 3));
    m = k == std::string_view::npos || k % 3 ? -1 : static_cast<int>(k / 3) + 1;
  } else {
    return false;
  }
  if (y < 0 || m < 1 || m > 12 || d < 1 ||
      d > static_cast<int>(days_in_month(y, static_cast<unsigned>(m))))
    return false;
  if (y == 1600 && m == 1 && d == 1) return true;
  char buf[40];  // room for any int, so -Wformat-truncation has nothing to say
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", y, m, d);
  iso.assign(buf, 10);
  return true;
}

inline bool normalise_number(std::string_view s, std::string& out) {
  out.assign(s);
  if (s.empty()) return true;
  size_t i = s[0] == '-' ? 1 : 0;
  bool point = false, digit = false;
  for (; i < s.size(); ++i) {
    if (s[i] == '.' || s[i] == ',') {
      if (point) return false;
      point = true;
      out[i] = '.';
    } else if (s[i] >= '0' && s[i] <= '9') {
      digit = true;
    } else {
      return false;
    }
  }
  return digit;
}

// Every row of every file of `table` ("ER_PRS_F", "T_MCO19B"...) in `dir`.
inline TableRows read_table(const std::filesystem::path& dir, const std::string& table) {
  TableRows t;
  const auto name = parse_table_name(table);
  if (!name) throw std::runtime_error("unknown table " + table);
  const TableSpec& spec = table_spec(name->kind);
  std::vector<std::filesystem::path> files;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    const auto f = table_for_file(e.path().filename().string());
    if (f && f->name == table) files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  std::vector<std::string> texts;
  std::vector<std::vector<std::string>> headers;
  std::vector<std::string_view> fields;
  std::vector<std::string> scratch;
  for (const auto& path : files) {  // headers first: the union of the columns
    t.files.push_back(path.filename().string());
    texts.push_back(read_maybe_gzip(path));
    const size_t eol = texts.back().find('\n');
    if (eol == std::string::npos) throw std::runtime_error("no header in " + path.string());
    split_fields(std::string_view(texts.back()).substr(0, eol), fields, scratch);
    headers.emplace_back();
    for (auto f : fields) {
      const std::string n(canonical_column_name(name->kind, f));
      headers.back().push_back(n);
      if (std::find(t.columns.begin(), t.columns.end(), n) == t.columns.end())
        t.columns.push_back(n);
    }
  }
  const size_t width = t.columns.size();
  std::string norm;
  for (size_t fi = 0; fi < files.size(); ++fi) {
    const std::string& text = texts[fi];
    std::vector<size_t> to_table;
    std::vector<ColumnType> types;
    for (const auto& n : headers[fi]) {
      to_table.push_back(t.col(n));
      const ColumnSpec* c = find_column(spec, n);
      types.push_back(c ? c->type : ColumnType::kString);
    }
    size_t pos = text.find('\n') + 1;
    while (pos < text.size()) {
      size_t end = text.find('\n', pos);
      if (end == std::string::npos) end = text.size();
      const std::string_view line(text.data() + pos, end - pos);
      pos = end + 1;
      if (!split_fields(line, fields, scratch) || fields.size() != to_table.size()) {
        ++t.rejected;
        continue;
      }
      const size_t base = t.cells.size();
      t.cells.resize(base + width);
      bool ok = true;
      for (size_t i = 0; i < fields.size() && ok; ++i) {
        std::string& cell = t.cells[base + to_table[i]];
        switch (types[i]) {
          case ColumnType::kDate:
            ok = normalise_date(fields[i], cell);
            break;
          case ColumnType::kInt64:
          case ColumnType::kDecimal:
            ok = normalise_number(fields[i], cell);
            break;
          case ColumnType::kString:
            cell.assign(fields[i]);
            break;
        }
      }
      if (!ok) {
        t.cells.resize(base);
        ++t.rejected;
      }
    }
  }
  for (size_t i = 0; i < t.cells.size(); i += width) t.rows.push_back(Row{t.cells.data() + i});
  return t;
}

// Rows projected on the given columns, joined with '|', sorted: the "row set" of a table.
inline std::vector<std::string> row_set(const TableRows& t,
                                        const std::vector<std::string>& columns) {
  std::vector<size_t> idx;
  for (const auto& c : columns) idx.push_back(t.col(c));
  std::vector<std::string> out;
  out.reserve(t.rows.size());
  for (const auto& r : t.rows) {
    std::string s;
    for (size_t i : idx) {
      s += r[i];
      s += '|';
    }
    out.push_back(std::move(s));
  }
  std::sort(out.begin(), out.end());
  return out;
}

// The reference's columns of a table (required ones in the catalog).
inline std::vector<std::string> contract_columns(const std::string& table) {
  std::vector<std::string> out;
  for (const auto& c : table_spec(parse_table_name(table)->kind).columns)
    if (c.required) out.emplace_back(c.name);
  return out;
}

}  // namespace snds::test
