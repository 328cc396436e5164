// The slotsim subcommands. Each takes the arguments after its name and
// returns the process exit code; each prints its own --help.
#pragma once

#include <string>
#include <vector>

namespace slotsim::cli {

struct Command {
  const char* name;
  const char* summary;
  int (*run)(const std::vector<std::string>& args);
};

int demo_command(const std::vector<std::string>& args);
int determinism_command(const std::vector<std::string>& args);
int shell_command(const std::vector<std::string>& args);
int run_command(const std::vector<std::string>& args);
int check_command(const std::vector<std::string>& args);
int fuzz_command(const std::vector<std::string>& args);
int replay_command(const std::vector<std::string>& args);
int shrink_command(const std::vector<std::string>& args);
int report_command(const std::vector<std::string>& args);
int zoo_command(const std::vector<std::string>& args);
int node_command(const std::vector<std::string>& args);

const std::vector<Command>& commands();

}  // namespace slotsim::cli
