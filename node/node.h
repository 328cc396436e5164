// A Redis Cluster node: the real node code of the project. It speaks RESP on
// its client port, keeps its data (strings, lists) and its view of the
// cluster, persists the data to an AOF and the cluster view to nodes.conf,
// and follows the Redis Cluster specification for redirection (MOVED, ASK,
// ASKING, TRYAGAIN, CROSSSLOT, CLUSTERDOWN) and slot migration (SETSLOT,
// MIGRATE, RESTORE-ASKING).
//
// It reaches the world only through Env. Fibers: one accepting clients, one
// per client connection, one cron. Commands run one at a time: a command that
// blocks (MIGRATE waits on the target) holds the node's command lock, as
// Redis's single thread does, so no other command interleaves with it.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "env/env.h"
#include "env/service.h"
#include "node/aof.h"
#include "node/cluster_state.h"
#include "node/keyspace.h"
#include "node/node_config.h"

namespace slotsim::node {

struct CommandSpec;

class Node final : public Service {
 public:
  using Command = std::vector<std::string>;

  Node(Env& env, NodeConfig config);
  ~Node() override;

  // Read-only views for the simulator's checkers and tests.
  const ClusterState& cluster() const { return cluster_; }
  const Keyspace& keyspace() const { return keys_; }
  const NodeConfig& config() const { return config_; }
  bool cluster_ok() const { return cluster_ok_; }

  static constexpr const char* kConfigFileName = "nodes.conf";
  static constexpr Nanos kWritableDelay = ms(2000);

 private:
  struct Client {
    std::string peer;
    bool asking = false;
    bool readonly = false;
    bool authenticated = false;
    bool in_multi = false;
    bool multi_dirty = false;
    std::vector<Command> queued;
  };
  // Where a command must run: here, or a redirection error to send instead.
  struct Route {
    bool here = true;
    std::string error;  // the full reply when !here
  };

  void load_or_create_config();
  void save_config();  // also refreshes the cluster state
  void update_cluster_state();
  void accept_loop();
  void serve(Connection& conn);
  void cron_loop();

  std::string process(Client& client, Command& args);
  std::string execute(Client& client, const std::string& name, Command& args);
  std::string execute_exec(Client& client);
  Route route(const Client& client, const std::vector<const Command*>& commands, bool asking_implied);
  std::vector<std::string> command_keys(const std::string& name, const Command& args) const;
  void propagate(const std::vector<Command>& commands);
  void apply_from_aof(const Command& command);

  std::string cluster_command(Command& args);
  // The error Redis gives before running a CLUSTER subcommand (unknown, arity), or "".
  std::string cluster_subcommand_error(const Command& args) const;
  std::string cluster_setslot(Command& args);
  std::string cluster_addslots(Command& args, bool add, bool ranges);
  std::string cluster_slots_reply() const;
  std::string cluster_shards_reply() const;
  std::string cluster_info_reply() const;
  std::string info_reply(const Command& args) const;
  std::string migrate_command(Command& args);
  std::string dump_command(const Command& args);
  // replaying: applying the AOF, so nothing is logged again.
  std::string restore_command(const Command& args, bool replaying = false);

  std::int64_t now_ms() const { return env_.now() / 1'000'000; }
  std::string new_node_id();
  std::string address_of(const std::string& node_id) const;

  // MIGRATE keeps one connection per target open, as Redis does (10 s idle).
  struct MigrateSocket {
    std::unique_ptr<Connection> conn;
    long long last_db = -1;  // SELECT is sent only when it changes
    Nanos last_use = 0;
  };

  Env& env_;
  NodeConfig config_;
  ClusterState cluster_;
  Keyspace keys_;
  Aof aof_;
  bool cluster_ok_ = false;
  bool state_recheck_pending_ = false;  // held down by the writable delay
  bool busy_ = false;  // a command is running (possibly blocked in MIGRATE)
  std::unique_ptr<Condition> idle_;
  std::uint64_t commands_processed_ = 0;
  std::uint64_t connections_received_ = 0;
  std::map<std::string, MigrateSocket> migrate_sockets_;  // by "host:port"
  std::vector<Command>* transaction_effects_ = nullptr;   // set while EXEC runs
  Nanos started_at_ = 0;
};

}  // namespace slotsim::node
