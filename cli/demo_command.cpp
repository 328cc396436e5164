#include <chrono>

#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/options.h"
#include "cli/parse.h"
#include "demo/pingpong.h"
#include "sim/trace.h"

namespace slotsim::cli {

int demo_command(const std::vector<std::string>& args) {
  po::options_description options("demo options");
  std::uint64_t seed = 1;
  std::string duration_text = "60s";
  int processes = 6;
  double rate = 10;
  options.add_options()
      ("seed", po::value(&seed)->default_value(1), "run seed")
      ("duration", po::value(&duration_text)->default_value("60s"), "simulated time (e.g. 500ms, 60s, 2m)")
      ("processes", po::value(&processes)->default_value(6), "number of processes (2-100)")
      ("rate", po::value(&rate)->default_value(10), "pings per simulated second per process")
      ("no-faults", "run without the random nemesis")
      ("log", "print every trace event");
  int exit_code = 0;
  auto vm = parse_options("demo", "[OPTIONS]", options, args, exit_code);
  if (!vm) return exit_code;
  auto duration = parse_duration(duration_text);
  if (!duration) {
    fmt::print(stderr, "slotsim demo: --duration '{}' is not a duration (e.g. 500ms, 60s, 2m)\n", duration_text);
    return 2;
  }
  if (processes < 2 || processes > 100 || rate <= 0 || rate > 1e6) {
    fmt::print(stderr, "slotsim demo: --processes must be 2-100 and --rate in (0, 1e6]\n");
    return 2;
  }

  demo::PingPongOptions run;
  run.seed = seed;
  run.duration = *duration;
  run.processes = processes;
  run.messages_per_second = rate;
  run.faults = vm->count("no-faults") == 0;
  run.keep_trace = vm->count("log") != 0;

  // Wall time is measured here, in the CLI, never inside the simulation.
  const auto wall_start = std::chrono::steady_clock::now();
  const demo::PingPongResult result = demo::run_pingpong(run);
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();

  for (const auto& event : result.trace) fmt::print("{}\n", event.to_string());
  fmt::print("slotsim demo: {} processes, seed {}, {} simulated{}\n", processes, seed,
             sim::format_time(result.simulated), run.faults ? ", random faults" : ", no faults");
  fmt::print("  pings sent {}, answered {}, failed {} ; crashes {}, restarts that found their state on disk {}\n",
             result.pings_sent, result.pongs_received, result.failed_exchanges, result.crashes,
             result.restarts_with_state);
  fmt::print("  scheduler events {}, trace events {}, process failures {}\n", result.scheduler_events,
             result.trace_events, result.process_failures);
  fmt::print("  wall {:.3f}s, {:.0f}x real time, {:.2f}M events/s\n", wall,
             static_cast<double>(result.simulated) / 1e9 / std::max(wall, 1e-9),
             static_cast<double>(result.scheduler_events) / 1e6 / std::max(wall, 1e-9));
  fmt::print("  trace hash {:016x}\n", result.trace_hash);
  fmt::print("  reproduce: slotsim demo --seed {} --duration {} --processes {} --rate {}{}\n", seed, duration_text,
             processes, rate, run.faults ? "" : " --no-faults");
  return result.process_failures == 0 ? 0 : 1;
}

}  // namespace slotsim::cli
