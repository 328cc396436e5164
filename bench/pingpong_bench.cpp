// Prints scheduler events per wall second and the simulated-to-wall time
// ratio for 6 processes exchanging 10 messages per simulated second each.
// Run: build/bench_pingpong [simulated_seconds]
#include <chrono>
#include <cstdio>
#include <cstdlib>

#include "demo/pingpong.h"

using namespace slotsim;

int main(int argc, char** argv) {
  const long simulated_seconds = argc > 1 ? std::atol(argv[1]) : 3600;
  for (bool faults : {false, true}) {
    demo::PingPongOptions options;
    options.seed = 1;
    options.processes = 6;
    options.messages_per_second = 10;
    options.duration = seconds(simulated_seconds);
    options.faults = faults;
    const auto start = std::chrono::steady_clock::now();
    const auto result = demo::run_pingpong(options);
    const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::printf(
        "pingpong 6 processes x 10 msg/s, %lds simulated, %s: wall %.3fs, %.0fx real time, "
        "%.2fM scheduler events/s (%llu events, %llu exchanges)\n",
        simulated_seconds, faults ? "random faults" : "no faults", wall, simulated_seconds / wall,
        result.scheduler_events / wall / 1e6, static_cast<unsigned long long>(result.scheduler_events),
        static_cast<unsigned long long>(result.pongs_received));
  }
  return 0;
}
