// Shrinking a failing run: fewer faults, fewer operator steps, fewer clients
// and keys, a shorter safety phase, for as long as the same seed still breaks
// the same invariant. Greedy passes (whole chunks of faults first, then one
// at a time, as in delta debugging) until a pass removes nothing or the run
// budget is spent. Every candidate is a full deterministic run.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "runner/run_scenario.h"
#include "runner/scenario.h"

namespace slotsim::runner {

struct ShrinkResult {
  Scenario minimized;  // instantiated: no swarm, no generators
  RunResult result;    // the minimized run's
  int runs = 0;        // candidates tried
  std::string removed; // "faults 12 -> 2, clients 20 -> 3, ..."
};

// `instantiated` must fail `invariant` with `seed`. `progress` hears of each
// candidate run (its number and whether it still failed).
ShrinkResult shrink_run(const Scenario& instantiated, std::uint64_t seed, const std::string& invariant, int max_runs,
                        const std::function<void(int run, bool still_fails)>& progress = {});

}  // namespace slotsim::runner
