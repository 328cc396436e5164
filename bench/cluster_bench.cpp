// Prints how fast a whole cluster runs on virtual time: a 3x2 cluster with
// the cluster bus, replication and failure detection, idle and under a
// crash/restart nemesis; then 60 s of a 3x1 cluster under client load.
// Run: build/bench_cluster [simulated seconds]
#include <chrono>
#include <cstdio>
#include <cstdlib>

#include "checker/list_append.h"
#include "cluster/invariant_monitor.h"
#include "cluster/sim_cluster.h"
#include "env/function_service.h"
#include "workload/cluster_operator.h"
#include "workload/workload.h"

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

// Issue 6's standard scenario, roughly: 3x1, 20 list-append clients at 10
// operations per simulated second each, slots moving all along, the online
// invariant monitor on, and the history checked at the end.
void run_under_load(long simulated_seconds) {
  cluster::SimClusterOptions options;
  options.primaries = 3;
  options.replicas = 1;
  options.world.seed = 1;
  options.node.node_timeout = ms(3000);
  const auto start = std::chrono::steady_clock::now();
  cluster::SimCluster c(options);
  cluster::InvariantMonitor monitor(c);
  workload::HistoryRecorder recorder([&] { return c.world().now(); });
  workload::WorkloadOptions load;
  for (const auto& name : c.names()) load.seeds.push_back({name, 6379});
  load.keys = 100;
  load.think_time = ms(100);
  bool stop = false;
  for (int i = 0; i < 20; ++i) {
    c.world().add_process("client" + std::to_string(i), function_process([&, i](Env& env) {
      workload::run_client(env, load, i, recorder, &stop);
    }));
  }
  c.world().add_process("operator", function_process([&](Env& env) {
    workload::ClusterOperator op(env, load.seeds);
    for (int slot = 0; !stop; slot = (slot + 997) % 16384) {
      env.sleep(seconds(2));
      op.move_slot(slot, load.seeds[static_cast<std::size_t>(slot) % 3]);
    }
  }));
  c.run_for(seconds(simulated_seconds));
  stop = true;
  c.run_for(seconds(2));
  const auto paired = checker::pair_operations(recorder.history());
  const auto verdict = checker::check_list_append(paired.operations);
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const double simulated = c.world().now() / 1e9;
  std::printf("3x1 cluster, 20 clients x 10 op/s, resharding, monitor and check: %.0fs simulated in %.3fs wall = "
              "%.0fx real time, %zu operations (%s), %.2fM events/s\n",
              simulated, wall, simulated / wall, paired.operations.size(), std::string(to_string(verdict.verdict)).c_str(),
              c.world().scheduler().events_dispatched() / wall / 1e6);
}

}  // namespace

int main(int argc, char** argv) {
  const long simulated_seconds = argc > 1 ? std::atol(argv[1]) : 3600;
  run("idle", simulated_seconds, false);
  run("crash/restart one node at a time", simulated_seconds, true);
  run_under_load(60);
}
