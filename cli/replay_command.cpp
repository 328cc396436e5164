// slotsim replay traces.db --run ID [--log] [--until TIME]: runs a stored
// run again from what the database holds and checks, event by event, that
// it is the same run.
#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/options.h"
#include "cli/parse.h"
#include "cli/stored_run.h"
#include "runner/run_record.h"
#include "runner/run_scenario.h"
#include "sim/trace.h"

namespace slotsim::cli {

int replay_command(const std::vector<std::string>& args) {
  po::options_description options("replay options");
  std::string db_path, until_text;
  std::int64_t run_id = 0;
  options.add_options()
      ("run", po::value(&run_id), "runs.id of the run to replay")
      ("log", "print every event as it is replayed")
      ("until", po::value(&until_text), "stop at this virtual time (e.g. 12.5s)")
      ("db", po::value(&db_path), "the trace database (positional)");
  po::positional_options_description positional;
  positional.add("db", 1);
  int exit_code = 0;
  auto vm = parse_options("replay", "TRACES.DB --run ID [--log] [--until TIME]\n\n"
                                    "exit codes: 0 the run reproduced exactly, 1 it diverged, 2 usage",
                          options, args, exit_code, &positional);
  if (!vm) return exit_code;
  if (db_path.empty() || vm->count("run") == 0) {
    fmt::print(stderr, "slotsim replay: give a trace database and --run ID\n");
    return 2;
  }
  Nanos until = kForever;
  if (!until_text.empty()) {
    const auto parsed = parse_duration(until_text);
    if (!parsed) {
      fmt::print(stderr, "slotsim replay: --until: expected a time such as 12.5s, got '{}'\n", until_text);
      return 2;
    }
    until = *parsed;
  }
  auto opened = open_stored_run("replay", db_path, run_id);
  if (!opened) return 2;
  const runner::RunRecord* stored = &opened->record;
  const runner::Scenario& scenario = opened->scenario;
  const bool log = vm->count("log") != 0;
  const auto& expected = stored->trace;
  const bool compare_events = !expected.empty();
  std::uint64_t seen = 0;
  std::optional<sim::TraceEvent> differing;  // the first replayed event that differs
  runner::RunOptions run_options;
  run_options.until = until;
  run_options.on_event = [&](const sim::TraceEvent& e) {
    if (differing) return;
    if (compare_events && (e.index >= expected.size() || !(e == expected[e.index]))) {
      differing = e;
      return;
    }
    ++seen;
    if (log) fmt::print("{}\n", e.to_string());
  };
  run_options.halt = [&] { return differing.has_value(); };
  fmt::print("replaying run {}: {} seed {} ({}), recorded verdict {}{}\n", run_id, stored->scenario, stored->seed,
             stored->params, stored->verdict, stored->invariant.empty() ? "" : " " + stored->invariant);
  // execute_seed turns a simulator exception into a `crash` verdict, as the recording did.
  const runner::RunResult result = runner::execute_seed(scenario, stored->seed, run_options).result;

  if (differing) {
    const std::size_t i = differing->index;
    fmt::print("DIVERGED at event #{}:\n  recorded: {}\n  replayed: {}\n", i,
               i < expected.size() ? expected[i].to_string() : "(the recorded trace ended here)",
               differing->to_string());
    return 1;
  }
  if (result.stopped_early) {
    if (!compare_events) {
      fmt::print("stopped at {} after {} events; this run kept no events, so nothing could be compared\n",
                 sim::format_time(result.simulated), seen);
      return 0;
    }
    fmt::print("stopped at {}: {} events identical to the recording\n", sim::format_time(result.simulated), seen);
    return 0;
  }
  if (compare_events && seen != expected.size()) {
    fmt::print("DIVERGED: the replay ended after {} events, the recording has {}\n", seen, expected.size());
    return 1;
  }
  const bool same_hash = result.trace_hash == stored->trace_hash && result.trace_events == stored->events;
  const bool same_verdict = runner::to_string(result.verdict) == stored->verdict && result.invariant == stored->invariant;
  fmt::print("{}: {} events{}, trace hash {:016x} (recorded {:016x}), verdict {}{}\n",
             same_hash && same_verdict ? "REPRODUCED" : "DIVERGED", result.trace_events,
             compare_events ? " compared one by one" : "", result.trace_hash, stored->trace_hash,
             runner::to_string(result.verdict), result.invariant.empty() ? "" : " " + result.invariant);
  if (!result.detail.empty()) fmt::print("  {}\n", result.detail);
  return same_hash && same_verdict ? 0 : 1;
}

}  // namespace slotsim::cli
