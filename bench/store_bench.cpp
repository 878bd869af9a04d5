// Shard store throughput: write and read MB/s and compression ratio of each compression option on
// a synthetic ER_PRS_F-like shard (rows sorted by patient then date, as ingest writes them), the
// per-column sizes, and the three candidate dictionary representations. The figures in
// docs/store-format.md come from here:
//   build/<preset>/bin/store_bench [rows=2000000] [repeats=3] [folder=/tmp]
// Reads come from the page cache: they measure HDF5 + checksum + decompression + decoding CPU
// cost, which is what a job pays once the file system has delivered the bytes.
#include <hdf5.h>

#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "core/column.hpp"
#include "core/date.hpp"
#include "core/store/h5.hpp"
#include "core/store/shard_reader.hpp"
#include "core/store/shard_writer.hpp"
#include "core/store/zstd_filter.hpp"

namespace fs = std::filesystem;
using namespace snds;

namespace {

double cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// ~160 claim lines per patient over four years, sorted by patient then date.
Batch synthetic_claims(size_t rows) {
  std::mt19937_64 rng(20240601);
  const char* alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  auto random_id = [&](size_t len) {
    std::string s(len, ' ');
    for (auto& c : s) c = alphabet[rng() % 36];
    return s;
  };
  const size_t patients = std::max<size_t>(1, rows / 160);
  std::vector<std::string> ids(patients);
  for (auto& id : ids) id = random_id(17);
  std::sort(ids.begin(), ids.end());
  std::vector<std::string> organisations(120);
  for (auto& o : organisations) o = random_id(9);
  // Act codes: a few very common (consultations, pharmacy), a long tail.
  std::vector<int64_t> acts(400);
  for (size_t i = 0; i < acts.size(); ++i) acts[i] = 1000 + static_cast<int64_t>(i) * 7;
  std::lognormal_distribution<double> amount(3.0, 1.2);
  std::geometric_distribution<int> act_rank(0.08);

  Batch b;
  b.columns.reserve(11);  // the references below must survive the later emplace_backs
  auto add = [&](const char* name, ColumnType t) -> Column& {
    b.columns.emplace_back(name, t);
    b.columns.back().reserve(rows);
    return b.columns.back();
  };
  Column& nir = add("BEN_NIR_PSA", ColumnType::kString);
  Column& rng_gem = add("BEN_RNG_GEM", ColumnType::kInt64);
  Column& soi = add("EXE_SOI_DTD", ColumnType::kDate);
  Column& flx = add("FLX_DIS_DTD", ColumnType::kDate);
  Column& dct = add("DCT_ORD_NUM", ColumnType::kInt64);
  Column& org = add("ORG_CLE_NUM", ColumnType::kString);
  Column& nat = add("PRS_NAT_REF", ColumnType::kInt64);
  Column& qte = add("PRS_ACT_QTE", ColumnType::kDecimal);
  Column& mnt = add("PRS_PAI_MNT", ColumnType::kDecimal);
  Column& dpn = add("DPN_QLF", ColumnType::kInt64);
  Column& cip = add("PHA_PRS_C13", ColumnType::kString);

  const Date start = days_from_civil(2019, 1, 1);
  size_t row = 0;
  for (size_t p = 0; p < patients && row < rows; ++p) {
    const size_t lines =
        p + 1 == patients ? rows - row : std::min(rows - row, size_t{80 + rng() % 160});
    std::vector<Date> dates(lines);
    for (auto& d : dates) d = start + static_cast<Date>(rng() % 1461);
    std::sort(dates.begin(), dates.end());
    const std::string& org_of_patient = organisations[rng() % organisations.size()];
    for (size_t k = 0; k < lines; ++k, ++row) {
      nir.strings.push_back(ids[p]);
      rng_gem.ints.push_back(rng() % 50 == 0 ? 2 : 1);
      soi.dates.push_back(dates[k]);
      const CivilDate c = civil_from_days(dates[k]);
      const unsigned m = c.month == 12 ? 1 : c.month + 1;
      flx.dates.push_back(days_from_civil(c.month == 12 ? c.year + 1 : c.year, m, 1));
      dct.ints.push_back(static_cast<int64_t>(rng() % 100000000000ULL));
      org.strings.push_back(rng() % 10 == 0 ? organisations[rng() % organisations.size()]
                                            : org_of_patient);
      const int rank = std::min<int>(act_rank(rng), static_cast<int>(acts.size()) - 1);
      nat.ints.push_back(acts[static_cast<size_t>(rank)]);
      qte.ints.push_back((rng() % 20 == 0 ? 2 : 1) * kDecimalScale);
      mnt.ints.push_back(static_cast<int64_t>(amount(rng) * 100) * 100);  // cents
      dpn.ints.push_back(rng() % 30 == 0 ? 71 : 0);
      cip.strings.push_back(rank < 3 ? "" : "34009" + std::to_string(3000000 + rng() % 6000) + "1");
    }
  }
  return b;
}

// Bytes of the uncompressed stored form: int64 8, dates and codes 4, plus each dictionary.
uint64_t stored_form_bytes(const Batch& b) {
  uint64_t total = 0;
  for (const auto& c : b.columns) {
    switch (c.type) {
      case ColumnType::kInt64:
      case ColumnType::kDecimal:
        total += c.size() * 8;
        break;
      case ColumnType::kDate:
        total += c.size() * 4;
        break;
      case ColumnType::kString: {
        total += c.size() * 4;
        std::vector<std::string_view> distinct;
        for (size_t i = 0; i < c.size(); ++i) distinct.push_back(c.strings.at(i));
        std::sort(distinct.begin(), distinct.end());
        distinct.erase(std::unique(distinct.begin(), distinct.end()), distinct.end());
        size_t width = 1;
        for (auto s : distinct) width = std::max(width, s.size());
        total += distinct.size() * width;
        break;
      }
    }
  }
  return total;
}

struct Variant {
  std::string label;
  ShardWriterOptions options;
};

uint64_t dataset_bytes(hid_t file, const std::string& object) {
  h5::Dataset d(H5Dopen2(file, object.c_str(), H5P_DEFAULT));
  return d.valid() ? H5Dget_storage_size(d.get()) : 0;
}

// The patient dictionary three ways, each deflate 1 + shuffle where it applies + fletcher32
// (variable-length strings live in the global heap, which no filter or checksum covers).
void dictionary_representations(const Batch& b, const fs::path& folder) {
  const Column& nir = b.at("BEN_NIR_PSA");
  std::vector<std::string> dict;
  for (size_t i = 0; i < nir.size(); ++i)
    if (dict.empty() || dict.back() != nir.strings.at(i)) dict.emplace_back(nir.strings.at(i));
  const hsize_t n = dict.size();
  const fs::path path = folder / "store_bench_dict.h5";
  fmt::print("\nDictionary representations ({} distinct 17-char patient ids):\n", n);
  fmt::print("| representation | file bytes | write ms | read+decode ms |\n|---|---:|---:|---:|\n");
  auto dcpl_for = [](hsize_t chunk, bool filters) {
    hid_t p = H5Pcreate(H5P_DATASET_CREATE);
    H5Pset_chunk(p, 1, &chunk);
    if (filters) {
      H5Pset_shuffle(p);
      H5Pset_deflate(p, 1);
      H5Pset_fletcher32(p);
    }
    return p;
  };
  for (int kind = 0; kind < 3; ++kind) {
    const char* names[] = {"fixed-length (chosen)", "variable-length", "bytes + offsets"};
    auto t0 = std::chrono::steady_clock::now();
    {
      h5::File f(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT));
      h5::Dataspace space(H5Screate_simple(1, &n, nullptr));
      if (kind == 0) {
        h5::Datatype t = h5::fixed_string_type(17);
        std::string buf;
        for (auto& s : dict) buf += s;
        h5::PropList p(dcpl_for(std::min<hsize_t>(n, (1 << 20) / 17), true));
        h5::Dataset d(
            H5Dcreate2(f.get(), "d", t.get(), space.get(), H5P_DEFAULT, p.get(), H5P_DEFAULT));
        H5Dwrite(d.get(), t.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, buf.data());
      } else if (kind == 1) {
        h5::Datatype t = h5::vlen_string_type();
        std::vector<const char*> ptrs;
        for (auto& s : dict) ptrs.push_back(s.c_str());
        h5::PropList p(dcpl_for(std::min<hsize_t>(n, 65536), false));
        H5Pset_deflate(p.get(), 1);
        h5::Dataset d(
            H5Dcreate2(f.get(), "d", t.get(), space.get(), H5P_DEFAULT, p.get(), H5P_DEFAULT));
        H5Dwrite(d.get(), t.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, ptrs.data());
      } else {
        std::string bytes;
        std::vector<uint64_t> offsets{0};
        for (auto& s : dict) {
          bytes += s;
          offsets.push_back(bytes.size());
        }
        const hsize_t nb = bytes.size(), no = offsets.size();
        h5::Dataspace sb(H5Screate_simple(1, &nb, nullptr)), so(H5Screate_simple(1, &no, nullptr));
        h5::PropList pb(dcpl_for(std::min<hsize_t>(nb, 1 << 20), true));
        h5::PropList po(dcpl_for(std::min<hsize_t>(no, 131072), true));
        h5::Dataset db(
            H5Dcreate2(f.get(), "b", H5T_STD_U8LE, sb.get(), H5P_DEFAULT, pb.get(), H5P_DEFAULT));
        h5::Dataset d_o(
            H5Dcreate2(f.get(), "o", H5T_STD_U64LE, so.get(), H5P_DEFAULT, po.get(), H5P_DEFAULT));
        H5Dwrite(db.get(), H5T_NATIVE_UCHAR, H5S_ALL, H5S_ALL, H5P_DEFAULT, bytes.data());
        H5Dwrite(d_o.get(), H5T_NATIVE_UINT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, offsets.data());
      }
    }
    const double write_s = seconds_since(t0);
    t0 = std::chrono::steady_clock::now();
    size_t check = 0;
    {
      h5::File f(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT));
      StringColumn out;
      if (kind == 0) {
        h5::Dataset d(H5Dopen2(f.get(), "d", H5P_DEFAULT));
        h5::Datatype t = h5::fixed_string_type(17);
        std::string buf(n * 17, '\0');
        H5Dread(d.get(), t.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, buf.data());
        for (hsize_t i = 0; i < n; ++i) {
          const char* s = buf.data() + i * 17;
          size_t len = 17;
          while (len > 0 && s[len - 1] == '\0') --len;
          out.push_back({s, len});
        }
      } else if (kind == 1) {
        h5::Dataset d(H5Dopen2(f.get(), "d", H5P_DEFAULT));
        h5::Datatype t = h5::vlen_string_type();
        std::vector<char*> ptrs(n);
        H5Dread(d.get(), t.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, ptrs.data());
        for (char* p : ptrs) {
          out.push_back(p);
          H5free_memory(p);
        }
      } else {
        h5::Dataset db(H5Dopen2(f.get(), "b", H5P_DEFAULT)),
            d_o(H5Dopen2(f.get(), "o", H5P_DEFAULT));
        h5::Dataspace sb(H5Dget_space(db.get())), so(H5Dget_space(d_o.get()));
        std::string bytes(static_cast<size_t>(H5Sget_simple_extent_npoints(sb.get())), '\0');
        std::vector<uint64_t> offsets(static_cast<size_t>(H5Sget_simple_extent_npoints(so.get())));
        H5Dread(db.get(), H5T_NATIVE_UCHAR, H5S_ALL, H5S_ALL, H5P_DEFAULT, bytes.data());
        H5Dread(d_o.get(), H5T_NATIVE_UINT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, offsets.data());
        out.assign(std::move(bytes), std::move(offsets));
      }
      check = out.size();
    }
    const double read_s = seconds_since(t0);
    if (check != n) fmt::print("(representation {} read {} values, expected {})\n", kind, check, n);
    fmt::print("| {} | {} | {:.1f} | {:.1f} |\n", names[kind], fs::file_size(path), write_s * 1e3,
               read_s * 1e3);
  }
  fs::remove(path);
}

}  // namespace

