// The ingest's phases (see ingest_run.hpp for the overview).
#include "jobs/ingest/ingest_run.hpp"

#include <omp.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <ctime>
#include <filesystem>
#include <future>
#include <memory>
#include <numeric>
#include <span>

#include <fmt/format.h>
#include <boost/json.hpp>

#include "core/atomic_file.hpp"
#include "core/batch_codec.hpp"
#include "core/csv/csv_file.hpp"
#include "core/csv/delimiter.hpp"
#include "core/csv/range_split.hpp"
#include "core/csv/record_blocks.hpp"
#include "core/csv/reject_file.hpp"
#include "core/error.hpp"
#include "core/events/events.hpp"
#include "core/events/persons.hpp"
#include "core/sas/sas_table.hpp"
#include "core/serialize.hpp"
#include "core/store/shard_writer.hpp"
#include "core/store/store_layout.hpp"
#include "jobs/ingest/ingest_manifest.hpp"
#include "jobs/ingest/ingest_plan.hpp"
#include "jobs/ingest/input_checks.hpp"
#include "jobs/ingest/join.hpp"
#include "jobs/ingest/person_map.hpp"
#include "jobs/ingest/routing.hpp"
#include "jobs/ingest/shard_sort.hpp"
#include "jobs/ingest/store_folder.hpp"
#include "jobs/job_support.hpp"
#include "runtime/bucket_store.hpp"
#include "runtime/collective.hpp"
#include "runtime/exchange.hpp"
#include "runtime/fault_injection.hpp"
#include "runtime/log.hpp"
#include "runtime/metrics.hpp"
#include "runtime/progress.hpp"
#include "runtime/reduce.hpp"
#include "runtime/signals.hpp"
#include "snds_version.hpp"

namespace snds {
namespace fs = std::filesystem;

namespace {

// What one open compressed input costs besides its block: input buffer and codec state (see
// check_memory_budget).
constexpr uint64_t kDecoderBytes = 10 * kMiB;
// Reject details kept per rank before the ingest gives up (a file that is garbage throughout
// fails the reject ratio long before; this only bounds memory).
constexpr size_t kMaxRejectDetailsPerRank = 1'000'000;

struct TableCounts {
  uint64_t read = 0;
  uint64_t rejected = 0;
  uint64_t stored = 0;
  uint64_t orphans = 0;
};

// A routed piece of parsed rows, already in the shuffle's compact form.
struct RoutedCompact {
  uint32_t bucket;
  std::string table;
  EncodedBatch rows;
};

struct ParsedUnit {
  UnitStats stats;
  std::vector<RoutedCompact> routed;
  std::vector<Reject> rejects;
};

// A compressed input this rank helps read: it decompresses the whole file and parses the blocks
// whose index is `slot` mod `ranks` (the other ranks of its group parse the others).
struct StreamShare {
  size_t unit = 0;
  uint32_t slot = 0;
  uint32_t ranks = 1;
  std::unique_ptr<RecordBlockReader> reader;  // open while being read
  uint64_t file_bytes_seen = 0;               // compressed bytes read up to the last block cut
  UnitStats stats;                            // this rank's rows; the whole file's CRC
  // A SAS table: this rank reads the rows [first, last) of it, cut in one contiguous part per
  // thread, each read in one pass by a reader of its own (core/sas), the first one checksumming
  // the file.
  std::vector<std::unique_ptr<SasRowReader>> sas;
  bool sas_started = false;
  size_t sas_next = 0;  // the reader asked next (round robin)
  uint64_t sas_first = 0, sas_last = 0, sas_rows_done = 0;
};

// This rank's share of the read: byte ranges of plain files, and compressed files (whole or
// shared with other ranks).
struct ReadShare {
  std::vector<size_t> ranges;
  std::vector<StreamShare> streams;
};

// One parse task of a read round: a plain range, or a block of a compressed file.
struct ReadTask {
  size_t unit = 0;
  bool block = false;
  bool sas = false;  // a block of SAS rows (IngestRun::sas_blocks_)
  RecordBlock info;
  uint64_t credit_bytes = 0;  // file bytes this task accounts for (progress, metrics)
  size_t buffer = 0;          // its text in block_text_ or rows in sas_blocks_ (blocks only)
};

// A shard ready to be stored: every table's columns encoded (column_encoder.hpp), for the HDF5
// thread to write while the next shard is prepared.
struct PreparedShard {
  uint32_t shard = 0;
  bool skip = false;  // already written by an interrupted run
  std::vector<std::string> tables;
  std::vector<uint64_t> rows;
  std::vector<std::vector<EncodedColumn>> columns;
};

// Every collective checkpoint: all ranks agree on a stop request and leave together (exit 75).
void checkpoint(Communicator& comm, const std::string& where) {
  if (!comm.any(stop_requested())) return;
  if (comm.is_master())
    throw stopped_error(
        fmt::format("ingest stopped by a signal {}; rerun the same command to resume", where));
  throw PeerFailure(ExitCode::kStopped);
}

// Runs a rank's local share of a round; an error is kept (not thrown) so the rank still takes
// part in the round's collectives, and every rank learns of it at the next round's agreement
// (runtime/reduce.hpp).
template <typename F>
void local_step(std::exception_ptr& failure, F&& fn) {
  if (failure) return;
  try {
    fn();
  } catch (...) {
    failure = std::current_exception();
  }
}

class IngestRun {
 public:
  IngestRun(const IngestConfig& config, CommandContext& ctx, bool force)
      : cfg_(config),
        comm_(ctx.comm),
        threads_(std::max(1, ctx.threads)),
        force_(force),
        store_(config.store) {}

  int execute();

 private:
  void prepare();
  void person_phase();
  void read_phase();
  void check_rejects();
  void check_inputs();
  void check_duplicate_keys();
  void join_phase();
  void write_phase();
  void finalize();

  ParsedUnit parse_unit(size_t unit_index) const;
  ParseResult parse_range(size_t unit_index, UnitStats& stats) const;
  ParsedUnit parse_block(size_t unit_index, const std::string& text, const RecordBlock& b) const;
  ParsedUnit parse_sas_rows(size_t unit_index, const SasBlock& b) const;
  bool next_sas_block(StreamShare& s, std::vector<ReadTask>& tasks, uint64_t& bytes_done,
                      size_t buffer);
  void route_into(const InputFile& f, ParseResult&& parsed, ParsedUnit& out) const;
  bool fill_round(ReadShare& share, size_t& range_pos, size_t& stream_pos,
                  std::vector<ReadTask>& tasks, uint64_t& bytes_done, size_t buffer_set);
  void read_round(ReadShare& share, size_t& range_pos, size_t& stream_pos, Outbox& outbox,
                  uint64_t& bytes_done, uint64_t& rows);
  void join_round(const std::vector<uint32_t>& mine, size_t& pos, Outbox& outbox, uint64_t& rows);
  void add_persons(Batch& ir_ben_r);
  PreparedShard prepare_shard(uint32_t shard, const std::vector<std::string>& tables,
                              const ShardWriterOptions& options, uint64_t& rows);
  void store_shard(PreparedShard&& p, const ShardWriterOptions& options, uint64_t& bytes) const;
  ReadShare my_share() const;
  Batch conform(const std::string& table, Batch&& rows) const;
  std::vector<std::string> stored_tables() const;

