// slotsim shrink traces.db --run ID [--max-runs N] [--output FILE]
#include <fstream>

#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/options.h"
#include "cli/stored_run.h"
#include "runner/run_plan.h"
#include "runner/run_record.h"
#include "runner/scenario_writer.h"
#include "runner/shrink.h"
#include "runner/trace_db.h"
#include "sim/trace.h"

namespace slotsim::cli {

int shrink_command(const std::vector<std::string>& args) {
  po::options_description options("shrink options");
  std::string db_path, output;
  std::int64_t run_id = 0;
  int max_runs = 300;
  options.add_options()
      ("run", po::value(&run_id), "runs.id of the failing run")
      ("max-runs", po::value(&max_runs)->default_value(300), "at most this many candidate runs")
      ("output,o", po::value(&output), "also write the minimized scenario to this file")
      ("db", po::value(&db_path), "the trace database (positional)");
  po::positional_options_description positional;
  positional.add("db", 1);
  int exit_code = 0;
  auto vm = parse_options("shrink", "TRACES.DB --run ID [--max-runs N] [--output FILE]\n\n"
                                    "Stores the minimized run as a new run (runs.parent_run = ID).",
                          options, args, exit_code, &positional);
  if (!vm) return exit_code;
  if (db_path.empty() || vm->count("run") == 0) {
    fmt::print(stderr, "slotsim shrink: give a trace database and --run ID\n");
    return 2;
  }
  auto opened = open_stored_run("shrink", db_path, run_id);
  if (!opened) return 2;
  const runner::RunRecord* stored = &opened->record;
  runner::TraceDb& db = *opened->db;
  if (stored->verdict == "pass" || stored->verdict == "crash") {
    fmt::print(stderr, "slotsim shrink: run {} is a {} run; only safety and liveness failures shrink\n", run_id,
               stored->verdict);
    return 2;
  }
  const runner::Scenario& scenario = opened->scenario;
  const runner::Scenario instantiated = runner::instantiate(scenario, stored->seed);
  fmt::print("shrinking run {} ({} seed {}: {} {}), at most {} runs\n", run_id, stored->scenario, stored->seed,
             stored->verdict, stored->invariant, max_runs);
  int kept = 0;
  const auto shrunk = runner::shrink_run(instantiated, stored->seed, stored->invariant, max_runs,
                                         [&](int run, bool still_fails) {
                                           kept += still_fails;
                                           fmt::print(stderr, "\rcandidate {}: {} smaller runs still fail", run, kept);
                                         });
  fmt::print(stderr, "\n");
  if (shrunk.result.invariant != stored->invariant || shrunk.result.verdict == runner::Verdict::pass) {
    fmt::print("run {} does not fail {} when run again on this build (it gave {} {}); nothing to shrink\n", run_id,
               stored->invariant, runner::to_string(shrunk.result.verdict), shrunk.result.invariant);
    return 1;
  }
  // The minimized run once more, keeping its trace for the database.
  runner::Scenario minimized = shrunk.minimized;
  minimized.name = stored->scenario + "-shrunk";
  minimized.text = runner::to_toml(minimized);
  minimized.file = output;
  runner::RunOptions keep;
  keep.keep_trace = true;
  const runner::ExecutedRun final_run = runner::execute_seed(minimized, stored->seed, keep);
  if (final_run.result.invariant != stored->invariant || final_run.result.verdict == runner::Verdict::pass) {
    fmt::print("the minimized run did not fail {} again ({} {}); nothing stored\n", stored->invariant,
               runner::to_string(final_run.result.verdict), final_run.result.invariant);
    return 1;
  }
  runner::RunRecord record =
      runner::make_run_record(minimized, final_run.instantiated, stored->seed, final_run.result, final_run.wall_ms);
  record.parent_run = run_id;
  record.shrink_note = shrunk.removed;
  record.campaign = stored->campaign;
  const std::int64_t new_id = db.insert_run(record);
  fmt::print("{} candidate runs; removed: {}\n", shrunk.runs, shrunk.removed);
  fmt::print("stored as run {}: {} {} ({} events instead of {})\n  replay: slotsim replay {} --run {}\n", new_id,
             runner::to_string(final_run.result.verdict), final_run.result.invariant, final_run.result.trace_events,
             stored->events, db_path, new_id);
  if (!output.empty()) {
    std::ofstream out(output);
    out << "# Minimized by `slotsim shrink` from run " << run_id << " (seed " << stored->seed
        << "); run it with --seed " << stored->seed << ".\n"
        << minimized.text;
    if (!out) {
      fmt::print(stderr, "slotsim shrink: cannot write {}\n", output);
      return 2;
    }
    fmt::print("  scenario: {} (slotsim run {} --seed {})\n", output, output, stored->seed);
  }
  return 0;
}

}  // namespace slotsim::cli