int main(int argc, char** argv) {
  const size_t rows = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 2000000;
  const int repeats = argc > 2 ? std::atoi(argv[2]) : 3;
  const fs::path folder = argc > 3 ? fs::path(argv[3]) : fs::temp_directory_path();
  h5::init();

  const Batch claims = synthetic_claims(rows);
  const uint64_t raw = stored_form_bytes(claims);
  const double raw_mb = static_cast<double>(raw) / 1e6;
  fmt::print(
      "Synthetic ER_PRS_F shard: {} rows, {} columns, {:.1f} MB in stored form "
      "(in memory as a Batch: {:.1f} MB); best of {} runs\n\n",
      rows, claims.columns.size(), raw_mb, static_cast<double>(claims.byte_size()) / 1e6, repeats);

  auto with = [](Compression c, int level, bool shuffle, uint64_t chunk) {
    ShardWriterOptions o;
    o.compression = c;
    o.level = level;
    o.shuffle = shuffle;
    o.chunk_rows = chunk;
    return o;
  };
  const uint64_t k = kDefaultChunkRows;
  const std::vector<Variant> variants = {
      {"none", with(Compression::kNone, 0, false, k)},
      {"shuffle+deflate 1", with(Compression::kDeflate, 1, true, k)},
      {"shuffle+deflate 4", with(Compression::kDeflate, 4, true, k)},
      {"shuffle+zstd 1", with(Compression::kZstd, 1, true, k)},
      {"shuffle+zstd 3", with(Compression::kZstd, 3, true, k)},
      {"deflate 1, no shuffle", with(Compression::kDeflate, 1, false, k)},
      {"zstd 3, no shuffle", with(Compression::kZstd, 3, false, k)},
      {"shuffle+deflate 1, 64k-row chunks", with(Compression::kDeflate, 1, true, 65536)},
      {"shuffle+deflate 1, 256k-row chunks", with(Compression::kDeflate, 1, true, 262144)},
  };

  // Variants take turns within each round, so that load from other processes spreads evenly;
  // timings are process CPU seconds (single-threaded: HDF5 runs on one thread), steadier than
  // wall time on a shared machine.
  const fs::path path = folder / "store_bench_shard.h5";
  const size_t nv = variants.size();
  std::vector<double> best_write(nv, 1e30), best_read(nv, 1e30), best_write_wall(nv, 1e30),
      best_read_wall(nv, 1e30);
  std::vector<uint64_t> file_bytes(nv, 0);
  std::vector<std::vector<uint64_t>> column_bytes(nv);
  for (int r = 0; r < repeats; ++r) {
    for (size_t v = 0; v < nv; ++v) {
      double c0 = cpu_seconds();
      auto t0 = std::chrono::steady_clock::now();
      {
        ShardWriter w(path, {{"shard", int64_t{0}}}, variants[v].options);
        w.write_table("ER_PRS_F", claims);
        w.close();
      }
      best_write[v] = std::min(best_write[v], cpu_seconds() - c0);
      best_write_wall[v] = std::min(best_write_wall[v], seconds_since(t0));
      file_bytes[v] = fs::file_size(path);
      c0 = cpu_seconds();
      t0 = std::chrono::steady_clock::now();
      {
        ShardReader reader(path);
        const Batch back = reader.read_table("ER_PRS_F");
        if (back.rows() != claims.rows()) fmt::print("row count mismatch!\n");
      }
      best_read[v] = std::min(best_read[v], cpu_seconds() - c0);
      best_read_wall[v] = std::min(best_read_wall[v], seconds_since(t0));
      if (r == 0) {
        h5::File f(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT));
        for (const auto& c : claims.columns) {
          uint64_t bytes = dataset_bytes(f.get(), "/ER_PRS_F/" + c.name);
          if (c.type == ColumnType::kString)
            bytes += dataset_bytes(f.get(), "/ER_PRS_F/" + c.name + ".dict");
          column_bytes[v].push_back(bytes);
        }
      }
    }
  }
  fs::remove(path);
  fmt::print(
      "| option | file MB | ratio | write MB/s (CPU) | read MB/s (CPU) | write MB/s (wall) | "
      "read MB/s (wall) |\n|---|---:|---:|---:|---:|---:|---:|\n");
  for (size_t v = 0; v < nv; ++v)
    fmt::print("| {} | {:.1f} | {:.2f} | {:.0f} | {:.0f} | {:.0f} | {:.0f} |\n", variants[v].label,
               static_cast<double>(file_bytes[v]) / 1e6,
               static_cast<double>(raw) / static_cast<double>(file_bytes[v]),
               raw_mb / best_write[v], raw_mb / best_read[v], raw_mb / best_write_wall[v],
               raw_mb / best_read_wall[v]);

  fmt::print("\nBytes per row of each column (string columns: codes + dictionary):\n| column |");
  for (size_t v = 0; v < 5; ++v) fmt::print(" {} |", variants[v].label);
  fmt::print("\n|---|");
  for (size_t v = 0; v < 5; ++v) fmt::print("---:|");
  fmt::print("\n");
  for (size_t c = 0; c < claims.columns.size(); ++c) {
    fmt::print("| {} ({}) |", claims.columns[c].name, column_type_name(claims.columns[c].type));
    for (size_t v = 0; v < 5; ++v)
      fmt::print(" {:.2f} |", static_cast<double>(column_bytes[v][c]) / static_cast<double>(rows));
    fmt::print("\n");
  }

  dictionary_representations(claims, folder);
  return 0;
}
