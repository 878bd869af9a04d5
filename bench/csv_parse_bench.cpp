// CSV parse throughput per core on a synthetic ER_PRS_F extract generated here: the range scan,
// the tokenizer alone, and tokenizing plus typed parsing into a Batch (the ingest's parse phase).
// Usage: csv_parse_bench [MB=128] [repeats=3] [parse]. Prints MB/s of input per second of
// thread CPU time (best repeat), so the figure holds on a shared machine.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <random>
#include <string>

#include "core/catalog.hpp"
#include "core/csv/range_split.hpp"
#include "core/csv/table_parser.hpp"
#include "core/csv/tokenizer.hpp"

namespace {

// DCIR-looking lines: 20 columns, dd/MM/yyyy dates, decimal amounts with ',', a 17-char patient
// key, a few quoted fields; about 150 bytes a line, like the real extracts.
std::string make_er_prs_f(size_t target_bytes) {
  std::mt19937_64 rng(1234);
  std::string s =
      "DCT_ORD_NUM;FLX_DIS_DTD;FLX_EMT_NUM;FLX_EMT_ORD;FLX_EMT_TYP;FLX_TRT_DTD;ORG_CLE_NUM;"
      "PRS_ORD_NUM;REM_TYP_AFF;BEN_NIR_PSA;BEN_RNG_GEM;EXE_SOI_DTD;PRS_NAT_REF;PRS_ACT_QTE;"
      "PRS_PAI_MNT;DPN_QLF;BSE_REM_MNT;CPL_MAJ_TOP;PSE_SPE_COD;PSP_SPE_COD\n";
  s.reserve(target_bytes + 512);
  char line[512];
  while (s.size() < target_bytes) {
    const unsigned day = 1 + static_cast<unsigned>(rng() % 28);
    const unsigned month = 1 + static_cast<unsigned>(rng() % 12);
    const unsigned year = 2019 + static_cast<unsigned>(rng() % 4);
    const long long amount = static_cast<long long>(rng() % 200000) - 5000;
    const int n = std::snprintf(
        line, sizeof line,
        "%llu;01/%02u/%u;%llu;%u;%u;%02u/%02u/%u;%s;%u;%u;%017llX;%u;%02u/%02u/%u;%u;%d;"
        "%lld,%02lld;%u;%lld,%02lld;%u;%s;%u\n",
        static_cast<unsigned long long>(rng() % 1000000000), month, year,
        static_cast<unsigned long long>(rng() % 100000000), static_cast<unsigned>(rng() % 100),
        static_cast<unsigned>(1 + rng() % 9), day, month, year,
        rng() % 8 == 0 ? "\"01C;731\"" : "01C731220", static_cast<unsigned>(rng() % 10),
        static_cast<unsigned>(rng() % 10), static_cast<unsigned long long>(rng() >> 4),
        static_cast<unsigned>(1 + rng() % 2), day, month, year,
        static_cast<unsigned>(1000 + rng() % 9000), rng() % 10 == 0 ? -1 : 1, amount / 100,
        std::llabs(amount % 100), rng() % 20 == 0 ? 71u : 0u, amount / 90, std::llabs(amount % 90),
        static_cast<unsigned>(rng() % 3), rng() % 2 ? "\"01\"" : "12",
        static_cast<unsigned>(rng() % 80));
    s.append(line, static_cast<size_t>(n));
  }
  return s;
}

// CPU time of this thread: the per-core figure stays meaningful on a loaded, shared machine.
double thread_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

template <typename F>
double best_mb_per_s(size_t bytes, int repeats, F&& f) {
  double best = 1e30;
  for (int r = 0; r < repeats; ++r) {
    const double t0 = thread_cpu_seconds();
    f();
    best = std::min(best, thread_cpu_seconds() - t0);
  }
  return repeats > 0 ? static_cast<double>(bytes) / 1e6 / best : 0.0;
}

}  // namespace

int main(int argc, char** argv) {
  const size_t mb = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 128;
  const int repeats = argc > 2 ? std::atoi(argv[2]) : 3;
  const std::string only = argc > 3 ? argv[3] : "";  // "parse": the last figure only (profiling)
  const std::string buf = make_er_prs_f(mb << 20);
  std::printf("input: %.1f MB synthetic ER_PRS_F, %zu columns\n",
              static_cast<double>(buf.size()) / 1e6,
              snds::table_spec(snds::TableKind::kErPrsF).columns.size());

  volatile uint64_t sink = 0;
  const int pre = only == "parse" ? 0 : repeats;
  const double scan = best_mb_per_s(
      buf.size(), pre, [&] { sink = sink + snds::scan_range(buf.data(), buf.size()).newlines; });
  const double tokenize = best_mb_per_s(buf.size(), pre, [&] {
    snds::Tokenizer tok(buf.data(), buf.size());
    snds::CsvRecord rec;
    uint64_t fields = 0;
    while (tok.next(rec)) fields += rec.fields.size();
    sink = sink + fields;
  });
  uint64_t rows = 0, rejects = 0;
  const double parse = best_mb_per_s(buf.size(), repeats, [&] {
    const snds::ParseResult r =
        snds::parse_csv_buffer(snds::TableKind::kErPrsF, buf.data(), buf.size(), 0, "ER_PRS_F.csv");
    rows = r.rows.rows();
    rejects = r.rejects.size();
  });
  std::printf("rows: %llu stored, %llu rejected\n", static_cast<unsigned long long>(rows),
              static_cast<unsigned long long>(rejects));
  std::printf("scan_range (newlines + quotes): %8.0f MB/s per core\n", scan);
  std::printf("tokenize only:                  %8.0f MB/s per core\n", tokenize);
  std::printf("tokenize + typed parse:         %8.0f MB/s per core\n", parse);
  return rejects == 0 ? 0 : 1;
}
