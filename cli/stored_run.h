// A run from a trace database, opened for `replay` and `shrink`: the file
// must exist (opening would create an empty one), the run must be in it, a
// run from another build gets a warning, and its scenario is loaded the way
// the run used it (its [swarm] only if the run drew from it). Problems are
// printed as "slotsim COMMAND: ...".
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "runner/scenario.h"
#include "runner/trace_db.h"

namespace slotsim::cli {

struct StoredRun {
  std::unique_ptr<runner::TraceDb> db;
  runner::RunRecord record;
  runner::Scenario scenario;
};

std::optional<StoredRun> open_stored_run(const std::string& command, const std::string& db_path, std::int64_t id);

}  // namespace slotsim::cli
