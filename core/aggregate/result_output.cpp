// Writers of result.csv and result.h5.
#include "core/aggregate/result_output.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/atomic_file.hpp"
#include "core/column.hpp"
#include "core/store/h5.hpp"

namespace snds {

std::string csv_field(std::string_view value) {
  if (value.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(value);
  std::string out = "\"";
  for (const char c : value) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
  return out;
}

std::string measure_text(Measure m, const GroupMeasures& values) {
  const int64_t v = measure_value(m, values);
  return is_decimal_measure(m) ? format_decimal(v) : std::to_string(v);
}

std::string result_csv(const AggregateSpec& spec, const std::vector<GroupRow>& rows) {
  std::string out;
  bool first = true;
  auto cell = [&](std::string_view s) {
    if (!first) out += ',';
    first = false;
    out += csv_field(s);
  };
  for (const Dimension d : spec.group_by) cell(dimension_name(d));
  for (const Measure m : spec.measures) cell(measure_name(m));
  cell("suppressed");
  out += '\n';
  for (const auto& r : rows) {
    first = true;
    for (const auto& v : r.values) cell(v);
    for (const Measure m : spec.measures)
      cell(r.suppressed ? std::string() : measure_text(m, r.measures));
    cell(r.suppressed == 2 ? "2" : r.suppressed ? "1" : "0");
    out += '\n';
  }
  return out;
}

void write_result_csv(const std::filesystem::path& path, const AggregateSpec& spec,
                      const std::vector<GroupRow>& rows) {
  write_file_atomic(path, result_csv(spec, rows));
}

namespace {

using h5::check;
using h5::check_id;
using h5::Failure;

// Chunked and deflated (every HDF5 reader has deflate) once a column is big enough to gain.
void write_column(hid_t group, const std::string& name, hid_t file_type, hid_t mem_type,
                  size_t rows, const void* data, const std::string& where) {
  const std::string what = "cannot write dataset " + name + " of " + where;
  // No modification times in object headers: the same result gives the same bytes.
  h5::DatasetOptions options{.track_times = false};
  constexpr size_t kChunkRows = 65536;
  if (rows >= 1024) {
    options.chunk_rows = std::min(rows, kChunkRows);
    options.shuffle = true;
    options.compressor = h5::Compressor::deflate(1);
  }
  h5::Dataset ds =
      h5::create_dataset(group, name, file_type, rows, options, Failure::kInternal, what);
  if (rows > 0)
    check(H5Dwrite(ds.get(), mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data), Failure::kInternal,
          what);
  ds.close(Failure::kInternal, what);
}

}  // namespace

void write_result_h5(const std::filesystem::path& path, const AggregateSpec& spec,
                     const std::vector<GroupRow>& rows) {
  h5::init();
  const std::filesystem::path temp = temp_path_for(path);
  const std::string where = temp.string();
  try {
    h5::Lock lock(h5::mutex());
    std::filesystem::remove(temp);
    h5::File file(check_id(H5Fcreate(temp.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT),
                           Failure::kData, "cannot create " + where));
    ::chmod(temp.c_str(), kOutputFileMode);
    h5::Group group = h5::create_group(file.get(), "result", false, Failure::kInternal,
                                       "cannot create group /result in " + where);
    std::vector<std::string> names;
    const size_t n = rows.size();
    for (size_t c = 0; c < spec.group_by.size(); ++c) {
      const Dimension d = spec.group_by[c];
      const std::string name(dimension_name(d));
      names.push_back(name);
      // With margins a year column holds ALL too: it stays a string column then.
      if (d == Dimension::kYear && !spec.totals) {
        std::vector<int64_t> v(n);
        for (size_t i = 0; i < n; ++i) v[i] = std::stoll(rows[i].values[c]);
        write_column(group.get(), name, H5T_STD_I64LE, H5T_NATIVE_INT64, n, v.data(), where);
      } else {
        // Fixed-length, null-padded to the column's longest value: compact and fast to read
        // (group values are short codes), unlike variable-length strings on HDF5's global heap.
        size_t width = 1;
        for (const auto& r : rows) width = std::max(width, r.values[c].size());
        std::string v(n * width, '\0');
        for (size_t i = 0; i < n; ++i)
          v.replace(i * width, rows[i].values[c].size(), rows[i].values[c]);
        h5::Datatype t = h5::fixed_string_type(width);
        write_column(group.get(), name, t.get(), t.get(), n, v.data(), where);
      }
    }
    for (const Measure m : spec.measures) {
      const std::string name(measure_name(m));
      names.push_back(name);
      std::vector<double> v(n);
      for (size_t i = 0; i < n; ++i) {
        if (rows[i].suppressed) {
          v[i] = std::numeric_limits<double>::quiet_NaN();
          continue;
        }
        const int64_t x = measure_value(m, rows[i].measures);
        v[i] = is_decimal_measure(m) ? static_cast<double>(x) / static_cast<double>(kDecimalScale)
                                     : static_cast<double>(x);
      }
      write_column(group.get(), name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, n, v.data(), where);
    }
    {
      names.emplace_back("suppressed");
      std::vector<int8_t> v(n);
      for (size_t i = 0; i < n; ++i) v[i] = static_cast<int8_t>(rows[i].suppressed);
      write_column(group.get(), "suppressed", H5T_STD_I8LE, H5T_NATIVE_INT8, n, v.data(), where);
    }
    h5::write_attribute(group.get(), "columns", names, where + " /result");
    h5::write_attribute(group.get(), "rows", static_cast<int64_t>(n), where + " /result");
    h5::write_attribute(group.get(), "min_patients", spec.min_patients, where + " /result");
    h5::write_attribute(group.get(), "source", std::string(source_name(spec.source)),
                        where + " /result");
    group.close(Failure::kInternal, "cannot close /result in " + where);
    file.close(Failure::kData, "cannot close " + where);
  } catch (const Error& e) {
    discard_failed_write(temp, path, e);  // no half-written file; a full disk named
  }
  commit_file(temp, path);
}

}  // namespace snds
