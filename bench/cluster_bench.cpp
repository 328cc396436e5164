// Prints how fast a whole cluster runs on virtual time: a 3x2 cluster with
// the cluster bus, replication and failure detection, idle and under a
// crash/restart nemesis. Run: build/bench_cluster [simulated seconds]
#include <chrono>
#include <cstdio>
#include <cstdlib>

#include "cluster/sim_cluster.h"

using namespace slotsim;

namespace {

void run(const char* label, long simulated_seconds, bool nemesis) {
  cluster::SimClusterOptions options;
  options.primaries = 3;
  options.replicas = 2;
  options.world.seed = 1;
  options.node.node_timeout = ms(3000);
  const auto start = std::chrono::steady_clock::now();
  cluster::SimCluster c(options);
  sim::Rng rng = c.world().stream("bench/nemesis");
  const Nanos end = c.world().now() + seconds(simulated_seconds);
  int crashes = 0;
  while (c.world().now() < end) {
    if (!nemesis) {
      c.run_for(end - c.world().now());
      break;
    }
    const std::string& victim = c.names()[rng.below(c.names().size())];
    c.crash(victim);
    c.run_for(seconds(1 + static_cast<std::int64_t>(rng.below(20))));
    c.restart(victim);
    ++crashes;
    c.run_for(seconds(20 + static_cast<std::int64_t>(rng.below(20))));
  }
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const double simulated = c.world().now() / 1e9;
  std::printf("3x2 cluster, %s: %.0fs simulated in %.3fs wall = %.0fx real time, %.2fM events/s, "
              "%llu trace events, %d crashes\n",
              label, simulated, wall, simulated / wall, c.world().scheduler().events_dispatched() / wall / 1e6,
              static_cast<unsigned long long>(c.world().trace().count()), crashes);
}

}  // namespace

int main(int argc, char** argv) {
  const long simulated_seconds = argc > 1 ? std::atol(argv[1]) : 3600;
  run("idle", simulated_seconds, false);
  run("crash/restart one node at a time", simulated_seconds, true);
}
