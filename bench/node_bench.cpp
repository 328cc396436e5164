// Prints simulated commands per wall second for one node under a GET/SET mix
// from 10 pipelining-free clients. Run: build/bench_node [commands]
#include <chrono>
#include <cstdio>
#include <cstdlib>

#include "client/resp_client.h"
#include "cluster/sim_cluster.h"
#include "env/function_service.h"

using namespace slotsim;

int main(int argc, char** argv) {
  const long total = argc > 1 ? std::atol(argv[1]) : 300000;
  constexpr int kClients = 10;
  cluster::SimClusterOptions options;
  options.primaries = 1;
  options.world.seed = 1;
  cluster::SimCluster c(options);
  long done = 0;
  for (int i = 0; i < kClients; ++i) {
    c.world().add_process("c" + std::to_string(i), function_process([&, i](Env& env) {
      client::RespClient client(env, {"n1", 6379});
      for (long n = 0; done < total; ++n) {
        const std::string key = "key:" + std::to_string((n * 7 + i) % 1000);
        auto result = n % 2 == 0 ? client.call({"SET", key, "value"}, env.now() + seconds(1))
                                 : client.call({"GET", key}, env.now() + seconds(1));
        if (result.error != IoError::ok) std::abort();
        ++done;
      }
    }));
  }
  const auto start = std::chrono::steady_clock::now();
  while (done < total && c.world().scheduler().step()) {
  }
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("single node, %d clients, GET/SET 50/50: %ld commands in %.3fs wall = %.0f simulated commands/s "
              "(%.1fs simulated, %.0fx real time, %.2fM events/s)\n",
              kClients, done, wall, done / wall, c.world().now() / 1e9, c.world().now() / 1e9 / wall,
              c.world().scheduler().events_dispatched() / wall / 1e6);
  return 0;
}
