#include "cli/stored_run.h"

#include <filesystem>

#include <fmt/format.h>

#include "runner/build_id.h"

namespace slotsim::cli {

std::optional<StoredRun> open_stored_run(const std::string& command, const std::string& db_path, std::int64_t id) {
  if (!std::filesystem::exists(db_path)) {
    fmt::print(stderr, "slotsim {}: {}: no such trace database\n", command, db_path);
    return std::nullopt;
  }
  StoredRun run;
  run.db = std::make_unique<runner::TraceDb>(db_path);
  auto record = run.db->load_run(id);
  if (!record) {
    fmt::print(stderr, "slotsim {}: {} has no run {}\n", command, db_path, id);
    return std::nullopt;
  }
  run.record = std::move(*record);
  if (run.record.build_id != runner::build_id()) {
    fmt::print(stderr,
               "slotsim {}: warning: run {} was recorded by build {}, this is build {}; a different build may not "
               "reproduce it (trying anyway)\n",
               command, id, run.record.build_id, runner::build_id());
  }
  try {
    run.scenario = runner::parse_scenario(run.record.scenario_text,
                                          run.record.scenario_file.empty() ? "run scenario" : run.record.scenario_file);
  } catch (const runner::ScenarioError& e) {
    fmt::print(stderr, "slotsim {}: the stored scenario of run {} does not load: {}\n", command, id, e.what());
    return std::nullopt;
  }
  run.scenario.swarm.enabled = run.record.swarm && run.scenario.swarm.enabled;
  return run;
}

}  // namespace slotsim::cli
