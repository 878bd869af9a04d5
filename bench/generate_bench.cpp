// Throughput of the synthetic extract generator, in MB of CSV per second per core: patients are
// generated and formatted into memory (no disk), as one rank's threads do inside
// `snds-batch generate`. Usage:
//   generate_bench [--patients N] [--threads T] [--years A-B] [--quirks LIST] [--seed S]
//                  [--passes all|given]
// Defaults: 20,000 patients, 1 thread, 2019-2022, default quirks without gzip (gzip is measured
// separately on the same patients: zlib's cost, not the generator's). MB/s per core divides by
// the process's CPU time (all threads), which stays right on a loaded, shared machine; the wall
// clock figure is printed too.
#include <time.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "jobs/generate/generate_options.hpp"
#include "jobs/generate/generator.hpp"
#include "synth/drug_referential.hpp"
#include "synth/patient_model.hpp"
#include "synth/row_formatter.hpp"
#include "synth/table_layout.hpp"

namespace {

double cpu_seconds() {  // all threads of the process: fair on a shared, loaded machine
  timespec t{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) * 1e-9;
}

struct Figures {
  double seconds = 0;
  double cpu = 0;
  uint64_t bytes = 0;
  uint64_t disk = 0;
  uint64_t rows = 0;
};

Figures run(const snds::synth::GeneratorOptions& o, int threads) {
  using namespace snds;
  const synth::DrugReferential referential(o.seed, o.quirks.rate(synth::Quirk::kQuotes));
  const auto slots = synth::table_slots(o);
  std::vector<synth::FileFormat> formats;
  for (const auto& s : slots) formats.push_back(synth::choose_format(o, s.kind, s.name, 0));
  const synth::RowFormatter formatter(o, referential, slots, formats);
  const synth::PatientModel model(o, referential);
  Figures f;
  const auto start = std::chrono::steady_clock::now();
  const double cpu0 = cpu_seconds();
  generate_blocks(model, formatter, 0, o.patients, threads, [&](const GeneratedBlock& b) {
    f.bytes += b.text.bytes();
    for (size_t s = 0; s < slots.size(); ++s) {
      f.rows += b.text.rows[s];
      f.disk += formats[s].gzip ? b.deflated[s].size() : b.text.text[s].size();
    }
  });
  f.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  f.cpu = cpu_seconds() - cpu0;
  return f;
}

void report(const char* what, const Figures& f, uint64_t patients) {
  const double mb = static_cast<double>(f.bytes) / 1e6;
  std::printf(
      "%-28s %7.1f MB CSV (%6.1f MB written), %8llu rows, %4.1f KB/patient: wall %5.2f s = %6.1f "
      "MB/s; "
      "cpu %5.2f s = %6.1f MB/s per core\n",
      what, mb, static_cast<double>(f.disk) / 1e6, static_cast<unsigned long long>(f.rows),
      static_cast<double>(f.bytes) / 1e3 / static_cast<double>(patients), f.seconds, mb / f.seconds,
      f.cpu, mb / f.cpu);
}

}  // namespace

int main(int argc, char** argv) {
  using namespace snds;
  synth::GeneratorOptions o;
  o.patients = 20000;
  o.seed = 42;
  int threads = 1;
  std::string quirks = "gzip=0";
  std::string passes = "all";  // or "given": only the first pass (for profiling)
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i], v = argv[i + 1];
    if (a == "--patients")
      o.patients = std::strtoull(v.c_str(), nullptr, 10);
    else if (a == "--threads")
      threads = std::atoi(v.c_str());
    else if (a == "--seed")
      o.seed = std::strtoull(v.c_str(), nullptr, 10);
    else if (a == "--quirks")
      quirks = v;
    else if (a == "--years")
      std::tie(o.first_year, o.last_year) = parse_years(v);
    else if (a == "--passes")
      passes = v;
    else {
      std::fprintf(stderr,
                   "usage: generate_bench [--patients N] [--threads T] [--years A-B] [--quirks "
                   "LIST] [--seed S]\n");
      return 2;
    }
  }
  o.quirks = parse_quirks(quirks);
  std::printf("generate_bench: %llu patients, %d-%d, %d thread(s), quirks '%s'\n",
              static_cast<unsigned long long>(o.patients), o.first_year, o.last_year, threads,
              quirks.c_str());
  report("generate (quirks as given)", run(o, threads), o.patients);
  if (passes == "given") return 0;
  synth::GeneratorOptions plain = o;
  plain.quirks = synth::QuirkSettings::none();
  report("generate (no quirks)", run(plain, threads), o.patients);
  synth::GeneratorOptions gz = o;
  gz.quirks.set(synth::Quirk::kGzip, 1.0);
  report("generate + gzip every file", run(gz, threads), o.patients);
  return 0;
}
