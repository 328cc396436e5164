#include "node/node.h"

#include <algorithm>
#include <stdexcept>

#include "node/data_commands.h"
#include "node/reply.h"
#include "node/resp_parser.h"
#include "node/resp_value.h"
#include "node/text.h"

namespace slotsim::node {

Node::Node(Env& env, NodeConfig config)
    : env_(env), config_(std::move(config)), aof_(env, config_.appendfsync), idle_(env.make_condition()),
      unpaused_(env.make_condition()), replica_acks_(env.make_condition()), started_at_(env.now()) {
  if (config_.announce_ip.empty()) config_.announce_ip = env_.host();
  // A fresh replication history: Redis does not keep its replid across restarts without an RDB.
  repl_.replid = new_node_id();
  if (config_.cluster_enabled) {
    load_or_create_config();
  } else {
    // A lone primary: an identity in memory only (no nodes.conf), so role checks work.
    cluster_.init_myself(new_node_id(), config_.announce_ip, config_.port, config_.cluster_bus_port());
  }
  update_cluster_state();
  if (config_.appendonly) {
    const auto report = aof_.load([this](const Command& command) { apply_from_aof(command); });
    env_.trace("aof_loaded", "commands=" + std::to_string(report.commands) +
                                 " truncated_bytes=" + std::to_string(report.truncated_bytes) +
                                 " keys=" + std::to_string(keys_.size()) +
                                 " appendfsync=" + appendfsync_name(config_.appendfsync));
  }
  if (config_.cluster_enabled) verify_config_with_data();
  env_.spawn("accept", [this] { accept_loop(); });
  if (config_.cluster_enabled) env_.spawn("bus-accept", [this] { bus_accept_loop(); });
  env_.spawn("cron", [this] { cron_loop(); });
  if (config_.cluster_enabled && !cluster_.myself().primary) replication_set_primary();
}

Node::~Node() = default;

std::string Node::new_node_id() {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id;
  while (id.size() < ClusterState::kIdLength) {
    std::uint64_t bits = env_.random_u64();
    for (int i = 0; i < 16 && id.size() < ClusterState::kIdLength; ++i, bits >>= 4) id += kHex[bits & 15];
  }
  return id;
}

void Node::load_or_create_config() {
  auto file = env_.open_file(kConfigFileName, OpenMode::open_existing);
  if (file) {
    auto text = (*file)->read_at(0, (*file)->size());
    if (text && !text->empty()) {
      if (auto error = ClusterState::parse_config(*text, cluster_)) {
        // Redis refuses to start on a corrupt nodes.conf; so do we, loudly.
        throw std::runtime_error("unrecoverable error: corrupted cluster config file: " + *error);
      }
      // A primary with replicas is a target for replica migration should it lose them.
      std::vector<std::string> with_replicas;
      for (const auto& [id, node] : cluster_.nodes()) {
        if (!node.primary && !node.primary_id.empty()) with_replicas.push_back(node.primary_id);
      }
      for (const auto& id : with_replicas) {
        if (ClusterNode* primary = cluster_.find(id)) primary->migrate_to = true;
      }
      // The address is configuration, not state: a restarted node announces what it is told.
      ClusterNode& me = cluster_.myself();
      me.ip = config_.announce_ip;
      me.port = config_.port;
      me.cport = config_.cluster_bus_port();
      env_.trace("config_loaded", "id=" + cluster_.myself_id() + " epoch=" + std::to_string(cluster_.current_epoch) +
                                      " slots=" + std::to_string(cluster_.slots_of(cluster_.myself_id()).size()));
      return;
    }
  }
  cluster_.init_myself(new_node_id(), config_.announce_ip, config_.port, config_.cluster_bus_port());
  env_.trace("config_created", "id=" + cluster_.myself_id());
  save_config();
}

bool Node::save_config() {
  todo_save_config_ = false;
  update_cluster_state();
  // Write a temp file, sync it, rename it over nodes.conf, sync the directory:
  // a crash at any point leaves either the old or the new file, whole.
  const std::string text = cluster_.render_config(now_ms());
  auto tmp = env_.open_file("nodes.conf.tmp", OpenMode::create_truncate);
  IoError error = tmp ? IoError::ok : tmp.error();
  if (error == IoError::ok) error = (*tmp)->append(text);
  if (error == IoError::ok) error = (*tmp)->sync();
  if (error == IoError::ok) error = env_.rename_file("nodes.conf.tmp", kConfigFileName);
  if (error == IoError::ok) error = env_.sync_directory();
  if (error != IoError::ok) {
    env_.trace("config_save_failed", std::string(to_string(error)));
    return false;
  }
  return true;
}

void Node::accept_loop() {
  auto listener = env_.listen(config_.port);
  if (!listener) {
    env_.trace("listen_failed", "port=" + std::to_string(config_.port) + " error=" + std::string(to_string(listener.error())));
    return;
  }
  for (;;) {
    auto conn = (*listener)->accept();
    if (!conn) return;
    ++connections_received_;
    auto shared = std::shared_ptr<Connection>(std::move(conn).value());
    env_.spawn("client", [this, shared] { serve(shared); });
  }
}

void Node::serve(std::shared_ptr<Connection> shared_conn) {
  Connection& conn = *shared_conn;
  Client client;
  client.peer = conn.peer_address().to_string();
  client.authenticated = config_.requirepass.empty();
  client.id = ++next_client_id_;
  client.created_at = client.last_active = env_.now();
  clients_[client.id] = &client;
  struct Unregister {
    std::map<std::uint64_t, const Client*>& clients;
    std::uint64_t id;
    ~Unregister() { clients.erase(id); }
  } unregister{clients_, client.id};
  std::string buffer;
  char chunk[16 * 1024];
  for (;;) {
    ReadResult r = conn.read(chunk, sizeof chunk);
    if (r.error != IoError::ok) return;
    buffer.append(chunk, r.n);
    std::size_t offset = 0;
    std::string replies;
    bool close_after = false;
    while (offset < buffer.size()) {
      ParsedRequest parsed = parse_request(std::string_view(buffer).substr(offset));
      if (parsed.status == ParsedRequest::Status::need_more) break;
      offset += parsed.consumed;
      if (parsed.status == ParsedRequest::Status::empty) continue;
      if (parsed.status == ParsedRequest::Status::error) {
        replies += reply::error(parsed.error);
        env_.trace("protocol_error", "peer=" + client.peer + " error=" + parsed.error);
        close_after = true;
        break;
      }
      // Redis drops HTTP requests (a cross-protocol attack) without a reply.
      const std::string lowered = lowercase(parsed.args[0]);
      const std::string_view first = lowered;  // compared as a view: lengths first
      if (first == "post" || first == "host:") {
        env_.trace("security_warning", "peer=" + client.peer);
        close_after = true;
        break;
      }
      if (first == "psync" || first == "sync") {
        // The connection becomes a replica's: from here on it carries the
        // replication stream out and REPLCONF ACKs in.
        if (!replies.empty() && conn.write(replies) != IoError::ok) return;
        if (!client.authenticated) {
          conn.write(reply::error("NOAUTH Authentication required."));
          conn.close();
          return;
        }
        client.is_replica = true;
        serve_replica(shared_conn, client, parsed.args, buffer.substr(offset));
        return;
      }
      replies += process(client, parsed.args);
      if (client.close_after_reply && !client.wait) {  // QUIT
        close_after = true;
        break;
      }
      if (client.wait) {
        // A blocked client (WAIT): what it sent after stays queued, as in Redis.
        if (!replies.empty() && conn.write(replies) != IoError::ok) return;
        replies = finish_replica_wait(client);
        if (client.close_after_reply) {
          conn.write(replies);
          conn.close();
          return;
        }
      }
    }
    buffer.erase(0, offset);
    if (!replies.empty() && conn.write(replies) != IoError::ok) return;
    if (close_after) {
      conn.close();
      return;
    }
  }
}

void Node::cron_loop() {
  for (;;) {
    env_.sleep(ms(100));
    // Redis's cron never runs in the middle of a command (a MIGRATE blocks
    // its whole event loop): no role change or pause may land inside one.
    while (busy_) idle_->wait_until(kForever);
    aof_.sync_every_second(env_.now());
    if (config_.cluster_enabled) bus_cron();
    replication_cron();
    if (state_recheck_pending_) update_cluster_state();
    // Close MIGRATE connections idle for 10 s, unless a MIGRATE is using one now.
    if (!busy_) {
      std::erase_if(migrate_sockets_, [&](const auto& entry) { return env_.now() - entry.second.last_use > ms(10'000); });
    }
  }
}

void Node::update_cluster_state() {
  todo_update_state_ = false;
  const std::int64_t now = now_ms();
  ClusterNode& me = cluster_.myself();
  // A primary that just started stays down for a moment (CLUSTER_WRITABLE_DELAY):
  // it may be about to learn that its slots moved on while it was away.
  state_recheck_pending_ = me.primary && !cluster_ok_ && env_.now() - started_at_ < kWritableDelay;
  if (state_recheck_pending_) return;  // the cron looks again once the delay is over
  // Recomputed when the cluster view changes, not per command: the hot path
  // only reads cluster_ok_ (as Redis's clusterUpdateState from beforeSleep).
  bool ok = true;
  SlotSet covered;
  std::size_t size = 0;
  std::size_t reachable = 0;
  for (const auto& [id, node] : cluster_.nodes()) {
    if (!node.primary) continue;
    const SlotSet& slots = cluster_.slot_set(id);
    if (slots.none()) continue;
    ++size;
    if (!node.fail && !node.pfail) ++reachable;
    if (!node.fail) covered |= slots;  // PFAIL still covers: only FAIL is agreed on
  }
  if (config_.require_full_coverage && !covered.all()) ok = false;
  cluster_size_ = size;
  // A primary in the minority side of a partition stops serving writes (and a
  // replica there does not promote itself): it cannot know what the majority did.
  if (reachable < size / 2 + 1) {
    ok = false;
    among_minority_time_ms_ = now;
  }
  if (ok != cluster_ok_) {
    const std::int64_t rejoin_delay_ms =
        std::clamp<std::int64_t>(config_.node_timeout / kNanosPerMilli, 500, 5000);
    // Back from the minority: wait a moment for the majority's updates first.
    if (ok && me.primary && now - among_minority_time_ms_ < rejoin_delay_ms) return;
    env_.trace("cluster_state", ok ? "state=ok" : "state=fail");
    cluster_ok_ = ok;
  }
}

std::string Node::address_of(const std::string& node_id) const {
  const ClusterNode* node = cluster_.find(node_id);
  return node == nullptr ? std::string(":0") : node->address();
}

void Node::propagate(const std::vector<Command>& commands) {
  if (transaction_effects_ != nullptr) {
    transaction_effects_->insert(transaction_effects_->end(), commands.begin(), commands.end());
    return;
  }
  for (const auto& command : commands) {
    // Encoded once: the AOF and the replication stream carry the same bytes.
    const bool to_stream = cluster_.myself().primary || !config_.cluster_enabled;
    if (!config_.appendonly && !to_stream) continue;
    const std::string encoded = encode_command(command);
    if (config_.appendonly) aof_.append_encoded(encoded);
    // A replica's own writes (none but its primary's) never enter a stream.
    if (to_stream) feed_replication_stream(encoded);
  }
}

void Node::apply_from_aof(const Command& command) {
  if (command.empty()) return;
  const std::string name = lowercase(command[0]);
  const CommandSpec* spec = find_data_command(name);
  if (spec == nullptr) {
    if (name == "restore" || name == "restore-asking") {
      restore_command(command, true);
      return;
    }
    env_.trace("aof_unknown_command", "name=" + name);
    return;
  }
  // Keys never expire while the log replays: the log itself holds their DELs.
  execute_data_command(*spec, keys_, env_.now(), command, ExpiryMode::ignored, false);
  keys_.take_expired();
}

}  // namespace slotsim::node
