// One run as the trace database stores it: the scenario as given (so the run
// can be instantiated again from its seed), what it did and, when it failed,
// everything needed to replay and read it.
#pragma once

#include <cstdint>

#include "runner/run_scenario.h"
#include "runner/scenario.h"
#include "runner/trace_db.h"

namespace slotsim::runner {

// One seed of a scenario, instantiated and run, with the wall time it took
// (measured here, outside the simulation). An exception from the simulator
// becomes a `crash` verdict instead of ending a campaign.
struct ExecutedRun {
  Scenario instantiated;
  RunResult result;
  std::int64_t wall_ms = 0;
};
ExecutedRun execute_seed(const Scenario& scenario, std::uint64_t seed, const RunOptions& options = {});

// `instantiated` is instantiate(scenario, seed); details (trace, ops,
// faults, violations) are kept for runs that did not pass.
RunRecord make_run_record(const Scenario& scenario, const Scenario& instantiated, std::uint64_t seed,
                          const RunResult& result, std::int64_t wall_ms);

}  // namespace slotsim::runner
