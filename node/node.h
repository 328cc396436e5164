// A Redis Cluster node: the real node code of the project. It speaks RESP on
// its client port, keeps its data (strings, lists) and its view of the
// cluster, persists the data to an AOF and the cluster view to nodes.conf,
// and follows the Redis Cluster specification for redirection (MOVED, ASK,
// ASKING, TRYAGAIN, CROSSSLOT, CLUSTERDOWN) and slot migration (SETSLOT,
// MIGRATE, RESTORE-ASKING).
//
// The distributed half follows the spec too: the cluster bus (cluster_bus.cpp:
// links, gossip, PFAIL/FAIL, UPDATE, epoch collisions), elections and manual
// failover (failover.cpp), slot ownership from bus claims (slot_config.cpp),
// and primary-replica replication with PSYNC, a backlog and WAIT
// (replication.cpp).
//
// It reaches the world only through Env. Fibers: one accepting clients, one
// per client connection, one accepting bus links, one per bus link (plus a
// writer per link), one replication link while a replica, one cron. Commands
// run one at a time: a command that blocks (MIGRATE waits on the target) holds
// the node's command lock, as Redis's single thread does, so no other command
// interleaves with it. WAIT blocks only its own client, as in Redis.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "env/env.h"
#include "env/service.h"
#include "node/aof.h"
#include "node/bus_link.h"
#include "node/bus_message.h"
#include "node/cluster_state.h"
#include "node/election_state.h"
#include "node/keyspace.h"
#include "node/node_config.h"
#include "node/replication_state.h"

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
  // How long the running command has held the node (Redis's single thread;
  // MIGRATE to an unreachable target blocks it); 0 when idle. A blocked node
  // runs no cron: it detects nothing, like a paused one.
  Nanos busy_for() const { return busy_ ? env_.now() - busy_since_ : 0; }
  const ReplicationState& replication() const { return repl_; }
  // Bytes of the replication history this node holds.
  std::uint64_t repl_offset() const { return repl_.offset; }
  // The offset it gossips and ranks by: 0 while it follows a primary of
  // another shard it has not synced with yet (valkey#885).
  std::uint64_t announced_repl_offset() const {
    return !cluster_.myself().primary && repl_.offset_from_other_shard ? 0 : repl_.offset;
  }

  static constexpr const char* kConfigFileName = "nodes.conf";
  static constexpr Nanos kWritableDelay = ms(2000);
  // How long a replicated SETSLOT waits for its replicas by default (Valkey's CLUSTER_OPERATION_TIMEOUT).
  static constexpr Nanos kReplicatedSetslotTimeout = ms(2000);
  // CLUSTER_MF_TIMEOUT: a manual failover must finish within this; the primary pauses writes twice as long.
  static constexpr std::int64_t kManualFailoverTimeoutMs = 5000;

 private:
  struct Client {
    std::string peer;
    std::uint64_t id = 0;       // CLIENT ID: 1, 2, ... in connection order
    std::string name;           // CLIENT SETNAME
    Nanos created_at = 0;       // for CLIENT LIST's age= and idle=
    Nanos last_active = 0;
    std::string last_command;   // lowercase, CLIENT LIST's cmd=
    bool is_replica = false;    // the connection carries a replication stream
    bool asking = false;
    bool readonly = false;
    bool authenticated = false;
    bool in_multi = false;
    bool multi_dirty = false;
    std::vector<Command> queued;
    std::uint64_t woff = 0;
    std::string listening_port;  // REPLCONF listening-port, from a replica-to-be
    bool close_after_reply = false;  // the replication offset after this client's last write (WAIT)
    // Set by a command that must wait for replica acknowledgements (WAIT, a
    // replicated SETSLOT); process() waits without holding the command lock.
    struct ReplicaWait {
      std::uint64_t offset = 0;
      std::size_t replicas = 0;
      Nanos deadline = kForever;
      std::function<std::string(std::size_t acked)> finish;
    };
    std::optional<ReplicaWait> wait;
  };
  // Where a command must run: here, or a redirection error to send instead.
  struct Route {
    bool here = true;
    std::string error;  // the full reply when !here
  };

  void load_or_create_config();
  // Also refreshes the cluster state. False if nodes.conf could not be made durable.
  bool save_config();
  void update_cluster_state();
  void accept_loop();
  void serve(std::shared_ptr<Connection> conn);
  void cron_loop();
  // Waits (without the command lock) for a client's pending ReplicaWait.
  std::string finish_replica_wait(Client& client);
  bool writes_paused() const { return writes_paused_until_ > env_.now(); }
  bool is_write_request(const Client& client, std::string_view name) const;

  // --- cluster bus (cluster_bus.cpp) ---
  void bus_accept_loop();
  std::shared_ptr<BusLink> create_link(bool inbound, std::string node_id);
  void connect_link(std::shared_ptr<BusLink> link, Address to);
  void read_link(const std::shared_ptr<BusLink>& link);
  void free_link(BusLink& link);
  void free_links_of(const std::string& node_id);
  BusLink* outbound_link(const ClusterNode& node);
  void bus_cron();
  // Deferred work, run after each packet and each cron tick (Redis's clusterBeforeSleep).
  void before_sleep();
  void process_packet(BusLink& link, const bus::Message& message);
  void process_gossip(const bus::Message& message, ClusterNode* sender);
  bus::Message build_header(bus::MessageType type) const;
  void send_message(BusLink& link, const bus::Message& message);
  void send_ping(BusLink& link, bus::MessageType type);
  void broadcast(const bus::Message& message);
  enum class PongTarget { all, local_replicas };
  void broadcast_pong(PongTarget target);
  void send_update(BusLink& link, const ClusterNode& about);
  std::uint16_t flags_of(const ClusterNode& node) const;
  void mark_node_as_failing_if_needed(ClusterNode& node);
  void clear_node_failure_if_needed(ClusterNode& node);
  std::size_t failure_report_count(ClusterNode& node);
  bool is_voting_primary(const ClusterNode& node) const;
  void update_address_if_needed(ClusterNode& node, const BusLink& link, const bus::Message& message);
  void delete_node(const std::string& id);
  void handle_config_epoch_collision(const ClusterNode& sender, const SlotBitmap& sender_slots);
  void set_node_as_primary(ClusterNode& node);
  void forget_migrate_to_if_orphaned(const std::string& primary_id);
  bool bump_epoch_without_consensus(const char* reason);

  // --- slot ownership from claims (slot_config.cpp) ---
  void update_slots_config_with(const std::string& sender_id, std::uint64_t sender_epoch, const SlotSet& claimed);
  bool same_shard(const ClusterNode& a, const ClusterNode& b) const;
  void delete_keys_in_slot(int slot);
  void verify_config_with_data();

  // --- failover (failover.cpp) ---
  void handle_replica_failover();
  void handle_manual_failover();
  void manual_failover_check_timeout();
  void reset_manual_failover();
  void send_failover_auth_if_needed(ClusterNode& requester, const bus::Message& request);
  void failover_replace_primary();
  int replica_rank() const;
  void handle_replica_migration(std::size_t max_replicas);
  void set_my_primary(const std::string& primary_id, bool close_slots);
  std::string cluster_failover(const Command& args);

  // --- replication (replication.cpp) ---
  void feed_replication_stream(std::string_view bytes);
  void serve_replica(const std::shared_ptr<Connection>& conn, const Client& client, const Command& psync,
                     std::string buffered);
  void replica_link_loop(std::uint64_t generation);
  // Sleeps to the next run of Redis's replicationCron, the only place a replica
  // retries its primary: once a second on the node's own clock (phase set at
  // startup), not a second after the failure.
  void wait_for_replication_cron();
  bool replica_sync(Connection& conn, std::string& buffer);
  void apply_replicated(const Command& command, std::string_view raw);
  void send_replica_ack();
  void replication_set_primary();
  void replication_unset_primary();
  void replication_cron();
  std::size_t acked_replicas(std::uint64_t offset) const;
  std::vector<Command> snapshot_commands() const;
  std::string wait_command(Client& client, const Command& args);
  std::string replconf_command(Client& client, const Command& args);
  std::string info_replication() const;

  // Both may consume args (a data command's propagation takes them over).
  // data_spec: find_data_command(name), which the caller has looked up already.
  std::string process(Client& client, Command& args);
  std::string execute(Client& client, std::string_view name, Command& args, const CommandSpec* data_spec);
  std::string execute_exec(Client& client);
  Route route(const Client& client, std::span<const Command* const> commands, bool asking_implied);
  std::vector<std::string> command_keys(std::string_view name, const Command& args) const;
  void propagate(const std::vector<Command>& commands);
  void apply_from_aof(const Command& command);

  std::string cluster_command(Client& client, Command& args);
  // The error Redis gives before running a CLUSTER subcommand (unknown, arity), or "".
  std::string cluster_subcommand_error(const Command& args) const;
  std::string cluster_setslot(Client& client, Command& args);
  // SETSLOT in two steps, so a replicated SETSLOT (migration_state_replication
  // = on) can check, wait for its replicas, then apply. from_primary: applied
  // from the replication stream on a replica.
  std::string setslot_check(const Command& args, bool from_primary) const;
  void setslot_apply(const Command& args, bool from_primary);
  std::string cluster_addslots(Command& args, bool add, bool ranges);
  std::string cluster_slots_reply() const;
  std::string cluster_shards_reply() const;
  std::string cluster_info_reply() const;
  std::string info_reply(const Command& args) const;
  // COMMAND, CLIENT, CONFIG, HELLO, AUTH (connection_commands.cpp).
  std::string command_command(const Command& args) const;
  std::string client_command(Client& client, const Command& args) const;
  std::string client_info_line(const Client& client) const;
  std::string config_command(const Command& args) const;
  std::string hello_command(Client& client, const Command& args);
  std::string auth_command(Client& client, const Command& args);
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
  Nanos busy_since_ = 0;
  std::unique_ptr<Condition> idle_;
  std::uint64_t commands_processed_ = 0;
  std::uint64_t connections_received_ = 0;
  Nanos writes_paused_until_ = 0;  // a primary handing over in a manual failover
  std::unique_ptr<Condition> unpaused_;

  // Cluster bus.
  std::map<std::uint64_t, std::shared_ptr<BusLink>> links_;  // by serial
  std::uint64_t next_link_serial_ = 1;
  std::uint64_t cron_iteration_ = 0;
  std::size_t pfail_node_count_ = 0;  // from the last cron: how many PFAIL nodes to gossip
  std::size_t cluster_size_ = 1;      // primaries that own slots (the failure and vote quorum)
  std::int64_t among_minority_time_ms_ = 0;
  bool todo_update_state_ = false;
  bool todo_save_config_ = false;
  bool todo_handle_failover_ = false;
  bool todo_handle_manual_failover_ = false;
  std::map<std::string, std::int64_t> forget_blacklist_;  // id -> until (ms)
  std::map<std::string, std::uint64_t> messages_sent_;     // by type name, for CLUSTER INFO
  std::map<std::string, std::uint64_t> messages_received_;
  ElectionState election_;
  ManualFailoverState manual_failover_;

  // Replication.
  ReplicationState repl_;
  std::unique_ptr<Condition> replica_acks_;  // notified on every REPLCONF ACK
  std::map<std::string, MigrateSocket> migrate_sockets_;  // by "host:port"
  std::vector<Command>* transaction_effects_ = nullptr;   // set while EXEC runs
  Nanos started_at_ = 0;
  std::uint64_t next_client_id_ = 0;
  std::map<std::uint64_t, const Client*> clients_;  // by id, for CLIENT LIST
  // CLUSTER SLOTS is asked by every client that refreshes its map, and during
  // a resharding the reply lists hundreds of ranges: it is rebuilt only when
  // the slot table or the nodes it names changed (see cluster_slots_reply).
  struct SlotsReplyCache {
    bool valid = false;
    std::uint64_t resets = 0;
    std::uint64_t version = 0;
    std::string nodes;  // what the reply says of the nodes: ids, addresses, roles, failures
    std::string reply;
  };
  mutable SlotsReplyCache slots_reply_cache_;
};

}  // namespace slotsim::node
