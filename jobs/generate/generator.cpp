// The distributed generator (see generator.hpp). Parts are fixed blocks of patients whose file
// formats are drawn from the part's index, so which rank writes a part changes nothing in it.
// Inside a part, rounds of blocks: OpenMP threads generate and format (and gzip-compress) a round
// of blocks into memory, then the rank's main thread writes them in patient order, so a part
// file's bytes do not depend on the thread count. Malformed rows are numbered over the whole
// table (an exclusive scan of the parts' row counts) and appended at the end of each part: their
// number is exactly floor(rows x rate), and where they fall depends on the parts only.
#include "jobs/generate/generator.hpp"

#include <omp.h>

#include <chrono>
#include <cstring>
#include <exception>
#include <map>
#include <memory>
#include <regex>

#include "core/atomic_file.hpp"
#include "core/error.hpp"
#include "jobs/generate/part_file.hpp"
#include "runtime/collective.hpp"
#include "runtime/log.hpp"
#include "runtime/progress.hpp"
#include "runtime/signals.hpp"
#include "snds_version.hpp"
#include "synth/care_tables.hpp"
#include "synth/gzip_chunks.hpp"
#include "synth/table_layout.hpp"

namespace snds {
namespace fs = std::filesystem;
using synth::ExtractCounts;

namespace {

// Removes the files a previous extract left in `dir` (parts of other rank counts would otherwise
// be read together with the new ones). Only the generator's own file names are touched.
size_t remove_previous_extract(const fs::path& dir) {
  static const std::regex kOwn(
      R"(((IR_BEN_R|ER_PRS_F|ER_PHA_F|T_MCO[0-9]{2}[ABCD]|IR_IMB_R|ER_CAM_F|ER_BIO_F|KI_CCI_R|KI_ECD_R)_p[0-9]{4,}|IR_PHA_R)\.(csv(\.gz)?|sas7bdat)(\.tmp(\.csv)?)?)"
      R"(|generate\.json(\.tmp)?)");
  size_t removed = 0;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (!entry.is_regular_file() || !std::regex_match(name, kOwn)) continue;
    std::error_code rm;
    if (!fs::remove(entry.path(), rm) || rm)
      throw data_error("generate: cannot replace {}: {}", entry.path().string(), rm.message());
    ++removed;
  }
  if (ec) throw data_error("generate: cannot list folder {}: {}", dir.string(), ec.message());
  return removed;
}

boost::json::object quirks_json(const synth::QuirkSettings& q) {
  boost::json::object o;
  for (const auto& info : synth::quirk_table()) o[info.name] = q.rate(info.quirk);
  return o;
}

boost::json::object format_json(const synth::FileFormat& f) {
  boost::json::object o;
  o["date_form"] = synth::date_form_name(f.date_form);
  o["missing_as_1600"] = f.missing_as_1600;
  o["decimal_comma"] = f.decimal_comma;
  o["num_enq"] = f.num_enq;
  o["shuffled"] = f.shuffled;
  o["extra_columns"] = f.extra_columns;
  o["gzip"] = f.gzip;
  return o;
}

Bytes to_bytes(const std::string& s) {
  return Bytes(s.begin(), s.end());
}

}  // namespace

std::pair<uint64_t, uint64_t> patient_range(uint64_t count, int rank, int ranks) {
  // count <= 2^40 (the --patients limit), so the products fit in 64 bits for any rank count.
  const auto r = static_cast<uint64_t>(rank);
  const auto n = static_cast<uint64_t>(ranks);
  return {count * r / n, count * (r + 1) / n};
}

uint64_t part_patients(uint64_t patients, uint64_t requested) {
  if (requested) return requested;
  const uint64_t share = (patients + kDefaultParts - 1) / kDefaultParts;
  const uint64_t blocks = (share + kGenerateBlockPatients - 1) / kGenerateBlockPatients;
  return std::max(kMinPartPatients, blocks * kGenerateBlockPatients);
}

uint64_t part_count(uint64_t patients, uint64_t part_size) {
  return std::max<uint64_t>(1, (patients + part_size - 1) / part_size);
}

std::string part_file_name(const std::string& table, int part, bool gzip, bool sas) {
  std::string digits = std::to_string(part);
  if (digits.size() < 4) digits.insert(0, 4 - digits.size(), '0');
  return table + "_p" + digits + (sas ? ".sas7bdat" : gzip ? ".csv.gz" : ".csv");
}