  const IngestConfig& cfg_;
  Communicator& comm_;
  int threads_;
  bool force_;
  fs::path store_;
  IngestPlan plan_;
  BucketSpace space_{0, 0};
  bool resume_ = false;
  PreparedStore prepared_;  // rank 0: where it writes, and the locks, from prepare() to the end
  std::string store_id_;    // in the manifest and every file written (store_layout.hpp)
  std::unique_ptr<BucketStore> buckets_;
  Metrics metrics_;
  std::vector<UnitStats> unit_stats_;
  std::vector<FileSums> file_sums_;                     // rank 0, after the read phase
  std::vector<std::vector<uint32_t>> duplicate_files_;  // rank 0: allowed duplicates
  // Buffers of the blocks of compressed files and SAS tables a round parses, in two sets: the
  // round being parsed uses one while the next round's blocks are cut into the other.
  std::vector<std::string> block_text_;
  std::vector<SasBlock> sas_blocks_;
  std::vector<ReadTask> next_tasks_;  // the next read round, prepared while this one is parsed
  size_t buffer_set_ = 0;             // the set the next round's blocks go to
  std::vector<Reject> rejects_;
  std::map<std::string, TableCounts> local_counts_;  // this rank's share
  std::map<std::string, uint64_t> global_read_;      // all ranks, after the read phase
  std::map<std::string, uint64_t> global_rejected_;
  JoinCounts join_counts_;
  // Per shard written (or found) by this rank: rows per stored table.
  std::map<uint32_t, std::map<std::string, uint64_t>> shard_rows_;
  std::map<std::string, uint64_t> referential_rows_;  // rank 0, per referential table
  // Rows repeating a patient of IR_BEN_R (this rank's shards) or a CIP13 of IR_PHA_R (rank 0).
  RepeatedKeys ben_repeats_, pha_repeats_;
  uint64_t shards_skipped_ = 0;
  std::string created_;
  // Persons (person_map.hpp): whether IR_BEN_R has BEN_IDT_ANO, the routing every rank shares,
  // and this rank's shards' counts (persons.hpp; birth year and sex from PatientIndex).
  bool person_ids_ = false;
  PersonRouting persons_;
  PersonCounts person_counts_;
  uint64_t birth_year_conflicts_ = 0, sex_conflicts_ = 0;
  // PMSI C rows whose NIR_ANO_17 is a placeholder, per table (this rank's shards).
  std::map<std::string, uint64_t> placeholder_rows_;
};

int IngestRun::execute() {
  check_memory_budget(cfg_, threads_);
  prepare();
  all_or_none(comm_, [&] {
    metrics_.begin_phase("scan");
    scan_units(comm_, plan_, threads_);
    metrics_.end_phase(0, 0);
  });
  const auto budget = static_cast<uint64_t>(cfg_.memory_budget_mb * static_cast<double>(kMiB));
  const uint64_t in_flight = check_memory_budget(
      cfg_, threads_, std::any_of(plan_.files.begin(), plan_.files.end(), [](const InputFile& f) {
        return f.streamed();
      }));
  check_shards_can_fit(cfg_, plan_);
  all_or_none(comm_, [&] { person_phase(); });
  // memory_budget_mb is the process's: what it holds before the read (libraries, MPI and HDF5
  // buffers, the plan, the persons) and the read's buffers come off the shuffle's share.
  const uint64_t resident = current_rss_bytes();
  const fs::path scratch =
      fs::path(cfg_.scratch) / fmt::format("rank{}-{}", comm_.rank(), ::getpid());
  const uint64_t shuffle = shuffle_budget(budget, in_flight, resident);
  if (shuffle + in_flight + resident + budget / 8 > budget)
    log::warn(
        "memory_budget_mb = {} leaves little for the shuffle: this rank holds {:.0f} MB before "
        "the read and its read buffers take {:.0f} MB, so the shuffle keeps {:.1f} MB and the "
        "peak will exceed the budget; raise memory_budget_mb",
        cfg_.memory_budget_mb, static_cast<double>(resident) / static_cast<double>(kMiB),
        static_cast<double>(in_flight) / static_cast<double>(kMiB),
        static_cast<double>(shuffle) / static_cast<double>(kMiB));
  buckets_ = std::make_unique<BucketStore>(shuffle, scratch, threads_);
  all_or_none(comm_, [&] { read_phase(); });
  check_rejects();
  check_inputs();
  all_or_none(comm_, [&] { join_phase(); });
  check_duplicate_keys();
  all_or_none(comm_, [&] { write_phase(); });
  all_or_none(comm_, [&] { finalize(); });
  std::error_code ec;
  fs::remove_all(scratch, ec);
  return 0;
}

void IngestRun::prepare() {
  metrics_.begin_phase("prepare");
  Bytes encoded, decision;
  // Rank 0 alone looks at the file system; the others wait in the agreement, not in a broadcast.
  all_or_none(comm_, [&] {
    if (!comm_.is_master()) return;
    plan_ = build_plan(cfg_);
    // What the store's content depends on: inputs, shard count, compression, program version.
    // Operational settings (scratch folder, memory budget, range size) may change between a
    // stopped run and its resubmission without losing the finished shards.
    boost::json::object settings = cfg_.to_json();
    for (const char* key : {"scratch", "memory_budget_mb", "read_chunk_kb"}) settings.erase(key);
    const std::string fingerprint =
        fmt::format("{} {} {}", plan_.fingerprint(), boost::json::serialize(settings), kVersion);
    prepared_ = prepare_store_folder(store_, fingerprint, force_);
    encoded = plan_.encode();
    ByteWriter w(decision);
    w.put<uint8_t>(prepared_.start == StoreStart::kResume ? 1 : 0);
    w.put_string(prepared_.folder.string());
    w.put_string(prepared_.store_id);
    log::info("ingest: {} files, {:.1f} MB, {} tables, {} shards, {} ranks x {} threads",
              plan_.files.size(), static_cast<double>(plan_.total_bytes) / 1e6,
              plan_.schemas.size(), cfg_.shards, comm_.size(), threads_);
  });
  comm_.broadcast(encoded, 0);
  comm_.broadcast(decision, 0);
  ByteReader r(decision);
  resume_ = r.get<uint8_t>() != 0;
  store_ = r.get_string();  // the store, or STORE.new that replaces it once complete
  store_id_ = r.get_string();
  if (!comm_.is_master()) plan_ = IngestPlan::decode(encoded);
  space_ = BucketSpace{cfg_.shards, cfg_.shards};
  created_ = utc_now();
  metrics_.end_phase(plan_.files.size(), plan_.total_bytes);
}

ReadShare IngestRun::my_share() const {
  // Largest first onto the least loaded rank(s): deterministic, balanced by bytes of CSV. A
  // compressed file larger than a fair share (the CSV bytes over the ranks) is shared by as many
  // ranks as it has fair shares: each of them decompresses all of it (decompression is several
  // times faster than parsing) and parses one block in `ranks`. Smaller ones go whole to one rank,
  // decompressed once.
  const size_t n_ranks = static_cast<size_t>(comm_.size());
  auto bytes = [&](size_t i) {
    const WorkUnit& u = plan_.units[i];
    const InputFile& f = plan_.files[u.file];
    return f.streamed() ? f.csv_bytes : u.end - u.begin;
  };
  uint64_t total = 0;
  for (size_t i = 0; i < plan_.units.size(); ++i) total += bytes(i);
  const uint64_t fair = std::max<uint64_t>(1, total / n_ranks);
  std::vector<size_t> order(plan_.units.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return bytes(a) > bytes(b); });
  std::vector<uint64_t> load(n_ranks, 0);
  ReadShare mine;
  for (size_t i : order) {
    // SAS tables are shared the same way, each rank of the group reading a range of rows.
    const bool compressed = plan_.files[plan_.units[i].file].streamed();
    const size_t group =
        compressed ? std::clamp<size_t>((bytes(i) + fair - 1) / fair, 1, n_ranks) : 1;
    std::vector<size_t> ranks(n_ranks);
    std::iota(ranks.begin(), ranks.end(), size_t{0});
    std::stable_sort(ranks.begin(), ranks.end(),
                     [&](size_t a, size_t b) { return load[a] < load[b]; });
    ranks.resize(group);
    std::sort(ranks.begin(), ranks.end());
    for (size_t k = 0; k < group; ++k) {
      load[ranks[k]] += bytes(i) / group + 1;
      if (ranks[k] != static_cast<size_t>(comm_.rank())) continue;
      if (!compressed) {
        mine.ranges.push_back(i);
        continue;
      }
      StreamShare s;
      s.unit = i;
      s.slot = static_cast<uint32_t>(k);
      s.ranks = static_cast<uint32_t>(group);
      s.stats.unit = static_cast<uint32_t>(i);
      mine.streams.push_back(std::move(s));
    }
  }
  std::sort(mine.ranges.begin(), mine.ranges.end());
  std::sort(mine.streams.begin(), mine.streams.end(),
            [](const StreamShare& a, const StreamShare& b) { return a.unit < b.unit; });
  return mine;
}

void IngestRun::route_into(const InputFile& f, ParseResult&& parsed, ParsedUnit& out) const {
  out.stats.rows_read = parsed.rows_read;
  out.stats.rejected = parsed.rejects.size();
  out.stats.invalid_utf8 = parsed.invalid_utf8_values;
  Column src(kSrcColumn, ColumnType::kInt64);
  src.ints.assign(parsed.source_order.begin(), parsed.source_order.end());
  parsed.rows.columns.push_back(std::move(src));
  // Each bucket's rows encoded straight from the parsed batch (no gathered copy first).
  route_parsed(f.table, parsed.rows, space_,
               EncodeSplit([&](uint32_t bucket, const std::string& table, EncodedBatch&& rows) {
                 out.routed.push_back(RoutedCompact{bucket, table, std::move(rows)});
               }));
  out.rejects = std::move(parsed.rejects);
}

ParsedUnit IngestRun::parse_block(size_t ui, const std::string& text, const RecordBlock& b) const {
  const InputFile& f = plan_.files[plan_.units[ui].file];
  ParsedUnit out;
  out.stats.unit = static_cast<uint32_t>(ui);
  route_into(f,
             parse_records(f.header, text.data(), b.size, b.offset, b.first_line,
                           plan_.units[ui].file, f.path),
             out);
  return out;
}

ParsedUnit IngestRun::parse_sas_rows(size_t ui, const SasBlock& b) const {
  const InputFile& f = plan_.files[plan_.units[ui].file];
  ParsedUnit out;
  out.stats.unit = static_cast<uint32_t>(ui);
  route_into(f, parse_sas_block(f.header, b, plan_.units[ui].file, f.path), out);
  return out;
}

ParsedUnit IngestRun::parse_unit(size_t ui) const {
  ParsedUnit out;
  out.stats.unit = static_cast<uint32_t>(ui);
  ParseResult parsed = parse_range(ui, out.stats);
  route_into(plan_.files[plan_.units[ui].file], std::move(parsed), out);
  return out;
}

ParseResult IngestRun::parse_range(size_t ui, UnitStats& stats) const {
  const WorkUnit& u = plan_.units[ui];
  const InputFile& f = plan_.files[u.file];
  const bool next_in_quotes =
      u.end < f.size && ui + 1 < plan_.units.size() && plan_.units[ui + 1].in_quotes;
  const FileRangeRecords r = read_range_records(
      f.path, f.size, u.begin, u.end, u.begin == f.body_offset, u.in_quotes, next_in_quotes);
  stats.crc =
      static_cast<uint32_t>(crc32(0L, reinterpret_cast<const Bytef*>(r.text.data() + r.lead),
                                  static_cast<uInt>(u.end - u.begin)));
  stats.crc_len = u.end - u.begin;
  stats.content_crc = stats.crc;
  stats.content_len = stats.crc_len;
  const uint64_t first_line =
      u.newlines_before + 1 +
      (r.start > r.lead ? scan_range(r.text.data() + r.lead, r.start - r.lead).newlines : 0);
  return parse_records(f.header, r.text.data() + r.start, r.cut - r.start,
                       u.begin - r.lead + r.start, first_line, u.file, f.path);
}

void IngestRun::person_phase() {
  // Only an extract whose IR_BEN_R has BEN_IDT_ANO has persons of several pseudo-NIRs.
  for (const auto& [t, cols] : plan_.schemas) {
    const auto name = parse_table_name(t);
    if (name && name->kind == TableKind::kIrBenR)
      person_ids_ = std::any_of(cols.begin(), cols.end(),
                                [](const auto& c) { return c.name == "BEN_IDT_ANO"; });
  }
  if (!person_ids_) return;
  metrics_.begin_phase("persons");
  // IR_BEN_R's units dealt round robin (the table is small next to the claims); rejected rows
  // are rejected again by the read phase and link nothing here.
  std::vector<PersonLink> links;
  uint64_t rows = 0, bytes = 0;
  size_t k = 0;
  std::exception_ptr failure;
  local_step(failure, [&] {
    for (size_t ui = 0; ui < plan_.units.size(); ++ui) {
      const WorkUnit& u = plan_.units[ui];
      const InputFile& f = plan_.files[u.file];
      if (f.table.kind != TableKind::kIrBenR) continue;
      if (k++ % static_cast<size_t>(comm_.size()) != static_cast<size_t>(comm_.rank())) continue;
      if (!f.compressed()) {
        UnitStats stats;
        const ParseResult parsed = parse_range(ui, stats);
        collect_person_links(parsed.rows, links);
        rows += parsed.rows_read;
        bytes += u.end - u.begin;
        continue;
      }
      RecordBlockReader reader(f.path, f.compression, f.body_offset, f.body_line,
                               cfg_.read_chunk_kb << 10);
      std::string text;
      RecordBlock b;
      while (reader.next(b, &text)) {
        const ParseResult parsed =
            parse_records(f.header, text.data(), b.size, b.offset, b.first_line, u.file, f.path);
        collect_person_links(parsed.rows, links);
        rows += parsed.rows_read;
      }
      bytes += f.size;
    }
  });
  // Every rank takes part in the collective build, a failed one with no links; all then agree.
  if (failure) links.clear();
  persons_ = PersonRouting::build(comm_, std::move(links), space_.shards);
  if (comm_.any(failure != nullptr)) {
    if (failure) std::rethrow_exception(failure);
    throw PeerFailure(ExitCode::kData);
  }
  space_.persons = &persons_;
  if (comm_.is_master() && persons_.linked_ids() > 0)
    log::info(
        "persons: {} BEN_IDT_ANO name several BEN_NIR_PSA; {} BEN_NIR_PSA routed to their "
        "person's shard",
        persons_.linked_ids(), persons_.moved());
  metrics_.end_phase(rows, bytes);
}

void IngestRun::read_phase() {
  metrics_.begin_phase("read");
  ReadShare share = my_share();
  Progress progress("read", plan_.total_bytes / kMiB, "MB", comm_.is_master());
  Outbox outbox(comm_.size());
  size_t range_pos = 0, stream_pos = 0;
  uint64_t bytes_done = 0, rows = 0;
  std::exception_ptr failure;
  for (;;) {
    const RoundStatus round = agree_on_round(
        comm_, {.work_left = (share.ranges.size() - range_pos) +
                             (share.streams.size() - stream_pos) + next_tasks_.size(),
                .done = bytes_done,
                .stopping = stop_requested() ? 1u : 0u,
                .failed = failure ? 1u : 0u});
    if (round.any_failed()) break;  // a rank failed: all leave; all_or_none reports it
    progress.update(round.done / kMiB);
    if (round.any_stopping()) checkpoint(comm_, "while reading the inputs");
    if (!round.any_left()) break;
    local_step(failure,
               [&] { read_round(share, range_pos, stream_pos, outbox, bytes_done, rows); });
    exchange(comm_, outbox, *buckets_);
    fault_point("read_round");
  }
  if (failure) std::rethrow_exception(failure);
  // One entry per compressed file read here: this rank's rows, and the file's CRC (every rank
  // sharing a file read all of it).
  for (const StreamShare& s : share.streams) unit_stats_.push_back(s.stats);
  block_text_.clear();
  block_text_.shrink_to_fit();
  sas_blocks_.clear();
  sas_blocks_.shrink_to_fit();
  progress.finish();
  metrics_.end_phase(rows, bytes_done);
}

bool IngestRun::fill_round(ReadShare& share, size_t& range_pos, size_t& stream_pos,
                           std::vector<ReadTask>& tasks, uint64_t& bytes_done, size_t buffer_set) {
  // A round is about a range per thread of text (`read_chunk_kb` each), in as many tasks as it
  // takes: small files and last ranges fill a round with more tasks, so no thread waits long
  // for the one parsing the largest, and no rank parses a round of small files while another
  // parses full ranges (rounds are collective: the others would wait at the exchange).
  const uint64_t chunk = cfg_.read_chunk_kb << 10;
  // Blocks (their text held in buffers that keep their size) at most one per thread.
  const size_t slots = 64 * static_cast<size_t>(threads_);
  const auto blocks_max = static_cast<size_t>(threads_);
  const uint64_t round_bytes = static_cast<uint64_t>(threads_) * chunk;
  if (block_text_.size() < 2 * blocks_max) block_text_.resize(2 * blocks_max);
  if (sas_blocks_.size() < 2 * blocks_max) sas_blocks_.resize(2 * blocks_max);
  const size_t base = buffer_set * blocks_max;
  size_t blocks = 0;
  uint64_t planned = 0;
  while (tasks.size() < slots && planned < round_bytes) {
    if (range_pos < share.ranges.size()) {
      const size_t ui = share.ranges[range_pos++];
      const uint64_t bytes = plan_.units[ui].end - plan_.units[ui].begin;
      tasks.push_back(ReadTask{ui, false, false, {}, bytes});
      planned += bytes;
      continue;
    }
    if (stream_pos == share.streams.size() || blocks == blocks_max) break;
    StreamShare& s = share.streams[stream_pos];
    const InputFile& f = plan_.files[plan_.units[s.unit].file];
    if (f.sas) {
      if (!next_sas_block(s, tasks, bytes_done, base + blocks))
        ++stream_pos;
      else
        ++blocks;
      planned += chunk / 4;  // a SAS block holds about a quarter of a chunk (next_sas_block)
      continue;
    }
    if (!s.reader)
      s.reader = std::make_unique<RecordBlockReader>(f.path, f.compression, f.body_offset,
                                                     f.body_line, cfg_.read_chunk_kb << 10);
    // Blocks of the other ranks of the group are cut (to know where ours start) and dropped.
    for (;;) {
      const bool ours = s.reader->next_index() % s.ranks == s.slot;
      RecordBlock b;
      if (!s.reader->next(b, ours ? &block_text_[base + blocks] : nullptr)) {
        s.stats.crc = s.reader->file_crc32();
        s.stats.crc_len = s.reader->file_bytes_read();
        s.stats.content_crc = s.reader->content_crc32();
        s.stats.content_len = s.reader->content_bytes();
        if (s.slot == 0) bytes_done += f.size - s.file_bytes_seen;  // read after the last cut
        s.reader.reset();
        ++stream_pos;
        break;
      }
      const uint64_t credit = b.file_bytes - s.file_bytes_seen;
      s.file_bytes_seen = b.file_bytes;
      if (ours) {
        tasks.push_back(ReadTask{s.unit, true, false, b, credit, base + blocks++});
        planned += b.size;
        break;
      }
    }
  }
  return !tasks.empty();
}

// The next block of this rank's rows of a SAS table as a task; false (the stream's stats set)
// when its rows are all read. Ranks sharing a table take consecutive row ranges, and a rank cuts
// its range in one part per thread: ReadStat decodes rows on one thread per reader, so one
// reader would leave a rank's other threads waiting. Each reader reads the pages before its part
// once (ReadStat's row_offset) and types none of their rows; blocks are taken from the readers
// in turn (their order does not matter: `_src` is the row number).
bool IngestRun::next_sas_block(StreamShare& s, std::vector<ReadTask>& tasks, uint64_t& bytes_done,
                               size_t buffer) {
  const InputFile& f = plan_.files[plan_.units[s.unit].file];
  const uint64_t n = f.sas_rows;
  // Progress: the file's bytes in proportion to its rows, telescoping to its size over ranks.
  const auto credit_to = [&](uint64_t row) {
    const uint64_t at =
        n == 0 ? f.size * (s.slot + 1) / s.ranks
               : static_cast<uint64_t>(static_cast<double>(f.size) * static_cast<double>(row) /
                                       static_cast<double>(n));
    const uint64_t c = at > s.file_bytes_seen ? at - s.file_bytes_seen : 0;
    s.file_bytes_seen += c;
    return c;
  };
  if (!s.sas_started) {
    s.sas_started = true;
    s.sas_first = n * s.slot / s.ranks;
    s.sas_last = n * (s.slot + 1) / s.ranks;
    s.file_bytes_seen =
        n == 0 ? f.size * s.slot / s.ranks
               : static_cast<uint64_t>(static_cast<double>(f.size) *
                                       static_cast<double>(s.sas_first) / static_cast<double>(n));
    // Blocks of a quarter of a read chunk of SAS row bytes over the readers: with each reader's
    // two blocks ahead and one being filled, a table in flight holds about a chunk (its text is
    // about as long as its fixed-width rows, plus 4 bytes a cell), what a compressed file's
    // block costs.
    const uint64_t row_bytes = std::max<uint64_t>(1, f.size / std::max<uint64_t>(n, 1));
    const uint64_t rows = s.sas_last - s.sas_first;
    const uint64_t chunk_rows = std::max<uint64_t>(1, (cfg_.read_chunk_kb << 10) / row_bytes);
    // A part per thread, but none under two chunks of rows (skipping costs each reader a read).
    const uint64_t parts =
        std::clamp<uint64_t>(rows / (2 * chunk_rows), 1, static_cast<uint64_t>(threads_));
    const size_t block_rows = static_cast<size_t>(std::max<uint64_t>(1, chunk_rows / 4 / parts));
    std::vector<SasCell> cells;
    for (uint8_t c : f.sas_cells) cells.push_back(static_cast<SasCell>(c));
    for (uint64_t p = 0; p < parts; ++p)
      s.sas.push_back(std::make_unique<SasRowReader>(f.path, cells, s.sas_first + rows * p / parts,
                                                     s.sas_first + rows * (p + 1) / parts,
                                                     block_rows, p == 0));
  }
  SasBlock& b = sas_blocks_[buffer];
  while (!s.sas.empty()) {
    const size_t i = s.sas_next % s.sas.size();
    if (s.sas[i]->next(b)) {
      s.sas_next = i + 1;
      s.sas_rows_done += b.rows;
      tasks.push_back(
          ReadTask{s.unit, true, true, {}, credit_to(s.sas_first + s.sas_rows_done), buffer});
      return true;
    }
    if (s.sas[i]->file_bytes() > 0 || f.size == 0) {  // the checksumming reader
      s.stats.crc = s.stats.content_crc = s.sas[i]->file_crc32();
      s.stats.crc_len = s.stats.content_len = s.sas[i]->file_bytes();
    }
    s.sas.erase(s.sas.begin() + static_cast<std::ptrdiff_t>(i));
    s.sas_next = i;
  }
  bytes_done += credit_to(s.sas_last);
  return false;
}

void IngestRun::read_round(ReadShare& share, size_t& range_pos, size_t& stream_pos, Outbox& outbox,
                           uint64_t& bytes_done, uint64_t& rows) {
  std::vector<ReadTask> tasks = std::move(next_tasks_);
  next_tasks_.clear();
  if (tasks.empty()) {
    if (!fill_round(share, range_pos, stream_pos, tasks, bytes_done, buffer_set_)) return;
    buffer_set_ ^= 1;
  }
  const bool more = range_pos < share.ranges.size() || stream_pos < share.streams.size();
  const size_t take = tasks.size();
  // The routed rows come in the shuffle's compact form, made here on the threads (the exchange
  // and the bucket store then only move bytes).
  std::vector<ParsedUnit> parsed(take);
  std::exception_ptr error;
  // One thread first cuts the next round's blocks (decompressing, reading SAS pages: serial per
  // file) into the other buffer set, then joins the parsing of this round's tasks.
#pragma omp parallel num_threads(threads_)
  {
#pragma omp single nowait
    if (more) {
      try {
        fill_round(share, range_pos, stream_pos, next_tasks_, bytes_done, buffer_set_);
      } catch (...) {
#pragma omp critical
        if (!error) error = std::current_exception();
      }
    }
#pragma omp for schedule(dynamic, 1)
    for (size_t k = 0; k < take; ++k) {
      try {
        const ReadTask& t = tasks[k];
        if (!t.block)
          parsed[k] = parse_unit(t.unit);
        else if (t.sas)
          parsed[k] = parse_sas_rows(t.unit, sas_blocks_[t.buffer]);
        else
          parsed[k] = parse_block(t.unit, block_text_[t.buffer], t.info);
      } catch (...) {
#pragma omp critical
        if (!error) error = std::current_exception();
      }
    }
  }
  buffer_set_ ^= 1;
  if (error) std::rethrow_exception(error);
  for (size_t k = 0; k < take; ++k) {
    ParsedUnit& p = parsed[k];
    const ReadTask& t = tasks[k];
    const std::string& table = plan_.files[plan_.units[t.unit].file].table.name;
    local_counts_[table].read += p.stats.rows_read;
    local_counts_[table].rejected += p.stats.rejected;
    rows += p.stats.rows_read;
    bytes_done += t.credit_bytes;
    if (!t.block) {
      unit_stats_.push_back(p.stats);
    } else {
      for (StreamShare& s : share.streams)
        if (s.unit == t.unit) {
          s.stats.rows_read += p.stats.rows_read;
          s.stats.rejected += p.stats.rejected;
          s.stats.invalid_utf8 += p.stats.invalid_utf8;
        }
    }
    for (RoutedCompact& r : p.routed)
      outbox.add(space_.owner(r.bucket, comm_.size()), r.bucket, r.table, std::move(r.rows));
    for (auto& rj : p.rejects) {
      if (rejects_.size() >= kMaxRejectDetailsPerRank)
        throw data_error(
            "more than {} rejected rows on one rank: the inputs are not SNDS CSV extracts as "
            "expected (see {})",
            kMaxRejectDetailsPerRank, store_rejects_path(store_).string());
      rejects_.push_back(std::move(rj));
    }
  }
}

void IngestRun::check_rejects() {
  // Read and rejected rows per table, summed over ranks (the plan's table order everywhere).
  struct ReadCounts {
    uint64_t read = 0;
    uint64_t rejected = 0;
  };
  std::vector<std::string> tables;
  for (const auto& [t, cols] : plan_.schemas) tables.push_back(t);
  std::vector<ReadCounts> counts(tables.size());
  for (size_t i = 0; i < tables.size(); ++i) {
    auto it = local_counts_.find(tables[i]);
    if (it != local_counts_.end()) counts[i] = {it->second.read, it->second.rejected};
  }
  sum_fields(comm_, std::span<ReadCounts>(counts));

  // The reject file: every rank's rejects, on rank 0 (core/csv/reject_file.hpp).
  Bytes mine;
  ByteWriter w(mine);
  put_rejects(w, rejects_);
  rejects_.clear();
  auto all = comm_.gather(mine, 0);
  all_or_none(comm_, [&] {
    if (!comm_.is_master()) return;
    std::vector<Reject> rows;
    for (const auto& b : all) {
      ByteReader r(b);
      get_rejects(r, rows);
    }
    write_file_atomic(store_rejects_path(store_), reject_file_text(std::move(rows)));
  });
  all.clear();

  for (size_t i = 0; i < tables.size(); ++i) {
    global_read_[tables[i]] = counts[i].read;
    global_rejected_[tables[i]] = counts[i].rejected;
  }
  all_or_none(comm_, [&] {
    for (size_t i = 0; i < tables.size(); ++i) {
      const uint64_t read = counts[i].read, rejected = counts[i].rejected;
      if (rejected == 0) continue;
      const double ratio =
          static_cast<double>(rejected) / static_cast<double>(std::max<uint64_t>(read, 1));
      if (ratio > cfg_.max_reject_ratio) {
        if (!comm_.is_master()) throw PeerFailure(ExitCode::kData);
        throw data_error(
            "table {}: {} of {} rows rejected ({:.3g}%), above max_reject_ratio = {} in {}; the "
            "rows and reasons are in {}",
            tables[i], rejected, read, 100.0 * ratio, cfg_.max_reject_ratio, cfg_.config_path,
            store_rejects_path(store_).string());
      }
      if (comm_.is_master())
        log::warn("table {}: {} of {} rows rejected (see {})", tables[i], rejected, read,
                  store_rejects_path(store_).string());
    }
  });
}

void IngestRun::check_inputs() {
  Bytes mine;
  ByteWriter w(mine);
  w.put_vector(unit_stats_);
  const auto all = comm_.gather(mine, 0);
  Bytes resume(1, 0);
  all_or_none(comm_, [&] {
    if (!comm_.is_master()) return;
    std::vector<UnitStats> units;
    for (const auto& b : all) {
      ByteReader r(b);
      auto u = r.get_vector<UnitStats>();
      units.insert(units.end(), u.begin(), u.end());
    }
    file_sums_ = sum_files(plan_, units);

    for (const auto& set : duplicate_files(plan_, file_sums_)) {
      const std::string& first = plan_.files[set[0]].path;
      for (size_t k = 1; k < set.size(); ++k) {
        if (!cfg_.allow_duplicate_files)
          throw data_error(
              "{} has the same content as {}: a duplicated extract, whose rows would be stored "
              "twice; remove the copy, or set allow_duplicate_files: true in {} if both are "
              "meant to be read",
              plan_.files[set[k]].path, first, cfg_.config_path);
        log::warn("{} has the same content as {}; both are read (allow_duplicate_files: true)",
                  plan_.files[set[k]].path, first);
      }
      duplicate_files_.push_back(set);
    }

    // The proof a resume needs: the shards kept from the unfinished run were built from these
    // very bytes (its record is written below, before any shard).
    const fs::path record = inputs_record_path(store_);
    const std::string now = inputs_record(plan_, file_sums_);
    if (resume_) {
      std::string before;
      if (fs::exists(record)) before = read_file(record);
      const std::string difference = before.empty()
                                         ? "no record of the inputs the unfinished ingest read"
                                         : inputs_difference(before, now);
      if (!difference.empty()) {
        log::warn("{}: not resuming; starting over (the shards it wrote are discarded)",
                  difference);
        for (const auto& entry : fs::directory_iterator(store_ / "shards")) fs::remove(entry);
        resume_ = false;
      }
    }
    if (!resume_ || !fs::exists(record)) write_file_atomic(record, now);
    resume[0] = resume_ ? 1 : 0;
  });
  comm_.broadcast(resume, 0);
  resume_ = resume[0] != 0;
}

void IngestRun::check_duplicate_keys() {
  // Summed over ranks (every partition counts its own), in the plan's table order.
  std::vector<std::string> tables;
  for (const auto& [t, cols] : plan_.schemas) tables.push_back(t);
  std::vector<uint64_t> v(tables.size(), 0);
  for (size_t i = 0; i < tables.size(); ++i) {
    auto it = join_counts_.duplicate_parent_keys.find(tables[i]);
    if (it != join_counts_.duplicate_parent_keys.end()) v[i] = it->second;
  }
  comm_.allreduce_sum(v);
  join_counts_.duplicate_parent_keys.clear();
  for (size_t i = 0; i < tables.size(); ++i)
    if (v[i] > 0) join_counts_.duplicate_parent_keys[tables[i]] = v[i];
  all_or_none(comm_, [&] {
    for (const auto& [t, dups] : join_counts_.duplicate_parent_keys) {
      const uint64_t rows = global_read_[t] - global_rejected_[t];
      const double ratio =
          static_cast<double>(dups) / static_cast<double>(std::max<uint64_t>(rows, 1));
      if (ratio > cfg_.max_duplicate_ratio) {
        if (!comm_.is_master()) throw PeerFailure(ExitCode::kData);
        throw data_error(
            "table {}: {} of {} rows repeat the join key of another row ({:.3g}%), above "
            "max_duplicate_ratio = {} in {}: is part of the extract in the inputs twice? (detail "
            "rows join the first of them in input order)",
            t, dups, rows, 100.0 * ratio, cfg_.max_duplicate_ratio, cfg_.config_path);
      }
    }
  });
}

void IngestRun::join_phase() {
  metrics_.begin_phase("join");
  std::vector<uint32_t> mine;
  for (uint32_t b = space_.shards; b < space_.referential(); ++b)
    if (space_.owner(b, comm_.size()) == comm_.rank()) mine.push_back(b);
  Outbox outbox(comm_.size());
  size_t pos = 0;
  uint64_t rows = 0;
  std::exception_ptr failure;
  for (;;) {
    const RoundStatus round = agree_on_round(comm_, {.work_left = mine.size() - pos,
                                                     .stopping = stop_requested() ? 1u : 0u,
                                                     .failed = failure ? 1u : 0u});
    if (round.any_failed()) break;
    if (round.any_stopping()) checkpoint(comm_, "while joining detail tables");
    if (!round.any_left()) break;
    local_step(failure, [&] { join_round(mine, pos, outbox, rows); });
    exchange(comm_, outbox, *buckets_);
  }
  if (failure) std::rethrow_exception(failure);
  metrics_.end_phase(rows, 0);
}

void IngestRun::join_round(const std::vector<uint32_t>& mine, size_t& pos, Outbox& outbox,
                           uint64_t& rows) {
  const size_t take = std::min(mine.size() - pos, static_cast<size_t>(threads_));
  if (take == 0) return;
  std::vector<std::map<std::string, std::vector<Batch>>> inputs(take);
  // Room under the budget for the partitions taken and what the join makes of them (about twice
  // their rows), by spilling other buckets first.
  uint64_t need = 0;
  for (size_t k = 0; k < take; ++k) need += 2 * buckets_->bucket_bytes(mine[pos + k]);
  buckets_->make_room(need, mine[pos]);
  for (size_t k = 0; k < take; ++k) inputs[k] = buckets_->take(mine[pos + k]);
  // The output pieces in the shuffle's compact form, made on the threads.
  std::vector<std::vector<RoutedCompact>> outputs(take);
  std::vector<JoinCounts> counts(take);
  std::exception_ptr error;
#pragma omp parallel for schedule(dynamic, 1) num_threads(threads_)
  for (size_t k = 0; k < take; ++k) {
    try {
      join_bucket(std::move(inputs[k]), space_, counts[k],
                  EncodeSplit([&out = outputs[k]](uint32_t bucket, const std::string& table,
                                                  EncodedBatch&& e) {
                    out.push_back(RoutedCompact{bucket, table, std::move(e)});
                  }));
    } catch (...) {
#pragma omp critical
      if (!error) error = std::current_exception();
    }
  }
  if (error) std::rethrow_exception(error);
  for (size_t k = 0; k < take; ++k) {
    join_counts_.add(counts[k]);
    for (RoutedCompact& r : outputs[k]) {
      rows += r.rows.rows();
      outbox.add(space_.owner(r.bucket, comm_.size()), r.bucket, r.table, std::move(r.rows));
    }
  }
  pos += take;
}

// A shard is written from memory: its rows must fit in the budget (their sorted copy is made
// room for by spilling the others).
void check_shard_fits(const IngestConfig& cfg, uint32_t shard, uint64_t bytes) {
  if (static_cast<double>(bytes) <= cfg.memory_budget_mb * static_cast<double>(kMiB)) return;
  throw data_error(
      "shard {} holds {:.2f} MB of rows, more than memory_budget_mb = {} in {}: raise "
      "memory_budget_mb or use more shards",
      shard, static_cast<double>(bytes) / static_cast<double>(kMiB), cfg.memory_budget_mb,
      cfg.config_path);
}

PreparedShard IngestRun::prepare_shard(uint32_t shard, const std::vector<std::string>& tables,
                                       const ShardWriterOptions& options, uint64_t& rows) {
  PreparedShard out;
  out.shard = shard;
  // Room under the budget for the shard's rows and their sorted copy, by spilling other shards
  // first: the rest of the store and this shard's work fit in the budget together (the shard
  // alone fits: write_phase checked every shard before the first write).
  buckets_->make_room(2 * buckets_->bucket_bytes(shard), shard);
  auto data = buckets_->take(shard);
  // Sorted straight from the bucket's parts (one gather, no concatenated copy), then given the
  // table's stored columns.
  std::vector<Batch> sorted = sort_shard_for_store(tables, std::move(data), threads_);
  for (size_t k = 0; k < tables.size(); ++k) sorted[k] = conform(tables[k], std::move(sorted[k]));
  std::exception_ptr error;
  auto& counts = shard_rows_[shard];
  for (size_t k = 0; k < tables.size(); ++k) {
    counts[tables[k]] = sorted[k].rows();
    rows += sorted[k].rows();
    if (tables[k] == "IR_BEN_R") {
      static constexpr std::string_view kPatient[] = {"BEN_NIR_PSA", "BEN_RNG_GEM"};
      const RepeatedKeys r = repeated_keys(sorted[k], kPatient);
      ben_repeats_.identical += r.identical;
      ben_repeats_.conflicting += r.conflicting;
      if (person_ids_) add_persons(sorted[k]);
    }
    const auto name = parse_table_name(tables[k]);
    if (name && name->kind == TableKind::kMcoC && sorted[k].find("NIR_ANO_17") >= 0) {
      const Column& nir = sorted[k].at("NIR_ANO_17");
      uint64_t n = 0;
      for (size_t i = 0; i < nir.size(); ++i) n += is_placeholder_nir(nir.string_at(i)) ? 1 : 0;
      if (n > 0) placeholder_rows_[tables[k]] += n;
    }
  }
  if (resume_ && fs::exists(shard_path(store_, shard))) {
    ++shards_skipped_;  // written by the interrupted run: its content is the same
    out.skip = true;
    return out;
  }
  // Every column of every table encoded (narrowed, dictionary-coded, compressed, checksummed)
  // on the threads, largest first; this thread then only hands finished chunks to HDF5.
  // Orphan tables exist only where there are orphans: no job reads them, and every empty table
  // costs a dozen HDF5 objects per shard.
  std::vector<uint64_t> table_rows(tables.size());
  std::vector<bool> kept(tables.size());
  std::vector<std::vector<EncodedColumn>> encoded(tables.size());
  std::vector<std::pair<size_t, size_t>> tasks;
  for (size_t k = 0; k < tables.size(); ++k) {
    table_rows[k] = sorted[k].rows();
    kept[k] = table_rows[k] > 0 || !tables[k].ends_with(kOrphanSuffix);
    if (!kept[k]) continue;
    encoded[k].resize(sorted[k].columns.size());
    for (size_t j = 0; j < sorted[k].columns.size(); ++j) tasks.emplace_back(k, j);
  }
  std::stable_sort(tasks.begin(), tasks.end(), [&](const auto& a, const auto& b) {
    return table_rows[a.first] > table_rows[b.first];
  });
#pragma omp parallel for schedule(dynamic, 1) num_threads(threads_)
  for (size_t t = 0; t < tasks.size(); ++t) {
    const auto [k, j] = tasks[t];
    try {
      encoded[k][j] = encode_column(sorted[k].columns[j], tables[k], options);
      sorted[k].columns[j] = Column(sorted[k].columns[j].name, sorted[k].columns[j].type);
    } catch (...) {
#pragma omp critical
      if (!error) error = std::current_exception();
    }
  }
  if (error) std::rethrow_exception(error);
  for (size_t k = 0; k < tables.size(); ++k) {
    if (!kept[k]) continue;
    out.tables.push_back(tables[k]);
    out.rows.push_back(table_rows[k]);
    out.columns.push_back(std::move(encoded[k]));
  }
  return out;
}

void IngestRun::store_shard(PreparedShard&& p, const ShardWriterOptions& options,
                            uint64_t& bytes) const {
  if (p.skip) return;
  const fs::path final_path = shard_path(store_, p.shard);
  const fs::path tmp = temp_path_for(final_path);
  FileAttributes attrs{{"shard", int64_t(p.shard)},
                       {"shards", int64_t(space_.shards)},
                       {kStoreIdAttribute, store_id_},
                       {"program_version", std::string(kVersion)}};
  ShardWriter writer(tmp, attrs, options);
  for (size_t k = 0; k < p.tables.size(); ++k) {
    writer.write_encoded(p.tables[k], p.rows[k], p.columns[k]);
    std::vector<EncodedColumn>().swap(p.columns[k]);
  }
  writer.close();
  commit_file(tmp, final_path);
  bytes += fs::file_size(final_path);
  fault_point("shard");
}

void IngestRun::add_persons(Batch& ben) {
  // The person of each row (persons.hpp), stored when some person of the extract has several
  // pseudo-NIRs; its attribute conflicts counted as the jobs will resolve them (PatientIndex).
  const size_t n = ben.rows();
  std::vector<std::string_view> nir(n), id(n), cdi;
  std::vector<int64_t> rank(n);
  const Column& nir_c = ben.at("BEN_NIR_PSA");
  const Column& rank_c = ben.at("BEN_RNG_GEM");
  const Column& id_c = ben.at("BEN_IDT_ANO");
  const int cdi_i = ben.find("BEN_CDI_NIR");
  for (size_t i = 0; i < n; ++i) {
    nir[i] = nir_c.string_at(i);
    rank[i] = rank_c.ints[i];
    id[i] = id_c.string_at(i);
  }
  if (cdi_i >= 0) {
    cdi.resize(n);
    for (size_t i = 0; i < n; ++i) cdi[i] = ben.columns[static_cast<size_t>(cdi_i)].string_at(i);
  }
  std::vector<int64_t> person = assign_persons(nir, rank, id, cdi, &person_counts_);
  if (persons_.linked_ids() == 0) return;
  Column c(std::string(kPersonColumn), ColumnType::kInt64);
  c.ints = std::move(person);
  ben.columns.push_back(std::move(c));
  ShardData one;
  one.tables.emplace("IR_BEN_R", std::move(ben));
  const PatientIndex index = build_patient_index(one);
  birth_year_conflicts_ += index.birth_year_conflicts;
  sex_conflicts_ += index.sex_conflicts;
  ben = std::move(one.tables.at("IR_BEN_R"));
}

std::vector<std::string> IngestRun::stored_tables() const {
  std::vector<std::string> out;
  for (const auto& [t, cols] : plan_.schemas) {
    const auto name = parse_table_name(t);
    if (!name || table_spec(*name).link == TableLink::kReferential) continue;
    out.push_back(t);
    if (is_detail_table(table_spec(*name))) out.push_back(t + kOrphanSuffix);
  }
  return out;
}

Batch IngestRun::conform(const std::string& table, Batch&& rows) const {
  // Stored columns: the table's schema (union of its files' headers), then for joined detail
  // rows the columns their parent brought; orphans keep the schema only.
  const bool orphans = table.ends_with(kOrphanSuffix);
  const std::string base =
      orphans ? table.substr(0, table.size() - std::string_view(kOrphanSuffix).size()) : table;
  const auto name = parse_table_name(base);
  std::vector<std::pair<std::string, ColumnType>> want;
  for (const auto& c : plan_.schemas.at(base)) want.emplace_back(c.name, c.type);
  if (!orphans && name && is_detail_table(table_spec(*name))) {
    const TableSpec& spec = table_spec(*name);
    for (auto c : carried_columns(spec))
      if (std::none_of(want.begin(), want.end(), [&](auto& w) { return w.first == c; }))
        want.emplace_back(std::string(c), carried_type(spec, c));
  }
  // The input order, for sort_for_store, when the rows still have it.
  if (rows.find(kSrcColumn) >= 0) want.emplace_back(kSrcColumn, ColumnType::kInt64);
  const size_t n = rows.rows();
  Batch out;
  for (const auto& [col, type] : want) {
    const int i = rows.find(col);
    if (i >= 0) {
      if (rows.columns[static_cast<size_t>(i)].type != type)
        throw internal_error("table {} column {} arrived as {} instead of {}", table, col,
                             column_type_name(rows.columns[static_cast<size_t>(i)].type),
                             column_type_name(type));
      out.columns.push_back(std::move(rows.columns[static_cast<size_t>(i)]));
    } else {
      Column c(col, type);
      for (size_t k = 0; k < n; ++k) c.append_missing();
      out.columns.push_back(std::move(c));
    }
  }
  return out;
}

void IngestRun::write_phase() {
  metrics_.begin_phase("write");
  std::vector<uint32_t> mine;
  for (uint32_t s = 0; s < space_.shards; ++s)
    if (space_.owner(s, comm_.size()) == comm_.rank()) mine.push_back(s);
  const std::vector<std::string> tables = stored_tables();
  ShardWriterOptions options = ShardWriterOptions::with(*parse_compression(cfg_.compression));
  options.level = cfg_.compression_level;
  Progress progress("write", space_.shards, "shards", comm_.is_master());
  size_t pos = 0;
  uint64_t rows = 0, bytes = 0;
  std::exception_ptr failure;
  std::future<void> storing;  // the shard being stored, while the next one is prepared
  const auto finish_storing = [&storing] {
    if (storing.valid()) storing.get();  // its error, if any, is this rank's failure
  };
  // Every shard's size is known once the join is done: one over the budget fails the run before
  // the first shard is written, not after hours of writes.
  local_step(failure, [&] {
    for (uint32_t s : mine) check_shard_fits(cfg_, s, buckets_->bucket_bytes(s));
  });
  for (;;) {
    const RoundStatus round = agree_on_round(comm_, {.work_left = mine.size() - pos,
                                                     .done = pos,
                                                     .stopping = stop_requested() ? 1u : 0u,
                                                     .failed = failure ? 1u : 0u});
    if (round.any_failed()) break;
    progress.update(round.done);
    if (round.any_stopping()) {
      local_step(failure, finish_storing);  // the shard being stored is finished first
      checkpoint(comm_, fmt::format("after writing {} of {} shards", round.done, space_.shards));
    }
    if (!round.any_left()) break;
    if (pos < mine.size())
      local_step(failure, [&] {
        // This shard is sorted and encoded on the rank's threads while a writer thread stores
        // the previous one: the only thread in HDF5 meanwhile, as the rank's thread makes no
        // HDF5 call while preparing (MPI stays on the rank's thread).
        PreparedShard next = prepare_shard(mine[pos++], tables, options, rows);
        finish_storing();
        storing =
            std::async(std::launch::async, [this, &options, &bytes, p = std::move(next)]() mutable {
              store_shard(std::move(p), options, bytes);
            });
      });
  }
  local_step(failure, finish_storing);
  if (failure) std::rethrow_exception(failure);
  progress.finish();
  // The referentials (IR_PHA_R and every table without a patient link) live on rank 0, in one
  // file every rank reads.
  if (comm_.is_master()) {
    auto data = buckets_->take(space_.referential());
    std::unique_ptr<ShardWriter> writer;
    const fs::path final_path = store_referential_path(store_);
    const fs::path tmp = temp_path_for(final_path);
    for (const auto& [t, cols] : plan_.schemas) {
      const auto name = parse_table_name(t);
      if (!name || table_spec(*name).link != TableLink::kReferential) continue;
      auto it = data.find(t);
      Batch merged = it == data.end() ? Batch{} : concat(std::move(it->second));
      Batch sorted = sort_for_store(t, conform(t, std::move(merged)));
      referential_rows_[t] = sorted.rows();
      if (name->kind == TableKind::kIrPhaR) {
        static constexpr std::string_view kCip[] = {"PHA_CIP_C13"};
        pha_repeats_ = repeated_keys(sorted, kCip);
      }
      if (!writer)
        writer = std::make_unique<ShardWriter>(
            tmp,
            FileAttributes{{kStoreIdAttribute, store_id_},
                           {"program_version", std::string(kVersion)}},
            options);
      writer->write_table(t, sorted);
    }
    if (writer) {
      writer->close();
      commit_file(tmp, final_path);
    }
  }
  if (!buckets_->buckets().empty())
    throw internal_error("rows left unwritten in {} buckets", buckets_->buckets().size());
  metrics_.end_phase(rows, bytes);
}

void IngestRun::finalize() {
  // Counts of this rank's shards and work, summed over ranks.
  struct RankTotals {
    PersonCounts persons;
    RepeatedKeys ben_repeats;
    uint64_t birth_year_conflicts = 0;
    uint64_t sex_conflicts = 0;
    uint64_t shards_reused = 0;
    uint64_t spilled_bytes = 0;
  };
  const RankTotals totals =
      sum_fields(comm_, RankTotals{person_counts_, ben_repeats_, birth_year_conflicts_,
                                   sex_conflicts_, shards_skipped_, buckets_->spilled_bytes()});
  // Per stored table (stored_tables order): rows in this rank's shards, and PMSI C rows whose
  // NIR_ANO_17 is a placeholder.
  struct TableTotals {
    uint64_t stored = 0;
    uint64_t placeholder_nir_rows = 0;
  };
  const std::vector<std::string> tables = stored_tables();
  std::vector<TableTotals> per_table(tables.size());
  for (size_t k = 0; k < tables.size(); ++k) {
    for (const auto& [shard, counts] : shard_rows_) {
      auto it = counts.find(tables[k]);
      if (it != counts.end()) per_table[k].stored += it->second;
    }
    auto it = placeholder_rows_.find(tables[k]);
    if (it != placeholder_rows_.end()) per_table[k].placeholder_nir_rows = it->second;
  }
  sum_fields(comm_, std::span<TableTotals>(per_table));
  uint64_t peak_bucket = buckets_->peak_memory_bytes();
  comm_.allreduce_max(std::span<uint64_t>(&peak_bucket, 1));

  // Per-shard rows, gathered on rank 0.
  Bytes mine;
  ByteWriter w(mine);
  w.put<uint64_t>(shard_rows_.size());
  for (const auto& [shard, counts] : shard_rows_) {
    w.put<uint32_t>(shard);
    for (const auto& t : tables) w.put<uint64_t>(counts.count(t) ? counts.at(t) : 0);
  }
  const auto all = comm_.gather(mine, 0);
  boost::json::array phases = metrics_.gather(comm_);
  if (!comm_.is_master()) return;

  IngestSummary s;
  s.config = &cfg_;
  s.plan = &plan_;
  s.store_id = store_id_;
  s.created = created_;
  s.shards = space_.shards;
  s.persons_moved = persons_.moved() > 0;
  s.ranks = comm_.size();
  s.threads = threads_;
  s.file_sums = file_sums_;
  s.duplicate_files = duplicate_files_;
  s.read = global_read_;
  s.rejected = global_rejected_;
  for (size_t k = 0; k < tables.size(); ++k) {
    s.stored[tables[k]] = per_table[k].stored;
    s.placeholder_nir_rows[tables[k]] = per_table[k].placeholder_nir_rows;
  }
  s.referential_rows = referential_rows_;
  s.shard_tables = tables;
  s.rows_per_shard.assign(space_.shards, std::vector<uint64_t>(tables.size(), 0));
  for (const auto& b : all) {
    ByteReader r(b);
    const auto n = r.get<uint64_t>();
    for (uint64_t i = 0; i < n; ++i) {
      const auto shard = r.get<uint32_t>();
      for (size_t k = 0; k < tables.size(); ++k) s.rows_per_shard[shard][k] = r.get<uint64_t>();
    }
  }
  s.duplicate_parent_keys = join_counts_.duplicate_parent_keys;
  s.ben_repeats = totals.ben_repeats;
  s.pha_repeats = pha_repeats_;
  s.person_ids = person_ids_;
  s.persons = totals.persons;
  s.linked_ids = persons_.linked_ids();
  s.nirs_moved = persons_.moved();
  s.birth_year_conflicts = totals.birth_year_conflicts;
  s.sex_conflicts = totals.sex_conflicts;
  s.resumed = resume_;
  s.shards_reused = totals.shards_reused;
  s.peak_shuffle_bytes_per_rank = peak_bucket;
  s.spilled_bytes = totals.spilled_bytes;
  s.phases = std::move(phases);
  s.peak_rss_bytes = peak_rss_bytes();

  const boost::json::object manifest = ingest_manifest(s);
  log_inputs(s);
  write_file_atomic(store_manifest_path(store_), boost::json::serialize(manifest) + "\n");
  finish_store_folder(prepared_);
  log::info("ingest done: {} shards in {}", space_.shards, cfg_.store);
  log_ingest_summary(s);
}

}  // namespace

