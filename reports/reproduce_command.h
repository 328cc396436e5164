// The commands that bring a stored run back, as `slotsim run` and `slotsim
// fuzz` print them: `slotsim replay DB --run ID` (exact: the stored scenario
// text and seed, compared event by event) and `slotsim run FILE --seed N`
// (from the scenario file as it is now; --no-swarm when the run did not draw
// its parameters from the seed). run/fuzz format theirs inline; this is the
// same text for a run read back from the database.
#pragma once

#include <string>

#include "reports/report_db.h"

namespace slotsim::reports {

std::string replay_command(const std::string& db_path, const RunRow& run);

// Empty when the run has no scenario file (a shrunk run written nowhere).
std::string run_command(const RunRow& run);

// Why `run_command` may not give the same run, or "" when it should: the
// file is gone or no longer holds the stored scenario text (bugs switched on
// with --bug are written into the stored text, so they show up here too).
std::string run_command_caveat(const RunRow& run);

}  // namespace slotsim::reports
