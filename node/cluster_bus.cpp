// The cluster bus: links, the handshake, gossip, failure detection (PFAIL,
// failure reports, FAIL), UPDATE messages and configEpoch collisions, in the
// order Redis 7.0's clusterCron and clusterProcessPacket apply their rules.
// Times on the bus are this node's clock in milliseconds; gossip carries
// seconds, as in Redis.
#include <algorithm>
#include <set>

#include "node/node.h"

namespace slotsim::node {

namespace {

constexpr std::size_t kLinkOutboxLimit = 64u << 20;  // a peer that stops reading is dropped

const char* type_name(bus::MessageType type) {
  switch (type) {
    case bus::MessageType::ping: return "ping";
    case bus::MessageType::pong: return "pong";
    case bus::MessageType::meet: return "meet";
    case bus::MessageType::fail: return "fail";
    case bus::MessageType::publish: return "publish";
    case bus::MessageType::failover_auth_request: return "auth-req";
    case bus::MessageType::failover_auth_ack: return "auth-ack";
    case bus::MessageType::update: return "update";
    case bus::MessageType::mfstart: return "mfstart";
    case bus::MessageType::module: return "module";
    case bus::MessageType::publishshard: return "publishshard";
  }
  return "unknown";
}

bool is_ping_like(bus::MessageType type) {
  return type == bus::MessageType::ping || type == bus::MessageType::pong || type == bus::MessageType::meet;
}

}  // namespace

// ---------------------------------------------------------------- links

void Node::bus_accept_loop() {
  auto listener = env_.listen(config_.cluster_bus_port());
  if (!listener) {
    env_.trace("bus_listen_failed", "port=" + std::to_string(config_.cluster_bus_port()));
    return;
  }
  for (;;) {
    auto conn = (*listener)->accept();
    if (!conn) return;
    auto link = create_link(true, "");
    link->conn = std::shared_ptr<Connection>(std::move(conn).value());
    link->out->attach(link->conn);
    env_.spawn("bus-in", [this, link] { read_link(link); });
  }
}

std::shared_ptr<BusLink> Node::create_link(bool inbound, std::string node_id) {
  auto link = std::make_shared<BusLink>();
  link->serial = next_link_serial_++;
  link->inbound = inbound;
  link->node_id = std::move(node_id);
  link->created_ms = now_ms();
  link->out = Outbox::create(env_, inbound ? "bus-in-write" : "bus-out-write", kLinkOutboxLimit);
  links_.emplace(link->serial, link);
  return link;
}

void Node::connect_link(std::shared_ptr<BusLink> link, Address to) {
  auto conn = env_.connect(to, saturating_add(env_.now(), config_.node_timeout));
  if (link->freed) {
    if (conn) (*conn)->close();
    return;
  }
  ClusterNode* node = cluster_.find(link->node_id);
  if (!conn || node == nullptr) {
    // Failure detection must still run for a node we cannot even reach.
    if (node != nullptr && node->ping_sent_ms == 0) node->ping_sent_ms = now_ms();
    free_link(*link);
    return;
  }
  link->conn = std::shared_ptr<Connection>(std::move(conn).value());
  link->out->attach(link->conn);
  node->link_connected = true;
  // The first packet: MEET for a node we were told to meet, else PING. A ping
  // already pending keeps its time, so a flapping link cannot hide a failure.
  const std::int64_t old_ping_sent = node->ping_sent_ms;
  send_ping(*link, node->meet ? bus::MessageType::meet : bus::MessageType::ping);
  if (old_ping_sent != 0) node->ping_sent_ms = old_ping_sent;
  node->meet = false;
  read_link(link);
}

void Node::read_link(const std::shared_ptr<BusLink>& link) {
  std::string buffer;
  char chunk[16 * 1024];
  for (;;) {
    ReadResult r = link->conn->read(chunk, sizeof chunk);
    if (link->freed) return;
    if (r.error != IoError::ok) {
      free_link(*link);
      before_sleep();
      return;
    }
    buffer.append(chunk, r.n);
    std::size_t offset = 0;
    while (!link->freed) {
      const bus::FrameCheck frame = bus::check_frame(std::string_view(buffer).substr(offset));
      if (frame.status == bus::FrameCheck::Status::need_more) break;
      if (frame.status == bus::FrameCheck::Status::bad) {
        env_.trace("bus_bad_frame", "peer=" + (link->conn ? link->conn->peer_address().to_string() : std::string("?")) + " error=" + frame.error);
        free_link(*link);
        break;
      }
      const bus::Decoded decoded = bus::decode(std::string_view(buffer).substr(offset, frame.length));
      offset += frame.length;
      if (decoded.status == bus::Decoded::Status::bad) {
        env_.trace("bus_bad_message", "peer=" + (link->conn ? link->conn->peer_address().to_string() : std::string("?")) + " error=" + decoded.error);
        free_link(*link);
        break;
      }
      if (decoded.status == bus::Decoded::Status::ignored) continue;
      // Packets wait for a running command, as in Redis's single thread.
      while (busy_) idle_->wait_until(kForever);
      if (link->freed) break;
      process_packet(*link, decoded.message);
      before_sleep();
    }
    if (link->freed) {
      before_sleep();
      return;
    }
    buffer.erase(0, offset);
  }
}

void Node::free_link(BusLink& link) {
  if (link.freed) return;
  link.freed = true;
  link.out->close();
  if (link.conn) link.conn->close();
  if (!link.inbound) {
    if (ClusterNode* node = cluster_.find(link.node_id); node != nullptr && node->link == link.serial) {
      node->link = 0;
      node->link_connected = false;
    }
  }
  links_.erase(link.serial);
}

void Node::free_links_of(const std::string& node_id) {
  std::vector<std::shared_ptr<BusLink>> doomed;
  for (const auto& [serial, link] : links_) {
    if (link->node_id == node_id) doomed.push_back(link);
  }
  for (const auto& link : doomed) free_link(*link);
}

BusLink* Node::outbound_link(const ClusterNode& node) {
  if (node.link == 0) return nullptr;
  auto it = links_.find(node.link);
  return it == links_.end() ? nullptr : it->second.get();
}

void Node::delete_node(const std::string& id) {
  free_links_of(id);
  // Its failure reports about others go with it.
  for (auto& [other_id, other] : cluster_.nodes()) {
    const_cast<ClusterNode&>(other).fail_reports.erase(id);
  }
  cluster_.forget(id);
  todo_update_state_ = true;
}

// ---------------------------------------------------------------- sending

std::uint16_t Node::flags_of(const ClusterNode& node) const {
  std::uint16_t flags = 0;
  if (node.primary) flags |= bus::node_flag::master;
  else flags |= bus::node_flag::replica;
  if (node.pfail) flags |= bus::node_flag::pfail;
  if (node.fail) flags |= bus::node_flag::fail;
  if (node.myself) flags |= bus::node_flag::myself;
  if (node.handshake) flags |= bus::node_flag::handshake;
  if (node.noaddr) flags |= bus::node_flag::noaddr;
  if (node.meet) flags |= bus::node_flag::meet;
  if (node.migrate_to) flags |= bus::node_flag::migrate_to;
  if (node.nofailover) flags |= bus::node_flag::nofailover;
  return flags;
}

bus::Message Node::build_header(bus::MessageType type) const {
  const ClusterNode& me = cluster_.myself();
  // A replica speaks for its primary's slots and configEpoch.
  const ClusterNode* primary = me.primary ? &me : cluster_.find(me.primary_id);
  bus::Message m;
  m.type = type;
  m.port = config_.port;
  m.cport = config_.cluster_bus_port();
  m.sender = me.id;
  m.ip = config_.announce_ip;
  m.current_epoch = cluster_.current_epoch;
  if (primary != nullptr) {
    m.slots = cluster_.slot_set(primary->id);
    m.config_epoch = primary->config_epoch;
  }
  if (!me.primary) m.primary_id = me.primary_id;
  m.offset = announced_repl_offset();
  m.flags = flags_of(me);
  m.state = cluster_ok_ ? 0 : 1;
  if (me.primary && manual_failover_.end_ms != 0) m.mflags |= bus::message_flag::paused;
  return m;
}

void Node::send_message(BusLink& link, const bus::Message& message) {
  if (link.freed) return;
  ++messages_sent_[type_name(message.type)];
  if (!link.out->send(bus::encode(message))) free_link(link);
}

void Node::send_ping(BusLink& link, bus::MessageType type) {
  const std::int64_t now = now_ms();
  const auto& nodes = cluster_.nodes();
  // Gossip about a tenth of the cluster (at least 3), so failure reports reach
  // a majority fast enough; plus every node we think is failing.
  std::size_t fresh_nodes = nodes.size() >= 2 ? nodes.size() - 2 : 0;
  std::size_t wanted = std::min(std::max<std::size_t>(3, nodes.size() / 10), fresh_nodes);
  std::size_t pfail_wanted = pfail_node_count_;
  if (!link.inbound && type == bus::MessageType::ping) {
    if (ClusterNode* target = cluster_.find(link.node_id)) target->ping_sent_ms = now;
  }
  bus::Message m = build_header(type);
  m.gossip.reserve(wanted + pfail_wanted);
  // Few entries: a linear scan of the nodes already added beats a set of ids.
  std::vector<const ClusterNode*> added;
  added.reserve(wanted + pfail_wanted);
  auto is_added = [&](const ClusterNode& node) {
    return std::find(added.begin(), added.end(), &node) != added.end();
  };
  auto add_entry = [&](const ClusterNode& node) {
    bus::GossipEntry e;
    e.node_id = node.id;
    e.ping_sent_s = static_cast<std::uint32_t>(node.ping_sent_ms / 1000);
    e.pong_received_s = static_cast<std::uint32_t>(node.pong_received_ms / 1000);
    e.ip = node.ip;
    e.port = node.port;
    e.cport = node.cport;
    e.flags = flags_of(node);
    m.gossip.push_back(std::move(e));
    added.push_back(&node);
  };
  std::size_t iterations = wanted * 3;
  while (fresh_nodes > 0 && m.gossip.size() < wanted && iterations-- > 0) {
    auto it = std::next(nodes.begin(), static_cast<std::ptrdiff_t>(env_.random_below(nodes.size())));
    const ClusterNode& node = it->second;
    if (node.myself || node.pfail) continue;  // PFAIL nodes are added below
    if (node.handshake || node.noaddr || (node.link == 0 && cluster_.slot_count(node.id) == 0)) {
      --fresh_nodes;  // not worth gossiping about
      continue;
    }
    if (is_added(node)) continue;
    add_entry(node);
  }
  for (const auto& [id, node] : nodes) {
    if (pfail_wanted == 0) break;
    if (!node.pfail || node.handshake || node.noaddr || is_added(node)) continue;
    add_entry(node);
    --pfail_wanted;
  }
  send_message(link, m);
}

void Node::broadcast(const bus::Message& message) {
  for (const auto& [id, node] : cluster_.nodes()) {
    if (node.myself || node.handshake) continue;
    if (BusLink* link = outbound_link(node)) send_message(*link, message);
  }
}

void Node::broadcast_pong(PongTarget target) {
  const ClusterNode& me = cluster_.myself();
  std::vector<std::uint64_t> serials;
  for (const auto& [id, node] : cluster_.nodes()) {
    if (node.myself || node.handshake || node.link == 0) continue;
    if (target == PongTarget::local_replicas) {
      const bool sibling_or_mine = !node.primary && !node.primary_id.empty() &&
                                   (node.primary_id == me.primary_id || node.primary_id == me.id);
      if (!sibling_or_mine) continue;
    }
    serials.push_back(node.link);
  }
  for (std::uint64_t serial : serials) {
    if (auto it = links_.find(serial); it != links_.end()) send_ping(*it->second, bus::MessageType::pong);
  }
}

void Node::send_update(BusLink& link, const ClusterNode& about) {
  bus::Message m = build_header(bus::MessageType::update);
  m.about_node_id = about.id;
  m.update_config_epoch = about.config_epoch;
  m.update_slots = cluster_.slot_set(about.id) & ~cluster_.owner_not_claiming;
  send_message(link, m);
}

// ---------------------------------------------------------------- cron

void Node::bus_cron() {
  ++cron_iteration_;
  const std::int64_t nt = config_.node_timeout / kNanosPerMilli;
  const std::int64_t handshake_timeout = std::max<std::int64_t>(nt, 1000);
  std::size_t pfail_nodes = 0;
  std::erase_if(forget_blacklist_, [&](const auto& entry) { return entry.second < now_ms(); });

  // Expire stale handshakes; connect to every node we have no link to.
  std::vector<std::string> expired_handshakes;
  std::vector<std::pair<std::shared_ptr<BusLink>, Address>> connects;
  for (auto& [id, node_ref] : cluster_.nodes()) {
    auto& node = const_cast<ClusterNode&>(node_ref);
    if (node.myself || node.noaddr) continue;
    if (node.pfail) ++pfail_nodes;
    if (node.handshake && now_ms() - node.created_ms > handshake_timeout) {
      expired_handshakes.push_back(id);
      continue;
    }
    if (node.link == 0) {
      auto link = create_link(false, id);
      node.link = link->serial;
      connects.emplace_back(link, Address{node.ip, node.cport});
    }
  }
  pfail_node_count_ = pfail_nodes;
  for (const auto& id : expired_handshakes) {
    env_.trace("handshake_timeout", "id=" + id);
    delete_node(id);
  }
  for (auto& [link, address] : connects) {
    env_.spawn("bus-out", [this, link, address] { connect_link(link, address); });
  }

  // About once a second, ping one of five random nodes: the one we heard from least recently.
  if (cron_iteration_ % 10 == 0 && cluster_.nodes().size() > 1) {
    const ClusterNode* oldest = nullptr;
    for (int i = 0; i < 5; ++i) {
      auto it = std::next(cluster_.nodes().begin(),
                          static_cast<std::ptrdiff_t>(env_.random_below(cluster_.nodes().size())));
      const ClusterNode& node = it->second;
      if (node.link == 0 || node.ping_sent_ms != 0 || node.myself || node.handshake) continue;
      if (oldest == nullptr || node.pong_received_ms < oldest->pong_received_ms) oldest = &node;
    }
    // BUGGIFY: a ping can be lost on the way; failure detection must not
    // depend on this one (the node_timeout/2 rule below pings anyway).
    if (oldest != nullptr && !env_.buggify("bus_ping_skipped")) {
      if (BusLink* link = outbound_link(*oldest)) send_ping(*link, bus::MessageType::ping);
    }
  }

  ClusterNode& me = cluster_.myself();
  std::size_t orphaned_primaries = 0;
  std::size_t max_replicas = 0;
  std::size_t my_primary_replicas = 0;
  // Straight over the table: nothing below adds or removes a node (pings,
  // link resets and traces only), so no copy of the ids is needed.
  for (const auto& [id, node_ref] : cluster_.nodes()) {
    auto& node = const_cast<ClusterNode&>(node_ref);
    const std::int64_t now = now_ms();
    if (node.myself || node.noaddr || node.handshake) continue;

    // Orphaned primaries, for replica migration.
    if (!me.primary && node.primary && !node.fail) {
      std::size_t ok_replicas = 0;
      for (const auto& [rid, replica] : cluster_.nodes()) {
        if (!replica.primary && replica.primary_id == id && !replica.fail) ++ok_replicas;
      }
      if (ok_replicas == 0 && cluster_.slot_count(id) > 0 && node.migrate_to) ++orphaned_primaries;
      max_replicas = std::max(max_replicas, ok_replicas);
      if (me.primary_id == id) my_primary_replicas = ok_replicas;
    }

    // A link that carries pings but no answers for long is reset: maybe only it is broken.
    if (BusLink* link = outbound_link(node)) {
      if (now - link->created_ms > nt && node.ping_sent_ms != 0 && now - node.ping_sent_ms > nt / 2 &&
          now - node.data_received_ms > nt / 2) {
        env_.trace("bus_link_reset", "node=" + id);
        free_link(*link);
      }
    }
    BusLink* link = outbound_link(node);
    // Never let a node go unpinged for half the timeout.
    if (link != nullptr && node.ping_sent_ms == 0 && now - node.pong_received_ms > nt / 2) {
      send_ping(*link, bus::MessageType::ping);
      continue;
    }
    // A primary handing over to a replica pings it every tick, carrying its offset.
    if (link != nullptr && manual_failover_.end_ms != 0 && me.primary && manual_failover_.replica_id == id) {
      send_ping(*link, bus::MessageType::ping);
      continue;
    }
    if (node.ping_sent_ms == 0) continue;
    const std::int64_t delay = std::min(now - node.ping_sent_ms, now - node.data_received_ms);
    if (delay > nt && !node.pfail && !node.fail) {
      node.pfail = true;
      env_.trace("pfail", "node=" + id);
      todo_update_state_ = true;
    }
  }

  manual_failover_check_timeout();
  if (!me.primary) {
    handle_manual_failover();
    handle_replica_failover();
    if (orphaned_primaries > 0 && max_replicas >= 2 && my_primary_replicas == max_replicas) {
      handle_replica_migration(max_replicas);
    }
  }
  if (todo_update_state_ || !cluster_ok_) update_cluster_state();
  before_sleep();
}

void Node::before_sleep() {
  if (todo_handle_manual_failover_) {
    todo_handle_manual_failover_ = false;
    todo_handle_failover_ = false;
    if (!cluster_.myself().primary) {
      handle_manual_failover();
      handle_replica_failover();
    }
  } else if (todo_handle_failover_) {
    todo_handle_failover_ = false;
    if (!cluster_.myself().primary) handle_replica_failover();
  }
  if (todo_update_state_) update_cluster_state();
  if (todo_save_config_) {
    todo_save_config_ = false;
    save_config();
  }
}

// ---------------------------------------------------------------- receiving

void Node::update_address_if_needed(ClusterNode& node, const BusLink& link, const bus::Message& message) {
  if (node.myself) return;
  const std::string ip = message.ip.empty() && link.conn ? link.conn->peer_address().host : message.ip;
  if (node.ip == ip && node.port == message.port && node.cport == message.cport) return;
  node.ip = ip;
  node.port = message.port;
  node.cport = message.cport;
  node.noaddr = false;
  env_.trace("node_address", "node=" + node.id + " address=" + node.address());
  if (BusLink* out = outbound_link(node)) free_link(*out);  // reconnect to the new address
  todo_save_config_ = true;
  // Our primary moved: follow it.
  if (!cluster_.myself().primary && cluster_.myself().primary_id == node.id) replication_set_primary();
}

void Node::process_packet(BusLink& link, const bus::Message& m) {
  ++messages_received_[type_name(m.type)];
  const std::int64_t now = now_ms();
  ClusterNode* sender = nullptr;
  if (!link.node_id.empty()) {
    ClusterNode* linked = cluster_.find(link.node_id);
    if (linked != nullptr && !linked->handshake) sender = linked;
  }
  if (sender == nullptr) sender = cluster_.find(m.sender);
  if (sender != nullptr && sender->myself) sender = nullptr;  // our own id from elsewhere: a stranger
  if (sender != nullptr && link.inbound && link.node_id.empty()) link.node_id = sender->id;

  if (sender != nullptr) sender->data_received_ms = now;
  if (sender != nullptr && !sender->handshake) {
    if (m.current_epoch > cluster_.current_epoch) {
      cluster_.current_epoch = m.current_epoch;
      todo_save_config_ = true;
    }
    // Only a primary's claim raises its configEpoch (Valkey 8.0): a replica's
    // header carries its primary's epoch, which must not make the node look
    // newer than the slots it may still be bound to.
    if (m.primary_id.empty() && m.config_epoch > sender->config_epoch) {
      sender->config_epoch = m.config_epoch;
      todo_save_config_ = true;
      todo_update_state_ = true;
    }
    // Redis 7 and Valkey 8.0 could promote two replicas in one epoch here (found by the migration swarm).
    if (!cluster_.myself().primary && election_.lost_to((m.flags & bus::node_flag::master) != 0, m.config_epoch)) {
      env_.trace("election_reset", "epoch=" + std::to_string(election_.auth_epoch) + " claimed_by=" + sender->id);
      election_.restart();
      todo_handle_failover_ = true;
    }
    sender->repl_offset = m.offset;
    // A paused primary tells its replica the offset to reach before taking over.
    const ClusterNode& me = cluster_.myself();
    if (!me.primary && manual_failover_.end_ms != 0 && me.primary_id == sender->id &&
        (m.mflags & bus::message_flag::paused) != 0 && manual_failover_.primary_offset < 0) {
      manual_failover_.primary_offset = static_cast<std::int64_t>(m.offset);
      todo_handle_manual_failover_ = true;
      env_.trace("manual_failover_offset", "offset=" + std::to_string(m.offset));
    }
  }

  if (m.type == bus::MessageType::ping || m.type == bus::MessageType::meet) {
    if (sender == nullptr && m.type == bus::MessageType::meet) {
      // Someone met us: add it under a temporary name; our own PING to it finishes the handshake.
      ClusterNode node;
      node.id = new_node_id();
      node.ip = m.ip.empty() && link.conn ? link.conn->peer_address().host : m.ip;
      node.port = m.port;
      node.cport = m.cport;
      node.handshake = true;
      node.created_ms = now;
      node.link_connected = false;
      bool known_address = false;
      for (const auto& [id, known] : cluster_.nodes()) {
        if (known.handshake && known.ip == node.ip && known.port == node.port && known.cport == node.cport) {
          known_address = true;
        }
      }
      if (!known_address) {
        env_.trace("meet_received", "address=" + node.address());
        cluster_.add(std::move(node));
        todo_save_config_ = true;
      }
    }
    send_ping(link, bus::MessageType::pong);
  }

  if (is_ping_like(m.type)) {
    if (!link.inbound) {
      ClusterNode* link_node = cluster_.find(link.node_id);
      if (link_node != nullptr && link_node->handshake) {
        if (sender != nullptr) {
          // We already know it under its real id: keep that one, drop the handshake node.
          if (m.type == bus::MessageType::ping || m.type == bus::MessageType::pong) {
            update_address_if_needed(*sender, link, m);
          }
          delete_node(link_node->id);
          return;
        }
        if (m.sender == cluster_.myself_id() || m.sender.size() != ClusterState::kIdLength) {
          delete_node(link_node->id);  // we met ourselves
          return;
        }
        env_.trace("handshake_done", "temp=" + link_node->id + " id=" + m.sender);
        const std::string temp_id = link_node->id;
        cluster_.rename(temp_id, m.sender);
        link.node_id = m.sender;
        ClusterNode* renamed = cluster_.find(m.sender);
        renamed->handshake = false;
        renamed->primary = (m.flags & bus::node_flag::master) != 0;
        todo_save_config_ = true;
        todo_update_state_ = true;
        // The rest waits for the next packet (sender stays unknown here), as in Redis.
      } else if (link_node != nullptr && link_node->id != m.sender) {
        // Someone else answers at that address now: the node we knew moved.
        env_.trace("node_noaddr", "node=" + link_node->id + " answered_by=" + m.sender);
        link_node->noaddr = true;
        link_node->ip.clear();
        link_node->port = 0;
        link_node->cport = 0;
        free_link(link);
        todo_save_config_ = true;
        return;
      }
    }
    if (sender != nullptr) sender->nofailover = (m.flags & bus::node_flag::nofailover) != 0;
    if (sender != nullptr && m.type == bus::MessageType::ping && !sender->handshake) {
      update_address_if_needed(*sender, link, m);
    }
    if (!link.inbound && m.type == bus::MessageType::pong) {
      if (ClusterNode* node = cluster_.find(link.node_id)) {
        node->pong_received_ms = now;
        node->ping_sent_ms = 0;
        if (node->pfail) {
          node->pfail = false;
          env_.trace("pfail_cleared", "node=" + node->id);
          todo_update_state_ = true;
        } else if (node->fail) {
          clear_node_failure_if_needed(*node);
        }
      }
    }
    if (sender == nullptr) return;

    // Role changes.
    if (m.primary_id.empty()) {
      set_node_as_primary(*sender);
    } else {
      if (sender->primary) {
        env_.trace("node_role", "node=" + sender->id + " role=replica primary=" + m.primary_id);
        // Primary turned replica (Valkey 8.0, redis#13055 for redis#13018): in
        // its own shard, a failover. A stale message (our configEpoch for the
        // sender is above the header's) changes nothing else; otherwise the
        // claimed primary is a primary at the header's epoch. Either way the
        // slots stay bound to the sender until a newer claim takes them:
        // unbinding them let any stale, lower-epoch claim take them back.
        // Moved to another shard: its slots are unbound, as before.
        ClusterNode* claimed = cluster_.find(m.primary_id);
        if (claimed != nullptr && !claimed->myself && same_shard(*claimed, *sender)) {
          if (sender->config_epoch <= m.config_epoch) {
            set_node_as_primary(*claimed);
            claimed->config_epoch = m.config_epoch;
          }
        } else {
          for (int slot : cluster_.slots_of(sender->id)) cluster_.unassign(slot);
        }
        sender->primary = false;
        sender->migrate_to = false;
        todo_save_config_ = true;
        todo_update_state_ = true;
      }
      if (sender->primary_id != m.primary_id && cluster_.find(m.primary_id) != nullptr) {
        const std::string old_primary = sender->primary_id;
        sender->primary_id = m.primary_id;
        if (ClusterNode* primary = cluster_.find(m.primary_id)) primary->migrate_to = true;
        forget_migrate_to_if_orphaned(old_primary);
        todo_save_config_ = true;
      }
    }

    // Slot claims: the sender's (or its primary's) bitmap against our table.
    const ClusterNode* sender_primary = sender->primary ? sender : cluster_.find(sender->primary_id);
    const bool dirty = sender_primary != nullptr && cluster_.slot_set(sender_primary->id) != m.slots;
    const std::string sender_id = sender->id;
    if (sender->primary && dirty) update_slots_config_with(sender_id, m.config_epoch, m.slots);
    sender = cluster_.find(sender_id);
    if (sender == nullptr) return;
    if (dirty) {
      // It claims a slot whose owner we know to be newer: tell it (UPDATE).
      for (int slot = 0; slot < kSlotCount; ++slot) {
        if (!m.slots.test(static_cast<std::size_t>(slot))) continue;
        const std::string& owner = cluster_.owner(slot);
        if (owner.empty() || cluster_.owner_not_claiming.test(static_cast<std::size_t>(slot))) continue;
        if (owner == sender_id || (sender_primary != nullptr && owner == sender_primary->id)) continue;
        const ClusterNode* owner_node = cluster_.find(owner);
        if (owner_node != nullptr && owner_node->config_epoch > m.config_epoch) {
          env_.trace("update_sent", "to=" + sender_id + " about=" + owner + " slot=" + std::to_string(slot));
          if (BusLink* out = outbound_link(*sender)) send_update(*out, *owner_node);
          break;
        }
      }
    }
    const ClusterNode& me = cluster_.myself();
    if (me.primary && sender->primary && m.config_epoch == me.config_epoch) handle_config_epoch_collision(*sender, m.slots);
    process_gossip(m, sender);
    return;
  }

  if (m.type == bus::MessageType::fail) {
    if (sender == nullptr) return;
    ClusterNode* failing = cluster_.find(m.about_node_id);
    if (failing != nullptr && !failing->fail && !failing->myself) {
      env_.trace("fail_received", "node=" + failing->id + " from=" + sender->id);
      failing->fail = true;
      failing->fail_time_ms = now;
      failing->pfail = false;
      todo_save_config_ = true;
      todo_update_state_ = true;
    }
    return;
  }
  if (m.type == bus::MessageType::failover_auth_request) {
    if (sender != nullptr) send_failover_auth_if_needed(*sender, m);
    return;
  }
  if (m.type == bus::MessageType::failover_auth_ack) {
    if (sender == nullptr) return;
    // Only primaries that own slots vote, and only votes for this election count.
    if (sender->primary && cluster_.slot_count(sender->id) > 0 && m.current_epoch >= election_.auth_epoch) {
      ++election_.auth_count;
      env_.trace("vote_received", "from=" + sender->id + " epoch=" + std::to_string(m.current_epoch) +
                                      " votes=" + std::to_string(election_.auth_count));
      todo_handle_failover_ = true;
    }
    return;
  }
  if (m.type == bus::MessageType::mfstart) {
    if (sender == nullptr || sender->primary_id != cluster_.myself_id() || !cluster_.myself().primary) return;
    // Our replica wants to take over: stop writes, tell it our offset, and wait.
    reset_manual_failover();
    manual_failover_.end_ms = now + kManualFailoverTimeoutMs;
    manual_failover_.replica_id = sender->id;
    writes_paused_until_ = saturating_add(env_.now(), ms(kManualFailoverTimeoutMs * 2));
    env_.trace("manual_failover_start", "replica=" + sender->id + " offset=" + std::to_string(repl_.offset));
    if (BusLink* out = outbound_link(*sender)) send_ping(*out, bus::MessageType::ping);
    return;
  }
  if (m.type == bus::MessageType::update) {
    if (sender == nullptr) return;
    ClusterNode* about = cluster_.find(m.about_node_id);
    if (about == nullptr || about->config_epoch >= m.update_config_epoch) return;
    env_.trace("update_received", "about=" + about->id + " epoch=" + std::to_string(m.update_config_epoch));
    if (!about->primary) set_node_as_primary(*about);
    about->config_epoch = m.update_config_epoch;
    update_slots_config_with(about->id, m.update_config_epoch, m.update_slots);
    todo_save_config_ = true;
  }
}

void Node::process_gossip(const bus::Message& m, ClusterNode* sender) {
  const std::int64_t now = now_ms();
  const std::string sender_id = sender->id;
  for (const bus::GossipEntry& e : m.gossip) {
    ClusterNode* node = cluster_.find(e.node_id);
    const bool failing_flag = (e.flags & (bus::node_flag::pfail | bus::node_flag::fail)) != 0;
    if (node != nullptr) {
      if (is_voting_primary(*sender) && !node->myself) {
        // Failure reports: only the opinions of primaries that own slots count
        // (valkey#634), as only they make up the quorum.
        if (failing_flag) {
          const bool fresh = node->fail_reports.count(sender_id) == 0;
          node->fail_reports[sender_id] = now;
          if (fresh) env_.trace("failure_report", "node=" + node->id + " from=" + sender_id);
          mark_node_as_failing_if_needed(*node);
        } else {
          node->fail_reports.erase(sender_id);
        }
      }
      // Someone heard from it more recently than we did: no need to ping it at once.
      if (!failing_flag && node->ping_sent_ms == 0 && failure_report_count(*node) == 0) {
        const std::int64_t pong_time = static_cast<std::int64_t>(e.pong_received_s) * 1000;
        if (pong_time <= now + 500 && pong_time > node->pong_received_ms) node->pong_received_ms = pong_time;
      }
      // A node we think down, that others reach at another address, moved.
      if ((node->pfail || node->fail) && (e.flags & bus::node_flag::noaddr) == 0 && !failing_flag &&
          (node->ip != e.ip || node->port != e.port || node->cport != e.cport)) {
        if (BusLink* out = outbound_link(*node)) free_link(*out);
        node->ip = e.ip;
        node->port = e.port;
        node->cport = e.cport;
        node->noaddr = false;
        todo_save_config_ = true;
      }
    } else if ((e.flags & bus::node_flag::noaddr) == 0 && forget_blacklist_.count(e.node_id) == 0 &&
               e.node_id.size() == ClusterState::kIdLength) {
      // A node we did not know, vouched for by a known one: trust it and ping it.
      ClusterNode added;
      added.id = e.node_id;
      added.ip = e.ip;
      added.port = e.port;
      added.cport = e.cport;
      added.primary = (e.flags & bus::node_flag::master) != 0;
      added.created_ms = now;
      added.link_connected = false;
      env_.trace("node_learned", "node=" + added.id + " from=" + sender_id);
      cluster_.add(std::move(added));
      todo_save_config_ = true;
    }
  }
}

// ---------------------------------------------------------------- failure detection

bool Node::is_voting_primary(const ClusterNode& node) const {
  // Bug empty-primary-fail-reports (valkey#634, Redis 7): any primary's
  // report counts, so primaries without slots can make a FAIL that the
  // slot owners' majority never agreed on.
  if (config_.variants.has(Bug::empty_primary_fail_reports)) return node.primary;
  return node.primary && cluster_.slot_count(node.id) != 0;
}

std::size_t Node::failure_report_count(ClusterNode& node) {
  // Reports older than twice the node timeout are stale.
  const std::int64_t max_age = 2 * (config_.node_timeout / kNanosPerMilli);
  const std::int64_t now = now_ms();
  std::erase_if(node.fail_reports, [&](const auto& report) { return now - report.second > max_age; });
  return node.fail_reports.size();
}

void Node::mark_node_as_failing_if_needed(ClusterNode& node) {
  const std::size_t needed = cluster_size_ / 2 + 1;
  if (!node.pfail || node.fail) return;
  std::size_t failures = failure_report_count(node);
  const bool counts_itself = is_voting_primary(cluster_.myself());
  if (counts_itself) ++failures;  // our own opinion
  if (failures < needed) return;
  std::string reporters = counts_itself ? cluster_.myself_id() : std::string();
  for (const auto& [id, when] : node.fail_reports) reporters += (reporters.empty() ? "" : ",") + id;
  env_.trace("node_fail", "node=" + node.id + " reports=" + std::to_string(failures) +
                              " quorum=" + std::to_string(needed) + " from=" + reporters);
  node.pfail = false;
  node.fail = true;
  node.fail_time_ms = now_ms();
  bus::Message m = build_header(bus::MessageType::fail);
  m.about_node_id = node.id;
  broadcast(m);
  todo_update_state_ = true;
  todo_save_config_ = true;
}

void Node::clear_node_failure_if_needed(ClusterNode& node) {
  const std::int64_t nt = config_.node_timeout / kNanosPerMilli;
  // A replica, or a primary without slots, is simply back.
  if (!node.primary || cluster_.slot_count(node.id) == 0) {
    env_.trace("fail_cleared", "node=" + node.id + " reason=reachable");
    node.fail = false;
    todo_update_state_ = true;
    todo_save_config_ = true;
    return;
  }
  // A primary that still has its slots long after it failed: nobody took over, so let it serve again.
  if (now_ms() - node.fail_time_ms > 2 * nt) {
    env_.trace("fail_cleared", "node=" + node.id + " reason=no_failover");
    node.fail = false;
    todo_update_state_ = true;
    todo_save_config_ = true;
  }
}

void Node::forget_migrate_to_if_orphaned(const std::string& primary_id) {
  // A primary left with no replica at all is no longer a migration target
  // (clusterNodeRemoveSlave): an operator's move of its last replica stands.
  ClusterNode* primary = cluster_.find(primary_id);
  if (primary == nullptr) return;
  for (const auto& [id, node] : cluster_.nodes()) {
    if (!node.primary && node.primary_id == primary_id) return;
  }
  primary->migrate_to = false;
}

// ---------------------------------------------------------------- epochs

void Node::set_node_as_primary(ClusterNode& node) {
  if (node.primary) return;
  env_.trace("node_role", "node=" + node.id + " role=primary");
  node.primary = true;
  if (!node.primary_id.empty()) node.former_primary_id = node.primary_id;
  node.primary_id.clear();
  if (!node.myself) node.migrate_to = true;
  todo_save_config_ = true;
  todo_update_state_ = true;
}

bool Node::bump_epoch_without_consensus(const char* reason) {
  ClusterNode& me = cluster_.myself();
  const std::uint64_t max_epoch = cluster_.max_config_epoch();
  if (me.config_epoch != 0 && me.config_epoch == max_epoch) return false;
  ++cluster_.current_epoch;
  me.config_epoch = cluster_.current_epoch;
  env_.trace("epoch_bump", std::string("reason=") + reason + " config_epoch=" + std::to_string(me.config_epoch));
  save_config();
  return true;
}

void Node::handle_config_epoch_collision(const ClusterNode& sender, const SlotBitmap& sender_slots) {
  ClusterNode& me = cluster_.myself();
  if (sender.config_epoch != me.config_epoch || !sender.primary || !me.primary) return;
  // The node that moves to a new epoch wins the slots both claim. Redis lets
  // the smaller id move (any total order converges). But when both claim the
  // same slots they are one shard's returning old primary and the replica
  // that replaced it: the id would pick at random which history survives, so
  // the one holding more of it (the larger replication offset) moves instead
  // (valkey#974). Bug old-primary-wins-collision keeps the id rule there too.
  bool i_move = me.id < sender.id;
  bool shared = false;
  for (int slot : cluster_.slots_of(me.id)) {
    if (sender_slots.test(static_cast<std::size_t>(slot))) {
      shared = true;
      break;
    }
  }
  if (!config_.variants.has(Bug::old_primary_wins_collision) && shared && repl_.offset != sender.repl_offset) {
    i_move = repl_.offset > sender.repl_offset;
  }
  if (!i_move) return;
  ++cluster_.current_epoch;
  me.config_epoch = cluster_.current_epoch;
  save_config();
  // The offsets say whether the shard's history with more data survived (the checker's D1).
  env_.trace("epoch_collision", "with=" + sender.id + " config_epoch=" + std::to_string(me.config_epoch) +
                                    " shared=" + (shared ? "1" : "0") + " offset=" + std::to_string(repl_.offset) +
                                    " peer_offset=" + std::to_string(sender.repl_offset));
}

}  // namespace slotsim::node
