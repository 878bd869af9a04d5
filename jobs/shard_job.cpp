// The shard-job driver (see shard_job.hpp): the phases prepare, shards, write, then the manifest.
#include "jobs/shard_job.hpp"

#include <algorithm>
#include <future>
#include <map>
#include <utility>

#include "core/buffer_pool.hpp"
#include "core/error.hpp"
#include "jobs/output_folder.hpp"
#include "runtime/collective.hpp"
#include "runtime/log.hpp"
#include "runtime/metrics.hpp"
#include "runtime/shard_queue.hpp"

namespace snds {

using Clock = std::chrono::steady_clock;

ShardWork::ShardWork(const ShardData& d, const DrugReferential& r, int t,
                     const std::vector<std::string>& parts, std::vector<double>& seconds)
    : data(d), referential(r), threads(t), parts_(parts), seconds_(seconds), since_(Clock::now()) {}

void ShardWork::lap(std::string_view part) {
  const auto it = std::find(parts_.begin(), parts_.end(), part);
  if (it == parts_.end()) throw internal_error("shard work part '{}' is not declared", part);
  seconds_[static_cast<size_t>(it - parts_.begin())] += seconds_since(since_);
  since_ = Clock::now();
}

void run_shard_job(const ShardJob& job, Communicator& comm, int threads,
                   const JobShardSource& source) {
  // A job that does not split its work is timed as one part named after it.
  const std::vector<std::string> parts =
      job.work_parts.empty() ? std::vector<std::string>{job.name} : job.work_parts;
  Metrics metrics;
  source.read_first_shard_ahead(comm, job.wanted);

  // The folder says "incomplete" (no manifest.json) from the moment a run starts writing into it.
  metrics.begin_phase("prepare");
  DrugReferential referential;
  all_or_none(comm, [&] {
    if (comm.is_master()) prepare_output_folder(job.output, job.config_file);
    if (job.referential != ReferentialNeed::kNone)
      referential = source.load_referential(job.referential == ReferentialNeed::kWithPackSizes);
  });
  metrics.end_phase(referential.size(), 0);

  // A partial is the shard's rows read per table, then what the job's work wrote.
  metrics.begin_phase("shards");
  double read_s = 0;
  std::vector<double> part_s(parts.size(), 0.0);
  uint64_t rank_rows = 0;
  std::map<std::string, uint64_t> rows_read;  // rank 0: summed over every shard
  const ShardQueueStats queue = run_job_shards(
      comm, source, job.wanted,
      [&](uint32_t shard) {
        const auto t = Clock::now();
        ShardData data = source.load_shard(shard, job.wanted);
        read_s += seconds_since(t);
        ShardWork work(data, referential, threads, parts, part_s);
        std::map<std::string, uint64_t> rows;
        for (const auto& [name, batch] : data.tables) {
          rows[name] += batch.rows();
          rank_rows += batch.rows();
        }
        Bytes bytes;
        ByteWriter out(bytes);
        put_rows_read(out, rows);
        job.work(work, out);
        buffer_pool::recycle(std::move(data));  // its buffers serve the next shard
        work.lap(parts.back());
        return bytes;
      },
      [&](uint32_t, Bytes&& bytes) {
        ByteReader in(bytes);
        get_rows_read(in, rows_read);
        job.merge(in);
        if (!in.done()) throw internal_error("{}: a shard partial has trailing bytes", job.name);
      },
      job.name);
  metrics.end_phase(rank_rows, 0);

  // Rank 0 alone holds the merged partials.
  metrics.begin_phase("write");
  ShardJobOutputs outputs;
  all_or_none(comm, [&] {
    if (comm.is_master()) outputs = job.finish();
  });
  metrics.end_phase(outputs.rows, 0);

  std::vector<std::pair<std::string, double>> times = {{"read", read_s}};
  for (size_t i = 0; i < parts.size(); ++i) times.emplace_back(parts[i], part_s[i]);
  boost::json::object work = shard_work_json(comm, times);
  boost::json::array phases = metrics.gather(comm);

  all_or_none(comm, [&] {
    if (!comm.is_master()) return;
    boost::json::object m = job_manifest(job.name, job.config_file, job.config, source.store,
                                         comm.size(), threads, rows_read);
    if (job.manifest) job.manifest(m);
    m["phases"] = std::move(phases);
    m["shard_work_s"] = std::move(work);
    boost::json::array per_rank;
    for (auto n : queue.shards_per_rank) per_rank.push_back(n);
    m["shards_per_rank"] = std::move(per_rank);
    m["outputs"] = std::move(outputs.files);
    write_job_manifest(job.output / "manifest.json", std::move(m));
    log::info("{}: {}, written to {}", job.name, outputs.summary, job.output.string());
  });
}

void write_alongside(const std::function<void()>& text_files,
                     const std::function<void()>& hdf5_file) {
  auto text = std::async(std::launch::async, text_files);
  try {
    hdf5_file();
  } catch (...) {
    text.wait();
    throw;
  }
  text.get();
}

ShardJob shard_job(const std::string& name, const StoreJobConfig& config,
                   boost::json::value resolved, WantedTables wanted) {
  ShardJob job;
  job.name = name;
  job.config_file = config.config_file;
  job.config = std::move(resolved);
  job.output = config.output;
  job.wanted = std::move(wanted);
  return job;
}

int run_on_store(const StoreJobConfig& config, CommandContext& ctx, const JobOptions& options,
                 const std::function<void(const JobShardSource& source)>& run) {
  check_output_folder(config.output, config.store, config.config_file);
  if (options.validate_only) return 0;
  JobShardSource source;
  all_or_none(ctx.comm, [&] { source = store_shard_source(config.store, ctx.threads); });
  run(source);
  return 0;
}

}  // namespace snds
