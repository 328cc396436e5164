#include "cluster/sim_cluster.h"

#include <cmath>
#include <stdexcept>

#include <fmt/format.h>

#include "env/function_service.h"
#include "node/cluster_state.h"

namespace slotsim::cluster {

std::string initial_nodes_conf(const std::vector<std::string>& names, const std::map<std::string, std::string>& ids,
                               int primaries, int replicas, const std::string& self, std::uint16_t port) {
  const int with_slots_and_replicas = primaries * (1 + replicas);
  node::ClusterState state;
  state.init_myself(ids.at(self), self, port, static_cast<std::uint16_t>(port + 10000));
  // Slot split as redis-cli --cluster create does it: 0-5460, 5461-10922, 10923-16383 for three.
  const double per_primary = static_cast<double>(node::kSlotCount) / primaries;
  double cursor = 0;
  int next_first = 0;
  for (int i = 0; i < static_cast<int>(names.size()); ++i) {
    const std::string& name = names[static_cast<std::size_t>(i)];
    node::ClusterNode n;
    if (name == self) n = state.myself();
    n.id = ids.at(name);
    n.ip = name;
    n.port = port;
    n.cport = static_cast<std::uint16_t>(port + 10000);
    if (i < primaries) {
      n.primary = true;
      n.config_epoch = static_cast<std::uint64_t>(i + 1);
      int last = static_cast<int>(std::lround(cursor + per_primary - 1));
      if (last > node::kSlotCount - 1 || i == primaries - 1) last = node::kSlotCount - 1;
      state.assign_range(next_first, last, n.id);
      next_first = last + 1;
      cursor += per_primary;
    } else if (i >= with_slots_and_replicas) {
      n.primary = true;  // an empty primary, as after CLUSTER MEET
      n.config_epoch = static_cast<std::uint64_t>(i - with_slots_and_replicas + primaries + 1);
    } else {
      const int primary_index = (i - primaries) / std::max(1, replicas);
      n.primary = false;
      n.primary_id = ids.at(names[static_cast<std::size_t>(primary_index)]);
      n.config_epoch = static_cast<std::uint64_t>(primary_index + 1);
    }
    state.add(n);
  }
  state.current_epoch = static_cast<std::uint64_t>(primaries + static_cast<int>(names.size()) - with_slots_and_replicas);
  return state.render_config(0);
}

SimCluster::SimCluster(SimClusterOptions options) : options_(std::move(options)) {
  world_ = std::make_unique<sim::World>(options_.world);
  const int total = options_.primaries * (1 + options_.replicas) + options_.empty_primaries;
  sim::Rng id_rng = world_->stream("cluster/ids");
  for (int i = 1; i <= total; ++i) {
    const std::string name = fmt::format("n{}", i);
    names_.push_back(name);
    ids_[name] = fmt::format("{:016x}{:016x}{:08x}", id_rng.next_u64(), id_rng.next_u64(),
                             static_cast<std::uint32_t>(id_rng.next_u64()));
  }
  for (const auto& name : names_) {
    node::NodeConfig config = options_.node;
    config.announce_ip = name;
    const auto id = world_->add_process(
        name, [config](Env& env) { return std::make_unique<node::Node>(env, config); }, false);
    if (options_.preconfigured) {
      sim::Disk& disk = world_->disk(id);
      auto file = disk.create(node::Node::kConfigFileName, true);
      file->assign(initial_nodes_conf(names_, ids_, options_.primaries, options_.replicas, name, options_.node.port));
      disk.sync(*file);
      disk.sync_directory();
    }
    world_->restart(id);
    if (!options_.preconfigured) ids_[name] = node(name)->cluster().myself_id();
  }
  // The shell's own process: it only holds client connections; calls run in fibers spawned into it.
  shell_process_ = world_->add_process("shell", function_process([](Env& env) { env.sleep(kForever); }));
  if (options_.preconfigured) {
    for (const auto& name : names_) wait_writable(name);
  }
}

bool SimCluster::wait_writable(const std::string& name, Nanos limit) {
  const Nanos end = saturating_add(world_->now(), limit);
  auto& scheduler = world_->scheduler();
  for (;;) {
    node::Node* n = node(name);
    if (n != nullptr && n->cluster_ok()) return true;
    if (world_->now() >= end || !scheduler.step()) return false;
  }
}

SimCluster::~SimCluster() {
  clients_.clear();
  world_.reset();
}

bool SimCluster::has_node(const std::string& name) const { return ids_.count(name) != 0; }

node::Node* SimCluster::node(const std::string& name) {
  return dynamic_cast<node::Node*>(world_->service(process(name)));
}

std::vector<std::string> SimCluster::live_replicas_of(const std::string& primary) {
  std::vector<std::string> replicas;
  const std::string& id = node_id(primary);
  for (const auto& name : names_) {
    const node::Node* n = name == primary ? nullptr : node(name);
    if (n != nullptr && !n->cluster().myself().primary && n->cluster().myself().primary_id == id) replicas.push_back(name);
  }
  return replicas;
}

client::CallResult SimCluster::call(const std::string& name, const std::vector<std::string>& args, Nanos timeout) {
  if (!has_node(name)) throw std::invalid_argument("no node named " + name);
  Env& env = world_->env(shell_process_);
  auto& client = clients_[name];
  if (!client) client = std::make_unique<client::RespClient>(env, Address{name, options_.node.port});
  bool done = false;
  client::CallResult result;
  const Nanos deadline = env.now() + timeout;
  env.spawn("call", [&] {
    result = client->call(args, deadline);
    done = true;
  });
  auto& scheduler = world_->scheduler();
  while (!done && scheduler.step()) {
  }
  return result;
}

}  // namespace slotsim::cluster
