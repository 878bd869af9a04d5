// Small typed batches of the MCO tables for the unit tests of ingest's routing, join and shard
// sort: stays (T_MCOyyC: stay key, patient, date) and diagnoses (T_MCOyyB: stay key, code), each
// row with its input position `_src`.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/column.hpp"
#include "jobs/ingest/routing.hpp"

namespace snds::test {

struct StayRow {
  std::string eta, rsa, nir;
  Date date;
  int64_t src;
};

inline Batch stays(const std::vector<StayRow>& rows) {
  Batch b;
  for (const char* n : {"ETA_NUM", "RSA_NUM", "NIR_ANO_17"})
    b.columns.emplace_back(n, ColumnType::kString);
  b.columns.emplace_back("EXE_SOI_DTD", ColumnType::kDate);
  b.columns.emplace_back(kSrcColumn, ColumnType::kInt64);
  for (const auto& r : rows) {
    b.columns[0].strings.push_back(r.eta);
    b.columns[1].strings.push_back(r.rsa);
    b.columns[2].strings.push_back(r.nir);
    b.columns[3].dates.push_back(r.date);
    b.columns[4].ints.push_back(r.src);
  }
  return b;
}

struct DiagnosisRow {
  std::string eta, rsa, code;
  int64_t src;
};

inline Batch diagnoses(const std::vector<DiagnosisRow>& rows) {
  Batch b;
  for (const char* n : {"ETA_NUM", "RSA_NUM", "DGN_PAL"})
    b.columns.emplace_back(n, ColumnType::kString);
  b.columns.emplace_back(kSrcColumn, ColumnType::kInt64);
  for (const auto& r : rows) {
    b.columns[0].strings.push_back(r.eta);
    b.columns[1].strings.push_back(r.rsa);
    b.columns[2].strings.push_back(r.code);
    b.columns[3].ints.push_back(r.src);
  }
  return b;
}

inline TableName mco(TableKind kind, int year) {
  return TableName{kind, table_instance_name(kind, year), year, table_spec(kind).id};
}

}  // namespace snds::test
