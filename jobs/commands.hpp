// The subcommands of snds-batch. Each takes its arguments (after the command name) and the world
// communicator, and returns the process exit code or throws snds::Error.
#pragma once

#include <string>
#include <vector>

#include "runtime/communicator.hpp"

namespace snds {

struct CommandContext {
  Communicator& comm;
  int threads;  // OpenMP threads per rank
};

using ArgList = std::vector<std::string>;

int generate_command(const ArgList& args, CommandContext& ctx);
int ingest_command(const ArgList& args, CommandContext& ctx);
int run_command(const ArgList& args, CommandContext& ctx);
int validate_command(const ArgList& args, CommandContext& ctx);
int inspect_command(const ArgList& args, CommandContext& ctx);

// Help text of one command ("" when unknown).
std::string command_help(const std::string& command);
// The whole program's help.
std::string program_help();

// Entry point of the CLI (process setup included): returns the exit code.
int cli_main(int argc, char** argv);

}  // namespace snds
