#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/options.h"
#include "cli/parse.h"
#include "demo/pingpong.h"

namespace slotsim::cli {

int determinism_command(const std::vector<std::string>& args) {
  po::options_description options("determinism options");
  std::string seeds_text = "1..20";
  std::string duration_text = "20s";
  options.add_options()
      ("seeds", po::value(&seeds_text)->default_value("1..20"), "seed range A..B (inclusive)")
      ("duration", po::value(&duration_text)->default_value("20s"), "simulated time per run");
  int exit_code = 0;
  auto vm = parse_options("determinism", "[OPTIONS]", options, args, exit_code);
  if (!vm) return exit_code;
  auto seeds = parse_seed_range(seeds_text);
  auto duration = parse_duration(duration_text);
  if (!seeds || !duration) {
    fmt::print(stderr, "slotsim determinism: --seeds takes A..B and --duration a duration such as 20s\n");
    return 2;
  }
  std::uint64_t diverged = 0;
  for (std::uint64_t i = 0; i < seeds->count(); ++i) {
    const std::uint64_t seed = seeds->first + i;
    demo::PingPongOptions run;
    run.seed = seed;
    run.duration = *duration;
    const auto first = demo::run_pingpong(run);
    const auto second = demo::run_pingpong(run);
    if (first.trace_hash == second.trace_hash) continue;
    ++diverged;
    run.keep_trace = true;
    const auto a = demo::run_pingpong(run);
    const auto b = demo::run_pingpong(run);
    fmt::print("seed {}: hashes differ ({:016x} vs {:016x})\n", seed, first.trace_hash, second.trace_hash);
    if (auto index = sim::first_difference(a.trace, b.trace)) {
      fmt::print("  first differing event #{}:\n    run 1: {}\n    run 2: {}\n", *index,
                 *index < a.trace.size() ? a.trace[*index].to_string() : "(end of trace)",
                 *index < b.trace.size() ? b.trace[*index].to_string() : "(end of trace)");
    } else {
      fmt::print("  the kept events agree; the difference is in dispatch order or random draws\n");
    }
  }
  fmt::print("determinism: {} seeds run twice, {} diverged\n", seeds->count(), diverged);
  return diverged == 0 ? 0 : 1;
}

}  // namespace slotsim::cli
