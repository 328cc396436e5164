// Prints how fast the standard scenario (scenarios/standard.toml: 3x1, 20
// clients at ~10 ops/s, 60 s with resharding and a failover during a
// migration) runs: simulated seconds per wall second, scheduler events per
// second, seeds per CPU-hour and peak memory; then the campaign throughput
// with 1 and 2 worker processes.
// Run: build/bench_scenario [seeds] [scenario file]
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "runner/campaign.h"
#include "runner/run_plan.h"
#include "runner/run_scenario.h"
#include "runner/scenario.h"

using namespace slotsim;

int main(int argc, char** argv) {
  const int seeds = argc > 1 ? std::atoi(argv[1]) : 5;
  const std::string file = argc > 2 ? argv[2] : std::string(SLOTSIM_SOURCE_DIR) + "/scenarios/standard.toml";
  const runner::Scenario scenario = runner::load_scenario(file);

  double wall = 0, simulated = 0, safety_simulated = 0;
  unsigned long long events = 0, operations = 0;
  int passed = 0;
  for (int seed = 1; seed <= seeds; ++seed) {
    const auto start = std::chrono::steady_clock::now();
    const runner::RunResult r = runner::run_scenario(runner::instantiate(scenario, seed), seed);
    wall += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    simulated += static_cast<double>(r.simulated) / 1e9;
    safety_simulated += static_cast<double>(scenario.duration) / 1e9;
    events += r.scheduler_events;
    operations += r.operations;
    passed += r.verdict == runner::Verdict::pass;
  }
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  std::printf("%s, %d seeds (%d passed), one process:\n", scenario.name.c_str(), seeds, passed);
  std::printf("  %.0f s simulated (%.0f s of it under load) in %.2f s wall = %.0fx real time (%.0fx for the loaded "
              "part)\n",
              simulated, safety_simulated, wall, simulated / wall, safety_simulated / wall);
  std::printf("  %.2fM scheduler events/s, %.0f client operations/s, %.2f s wall per seed = %.0f seeds per CPU-hour\n",
              static_cast<double>(events) / wall / 1e6, static_cast<double>(operations) / wall, wall / seeds,
              3600.0 * seeds / wall);
  std::printf("  peak memory %.1f MB\n", static_cast<double>(usage.ru_maxrss) / 1024.0);

  // Campaign throughput with worker processes (no database: the runs only).
  double one_job = 0;
  for (int jobs : {1, 2}) {
    runner::CampaignOptions options;
    options.scenarios = {scenario};
    options.first_seed = 1;
    options.last_seed = static_cast<std::uint64_t>(2 * seeds);
    options.jobs = jobs;
    const auto result = runner::run_campaign(options);
    const double rate = static_cast<double>(result.outcomes.size()) / result.wall_seconds;
    if (jobs == 1) one_job = rate;
    std::printf("campaign, --jobs %d: %zu seeds in %.2f s wall = %.2f seeds/s (x%.2f of --jobs 1)\n", jobs,
                result.outcomes.size(), result.wall_seconds, rate, rate / one_job);
  }
  return 0;
}
