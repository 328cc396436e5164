// Helpers for tests that drive a simulated cluster with commands.
#pragma once

#include <string>
#include <vector>

#include "cluster/sim_cluster.h"
#include "env/function_service.h"
#include "node/resp_value.h"

namespace slotsim::test {

inline cluster::SimClusterOptions small_cluster(int primaries = 3, int replicas = 0, std::uint64_t seed = 1) {
  cluster::SimClusterOptions options;
  options.primaries = primaries;
  options.replicas = replicas;
  options.world.seed = seed;
  options.world.fiber_stack_bytes = 256 * 1024;
  return options;
}

// The exact reply bytes, or "<io error>" when no reply came.
inline std::string raw(cluster::SimCluster& c, const std::string& node, const std::vector<std::string>& args,
                       Nanos timeout = seconds(5)) {
  const auto result = c.call(node, args, timeout);
  if (result.error != IoError::ok) return "<" + std::string(to_string(result.error)) + ">";
  return node::encode_reply(result.reply);
}

// A client process that sends each input on a fresh connection to `node` and
// reads whatever comes back for a moment; for feeding nodes hostile bytes.
inline void send_each_on_new_connection(cluster::SimCluster& c, const std::string& node,
                                        std::vector<std::string> inputs) {
  c.world().add_process("fuzzer", function_process([node, inputs = std::move(inputs)](Env& env) {
    for (const auto& bytes : inputs) {
      auto conn = env.connect({node, 6379}, env.now() + seconds(1));
      if (!conn) continue;
      (*conn)->write(bytes);
      char buf[256];
      (*conn)->read(buf, sizeof buf, env.now() + ms(50));
    }
  }));
}

}  // namespace slotsim::test
