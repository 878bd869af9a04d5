// Sorting a shard's table by patient, date and input order.
#include "jobs/ingest/shard_sort.hpp"

#include <algorithm>
#include <cstring>
#include <exception>
#include <numeric>
#include <optional>

#include <boost/unordered/unordered_flat_map.hpp>

#include "core/catalog.hpp"
#include "core/error.hpp"
#include "core/store/store_layout.hpp"
#include "jobs/ingest/routing.hpp"

namespace snds {
namespace {

// A row's place in the store's order, and where it is.
struct RowKey {
  uint32_t patient = 0;  // the rank of the row's patient string among the table's
  int32_t date = 0;
  int64_t rank = 0;
  uint64_t src = 0;
  uint32_t part = 0;
  uint32_t row = 0;
};

// Compared field by field (patient rank, BEN_RNG_GEM, date, input order), the rows sort as
// contiguous 32-byte keys instead of through an index that compares strings.
bool row_key_less(const RowKey& a, const RowKey& b) {
  if (a.patient != b.patient) return a.patient < b.patient;
  if (a.rank != b.rank) return a.rank < b.rank;
  if (a.date != b.date) return a.date < b.date;
  if (a.src != b.src) return a.src < b.src;
  if (a.part != b.part) return a.part < b.part;
  return a.row < b.row;
}

// The column of `c` in each part, or -1.
std::vector<int> column_in_parts(const std::vector<Batch>& parts, const std::string& name) {
  std::vector<int> at(parts.size());
  for (size_t p = 0; p < parts.size(); ++p) at[p] = parts[p].find(name);
  return at;
}

// Called in a catch block: keeps the first exception of the OpenMP tasks.
void keep_first_error(std::exception_ptr& error) {
#pragma omp critical(snds_shard_sort_error)
  if (!error) error = std::current_exception();
}

}  // namespace

Column gather_column(const OrderedParts& ordered, size_t column) {
  const std::vector<Batch>& parts = ordered.parts;
  const std::vector<PartRow>& keys = ordered.order;
  const auto& [name, type] = ordered.columns[column];
  const std::vector<int> at = column_in_parts(parts, name);
  auto source = [&](const PartRow& k) -> const Column* {
    const int j = at[k.part];
    return j < 0 ? nullptr : &parts[k.part].columns[static_cast<size_t>(j)];
  };
  const size_t n = keys.size();
  Column out(name, type);
  // Integers and dates: the value, or the type's missing where the part lacks the column.
  auto gather_values = [&](auto member, auto missing) {
    auto& values = out.*member;
    values.resize(n);
    for (size_t i = 0; i < n; ++i) {
      const Column* c = source(keys[i]);
      values[i] = c ? (c->*member)[keys[i].row] : missing;
    }
  };
  switch (type) {
    case ColumnType::kInt64:
    case ColumnType::kDecimal:
      gather_values(&Column::ints, kMissingInt);
      break;
    case ColumnType::kDate:
      gather_values(&Column::dates, kMissingDate);
      break;
    case ColumnType::kString: {
      std::vector<uint64_t> offsets(n + 1);
      for (size_t i = 0; i < n; ++i) {
        const Column* c = source(keys[i]);
        offsets[i + 1] = offsets[i] + (c ? c->strings.at(keys[i].row).size() : 0);
      }
      std::string bytes(offsets[n], '\0');
      for (size_t i = 0; i < n; ++i) {
        const Column* c = source(keys[i]);
        if (!c) continue;
        const std::string_view s = c->strings.at(keys[i].row);
        std::memcpy(bytes.data() + offsets[i], s.data(), s.size());
      }
      out.strings.assign(std::move(bytes), std::move(offsets));
      break;
    }
  }
  return out;
}

OrderedParts order_for_store(const std::string& table, std::vector<Batch>&& parts_in) {
  OrderedParts ordered;
  ordered.parts = std::move(parts_in);
  const std::vector<Batch>& parts = ordered.parts;
  // The columns in order of first appearance, of one type throughout.
  std::vector<std::pair<std::string, ColumnType>> columns;
  for (const Batch& b : parts)
    for (const Column& c : b.columns) {
      auto it = std::find_if(columns.begin(), columns.end(),
                             [&](const auto& x) { return x.first == c.name; });
      if (it == columns.end()) {
        columns.emplace_back(c.name, c.type);
      } else if (it->second != c.type) {
        throw internal_error("column {} is {} in one batch and {} in another", c.name,
                             column_type_name(it->second), column_type_name(c.type));
      }
    }
  size_t n = 0;
  for (const Batch& b : parts) n += b.rows();
  if (n >= UINT32_MAX) throw internal_error("table {} has {} rows in one shard", table, n);
  const bool orphans =
      table.size() > std::string_view(kOrphanSuffix).size() && table.ends_with(kOrphanSuffix);
  const auto t = parse_table_name(table);
  const std::string_view patient_name = t ? stored_patient_column(table_spec(*t)) : "";
  const std::string patient = orphans ? std::string() : std::string(patient_name);
  const auto type_of = [&](std::string_view name) -> std::optional<ColumnType> {
    for (const auto& c : columns)
      if (c.first == name) return c.second;
    return std::nullopt;
  };
  const bool by_patient = !patient.empty() && type_of(patient).has_value();
  const bool by_rank = by_patient && patient == "BEN_NIR_PSA" && type_of("BEN_RNG_GEM");
  const bool by_date = by_patient && type_of("EXE_SOI_DTD") == ColumnType::kDate;

  std::vector<RowKey> keys(n);
  // Patients numbered by first appearance, then renumbered in byte order of their strings.
  boost::unordered_flat_map<std::string_view, uint32_t> ids;
  std::vector<std::string_view> names;
  size_t k = 0;
  for (size_t p = 0; p < parts.size(); ++p) {
    const Batch& b = parts[p];
    const auto col = [&](const std::string& name) -> const Column* {
      const int j = b.find(name);
      return j < 0 ? nullptr : &b.columns[static_cast<size_t>(j)];
    };
    const Column* src = col(kSrcColumn);
    const Column* pat = by_patient ? col(patient) : nullptr;
    const Column* rank = by_rank ? col("BEN_RNG_GEM") : nullptr;
    const Column* date = by_date ? col("EXE_SOI_DTD") : nullptr;
    std::string_view previous;
    uint32_t previous_id = UINT32_MAX;
    for (size_t r = 0; r < b.rows(); ++r, ++k) {
      RowKey& key = keys[k];
      key.part = static_cast<uint32_t>(p);
      key.row = static_cast<uint32_t>(r);
      key.src = src ? static_cast<uint64_t>(src->ints[r]) : 0;
      if (by_patient) {
        const std::string_view s = pat ? pat->strings.at(r) : std::string_view();
        if (previous_id == UINT32_MAX || s != previous) {
          auto [it, inserted] = ids.try_emplace(s, static_cast<uint32_t>(names.size()));
          if (inserted) names.push_back(s);
          previous = s;
          previous_id = it->second;
        }
        key.patient = previous_id;
      }
      if (by_rank) key.rank = rank ? rank->ints[r] : kMissingInt;
      if (by_date) key.date = date ? date->dates[r] : kMissingDate;
    }
  }
  if (!by_patient) {
    // Input order (orphans, referentials); without `_src` (never in an ingest) the parts keep
    // their order, in turn.
    std::sort(keys.begin(), keys.end(), row_key_less);
  } else {
    // By patient in linear time (a counting sort over the patients in byte order of their
    // strings), then each patient's few rows by rank, date and input order: cache-local small
    // sorts instead of one sort of every row of the table.
    std::vector<uint32_t> by_name(names.size());
    std::iota(by_name.begin(), by_name.end(), 0u);
    std::sort(by_name.begin(), by_name.end(),
              [&](uint32_t a, uint32_t b) { return names[a] < names[b]; });
    std::vector<uint32_t> rank_of(by_name.size());
    for (size_t i = 0; i < by_name.size(); ++i) rank_of[by_name[i]] = static_cast<uint32_t>(i);
    std::vector<uint32_t> start(names.size() + 1, 0);
    for (RowKey& key : keys) {
      key.patient = rank_of[key.patient];
      ++start[key.patient + 1];
    }
    for (size_t i = 1; i < start.size(); ++i) start[i] += start[i - 1];
    std::vector<RowKey> placed(n);
    std::vector<uint32_t> next(start.begin(), start.end() - 1);
    for (const RowKey& key : keys) placed[next[key.patient]++] = key;
    keys = std::move(placed);
    for (size_t i = 0; i + 1 < start.size(); ++i)
      if (start[i + 1] - start[i] > 1)
        std::sort(keys.begin() + start[i], keys.begin() + start[i + 1], row_key_less);
  }
  ordered.order.resize(n);
  for (size_t i = 0; i < n; ++i) ordered.order[i] = {keys[i].part, keys[i].row};
  for (auto& c : columns)
    if (c.first != kSrcColumn) ordered.columns.push_back(std::move(c));
  return ordered;
}

std::vector<Batch> sort_shard_for_store(const std::vector<std::string>& tables,
                                        std::map<std::string, std::vector<Batch>>&& data,
                                        int threads) {
  std::vector<OrderedParts> ordered(tables.size());
  std::vector<size_t> rows(tables.size(), 0);
  for (size_t k = 0; k < tables.size(); ++k) {
    auto it = data.find(tables[k]);
    if (it == data.end()) continue;
    for (const Batch& b : it->second) rows[k] += b.rows();
    ordered[k].parts = std::move(it->second);
    data.erase(it);
  }
  std::vector<size_t> by_size(tables.size());
  std::iota(by_size.begin(), by_size.end(), size_t{0});
  std::stable_sort(by_size.begin(), by_size.end(),
                   [&](size_t a, size_t b) { return rows[a] > rows[b]; });
  std::exception_ptr error;
  // A table's columns are gathered as soon as its rows are ordered: the threads that ordered
  // the small tables gather while the largest one is still being ordered.
  std::vector<std::vector<Column>> columns(tables.size());
  // (No lambda around the nested tasks: a task created in a lambda that captures by reference
  // would reach the shared vectors through the closure, gone once the outer task ends.)
#pragma omp parallel num_threads(threads)
#pragma omp single
  for (size_t i = 0; i < by_size.size(); ++i) {
    const size_t k = by_size[i];
#pragma omp task firstprivate(k) shared(ordered, columns, tables, error)
    {
      bool ordered_ok = true;
      try {
        ordered[k] = order_for_store(tables[k], std::move(ordered[k].parts));
        columns[k].resize(ordered[k].columns.size());
      } catch (...) {
        ordered_ok = false;
        keep_first_error(error);
      }
      for (size_t c = 0; ordered_ok && c < ordered[k].columns.size(); ++c) {
#pragma omp task firstprivate(k, c) shared(ordered, columns, error)
        {
          try {
            columns[k][c] = gather_column(ordered[k], c);
          } catch (...) {
            keep_first_error(error);
          }
        }
      }
    }
  }
  if (error) std::rethrow_exception(error);
  std::vector<Batch> out(tables.size());
  for (size_t k = 0; k < tables.size(); ++k) {
    out[k].columns = std::move(columns[k]);
    ordered[k] = OrderedParts{};
  }
  return out;
}

Batch sort_for_store(const std::string& table, Batch&& rows) {
  if (rows.find(kSrcColumn) < 0) return std::move(rows);  // no input order: as it is
  std::vector<Batch> parts;
  parts.push_back(std::move(rows));
  const OrderedParts ordered = order_for_store(table, std::move(parts));
  Batch out;
  for (size_t c = 0; c < ordered.columns.size(); ++c)
    out.columns.push_back(gather_column(ordered, c));
  return out;
}

}  // namespace snds