void check_shards_can_fit(const IngestConfig& cfg, const IngestPlan& plan) {
  // A lower bound of a shard's rows in memory: half its CSV text (typed rows measured at 2.5x
  // the CSV at 50,000 patients; codes and dates held narrower than their text stay above half).
  // Over the budget, the ingest would fail at its write phase: say so before the read.
  constexpr double kMinRowBytesPerCsvByte = 0.5;
  uint64_t csv = 0;
  for (const InputFile& f : plan.files) csv += f.csv_bytes;
  const double per_shard =
      static_cast<double>(csv) / std::max<uint32_t>(1, cfg.shards) / static_cast<double>(kMiB);
  if (per_shard * kMinRowBytesPerCsvByte <= cfg.memory_budget_mb) return;
  constexpr double kTypicalRowBytesPerCsvByte = 2.5;
  const auto shards_needed =
      static_cast<uint64_t>(std::ceil(static_cast<double>(csv) * kTypicalRowBytesPerCsvByte /
                                      (cfg.memory_budget_mb * static_cast<double>(kMiB))));
  throw usage_error(
      "{}: the inputs hold about {:.0f} MB of CSV, {:.0f} MB per shard with shards = {}, and "
      "each shard's rows must fit in memory_budget_mb = {}: raise shards to about {} (rows take "
      "about 2.5 times their CSV) or raise memory_budget_mb",
      cfg.config_path, static_cast<double>(csv) / static_cast<double>(kMiB), per_shard, cfg.shards,
      cfg.memory_budget_mb, shards_needed);
}

