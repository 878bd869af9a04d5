// The store's folder layout (docs/store-format.md):
//   STORE/manifest.json            written last: its presence means the store is complete
//   STORE/shards/shard_00000.h5    one HDF5 file per patient-hash shard
//   STORE/referential.h5           IR_PHA_R and the other referentials (no patient link)
//   STORE/rejects.csv              rejected input rows: file, line, reason, raw line
//   STORE/.ingest/                 checkpoint state of an unfinished ingest (removed when done)
//
// Inside a shard file, each table instance is a group (`/ER_PRS_F`, `/T_MCO19C`...) whose rows
// are sorted by patient (BEN_NIR_PSA, BEN_RNG_GEM; NIR_ANO_17 for PMSI) then date. Detail tables
// carry the columns their join brought:
//   ER_PHA_F  + BEN_NIR_PSA, BEN_RNG_GEM, EXE_SOI_DTD, DPN_QLF   (from its ER_PRS_F row)
//   T_MCOyyB, T_MCOyyD + NIR_ANO_17, EXE_SOI_DTD                  (from its T_MCOyyC row)
// Orphan detail rows (no parent row) are stored apart, as table `<TABLE>.orphans` in the shard
// chosen by the hash of their join key; jobs never read them.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace snds {

inline constexpr const char* kOrphanSuffix = ".orphans";

inline std::filesystem::path store_manifest_path(const std::filesystem::path& store) {
  return store / "manifest.json";
}
inline std::filesystem::path store_referential_path(const std::filesystem::path& store) {
  return store / "referential.h5";
}
inline std::filesystem::path store_rejects_path(const std::filesystem::path& store) {
  return store / "rejects.csv";
}
inline std::filesystem::path store_state_dir(const std::filesystem::path& store) {
  return store / ".ingest";
}
std::filesystem::path shard_path(const std::filesystem::path& store, uint32_t shard);

// The store format (manifest.json's `format_version`): 2 added the store id, written into the
// manifest and into every shard and referential file (docs/store-format.md section 5). Version 1
// stores are read with the store-id check skipped (their files carry shard, shard count and row
// counts, which are checked).
inline constexpr int64_t kStoreFormatVersion = 2;
// The file attribute holding the store id (a random 128-bit number in hex, drawn at ingest).
inline constexpr const char* kStoreIdAttribute = "store_id";

// What a job needs to know about a complete store (read from its manifest).
struct StoreInfo {
  std::filesystem::path path;
  uint32_t shards = 0;
  std::string identity;  // a digest of the manifest: recorded in job manifests
  std::string created;   // ISO timestamp
  int64_t format_version = 1;
  std::string store_id;  // empty in a version 1 store
  // Rows each shard holds per table (the manifest's rows_per_shard), and the referential's.
  std::map<std::string, std::vector<uint64_t>> rows_per_shard;
  std::map<std::string, uint64_t> referential_rows;
};

// Reads STORE/manifest.json; a data error (exit 3) naming the folder when the store is missing
// or incomplete, or the manifest when it is unreadable or of a newer format.
StoreInfo open_store(const std::filesystem::path& store);

// A random store id: 32 hex digits.
std::string new_store_id();

class ShardReader;
// Checks that an open shard file (`shard` set) or referential file (`shard` empty) belongs to the
// store `info` describes, at that place: its store id, shard number and shard count, and the row
// counts of `tables` (those about to be read) against the manifest. A data error (exit 3) naming
// the file otherwise. A few attribute lookups: no data is read.
void check_store_file(const StoreInfo& info, const ShardReader& reader,
                      const std::vector<std::string>& tables, std::optional<uint32_t> shard);

}  // namespace snds
