// A simulated Redis cluster: nodes n1..nK on a World, formed the way a
// restarted cluster forms, from nodes.conf files laid out before the nodes
// start (slots split evenly in order over the primaries; the replicas of
// primary i are the next R names after all primaries; primaries without slots,
// if any, come last). The constructor runs
// the simulation until every node serves (about 2 s virtual). Plus a command
// channel: call() sends a command from a client process and runs the
// simulation until the reply arrives, so tests and the shell read like scripts.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "client/resp_client.h"
#include "node/node.h"
#include "node/node_config.h"
#include "sim/world.h"

namespace slotsim::cluster {

struct SimClusterOptions {
  int primaries = 3;
  int replicas = 0;  // per primary
  int empty_primaries = 0;  // primaries without slots, named after the replicas
  sim::WorldOptions world;
  node::NodeConfig node;  // port, fsync policy, variants... shared by every node
  // false: nodes start blank (no nodes.conf), each a cluster of one, for
  // tests that form the cluster with MEET, ADDSLOTS and REPLICATE.
  bool preconfigured = true;
};

class SimCluster {
 public:
  explicit SimCluster(SimClusterOptions options);
  ~SimCluster();

  sim::World& world() { return *world_; }
  const SimClusterOptions& options() const { return options_; }
  const std::vector<std::string>& names() const { return names_; }
  bool has_node(const std::string& name) const;
  sim::ProcessId process(const std::string& name) const { return world_->process_id(name); }
  // The live node object (null while the process is down).
  node::Node* node(const std::string& name);
  // The live nodes that replicate from the named one (in their own view), in name order.
  std::vector<std::string> live_replicas_of(const std::string& primary);
  const std::string& node_id(const std::string& name) const { return ids_.at(name); }

  // Sends args to the named node over the shell client's connection to it
  // (kept open between calls, so ASKING applies to the next call), and runs
  // the simulation until the reply or the timeout (virtual time).
  client::CallResult call(const std::string& name, const std::vector<std::string>& args,
                          Nanos timeout = seconds(5));

  // Runs the simulation for a while, or until pred() holds (checked after
  // every event). run_until returns whether pred held before the limit.
  void run_for(Nanos duration) { world_->run_for(duration); }
  template <class Pred>
  bool run_until(Pred&& pred, Nanos limit) {
    const Nanos end = saturating_add(world_->now(), limit);
    auto& scheduler = world_->scheduler();
    for (;;) {
      if (pred()) return true;
      if (world_->now() >= end || !scheduler.step()) return pred();
    }
  }
  void partition(const std::vector<std::vector<std::string>>& groups) { world_->network().partition(groups); }
  void heal() { world_->network().heal(); }

  void crash(const std::string& name) { world_->crash(process(name)); }
  void restart(const std::string& name) { world_->restart(process(name)); }
  // Runs the simulation until the node serves keys (a restarted primary waits
  // Node::kWritableDelay first), at most `limit`. False if it never did.
  bool wait_writable(const std::string& name, Nanos limit = seconds(10));

 private:
  SimClusterOptions options_;
  std::unique_ptr<sim::World> world_;
  std::vector<std::string> names_;
  std::map<std::string, std::string> ids_;
  sim::ProcessId shell_process_ = 0;
  std::map<std::string, std::unique_ptr<client::RespClient>> clients_;  // per node, in the shell process
};

// nodes.conf text for node `self` of a cluster laid out as above.
std::string initial_nodes_conf(const std::vector<std::string>& names, const std::map<std::string, std::string>& ids,
                               int primaries, int replicas, const std::string& self, std::uint16_t port);

}  // namespace slotsim::cluster
