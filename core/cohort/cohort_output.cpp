// cohort.csv, attrition.csv and cohort.h5.
#include "core/cohort/cohort_output.hpp"

#include <algorithm>
#include <climits>
#include <cstring>

#include <fmt/format.h>

#include "core/atomic_file.hpp"
#include "core/column.hpp"
#include "core/error.hpp"
#include "core/store/h5.hpp"

namespace snds {
namespace {

// RFC 4180 quoting, only when a value needs it (codes and pseudonyms normally never do).
void append_csv_field(std::string& out, std::string_view v) {
  if (v.find_first_of(",\"\r\n") == std::string_view::npos) {
    out.append(v);
    return;
  }
  out.push_back('"');
  for (char c : v) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
}

std::string int_or_empty(int64_t v) {
  return v == kMissingInt ? std::string() : std::to_string(v);
}

int32_t date_or_missing(Date d) {
  return d == kMissingDate ? INT32_MIN : d;
}

// Failing to write an output is a matter of disk, quota or permissions: reported as exit 3.
constexpr h5::Failure kFail = h5::Failure::kData;

// The columns of group /cohort: chunked, shuffled and deflated, without timestamps so the file's
// bytes depend on the rows only. Callers hold h5::Lock.
class CohortH5Writer {
 public:
  CohortH5Writer(hid_t group, size_t rows, std::string file)
      : group_(group), rows_(rows), file_(std::move(file)) {}

  template <typename T>
  h5::Dataset numbers(const std::string& name, hid_t file_type, hid_t memory_type,
                      const std::vector<T>& values) {
    const std::string what = "cannot write " + where(name);
    h5::Dataset ds = create(name, file_type, what);
    if (rows_ > 0)
      h5::check(H5Dwrite(ds.get(), memory_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()),
                kFail, what);
    return ds;
  }

  void dates(const std::string& name, const std::vector<int32_t>& values) {
    h5::Dataset ds = numbers(name, H5T_STD_I32LE, H5T_NATIVE_INT32, values);
    h5::write_attribute(ds.get(), "units", std::string("days since 1970-01-01"), where(name));
    h5::write_attribute(ds.get(), "missing", int64_t{INT32_MIN}, where(name));
  }

  void strings(const std::string& name, const std::vector<std::string_view>& values) {
    const std::string what = "cannot write " + where(name);
    size_t width = 1;
    for (auto v : values) width = std::max(width, v.size());
    std::string buf(values.size() * width, '\0');
    for (size_t i = 0; i < values.size(); ++i)
      if (!values[i].empty())
        std::memcpy(buf.data() + i * width, values[i].data(), values[i].size());
    h5::Datatype type = h5::fixed_string_type(width);
    h5::Dataset ds = create(name, type.get(), what);
    if (rows_ > 0)
      h5::check(H5Dwrite(ds.get(), type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, buf.data()), kFail,
                what);
  }

  std::string where(const std::string& name) const {
    return fmt::format("dataset /cohort/{} of {}", name, file_);
  }

 private:
  h5::Dataset create(const std::string& name, hid_t file_type, const std::string& what) {
    const h5::DatasetOptions options{.chunk_rows = std::clamp<uint64_t>(rows_, 1, 65536),
                                     .shuffle = true,
                                     .compressor = h5::Compressor::deflate(4),
                                     .track_times = false};
    return h5::create_dataset(group_, name, file_type, rows_, options, kFail, what);
  }

