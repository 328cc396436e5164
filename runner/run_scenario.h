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
#include <functional>
#include <map>
#include <vector>
#include <string>

#include "checker/history.h"
#include "runner/scenario.h"
#include "runner/trace_db.h"
#include "sim/trace.h"

namespace slotsim::runner {

enum class Verdict { pass, safety, liveness, crash };
const char* to_string(Verdict verdict);

struct RunResult {
  Verdict verdict = Verdict::pass;
  std::string invariant;  // which one broke: S1..S5, two-owners, L1..L5, lost-write, linearizability...
  std::string detail;     // what, naming keys, nodes and operations
  std::uint64_t trace_hash = 0;
  std::uint64_t trace_events = 0;
  std::uint64_t scheduler_events = 0;  // fiber resumes and timers dispatched: the simulator's unit of work
  Nanos simulated = 0;
  std::size_t operations = 0;
  std::size_t forgiven_losses = 0;  // rule D1
  std::size_t promotions = 0;
  std::size_t tolerated = 0;  // violations of invariants the scenario does not forbid
  bool stopped_early = false;  // RunOptions::until cut the run short

  // What the trace database keeps of a failing run.
  std::vector<sim::TraceEvent> trace;  // only with RunOptions::keep_trace
  checker::History history;
  std::vector<FaultRecord> faults;
  std::vector<ViolationRecord> violations;
  std::map<std::string, std::int64_t> coverage;  // trace event kinds and migration phases, with counts

  // Whether this is what the scenario says it must do.
  bool as_expected(const Scenario& scenario) const;
};

struct RunOptions {
  bool keep_trace = false;
  // Sees every trace event as it happens (replay compares them one by one).
  sim::Trace::Listener on_event;
  // Stop at this virtual time (replay --until): no liveness phase, no history check.
  Nanos until = kForever;
  // Checked before every event: true stops the run where it is.
  std::function<bool()> halt;
};

// Runs an instantiated scenario (run_plan.h: no swarm, no generators left).
RunResult run_scenario(const Scenario& scenario, std::uint64_t seed, const RunOptions& options = {});

}  // namespace slotsim::runner
