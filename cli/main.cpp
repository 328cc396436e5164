#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "cli/commands.h"

namespace slotsim::cli {

const std::vector<Command>& commands() {
  static const std::vector<Command> all = {
      {"demo", "run the built-in demo: 6 processes pinging over a faulty virtual network", demo_command},
      {"determinism", "run seeds twice and compare their trace hashes", determinism_command},
      {"shell", "drive a simulated cluster with commands read from stdin", shell_command},
      {"run", "run one seed of a scenario file to a verdict", run_command},
      {"fuzz", "run a campaign of seeds over scenario files, in parallel, into a trace database", fuzz_command},
      {"replay", "run a stored run again and check it reproduces its trace event by event", replay_command},
      {"shrink", "minimize a failing stored run while it still breaks the same invariant", shrink_command},
      {"report", "write HTML reports of a run or a campaign from a trace database", report_command},
      {"zoo", "measure how fast fuzzing catches each known cluster bug, and that no false alarm is raised", zoo_command},
      {"check", "check a history (JSON lines) for linearizability or list-append anomalies", check_command},
      {"node", "serve real clients over TCP with the same node code (real mode)", node_command},
  };
  return all;
}

namespace {

void print_usage(std::FILE* out) {
  fmt::print(out, "usage: slotsim COMMAND [OPTIONS]\n\n"
                  "A deterministic simulation testbed for Redis-Cluster-style stores.\n\ncommands:\n");
  for (const auto& command : commands()) fmt::print(out, "  {:<14}{}\n", command.name, command.summary);
  fmt::print(out, "\n`slotsim COMMAND --help` lists the options of a command.\n");
}

}  // namespace
}  // namespace slotsim::cli

int main(int argc, char** argv) {
  using namespace slotsim::cli;
  if (argc < 2) {
    print_usage(stderr);
    return 2;
  }
  const std::string name = argv[1];
  if (name == "--help" || name == "-h" || name == "help") {
    print_usage(stdout);
    return 0;
  }
  for (const auto& command : commands()) {
    if (name == command.name) {
      try {
        return command.run(std::vector<std::string>(argv + 2, argv + argc));
      } catch (const std::exception& e) {
        fmt::print(stderr, "slotsim {}: {}\n", name, e.what());
        return 2;
      }
    }
  }
  fmt::print(stderr, "slotsim: unknown command '{}'\n\n", name);
  print_usage(stderr);
  return 2;
}
