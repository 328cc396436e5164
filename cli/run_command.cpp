// slotsim run SCENARIO [--seed N]: one seed of a scenario to a verdict line.
#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/options.h"
#include "runner/bug_switch.h"
#include "runner/run_record.h"
#include "runner/run_scenario.h"
#include "runner/trace_db.h"
#include "sim/trace.h"

namespace slotsim::cli {

namespace {

// Exit codes, so scripts tell the verdicts apart.
constexpr int kExitPass = 0;
constexpr int kExitSafety = 1;
constexpr int kExitUsage = 2;
constexpr int kExitLiveness = 3;
constexpr int kExitCrash = 4;

}  // namespace

int run_command(const std::vector<std::string>& args) {
  po::options_description options("run options");
  std::uint64_t seed = 1;
  std::string file, db_path;
  std::vector<std::string> bugs;
  options.add_options()
      ("seed", po::value(&seed)->default_value(1), "run seed")
      ("no-swarm", "ignore the scenario's [swarm] bounds (as fuzz --no-swarm)")
      ("bug", po::value(&bugs)->composing(), "switch on a zoo bug (repeatable; README: the bug zoo)")
      ("db", po::value(&db_path), "also store the run in this trace database (for replay and shrink)")
      ("scenario", po::value(&file), "the scenario file (positional)");
  po::positional_options_description positional;
  positional.add("scenario", 1);
  int exit_code = 0;
  auto vm = parse_options("run", "SCENARIO [--seed N] [--db FILE]\n\nexit codes: 0 pass, 1 safety violation, 2 usage or bad "
                                 "scenario, 3 liveness violation, 4 simulator crash",
                          options, args, exit_code, &positional);
  if (!vm) return exit_code;
  if (file.empty()) {
    fmt::print(stderr, "slotsim run: give a scenario file (see scenarios/)\n");
    return kExitUsage;
  }
  runner::Scenario scenario;
  try {
    scenario = runner::load_scenario(file);
  } catch (const runner::ScenarioError& e) {
    fmt::print(stderr, "slotsim run: {}\n", e.what());
    return kExitUsage;
  }
  if (vm->count("no-swarm")) scenario.swarm.enabled = false;
  if (auto error = runner::apply_bugs(scenario, bugs)) {
    fmt::print(stderr, "slotsim run: --bug: {}\n", *error);
    return kExitUsage;
  }
  runner::RunOptions run_options;
  run_options.keep_trace = !db_path.empty();
  const runner::ExecutedRun run = runner::execute_seed(scenario, seed, run_options);
  const runner::RunResult& result = run.result;
  const double wall = static_cast<double>(run.wall_ms) / 1000.0;
  const bool expected = result.as_expected(scenario);
  fmt::print("{} seed {}: {}{}{} ({}, expected {}{})\n", scenario.name, seed, runner::to_string(result.verdict),
             result.invariant.empty() ? "" : " " + result.invariant, result.detail.empty() ? "" : ": " + result.detail,
             expected ? "as expected" : "NOT as expected", scenario.expect_pass ? "pass" : "fail ",
             scenario.expect_pass ? "" : scenario.expect_invariant);
  fmt::print("  {} operations, {} promotions, {} losses forgiven by rule D1; {} simulated in {:.2f}s wall; "
             "trace hash {:016x} ({} events)\n",
             result.operations, result.promotions, result.forgiven_losses, sim::format_time(result.simulated), wall,
             result.trace_hash, result.trace_events);
  if (result.verdict != runner::Verdict::pass) {
    fmt::print("  reproduce: slotsim run {} --seed {}{}{}\n", file, seed, vm->count("no-swarm") ? " --no-swarm" : "",
               runner::bug_flags(bugs));
  }
  if (!db_path.empty()) {
    runner::TraceDb db(db_path);
    const auto id = db.insert_run(runner::make_run_record(scenario, run.instantiated, seed, result, run.wall_ms));
    fmt::print("  stored as run {} in {} (slotsim replay {} --run {})\n", id, db_path, db_path, id);
  }
  switch (result.verdict) {
    case runner::Verdict::pass: return kExitPass;
    case runner::Verdict::safety: return kExitSafety;
    case runner::Verdict::liveness: return kExitLiveness;
    case runner::Verdict::crash: return kExitCrash;
  }
  return kExitCrash;
}

}  // namespace slotsim::cli
