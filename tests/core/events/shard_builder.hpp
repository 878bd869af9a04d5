// Hand-made shards for extractor and aggregation tests: tables typed as the store types them
// (catalog columns plus the columns a detail table's join brings), rows given as
// column -> text, parsed with the ingest's own value parsers. Columns left out of a row are
// missing. Test-only: aborts the test on a malformed value.
#pragma once

#include <map>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "core/catalog.hpp"
#include "core/column.hpp"
#include "core/csv/value_parse.hpp"
#include "core/shard_data.hpp"

namespace snds::test {

// The store's columns of a table kind: the catalog's, plus the join columns of detail tables.
inline Batch empty_store_table(TableKind kind) {
  Batch b;
  for (const auto& c : table_spec(kind).columns)
    b.columns.emplace_back(std::string(c.name), c.type);
  auto add = [&](const char* name, ColumnType t) { b.columns.emplace_back(name, t); };
  if (kind == TableKind::kErPhaF) {
    add("BEN_NIR_PSA", ColumnType::kString);
    add("BEN_RNG_GEM", ColumnType::kInt64);
    add("EXE_SOI_DTD", ColumnType::kDate);
    add("DPN_QLF", ColumnType::kInt64);
  } else if (kind == TableKind::kMcoB || kind == TableKind::kMcoD) {
    add("NIR_ANO_17", ColumnType::kString);
    add("EXE_SOI_DTD", ColumnType::kDate);
  }
  return b;
}

// Any other catalog table (IR_IMB_R, ER_CAM_F, T_MCOaaA...): its schema columns, plus what the
// join brings a DCIR detail table (from ER_PRS_F) or a PMSI detail table (from T_MCOaaC).
inline Batch empty_catalog_table(const TableSpec& spec) {
  Batch b;
  for (const auto& c : spec.columns) b.columns.emplace_back(std::string(c.name), c.type);
  auto add = [&](const char* name, ColumnType t) {
    if (b.find(name) < 0) b.columns.emplace_back(name, t);
  };
  const std::string_view pattern = spec.pattern;
  if (pattern.starts_with("ER_") && pattern != "ER_PRS_F") {
    add("BEN_NIR_PSA", ColumnType::kString);
    add("BEN_RNG_GEM", ColumnType::kInt64);
    add("EXE_SOI_DTD", ColumnType::kDate);
    add("DPN_QLF", ColumnType::kInt64);
    add("PRS_ACT_QTE", ColumnType::kDecimal);
  } else if (pattern.starts_with("T_MCOaa") && !pattern.ends_with("C")) {
    add("NIR_ANO_17", ColumnType::kString);
    add("EXE_SOI_DTD", ColumnType::kDate);
  }
  return b;
}

inline void append_row(Batch& b, const std::map<std::string, std::string>& values) {
  for (const auto& [name, v] : values)
    if (b.find(name) < 0) throw std::invalid_argument("test row names unknown column " + name);
  for (auto& col : b.columns) {
    auto it = values.find(col.name);
    if (it == values.end()) {
      col.append_missing();
      continue;
    }
    const std::string& v = it->second;
    switch (col.type) {
      case ColumnType::kString:
        col.strings.push_back(v);
        break;
      case ColumnType::kInt64: {
        auto x = parse_int64(v);
        if (!x) throw std::invalid_argument("bad test integer " + v);
        col.ints.push_back(*x);
        break;
      }
      case ColumnType::kDecimal: {
        auto x = parse_decimal(v);
        if (!x) throw std::invalid_argument("bad test decimal " + v);
        col.ints.push_back(*x);
        break;
      }
      case ColumnType::kDate: {
        auto x = parse_date(v);
        if (!x) throw std::invalid_argument("bad test date " + v);
        col.dates.push_back(*x);
        break;
      }
    }
  }
}

using Row = std::map<std::string, std::string>;

// Builds a ShardData table by table: shard.add("ER_PHA_F", {{...}, {...}}).
class ShardBuilder {
 public:
  ShardBuilder& add(const std::string& table, const std::vector<Row>& rows) {
    auto name = parse_table_name(table);
    TableKind kind = name ? name->kind : TableKind::kErPhaF;  // "<TABLE>.orphans": detail kinds
    if (!name) {
      const auto base = table.substr(0, table.find('.'));
      auto base_name = parse_table_name(base);
      if (!base_name) throw std::invalid_argument("unknown test table " + table);
      kind = base_name->kind;
    }
    if (name && name->kind == TableKind::kOther) {
      auto [it, fresh] =
          data_.tables.try_emplace(table, empty_catalog_table(table_spec_by_id(name->id)));
      for (const auto& r : rows) append_row(it->second, r);
      return *this;
    }
    auto [it, fresh] = data_.tables.try_emplace(table, empty_store_table(kind));
    for (const auto& r : rows) append_row(it->second, r);
    return *this;
  }
  const ShardData& data() const { return data_; }
  ShardData take() { return std::move(data_); }

 private:
  ShardData data_;
};

// An ER_PHA_F row as the store holds it after ingest (joined to its ER_PRS_F header).
inline Row pha_row(const std::string& nir, const std::string& rank, const std::string& date,
                   const std::string& cip, const std::string& qty, const std::string& dpn = "0") {
  return {{"BEN_NIR_PSA", nir}, {"BEN_RNG_GEM", rank}, {"EXE_SOI_DTD", date},
          {"PHA_PRS_C13", cip}, {"PHA_ACT_QSN", qty},  {"DPN_QLF", dpn}};
}

}  // namespace snds::test
