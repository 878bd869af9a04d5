// The snds-batch command line: process setup (umask, MPI, logging, signals, threads), dispatch to
// the subcommands, and the one place where errors become messages and exit codes.
#include <omp.h>
#include <sys/stat.h>

#include <cstdlib>
#include <cstring>
#include <functional>
#include <iostream>
#include <map>

#include <fmt/format.h>

#include "core/error.hpp"
#include "jobs/commands.hpp"
#include "jobs/error_message.hpp"
#include "runtime/collective.hpp"
#include "runtime/config.hpp"
#include "runtime/log.hpp"
#include "runtime/signals.hpp"
#include "snds_version.hpp"

namespace snds {
namespace {

struct CommandInfo {
  std::function<int(const ArgList&, CommandContext&)> run;
  const char* summary;
  const char* help;
};

const std::map<std::string, CommandInfo>& commands() {
  static const std::map<std::string, CommandInfo> kCommands = {
      {"generate",
       {generate_command, "write a synthetic SNDS extract (CSV)",
        "usage: snds-batch generate --patients N --seed S --out DIR [options]\n"
        "\n"
        "Writes a synthetic SNDS extract: IR_BEN_R, ER_PRS_F, ER_PHA_F, IR_PHA_R and the yearly\n"
        "T_MCOaaB/C/D tables, in the CSV format that ingest reads, with the quirks of real\n"
        "extracts planted at low rates, and DIR/generate.json (rows per table, malformed rows,\n"
        "quirk settings and counts). The rows depend only on the seed, the patient count, the\n"
        "years and the options, never on the rank or thread count; with N ranks each table is\n"
        "written as N part files (<TABLE>_pNNNN.csv), IR_PHA_R once.\n"
        "\n"
        "options:\n"
        "  --patients N        number of patients (IR_BEN_R rows, twins included)\n"
        "  --seed S            random seed (any integer)\n"
        "  --out DIR           output folder (created; a previous extract there is replaced)\n"
        "  --years A-B         calendar years of care covered (default 2019-2022)\n"
        "  --quirks LIST       comma-separated, left to right: none, all, NAME or NAME=RATE, e.g.\n"
        "                      'none,dates=1' or 'gzip=0,malformed=0'. Names: dates, missing1600,\n"
        "                      decimal_comma, num_enq, shuffle, extra_columns, gzip, quotes,\n"
        "                      malformed, info71, regularisation, orphans, unknown_cip,\n"
        "                      missing_ben, twins, invalid_stays, late_claims (docs/generator.md)\n"
        "  --quirk-rate X      scales every quirk rate (default 1.0; 0 gives clean files)\n"
        "  --gzip              write every file as .csv.gz\n"
        "  --format F          csv (default) or sas7bdat: every table as a SAS table (the same\n"
        "                      rows, typed; no malformed rows)\n"
        "  --part-patients P   patients per part file (default: at least 4096, at most 64\n"
        "                      parts); the files are the same whatever the rank count\n"
        "  --threads N         OpenMP threads per rank (default OMP_NUM_THREADS)\n"}},
      {"ingest",
       {ingest_command, "CSV or SAS extracts -> patient-partitioned HDF5 shard store",
        "usage: snds-batch ingest CONFIG.yaml [--force] [--threads N]\n"
        "\n"
        "Reads the SNDS extracts (CSV files or SAS tables) named in CONFIG.yaml and writes a "
        "store\n"
        "of HDF5 shards partitioned by patient hash. See docs/ingest.md for the config keys.\n"
        "\n"
        "options:\n"
        "  --force       replace an existing complete store\n"
        "  --threads N   OpenMP threads per rank (default OMP_NUM_THREADS)\n"}},
      {"run",
       {run_command, "run an aggregate or cohort job on a store",
        "usage: snds-batch run CONFIG.yaml [--threads N]\n"
        "\n"
        "Runs the job that CONFIG.yaml describes (job: aggregate | cohort) on a store and writes\n"
        "its outputs atomically into the config's output folder. See docs/aggregate.md and\n"
        "docs/cohort.md.\n"}},
      {"validate",
       {validate_command, "check a config and exit, running nothing",
        "usage: snds-batch validate CONFIG.yaml\n"
        "\n"
        "Checks an ingest, aggregate or cohort config: unknown keys, types, dates, event names,\n"
        "windows. Exits 0 when valid, 2 with one sentence naming file, line and key otherwise.\n"}},
      {"inspect",
       {inspect_command, "describe a store: tables, rows, shards, bytes, rejects, orphans",
        "usage: snds-batch inspect STORE [--json]\n"
        "\n"
        "Prints the store's tables with rows stored, rejected and orphaned, its shards and sizes.\n"
        "  --json   one JSON object: {\"shards\": N, \"tables\": {TABLE: {rows, rejected, "
        "orphans}}}\n"}},
  };
  return kCommands;
}

int configured_threads(const ArgList& args, ArgList& rest) {
  int threads = 0;
  for (size_t i = 0; i < args.size(); ++i) {
    std::string a = args[i];
    std::string value;
    if (a == "--threads" && i + 1 < args.size()) {
      value = args[++i];
    } else if (a.rfind("--threads=", 0) == 0) {
      value = a.substr(10);
    } else {
      rest.push_back(a);
      continue;
    }
    char* end = nullptr;
    const long v = std::strtol(value.c_str(), &end, 10);
    if (!end || *end || v < 1 || v > 1024)
      throw usage_error("--threads expects an integer between 1 and 1024, got '{}'", value);
    threads = static_cast<int>(v);
  }
  if (threads == 0) threads = omp_get_max_threads();
  return threads;
}

}  // namespace

std::string command_help(const std::string& command) {
  auto it = commands().find(command);
  return it == commands().end() ? std::string() : std::string(it->second.help);
}

std::string program_help() {
  std::string s =
      "snds-batch: studies on the SNDS (French national health data) on an HPC cluster.\n"
      "\n"
      "usage: snds-batch COMMAND [options]    (alone, or under mpirun -n N / srun)\n"
      "\n"
      "commands:\n";
  for (const auto& [name, info] : commands()) s += fmt::format("  {:<10} {}\n", name, info.summary);
  s += "\n"
       "Run 'snds-batch COMMAND --help' for a command's options.\n"
       "Threads per rank: OMP_NUM_THREADS or --threads. Logs: "
       "SNDS_LOG_LEVEL=debug|info|warn|error.\n"
       "Exit codes: 0 ok, 2 bad usage or config, 3 bad input data, 4 internal or MPI failure,\n"
       "75 stopped by SIGTERM/SIGUSR1 after a checkpoint (rerun the same command to resume).\n";
  return s;
}

int cli_main(int argc, char** argv) {
  ::umask(027);  // outputs are never world-readable
  log::configure_from_env();
  std::vector<std::string> all(argv + 1, argv + argc);
  if (all.empty() || all[0] == "--help" || all[0] == "-h" || all[0] == "help") {
    std::cout << program_help();
    return all.empty() ? 2 : 0;
  }
  if (all[0] == "--version" || all[0] == "-V") {
    std::cout << "snds-batch " << kVersion << "\n";
    return 0;
  }
  const std::string command = all[0];
  auto it = commands().find(command);
  if (it == commands().end()) {
    std::vector<std::string> names;
    for (const auto& kv : commands()) names.push_back(kv.first);
    const std::string hint = closest_match(command, names);
    std::cerr << "snds-batch: error: unknown command '" << command << "'"
              << (hint.empty() ? "" : " (did you mean '" + hint + "'?)")
              << "; see snds-batch --help\n";
    return 2;
  }
  ArgList rest(all.begin() + 1, all.end());
  for (const auto& a : rest) {
    if (a == "--help" || a == "-h") {
      std::cout << it->second.help;
      return 0;
    }
  }

  int code = 0;
  int rank = 0;
  bool mpi_started = false;
  try {
    ArgList args;
    const int threads = configured_threads(rest, args);
    omp_set_num_threads(threads);
    Communicator& comm = world();
    mpi_started = true;
    rank = comm.rank();
    log::set_rank(comm.rank(), comm.size());
    install_stop_handlers();
    CommandContext ctx{comm, threads};
    code = it->second.run(args, ctx);
  } catch (const PeerFailure& e) {
    code = static_cast<int>(e.code());
  } catch (const Error& e) {
    // Usage errors are identical on every rank: rank 0 alone speaks for them.
    if (e.code() != ExitCode::kUsage || rank == 0)
      log::error("{}", without_source_location(e.what()));
    code = static_cast<int>(e.code());
  } catch (const std::bad_alloc&) {
    log::error("out of memory: lower memory_budget_mb in the config, or use more nodes");
    code = static_cast<int>(ExitCode::kInternal);
  } catch (const std::exception& e) {
    log::error("internal error: {}", without_source_location(e.what()));
    code = static_cast<int>(ExitCode::kInternal);
  }
  if (mpi_started) mpi_shutdown();
  return code;
}

}  // namespace snds