  hid_t group_;
  hsize_t rows_;
  std::string file_;
};

}  // namespace

std::string cohort_csv(const std::vector<CohortRow>& rows, const CohortSpec* spec) {
  std::string out;
  out.reserve(96 * (rows.size() + 1));
  out.append(kCohortCsvHeader);
  if (spec)
    for (const auto& o : spec->outcomes) out.append(",").append(o.name).append("_date");
  // Only when some person has several pseudo-NIRs: extracts without persons keep their file.
  const bool pseudo_nirs =
      std::any_of(rows.begin(), rows.end(), [](const CohortRow& r) { return r.pseudo_nirs > 1; });
  if (pseudo_nirs) out.append(",pseudo_nirs");
  out.push_back('\n');
  for (const auto& r : rows) {
    append_csv_field(out, r.nir);
    out.push_back(',');
    out.append(int_or_empty(r.rank)).push_back(',');
    out.append(format_iso_date(r.index_date)).push_back(',');
    out.append(int_or_empty(r.age_at_index)).push_back(',');
    append_csv_field(out, r.sex);
    out.push_back(',');
    out.append(format_iso_date(r.outcome_date)).push_back(',');
    out.append(format_iso_date(r.end_date)).push_back(',');
    if (!spec) {
      out.append(end_reason_name(r.end_reason));
    } else {
      append_csv_field(out, end_reason_text(*spec, r.end_reason, r.censor));
      for (size_t k = 0; k < spec->outcomes.size(); ++k)
        out.append(",").append(
            format_iso_date(k < r.outcome_dates.size() ? r.outcome_dates[k] : kMissingDate));
    }
    if (pseudo_nirs) out.append(",").append(std::to_string(r.pseudo_nirs));
    out.push_back('\n');
  }
  return out;
}

std::string exposures_csv(const std::vector<CohortRow>& rows) {
  std::string out = std::string(kExposuresCsvHeader) + "\n";
  for (const auto& r : rows)
    for (const auto& e : r.exposures) {
      append_csv_field(out, r.nir);
      out.append(fmt::format(",{},{},{},{}\n", r.rank, format_iso_date(e.start),
                             format_iso_date(e.end), format_decimal(e.boxes)));
    }
  return out;
}

std::string attrition_csv(const std::vector<std::string>& steps,
                          const std::vector<uint64_t>& patients) {
  if (steps.size() != patients.size())
    throw internal_error("attrition has {} steps but {} counts", steps.size(), patients.size());
  std::string out = "step,patients\n";
  for (size_t i = 0; i < steps.size(); ++i) {
    append_csv_field(out, steps[i]);
    out.append(fmt::format(",{}\n", patients[i]));
  }
  return out;
}

void write_cohort_h5(const std::filesystem::path& path, const std::vector<CohortRow>& rows,
                     const CohortSpec* spec) {
  const std::filesystem::path temp = temp_path_for(path);
  const std::string name = path.string();
  h5::init();
  try {
    h5::Lock lock(h5::mutex());
    h5::File file(h5::check_id(H5Fcreate(temp.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT),
                               kFail, fmt::format("cannot create {}", temp.string())));
    const std::string what = fmt::format("cannot write group /cohort of {}", name);
    h5::Group group = h5::create_group(file.get(), "cohort", false, kFail, what);
    h5::write_attribute(group.get(), "rows", static_cast<int64_t>(rows.size()),
                        "group /cohort of " + name);
    CohortH5Writer w(group.get(), rows.size(), name);

    std::vector<std::string_view> strings(rows.size());
    for (size_t i = 0; i < rows.size(); ++i) strings[i] = rows[i].nir;
    w.strings("BEN_NIR_PSA", strings);
    std::vector<int64_t> ints(rows.size());
    for (size_t i = 0; i < rows.size(); ++i) ints[i] = rows[i].rank;
    w.numbers("BEN_RNG_GEM", H5T_STD_I64LE, H5T_NATIVE_INT64, ints);
    std::vector<int32_t> values(rows.size());
    for (size_t i = 0; i < rows.size(); ++i) values[i] = date_or_missing(rows[i].index_date);
    w.dates("index_date", values);
    for (size_t i = 0; i < rows.size(); ++i)
      values[i] = rows[i].age_at_index == kMissingInt ? INT32_MIN
                                                      : static_cast<int32_t>(rows[i].age_at_index);
    {
      h5::Dataset ds = w.numbers("age_at_index", H5T_STD_I32LE, H5T_NATIVE_INT32, values);
      h5::write_attribute(ds.get(), "missing", int64_t{INT32_MIN}, w.where("age_at_index"));
    }
    for (size_t i = 0; i < rows.size(); ++i) strings[i] = rows[i].sex;
    w.strings("sex", strings);
    for (size_t i = 0; i < rows.size(); ++i) values[i] = date_or_missing(rows[i].outcome_date);
    w.dates("outcome_date", values);
    for (size_t i = 0; i < rows.size(); ++i) values[i] = date_or_missing(rows[i].end_date);
    w.dates("end_date", values);
    std::vector<std::string> reasons(rows.size());
    for (size_t i = 0; i < rows.size(); ++i)
      reasons[i] = spec ? end_reason_text(*spec, rows[i].end_reason, rows[i].censor)
                        : std::string(end_reason_name(rows[i].end_reason));
    for (size_t i = 0; i < rows.size(); ++i) strings[i] = reasons[i];
    w.strings("end_reason", strings);
    if (spec)
      for (size_t k = 0; k < spec->outcomes.size(); ++k) {
        for (size_t i = 0; i < rows.size(); ++i)
          values[i] = date_or_missing(k < rows[i].outcome_dates.size() ? rows[i].outcome_dates[k]
                                                                       : kMissingDate);
        w.dates(spec->outcomes[k].name + "_date", values);
      }
    if (std::any_of(rows.begin(), rows.end(),
                    [](const CohortRow& r) { return r.pseudo_nirs > 1; })) {
      std::vector<int32_t> counts(rows.size());
      for (size_t i = 0; i < rows.size(); ++i)
        counts[i] = static_cast<int32_t>(rows[i].pseudo_nirs);
      w.numbers("pseudo_nirs", H5T_STD_I32LE, H5T_NATIVE_INT32, counts);
    }
    group.close(kFail, what);
    file.close(kFail, fmt::format("cannot write {}", temp.string()));
  } catch (const Error& e) {
    discard_failed_write(temp, path, e);  // no half-written file; a full disk named
  }
  commit_file(temp, path);
}

}  // namespace snds