void generate_blocks(const synth::PatientModel& model, const synth::RowFormatter& formatter,
                     uint64_t lo, uint64_t hi, int threads,
                     const std::function<void(const GeneratedBlock&)>& sink,
                     const std::function<void(uint64_t)>& progress) {
  threads = std::max(1, threads);
  const size_t slots = formatter.slots().size();
  const uint64_t blocks = (hi - lo + kGenerateBlockPatients - 1) / kGenerateBlockPatients;
  const uint64_t round = static_cast<uint64_t>(threads) * 4;
  std::vector<GeneratedBlock> work(
      static_cast<size_t>(std::min(round, std::max<uint64_t>(blocks, 1))));
  std::vector<synth::PatientRecords> records(static_cast<size_t>(threads));
  std::vector<std::unique_ptr<synth::ChunkDeflater>> deflaters(static_cast<size_t>(threads));
  bool any_gzip = false;
  for (size_t s = 0; s < slots; ++s) any_gzip = any_gzip || formatter.format(s).gzip;

  for (uint64_t first = 0; first < blocks; first += round) {
    const auto count = static_cast<int64_t>(std::min(round, blocks - first));
    std::exception_ptr failure;
#pragma omp parallel for num_threads(threads) schedule(dynamic, 1)
    for (int64_t b = 0; b < count; ++b) {
      try {
        const auto t = static_cast<size_t>(omp_get_thread_num());
        GeneratedBlock& out = work[static_cast<size_t>(b)];
        out.text.reset(slots);
        out.counts = ExtractCounts{};
        const uint64_t p0 = lo + (first + static_cast<uint64_t>(b)) * kGenerateBlockPatients;
        const uint64_t p1 = std::min(hi, p0 + kGenerateBlockPatients);
        for (uint64_t p = p0; p < p1; ++p) {
          model.generate(p, records[t]);
          formatter.write_patient(records[t], out.text);
          out.counts.add_patient(records[t]);
        }
        out.counts[ExtractCounts::kQuotedRows] += out.text.quoted_rows;
        if (any_gzip) {
          if (!deflaters[t]) deflaters[t] = std::make_unique<synth::ChunkDeflater>(1);
          out.deflated.resize(slots);
          out.crc.assign(slots, 0);
          for (size_t s = 0; s < slots; ++s)
            if (formatter.format(s).gzip && out.text.text[s].size())
              out.crc[s] = deflaters[t]->deflate(out.text.text[s].view(), out.deflated[s]);
        }
      } catch (...) {
#pragma omp critical(snds_generate_failure)
        if (!failure) failure = std::current_exception();
      }
    }
    if (failure) std::rethrow_exception(failure);
    for (int64_t b = 0; b < count; ++b) sink(work[static_cast<size_t>(b)]);
    if (progress) {
      const uint64_t done =
          std::min(hi - lo, (first + static_cast<uint64_t>(count)) * kGenerateBlockPatients);
      progress(done);
    }
  }
}

// Writes one part of each care table (plain CSV): patients [lo, hi) in blocks, one OpenMP task
// each, joined in patient order; returns the rows per table.
synth::CareTablesText write_care_tables(const synth::GeneratorOptions& options,
                                        const synth::DrugReferential& referential,
                                        const synth::PatientModel& model, const fs::path& out,
                                        int part, uint64_t lo, uint64_t hi, int threads) {
  constexpr uint64_t kBlock = 4096;
  const uint64_t blocks = (hi - lo + kBlock - 1) / kBlock;
  std::vector<synth::CareTablesText> parts(blocks);
#pragma omp parallel for schedule(dynamic, 1) num_threads(std::max(1, threads))
  for (uint64_t b = 0; b < blocks; ++b) {
    synth::PatientRecords rec;
    for (uint64_t p = lo + b * kBlock; p < std::min(hi, lo + (b + 1) * kBlock); ++p) {
      model.generate(p, rec);
      synth::care_rows(options, referential, rec, parts[b]);
    }
  }
  synth::CareTablesText all;
  for (const auto& part_text : parts) all.append(part_text);
  std::vector<std::pair<fs::path, std::string>> files;
  for (const auto& name : synth::care_table_names(options))
    files.emplace_back(out / part_file_name(name, part, false),
                       synth::care_table_header(name) + all.text[name]);
  write_files_atomic(files);  // one fsync of the folder for all
  return all;
}

