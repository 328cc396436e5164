#include "reports/reproduce_command.h"

#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "runner/scenario.h"

namespace slotsim::reports {

namespace {

// The run command needs --no-swarm when the scenario has [swarm] bounds but
// the run did not use them.
bool scenario_has_swarm(const RunRow& run) {
  try {
    return runner::parse_scenario(run.scenario_text, run.scenario_file).swarm.enabled;
  } catch (const std::exception&) {
    return false;  // a scenario that no longer parses: the caveat says the file differs
  }
}

}  // namespace

std::string replay_command(const std::string& db_path, const RunRow& run) {
  return fmt::format("slotsim replay {} --run {}", db_path, run.id);
}

std::string run_command(const RunRow& run) {
  if (run.scenario_file.empty()) return {};
  const bool no_swarm = !run.swarm && scenario_has_swarm(run);
  return fmt::format("slotsim run {} --seed {}{}", run.scenario_file, run.seed, no_swarm ? " --no-swarm" : "");
}

std::string run_command_caveat(const RunRow& run) {
  if (run.scenario_file.empty()) return {};
  std::ifstream in(run.scenario_file, std::ios::binary);
  if (!in) return fmt::format("{} is not readable from here; replay uses the stored scenario text", run.scenario_file);
  std::ostringstream text;
  text << in.rdbuf();
  if (text.str() != run.scenario_text) {
    return fmt::format("{} differs from the scenario text stored with the run (edited since, or run with --bug); "
                       "replay uses the stored text",
                       run.scenario_file);
  }
  return {};
}

}  // namespace slotsim::reports
