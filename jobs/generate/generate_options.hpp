// The command line of `snds-batch generate` turned into GeneratorOptions: --patients, --seed,
// --years, --quirks (a comma list: none, all, NAME, NAME=RATE), --quirk-rate, --gzip,
// --format csv|sas7bdat, --part-patients.
#pragma once

#include <cstdint>
#include <string_view>
#include <utility>

#include "jobs/args.hpp"
#include "synth/options.hpp"

namespace snds {

// The most part files a table may be cut into (--part-patients): each is a file to open, list
// and read.
inline constexpr uint64_t kMaxGenerateParts = 10000;

struct GenerateRequest {
  synth::GeneratorOptions options;
  std::string out;
  bool sas7bdat = false;  // --format sas7bdat (default csv)
};

GenerateRequest parse_generate_args(const Args& args);

// "2019-2022" or "2020" -> (first, last); usage error naming --years otherwise.
std::pair<int, int> parse_years(std::string_view text);
// Applies a --quirks list to the defaults: items left to right, `none` clears every rate, `all`
// restores the defaults, `NAME` turns one quirk on at its default rate, `NAME=RATE` sets it
// (0 turns it off). Usage error naming the item otherwise, with the closest quirk name.
synth::QuirkSettings parse_quirks(std::string_view spec);

}  // namespace snds
