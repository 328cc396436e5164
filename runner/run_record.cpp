#include "runner/run_record.h"

#include <chrono>

#include "runner/build_id.h"
#include "runner/run_plan.h"

namespace slotsim::runner {

ExecutedRun execute_seed(const Scenario& scenario, std::uint64_t seed, const RunOptions& options) {
  ExecutedRun run;
  const auto wall_start = std::chrono::steady_clock::now();
  try {
    run.instantiated = instantiate(scenario, seed);
    run.result = run_scenario(run.instantiated, seed, options);
  } catch (const std::exception& e) {
    run.result.verdict = Verdict::crash;
    run.result.invariant = "simulator";
    run.result.detail = e.what();
  }
  run.wall_ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - wall_start)
                    .count();
  return run;
}

RunRecord make_run_record(const Scenario& scenario, const Scenario& instantiated, std::uint64_t seed,
                          const RunResult& result, std::int64_t wall_ms) {
  RunRecord r;
  r.scenario = scenario.name;
  r.scenario_file = scenario.file;
  r.scenario_text = scenario.text;
  r.seed = seed;
  r.swarm = scenario.swarm.enabled;
  r.params = describe_parameters(instantiated);
  r.build_id = build_id();
  r.variant = instantiated.variants.describe();
  r.verdict = to_string(result.verdict);
  r.invariant = result.invariant;
  r.detail = result.detail;
  r.trace_hash = result.trace_hash;
  r.sim_ns = result.simulated;
  r.wall_ms = wall_ms;
  r.events = result.trace_events;
  r.operations = static_cast<std::int64_t>(result.operations);
  r.coverage = result.coverage;
  if (result.verdict != Verdict::pass) {
    r.trace = result.trace;
    r.ops = result.history;
    r.faults = result.faults;
    r.violations = result.violations;
  }
  return r;
}

}  // namespace slotsim::runner
