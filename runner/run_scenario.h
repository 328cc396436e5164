// Runs one seed of a scenario to a verdict, in two phases: the safety phase
// (workload, operator plan and faults for `duration`, with the online
// invariants watching), then the liveness phase (every fault healed, the
// operator's fix, convergence within a bound, a final read of every key),
// and the history checks.
//
// Verdicts: pass; safety (an online invariant or a history anomaly the rules
// do not forgive); liveness (no convergence within the bound); crash (the
// simulator itself failed). The same scenario and seed give the same run and
// the same trace hash.
#pragma once

#include <cstdint>
#include <string>

#include "runner/scenario.h"

namespace slotsim::runner {

enum class Verdict { pass, safety, liveness, crash };
const char* to_string(Verdict verdict);

struct RunResult {
  Verdict verdict = Verdict::pass;
  std::string invariant;  // which one broke: S1..S5, two-owners, L1..L5, lost-write, linearizability...
  std::string detail;     // what, naming keys, nodes and operations
  std::uint64_t trace_hash = 0;
  std::uint64_t trace_events = 0;
  Nanos simulated = 0;
  std::size_t operations = 0;
  std::size_t forgiven_losses = 0;  // rule D1
  std::size_t promotions = 0;

  // Whether this is what the scenario says it must do.
  bool as_expected(const Scenario& scenario) const;
};

RunResult run_scenario(const Scenario& scenario, std::uint64_t seed);

}  // namespace slotsim::runner