GenerateResult generate_extract(const synth::GeneratorOptions& options, const fs::path& out,
                                Communicator& comm, int threads, OutputFormat format) {
  const bool sas = format == OutputFormat::kSas7bdat;
  using Clock = std::chrono::steady_clock;
  const auto start = Clock::now();
  const int rank = comm.rank();
  const int ranks = comm.size();
  const std::vector<synth::TableSlot> slots = synth::table_slots(options);
  const size_t n_slots = slots.size();

  all_or_none(comm, [&] {
    if (rank != 0) return;
    make_output_dir(out);
    if (const size_t removed = remove_previous_extract(out))
      log::info("generate: replacing the extract in {} ({} files removed)", out.string(), removed);
  });

  const synth::DrugReferential referential(options.seed,
                                           options.quirks.rate(synth::Quirk::kQuotes));
  const synth::PatientModel model(options, referential);
  // The parts: fixed blocks of patients (the patient count decides them, not the rank count),
  // each with its own file formats; this rank writes a contiguous run of them.
  const uint64_t part_size = part_patients(options.patients, options.part_patients);
  const uint64_t parts = part_count(options.patients, part_size);
  const auto [first_part, end_part] = patient_range(parts, rank, ranks);
  const auto my_parts = static_cast<size_t>(end_part - first_part);
  const auto formats_of = [&](uint64_t part) {
    std::vector<synth::FileFormat> formats;
    for (const auto& s : slots) {
      formats.push_back(synth::choose_format(options, s.kind, s.name, static_cast<uint32_t>(part)));
      if (sas) formats.back().gzip = false;  // a SAS table is written from plain CSV text
    }
    return formats;
  };
  const auto patients_of = [&](uint64_t part) {
    const uint64_t lo = part * part_size;
    return std::pair<uint64_t, uint64_t>{lo, std::min(options.patients, lo + part_size)};
  };

  // files[i][s]: slot s of this rank's i-th part; rows likewise (well-formed data rows).
  std::vector<std::vector<std::unique_ptr<PartFile>>> files(my_parts);
  std::vector<uint64_t> rows(my_parts * n_slots, 0);
  ExtractCounts counts;
  uint64_t referential_rows = 0;
  std::unique_ptr<PartFile> referential_file;
  synth::FileFormat referential_format =
      synth::choose_format(options, TableKind::kIrPhaR, "IR_PHA_R", 0);
  if (sas) referential_format.gzip = false;
  // SAS tables: each file is rewritten from its CSV text when complete (csv_to_sas.hpp).
  const auto sas_spec = [&](const std::string& table) -> const TableSpec* {
    return sas ? &table_spec(*parse_table_name(table)) : nullptr;
  };
  // The care tables (synth/care_tables.hpp), CSV only: the part's patients again, their rows
  // drawn from their own stream, so every file above is the same with or without them.
  const bool care_tables = options.care_tables && !sas;
  const std::vector<std::string> care_names = synth::care_table_names(options);
  std::vector<uint64_t> care_totals(care_names.size(), 0);
  std::vector<boost::json::array> care_files(my_parts);

  all_or_none(comm, [&] {
    synth::ChunkDeflater deflater(1);
    if (rank == 0) {
      referential_file = std::make_unique<PartFile>(
          out / (std::string("IR_PHA_R") + (sas                       ? ".sas7bdat"
                                            : referential_format.gzip ? ".csv.gz"
                                                                      : ".csv")),
          referential_format.gzip, sas_spec("IR_PHA_R"));
      synth::CharBuf text;
      text.append(referential_format.header(TableKind::kIrPhaR));
      referential_rows = synth::write_referential(options, referential, referential_format, text);
      referential_file->write_text(text.view(), deflater);
    }
    Progress progress("generate", options.patients, "patients", comm.is_master());
    uint64_t done_before = 0;  // this rank's patients of its earlier parts
    for (size_t i = 0; i < my_parts; ++i) {
      const uint64_t part = first_part + i;
      const auto [lo, hi] = patients_of(part);
      const std::vector<synth::FileFormat> formats = formats_of(part);
      const synth::RowFormatter formatter(options, referential, slots, formats);
      auto& mine = files[i];
      mine.resize(n_slots);
      for (size_t s = 0; s < n_slots; ++s) {
        mine[s] = std::make_unique<PartFile>(
            out / part_file_name(slots[s].name, static_cast<int>(part), formats[s].gzip, sas),
            formats[s].gzip, sas_spec(slots[s].name));
        mine[s]->write_text(formats[s].header(slots[s].kind), deflater);
      }
      uint64_t* part_rows = rows.data() + i * n_slots;
      generate_blocks(
          model, formatter, lo, hi, threads,
          [&](const GeneratedBlock& block) {
            for (size_t s = 0; s < n_slots; ++s) {
              part_rows[s] += block.text.rows[s];
              if (formats[s].gzip) {
                mine[s]->write_chunk(block.deflated[s], block.crc[s], block.text.text[s].size());
              } else {
                mine[s]->write_text(block.text.text[s].view(), deflater);
              }
            }
            counts.add(block.counts);
          },
          [&](uint64_t done) {
            progress.update(
                std::min(options.patients, (done_before + done) * static_cast<uint64_t>(ranks)));
            if (stop_requested())
              throw stopped_error(
                  "generate: stopped by a signal; rerun the same command to start again");
          });
      done_before += hi - lo;
      // The malformed rows come when every part's row count is known: meanwhile the part's
      // files are closed (a rank may write many parts).
      for (auto& f : mine) f->suspend();
      if (care_tables) {
        const auto care = write_care_tables(options, referential, model, out,
                                            static_cast<int>(part), lo, hi, threads);
        for (size_t k = 0; k < care_names.size(); ++k) {
          const uint64_t n = care.rows.count(care_names[k]) ? care.rows.at(care_names[k]) : 0;
          care_totals[k] += n;
          boost::json::object f;
          f["file"] = part_file_name(care_names[k], static_cast<int>(part), false);
          f["table"] = care_names[k];
          f["part"] = part;
          f["rows"] = n;
          f["malformed"] = 0;
          care_files[i].push_back(std::move(f));
        }
      }
    }
    progress.finish();
  });

  // Malformed rows: numbered over the whole table in part order, so the rows of earlier parts
  // come first. Every rank learns every part's row counts (the parts come in rank order).
  Bytes mine_bytes(rows.size() * sizeof(uint64_t));
  if (!rows.empty()) std::memcpy(mine_bytes.data(), rows.data(), mine_bytes.size());
  const std::vector<Bytes> all_rows = comm.allgather(mine_bytes);
  std::vector<uint64_t> before(n_slots, 0), total(n_slots, 0), malformed(n_slots, 0);
  {
    uint64_t part = 0;
    for (const Bytes& b : all_rows) {
      const size_t n = b.size() / sizeof(uint64_t);
      std::vector<uint64_t> v(n);
      if (n) std::memcpy(v.data(), b.data(), n * sizeof(uint64_t));
      for (size_t k = 0; k < n; ++k) {
        if (part + k / n_slots < first_part) before[k % n_slots] += v[k];
        total[k % n_slots] += v[k];
      }
      part += n / n_slots;
    }
  }
  // A SAS table has no form for a malformed row: none are written.
  const double malformed_rate = sas ? 0.0 : options.quirks.rate(synth::Quirk::kMalformed);
  boost::json::array file_info;
  all_or_none(comm, [&] {
    synth::ChunkDeflater deflater(1);
    for (size_t i = 0; i < my_parts; ++i) {
      const uint64_t part = first_part + i;
      const std::vector<synth::FileFormat> formats = formats_of(part);
      const synth::RowFormatter formatter(options, referential, slots, formats);
      for (size_t s = 0; s < n_slots; ++s) {
        PartFile& f = *files[i][s];
        const uint64_t part_rows = rows[i * n_slots + s];
        const uint64_t m0 = synth::malformed_before(before[s], malformed_rate);
        const uint64_t m1 = synth::malformed_before(before[s] + part_rows, malformed_rate);
        before[s] += part_rows;
        std::string text;
        for (uint64_t m = m0; m < m1; ++m) text += formatter.malformed_row(s, m);
        f.resume();
        f.write_text(text, deflater);
        malformed[s] += m1 - m0;
        f.commit(/*sync_folder=*/false);  // once for all, below
        boost::json::object o = format_json(formats[s]);
        o["file"] = f.path().filename().string();
        o["table"] = slots[s].name;
        o["part"] = part;
        o["rows"] = part_rows;
        o["malformed"] = m1 - m0;
        // SAS tables: CSV rows the ingest would reject have no SAS form (none without malformed
        // rows; counted so a change in the formatter cannot drop rows unseen).
        if (sas) o["dropped"] = f.dropped_rows();
        o["bytes"] = f.disk_bytes();
        file_info.push_back(std::move(o));
      }
      for (auto& o : care_files[i]) file_info.push_back(std::move(o));
    }
    if (referential_file) {
      referential_file->commit();
      boost::json::object f = format_json(referential_format);
      f["file"] = referential_file->path().filename().string();
      f["table"] = "IR_PHA_R";
      f["part"] = 0;
      f["rows"] = referential_rows;
      f["malformed"] = 0;
      f["bytes"] = referential_file->disk_bytes();
      file_info.insert(file_info.begin(), std::move(f));
    }
    if (my_parts) fsync_folder(out);
  });

  // Sums over ranks, then rank 0 writes generate.json.
  uint64_t text_bytes = referential_file ? referential_file->text_bytes() : 0;
  uint64_t disk_bytes = referential_file ? referential_file->disk_bytes() : 0;
  for (const auto& part_files : files)
    for (const auto& f : part_files) {
      text_bytes += f->text_bytes();
      disk_bytes += f->disk_bytes();
    }
  std::vector<uint64_t> sums(counts.values.begin(), counts.values.end());
  sums.insert(sums.end(), malformed.begin(), malformed.end());
  sums.push_back(text_bytes);
  sums.push_back(disk_bytes);
  comm.allreduce_sum(sums);
  if (care_tables) comm.allreduce_sum(care_totals);
  const std::vector<Bytes> gathered = comm.gather(to_bytes(boost::json::serialize(file_info)), 0);
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();

  GenerateResult result;
  result.text_bytes = sums[ExtractCounts::kFieldCount + n_slots];
  result.seconds = seconds;
  all_or_none(comm, [&] {
    if (rank != 0) return;
    boost::json::object j;
    j["generator"] = "snds-batch generate";
    j["version"] = kVersion;
    j["seed"] = options.seed;
    j["format"] = sas ? "sas7bdat" : "csv";
    j["patients"] = options.patients;
    j["years"] = boost::json::array{options.first_year, options.last_year};
    j["part_patients"] = part_size;
    j["parts"] = parts;
    j["quirks"] = quirks_json(options.quirks);
    boost::json::object tables;
    boost::json::object ref;
    ref["rows"] = referential_rows;
    ref["malformed"] = 0;
    tables["IR_PHA_R"] = std::move(ref);
    uint64_t malformed_total = 0;
    for (size_t s = 0; s < n_slots; ++s) {
      boost::json::object t;
      t["rows"] = total[s];
      t["malformed"] = sums[ExtractCounts::kFieldCount + s];
      malformed_total += sums[ExtractCounts::kFieldCount + s];
      tables[slots[s].name] = std::move(t);
    }
    if (care_tables)
      for (size_t i = 0; i < care_names.size(); ++i)
        tables[care_names[i]] = {{"rows", care_totals[i]}, {"malformed", 0}};
    j["tables"] = std::move(tables);
    boost::json::object c;
    for (size_t i = 0; i < ExtractCounts::kFieldCount; ++i) c[ExtractCounts::name(i)] = sums[i];
    c["malformed_rows"] = malformed_total;
    j["counts"] = std::move(c);
    boost::json::array all_files;
    for (const auto& g : gathered) {
      const auto arr = boost::json::parse(std::string_view(g.data(), g.size())).as_array();
      for (const auto& f : arr) all_files.push_back(f);
    }
    j["files"] = std::move(all_files);
    boost::json::object run;
    run["ranks"] = ranks;
    run["threads"] = threads;
    run["seconds"] = seconds;
    run["csv_bytes"] = result.text_bytes;
    run["disk_bytes"] = sums[ExtractCounts::kFieldCount + n_slots + 1];
    j["run"] = std::move(run);
    write_file_atomic(out / "generate.json", boost::json::serialize(j) + "\n");
    result.summary = std::move(j);
  });
  comm.barrier();
  return result;
}

}  // namespace snds
