// `snds-batch generate`: parses the options, runs the distributed generator and prints the summary
// (rank 0): rows per table, malformed rows, CSV volume and throughput per core.
#include <cstdio>

#include <fmt/format.h>

#include "core/error.hpp"
#include "jobs/args.hpp"
#include "jobs/commands.hpp"
#include "jobs/generate/generate_options.hpp"
#include "jobs/generate/generator.hpp"

namespace snds {

int generate_command(const ArgList& argv, CommandContext& ctx) {
  const Args args("generate", argv,
                  ArgSpec{{"patients", "seed", "out", "years", "quirks", "quirk-rate", "format", "part-patients"},
                          {"gzip", "care-tables"}});
  if (!args.positionals().empty())
    throw usage_error("generate: unexpected argument '{}' (see snds-batch generate --help)",
                      args.positionals().front());
  const GenerateRequest request = parse_generate_args(args);
  const GenerateResult result =
      generate_extract(request.options, request.out, ctx.comm, ctx.threads,
                       request.sas7bdat ? OutputFormat::kSas7bdat : OutputFormat::kCsv);
  if (!ctx.comm.is_master()) return 0;

  const auto& j = result.summary;
  std::string text =
      fmt::format("generate: {} patients, {}-{}, seed {}, into {}\n", request.options.patients,
                  request.options.first_year, request.options.last_year,
                  static_cast<int64_t>(request.options.seed), request.out);
  for (const auto& [name, t] : j.at("tables").as_object()) {
    const auto& o = t.as_object();
    text +=
        fmt::format("  {:<10} {:>12} rows", std::string(name), o.at("rows").to_number<uint64_t>());
    if (o.at("malformed").to_number<uint64_t>())
      text += fmt::format(" (+{} malformed)", o.at("malformed").to_number<uint64_t>());
    text += '\n';
  }
  const auto& c = j.at("counts").as_object();
  text += fmt::format(
      "  patients missing from IR_BEN_R {}, twin pairs {}, deaths {}, heavy {}; info-only lines "
      "{}, "
      "regularisation lines {}, orphans {}, unknown CIP13 {}, invalid stays {}\n",
      c.at("patients_missing_from_ir_ben_r").to_number<uint64_t>(),
      c.at("twin_pairs").to_number<uint64_t>(), c.at("deaths").to_number<uint64_t>(),
      c.at("heavy_patients").to_number<uint64_t>(), c.at("info71_lines").to_number<uint64_t>(),
      c.at("regularisation_lines").to_number<uint64_t>(), c.at("orphan_rows").to_number<uint64_t>(),
      c.at("unknown_cip_rows").to_number<uint64_t>(), c.at("invalid_stays").to_number<uint64_t>());
  const double mb = static_cast<double>(result.text_bytes) / 1e6;
  const double cores = static_cast<double>(ctx.comm.size()) * ctx.threads;
  text += fmt::format(
      "  {:.1f} MB of CSV in {:.2f} s: {:.0f} MB/s, {:.0f} MB/s per core ({} ranks x {} threads)\n",
      mb, result.seconds, mb / result.seconds, mb / result.seconds / cores, ctx.comm.size(),
      ctx.threads);
  std::fputs(text.c_str(), stdout);
  std::fflush(stdout);
  return 0;
}

}  // namespace snds