uint64_t check_memory_budget(const IngestConfig& cfg, int threads, bool compressed_inputs) {
  const auto budget = static_cast<uint64_t>(cfg.memory_budget_mb * static_cast<double>(kMiB));
  const uint64_t chunk = cfg.read_chunk_kb << 10;
  // Each thread holds a range's (or block's) text, its parsed rows (typed: about 2.3-2.5x the
  // text) and, until the round's exchange, the round's routed rows in the shuffle's compact form
  // (about the text's size): 4.5x the range. A compressed input adds the blocks cut for the next
  // round, the block being cut (its carry included), the 1 MB input buffer and the codec's state:
  // zlib 44 KB, bzip2 about 3.6 MB, zstd its frame window (up to 8 MB at the standard levels 1-19).
  // The next round's blocks are cut while a round is parsed: one more range per thread of text.
  const auto t = static_cast<uint64_t>(std::max(1, threads));
  const uint64_t in_flight =
      t * 9 * chunk / 2 + (compressed_inputs ? (t + 1) * chunk + kDecoderBytes : 0);
  if (budget <= in_flight)
    throw usage_error(
        "{}: memory_budget_mb = {} is too small for {} threads reading {} KB ranges{}; raise "
        "memory_budget_mb to at least {} or lower read_chunk_kb",
        cfg.config_path, cfg.memory_budget_mb, std::max(1, threads), cfg.read_chunk_kb,
        compressed_inputs ? " of compressed files" : "",
        static_cast<double>(2 * in_flight) / static_cast<double>(kMiB));
  return in_flight;
}

uint64_t shuffle_budget(uint64_t budget, uint64_t in_flight, uint64_t resident) {
  // Never under a quarter of what the read buffers leave: a budget the process's own size
  // already fills cannot be honoured, and spilling everything would not help (the caller warns).
  const uint64_t floor = (budget - in_flight) / 4;
  // An eighth of the budget is left to what no count sees: the allocator's slack (freed blocks
  // scattered through the heap stay resident) and HDF5's buffers while a shard is written;
  // measured at 1,000,000 patients, the peak passed the budget by 10% without it.
  const uint64_t reserved = in_flight + resident + budget / 8;
  return budget > reserved + floor ? budget - reserved : floor;
}

int run_ingest(const IngestConfig& config, CommandContext& ctx, bool force) {
  IngestConfig resolved = config;
  resolve_memory_budget(resolved, ctx.threads);
  IngestRun run(resolved, ctx, force);
  return run.execute();
}

}  // namespace snds
