// Helpers for tests of the distributed node: convergence of the cluster view,
// waiting on conditions, and reading the trace.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "checker/online_invariants.h"
#include "cluster/sim_cluster.h"

namespace slotsim::test {

inline cluster::SimClusterOptions bus_cluster(int primaries, int replicas, std::uint64_t seed = 1) {
  cluster::SimClusterOptions options;
  options.primaries = primaries;
  options.replicas = replicas;
  options.world.seed = seed;
  options.world.keep_trace = true;
  options.node.node_timeout = ms(3000);  // as Redis's own cluster tests
  return options;
}

// Checks pred every `step` of simulated time (cheaper than after every event).
inline bool run_until_every(cluster::SimCluster& c, const std::function<bool()>& pred, Nanos limit,
                            Nanos step = ms(100)) {
  const Nanos end = saturating_add(c.world().now(), limit);
  while (!pred()) {
    if (c.world().now() >= end) return false;
    c.run_for(step);
  }
  return true;
}

// Every live node serves (cluster_state ok) and all agree on every slot's
// owner and on every node's role.
inline bool converged(cluster::SimCluster& c) {
  const node::Node* first = nullptr;
  for (const auto& name : c.names()) {
    const node::Node* n = c.node(name);
    if (n == nullptr) continue;
    if (!n->cluster_ok()) return false;
    if (first == nullptr) {
      first = n;
      continue;
    }
    for (int slot = 0; slot < node::kSlotCount; ++slot) {
      if (n->cluster().owner(slot) != first->cluster().owner(slot)) return false;
    }
    for (const auto& [id, view] : first->cluster().nodes()) {
      const node::ClusterNode* other = n->cluster().find(id);
      if (other == nullptr || other->primary != view.primary || other->primary_id != view.primary_id) return false;
    }
  }
  return first != nullptr;
}

inline bool run_until_converged(cluster::SimCluster& c, Nanos limit) {
  return run_until_every(c, [&] { return converged(c); }, limit);
}

inline bool is_primary(cluster::SimCluster& c, const std::string& name) {
  const node::Node* n = c.node(name);
  return n != nullptr && n->cluster().myself().primary;
}

// Trace events of one kind (optionally of one process).
inline std::vector<sim::TraceEvent> events(cluster::SimCluster& c, const std::string& kind,
                                           const std::string& process = "") {
  std::vector<sim::TraceEvent> found;
  for (const auto& e : c.world().trace().events()) {
    if (e.kind == kind && (process.empty() || e.process == process)) found.push_back(e);
  }
  return found;
}

// The value of key=value in a trace detail, or "".
inline std::string detail_field(const std::string& detail, const std::string& key) {
  return checker::trace_field(detail, key);
}

}  // namespace slotsim::test
