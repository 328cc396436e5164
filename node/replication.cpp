// Primary-replica replication, as Redis does it in outline: a replica connects
// to its primary's client port and sends PSYNC <replid> <offset>; the primary
// either continues from its backlog (+CONTINUE) or sends a full snapshot
// (+FULLRESYNC <replid> <offset>, then the dataset as one bulk of commands),
// then streams every write as a RESP command. Offsets count stream bytes.
// Replicas ACK their offset every second and on REPLCONF GETACK (WAIT).
//
// Replication is asynchronous: a primary acknowledges a write before any
// replica has it, so a failover can lose it. That loss is Redis's documented
// behaviour, and the trace records what the checker needs to tell it from a
// bug: every full sync (and the keys it dropped), every promotion and offset.
//
// Simplifications, on purpose: the snapshot is a list of commands rather than
// an RDB file, no SELECT is streamed (cluster mode has one database), and the
// backlog exists from the start instead of from the first replica.
#include <algorithm>
#include <cassert>

#include "node/data_commands.h"
#include "node/node.h"
#include "node/reply.h"
#include "node/resp_parser.h"
#include "node/resp_value.h"
#include "node/text.h"

namespace slotsim::node {

namespace {

constexpr std::size_t kReplicaOutboxLimit = 256u << 20;  // client-output-buffer-limit replica (hard)
constexpr Nanos kReplTimeout = seconds(60);               // repl-timeout
constexpr Nanos kReplPingPeriod = seconds(10);            // repl-ping-replica-period
constexpr Nanos kReplAckPeriod = seconds(1);              // replicationCron

// Reads until buffer holds a "\r\n"-terminated line; returns it without the terminator.
std::optional<std::string> read_line(Connection& conn, std::string& buffer, Nanos deadline) {
  char chunk[16 * 1024];
  for (;;) {
    if (auto end = buffer.find("\r\n"); end != std::string::npos) {
      std::string line = buffer.substr(0, end);
      buffer.erase(0, end + 2);
      return line;
    }
    ReadResult r = conn.read(chunk, sizeof chunk, deadline);
    if (r.error != IoError::ok) return std::nullopt;
    buffer.append(chunk, r.n);
  }
}

bool read_exactly(Connection& conn, std::string& buffer, std::size_t length, Nanos deadline) {
  char chunk[64 * 1024];
  while (buffer.size() < length) {
    ReadResult r = conn.read(chunk, sizeof chunk, deadline);
    if (r.error != IoError::ok) return false;
    buffer.append(chunk, r.n);
  }
  return true;
}

std::vector<std::string> split_words(const std::string& line) {
  std::vector<std::string> words;
  std::size_t start = 0;
  while (start < line.size()) {
    std::size_t end = line.find(' ', start);
    if (end == std::string::npos) end = line.size();
    if (end > start) words.push_back(line.substr(start, end - start));
    start = end + 1;
  }
  return words;
}

}  // namespace

// ---------------------------------------------------------------- primary side

void Node::feed_replication_stream(std::string_view bytes) {
  repl_.backlog.feed(bytes);
  repl_.offset = repl_.backlog.end_offset();
  for (auto& [serial, replica] : repl_.replicas) replica.out->send(std::string(bytes));
}

std::vector<Node::Command> Node::snapshot_commands() const {
  std::vector<Command> commands;
  keys_.for_each([&](const std::string& key, const Value& value) {
    if (const auto* text = std::get_if<std::string>(&value.data)) {
      commands.push_back({"SET", key, *text});
    } else {
      Command push{"RPUSH", key};
      const auto& list = std::get<ListValue>(value.data);
      push.insert(push.end(), list.begin(), list.end());
      commands.push_back(std::move(push));
    }
    if (value.expire_at != 0) commands.push_back({"PEXPIREAT", key, std::to_string(floor_millis(value.expire_at))});
  });
  // Valkey sends open migrations with the snapshot (the RDB's slot-info field),
  // so a new replica knows them too.
  if (config_.variants.migration_state_replication == Variants::MigrationStateReplication::on) {
    for (const auto& [slot, target] : cluster_.migrating()) {
      commands.push_back({"CLUSTER", "SETSLOT", std::to_string(slot), "MIGRATING", target});
    }
    for (const auto& [slot, source] : cluster_.importing()) {
      commands.push_back({"CLUSTER", "SETSLOT", std::to_string(slot), "IMPORTING", source});
    }
  }
  return commands;
}

void Node::serve_replica(const std::shared_ptr<Connection>& conn, const Client& client, const Command& psync,
                         std::string buffered) {
  const ClusterNode& me = cluster_.myself();
  if (!me.primary && config_.cluster_enabled && !repl_.link_up) {
    conn->write(reply::error("NOMASTERLINK Can't SYNC while not connected with my master"));
    conn->close();
    return;
  }
  const std::string requested_id = psync.size() >= 2 ? psync[1] : "?";
  std::uint64_t requested_offset = 0;
  bool offset_ok = false;
  if (psync.size() >= 3) {
    if (auto value = redis_string_to_ll(psync[2]); value && *value > 0) {
      requested_offset = static_cast<std::uint64_t>(*value);
      offset_ok = true;
    }
  }
  // A partial resync needs the same history (or the one we continued) and the bytes still in the backlog.
  const bool same_history =
      requested_id == repl_.replid ||
      (!repl_.replid2.empty() && requested_id == repl_.replid2 && requested_offset <= repl_.second_replid_offset);
  // BUGGIFY: a primary may always answer with a full sync (Redis does when
  // its backlog was resized or freed); replicas must cope.
  const bool partial = offset_ok && same_history && repl_.backlog.can_continue_from(requested_offset) &&
                       !env_.buggify("psync_full");
  auto out = Outbox::create(env_, "replica-write", kReplicaOutboxLimit);
  out->attach(conn);
  const std::uint64_t serial = repl_.next_replica_serial++;
  ReplicaLink link;
  link.out = out;
  link.address = conn->peer_address().host + ":" + (client.listening_port.empty() ? "0" : client.listening_port);
  link.ack_time_ms = now_ms();
  if (partial) {
    out->send("+CONTINUE " + repl_.replid + "\r\n");
    out->send(repl_.backlog.read_from(requested_offset));
    env_.trace("replica_sync", "mode=partial peer=" + link.address + " from=" + std::to_string(requested_offset) +
                                   " to=" + std::to_string(repl_.offset));
  } else {
    std::string payload;
    for (const auto& command : snapshot_commands()) payload += encode_command(command);
    out->send("+FULLRESYNC " + repl_.replid + " " + std::to_string(repl_.offset) + "\r\n");
    out->send("$" + std::to_string(payload.size()) + "\r\n" + payload);
    env_.trace("replica_sync", "mode=full peer=" + link.address + " offset=" + std::to_string(repl_.offset) +
                                   " keys=" + std::to_string(keys_.size()) + " requested=" + requested_id + ":" +
                                   (psync.size() >= 3 ? psync[2] : std::string("-")));
  }
  repl_.replicas.emplace(serial, std::move(link));

  // From now on the replica only sends REPLCONF (ACK, listening-port).
  std::string buffer = std::move(buffered);
  char chunk[4096];
  for (;;) {
    std::size_t offset = 0;
    while (offset < buffer.size()) {
      ParsedRequest parsed = parse_request(std::string_view(buffer).substr(offset));
      if (parsed.status == ParsedRequest::Status::need_more) break;
      if (parsed.status == ParsedRequest::Status::error) {
        buffer.clear();
        offset = 0;
        break;
      }
      offset += parsed.consumed;
      if (parsed.status != ParsedRequest::Status::command) continue;
      const auto& args = parsed.args;
      auto it = repl_.replicas.find(serial);
      if (it == repl_.replicas.end()) break;
      if (args.size() >= 3 && lowercase(args[0]) == "replconf" && lowercase(args[1]) == "ack") {
        if (auto value = redis_string_to_ll(args[2]); value && *value >= 0) {
          it->second.ack_offset = std::max(it->second.ack_offset, static_cast<std::uint64_t>(*value));
          it->second.ack_time_ms = now_ms();
          replica_acks_->notify_all();
        }
      }
    }
    buffer.erase(0, offset);
    auto it = repl_.replicas.find(serial);
    if (it == repl_.replicas.end() || out->closed()) break;
    // A replica silent for repl-timeout is dropped: a partition does not close TCP.
    const Nanos silent_until = saturating_add(it->second.ack_time_ms * kNanosPerMilli, kReplTimeout);
    ReadResult r = conn->read(chunk, sizeof chunk, silent_until);
    if (r.error == IoError::timeout && repl_.replicas.count(serial) != 0 &&
        now_ms() - repl_.replicas.at(serial).ack_time_ms < kReplTimeout / kNanosPerMilli) {
      continue;  // it acked meanwhile
    }
    if (r.error == IoError::timeout) env_.trace("replica_timeout", "peer=" + it->second.address);
    if (r.error != IoError::ok || out->closed() || repl_.replicas.count(serial) == 0) break;
    buffer.append(chunk, r.n);
  }
  if (auto it = repl_.replicas.find(serial); it != repl_.replicas.end()) {
    env_.trace("replica_gone", "peer=" + it->second.address);
    it->second.out->close();
    repl_.replicas.erase(it);
  }
  replica_acks_->notify_all();
}

std::size_t Node::acked_replicas(std::uint64_t offset) const {
  std::size_t count = 0;
  for (const auto& [serial, replica] : repl_.replicas) {
    if (replica.ack_offset >= offset) ++count;
  }
  return count;
}

std::string Node::wait_command(Client& client, const Command& args) {
  if (!cluster_.myself().primary && config_.cluster_enabled) {
    return reply::error("ERR WAIT cannot be used with replica instances. Please also note that since Redis 4.0 if a "
                        "replica is configured to be writable (which is not the default) writes to replicas are just "
                        "local and are not propagated.");
  }
  const auto replicas = redis_string_to_ll(args[1]);
  if (!replicas) return reply::not_an_integer();
  const auto timeout_ms = redis_string_to_ll(args[2]);
  if (!timeout_ms) return reply::error("ERR timeout is not an integer or out of range");
  if (*timeout_ms < 0) return reply::error("ERR timeout is negative");
  const std::size_t acked = acked_replicas(client.woff);
  if (client.in_multi || *replicas <= 0 || acked >= static_cast<std::size_t>(*replicas)) {
    return reply::integer(static_cast<std::int64_t>(acked));
  }
  Client::ReplicaWait wait;
  wait.offset = client.woff;
  wait.replicas = static_cast<std::size_t>(*replicas);
  wait.deadline = *timeout_ms == 0 ? kForever : saturating_add(env_.now(), ms(*timeout_ms));
  wait.finish = [](std::size_t count) { return reply::integer(static_cast<std::int64_t>(count)); };
  client.wait = std::move(wait);
  return {};
}

std::string Node::finish_replica_wait(Client& client) {
  Client::ReplicaWait wait = std::move(*client.wait);
  client.wait.reset();
  // Ask every replica for its offset now rather than within a second (not
  // while paused for a manual failover: GETACK would move the offset).
  if (!repl_.replicas.empty() && acked_replicas(wait.offset) < wait.replicas && !writes_paused()) {
    feed_replication_stream(encode_command({"REPLCONF", "GETACK", "*"}));
  }
  const std::uint64_t history = repl_.generation;
  for (;;) {
    // Demoted while waiting: Redis answers every blocked client and drops it.
    if (repl_.generation != history || !cluster_.myself().primary) {
      client.close_after_reply = true;
      return reply::error("UNBLOCKED force unblock from blocking operation, instance state changed (master -> replica?)");
    }
    const std::size_t acked = acked_replicas(wait.offset);
    if (acked >= wait.replicas || env_.now() >= wait.deadline) return wait.finish(acked);
    replica_acks_->wait_until(wait.deadline);
  }
}

std::string Node::replconf_command(Client& client, const Command& args) {
  if (args.size() % 2 == 0) return reply::syntax_error();
  for (std::size_t i = 1; i + 1 < args.size(); i += 2) {
    const std::string option = lowercase(args[i]);
    // An ACK from a client that is not a replica is ignored without a reply.
    if (option == "ack" || option == "getack") return {};
    if (option == "listening-port") {
      client.listening_port = args[i + 1];
    } else if (option != "capa" && option != "ip-address" && option != "rdb-only") {
      return reply::error("ERR Unrecognized REPLCONF option: " + args[i]);
    }
  }
  return reply::ok();
}

// ---------------------------------------------------------------- replica side

void Node::replication_set_primary() {
  ++repl_.generation;
  replica_acks_->notify_all();  // blocked WAITs learn they are on a replica now
  if (repl_.primary_conn) repl_.primary_conn->close();
  repl_.primary_conn.reset();
  // Down since the link we had dropped; a replica that never had one (just
  // started, or a primary just demoted) stays "down since ever" (Valkey 8.0:
  // repl_down_since = 0 in initServerConfig and replicationUnsetPrimary).
  if (repl_.link_up) repl_.down_since_ms = now_ms();
  repl_.link_up = false;
  // Our own replicas follow the cluster's view, not us.
  for (auto& [serial, replica] : repl_.replicas) replica.out->close();
  const std::uint64_t generation = repl_.generation;
  env_.spawn("replica-link", [this, generation] { replica_link_loop(generation); });
}

void Node::replication_unset_primary() {
  ++repl_.generation;
  if (repl_.primary_conn) repl_.primary_conn->close();
  repl_.primary_conn.reset();
  repl_.link_up = false;
  repl_.down_since_ms = 0;  // ready for when we turn into a replica again
  // A new history starts here; the old one stays valid up to this offset, so
  // replicas that followed it can continue without a full copy.
  repl_.replid2 = repl_.replid;
  repl_.second_replid_offset = repl_.offset + 1;
  repl_.replid = new_node_id();
  for (auto& [serial, replica] : repl_.replicas) replica.out->close();
  env_.trace("replication_new_history", "replid=" + repl_.replid + " offset=" + std::to_string(repl_.offset));
}

void Node::send_replica_ack() {
  if (!repl_.link_up || !repl_.primary_conn) return;
  repl_.primary_conn->write(encode_command({"REPLCONF", "ACK", std::to_string(repl_.offset)}));
}

void Node::replica_link_loop(std::uint64_t generation) {
  auto current = [&] { return generation == repl_.generation && !cluster_.myself().primary; };
  while (current()) {
    const ClusterNode* primary = cluster_.find(cluster_.myself().primary_id);
    if (primary == nullptr || primary->noaddr || primary->ip.empty()) {
      wait_for_replication_cron();
      continue;
    }
    const Address address{primary->ip, primary->port};
    auto conn = env_.connect(address, saturating_add(env_.now(), seconds(5)));
    if (!current()) {
      if (conn) (*conn)->close();
      return;
    }
    if (!conn) {
      wait_for_replication_cron();
      continue;
    }
    auto shared = std::shared_ptr<Connection>(std::move(conn).value());
    repl_.primary_conn = shared;
    std::string buffer;
    const bool synced = replica_sync(*shared, buffer);
    if (synced && current()) {
      repl_.link_up = true;
      repl_.offset_from_other_shard = false;
      repl_.last_io_ms = now_ms();
      env_.trace("replication_link", "state=up primary=" + address.to_string() + " offset=" +
                                         std::to_string(repl_.offset));
      send_replica_ack();
      // The stream: apply whole commands as they arrive; ACK once a second.
      Nanos next_ack = saturating_add(env_.now(), kReplAckPeriod);
      bool in_multi = false;
      std::vector<Command> transaction;
      std::string transaction_raw;
      char chunk[64 * 1024];
      while (current()) {
        std::size_t offset = 0;
        while (offset < buffer.size() && current()) {
          ParsedRequest parsed = parse_request(std::string_view(buffer).substr(offset));
          if (parsed.status == ParsedRequest::Status::need_more) break;
          if (parsed.status == ParsedRequest::Status::error) {
            env_.trace("replication_protocol_error", "error=" + parsed.error);
            shared->close();
            break;
          }
          const std::string_view raw = std::string_view(buffer).substr(offset, parsed.consumed);
          offset += parsed.consumed;
          if (parsed.status != ParsedRequest::Status::command) {
            feed_replication_stream(raw);
            continue;
          }
          const std::string lowered = lowercase(parsed.args[0]);
          const std::string_view name = lowered;  // compared as a view: lengths first
          // A transaction applies at once, and the offset moves past it only
          // then: a replica never holds half of one.
          if (name == "multi") {
            in_multi = true;
            transaction.clear();
            transaction_raw.assign(raw);
            continue;
          }
          if (in_multi && name != "exec") {
            transaction.push_back(parsed.args);
            transaction_raw.append(raw);
            continue;
          }
          if (in_multi) {
            in_multi = false;
            transaction_raw.append(raw);
            if (config_.appendonly) aof_.append({"MULTI"});
            for (const auto& command : transaction) apply_replicated(command, {});
            if (config_.appendonly) aof_.append({"EXEC"});
            feed_replication_stream(transaction_raw);
            continue;
          }
          // GETACK is answered with the offset before it, as Redis does.
          if (name == "replconf" && parsed.args.size() >= 2 && lowercase(parsed.args[1]) == "getack") {
            send_replica_ack();
          }
          apply_replicated(parsed.args, raw);
        }
        buffer.erase(0, std::min(offset, buffer.size()));
        aof_.sync_if_always();
        if (!current()) break;
        if (env_.now() >= next_ack) {
          // BUGGIFY: a periodic ACK is only a hint (the next one repeats the
          // offset); WAIT and replicated SETSLOT must live with a late one.
          // A GETACK is always answered, as in Redis.
          if (!env_.buggify("replica_ack_skipped")) send_replica_ack();
          next_ack = saturating_add(env_.now(), kReplAckPeriod);
        }
        const Nanos idle_limit = saturating_add(repl_.last_io_ms * kNanosPerMilli, kReplTimeout);
        ReadResult r = shared->read(chunk, sizeof chunk, std::min(next_ack, idle_limit));
        if (!current()) break;
        if (r.error == IoError::timeout) {
          if (env_.now() >= idle_limit) {
            env_.trace("replication_timeout", "");
            break;
          }
          continue;
        }
        if (r.error != IoError::ok) break;
        repl_.last_io_ms = now_ms();
        buffer.append(chunk, r.n);
      }
    }
    shared->close();
    if (!current()) return;
    if (repl_.link_up) {
      repl_.link_up = false;
      repl_.down_since_ms = now_ms();
      env_.trace("replication_link", "state=down offset=" + std::to_string(repl_.offset));
    }
    repl_.primary_conn.reset();
    wait_for_replication_cron();
  }
}

void Node::wait_for_replication_cron() {
  constexpr Nanos kPeriod = seconds(1);
  // A primary that restarted is found again anywhere within the next second,
  // whatever its downtime (a fixed second after the drop made a replica lose
  // every race against gossip after a short restart).
  const Nanos since_start = std::max<Nanos>(0, env_.now() - started_at_);  // a clock set back stays >= 0
  env_.sleep(kPeriod - since_start % kPeriod);
}

bool Node::replica_sync(Connection& conn, std::string& buffer) {
  const Nanos deadline = saturating_add(env_.now(), seconds(10));
  auto command = [&](const Command& args) -> std::optional<std::string> {
    if (conn.write(encode_command(args)) != IoError::ok) return std::nullopt;
    return read_line(conn, buffer, deadline);
  };
  if (!config_.requirepass.empty()) {
    auto line = command({"AUTH", config_.requirepass});
    if (!line || *line != "+OK") return false;
  }
  auto line = command({"REPLCONF", "listening-port", std::to_string(config_.port)});
  if (!line || *line != "+OK") return false;
  // Ask to continue our history (a demoted primary asks with its own), else a full copy.
  const std::string psync_id = repl_.replid.empty() ? "?" : repl_.replid;
  line = command({"PSYNC", psync_id, std::to_string(repl_.offset + 1)});
  if (!line) return false;
  const auto words = split_words(*line);
  if (!words.empty() && words[0] == "+CONTINUE") {
    if (words.size() >= 2 && words[1] != repl_.replid) {
      // The primary continued our history under a new id (it was promoted).
      repl_.replid2 = repl_.replid;
      repl_.second_replid_offset = repl_.offset + 1;
      repl_.replid = words[1];
    }
    ++repl_.partial_syncs;
    env_.trace("replication_sync", "mode=partial offset=" + std::to_string(repl_.offset));
    return true;
  }
  if (words.size() < 3 || words[0] != "+FULLRESYNC") {
    env_.trace("replication_refused", "reply=" + *line);
    return false;
  }
  const auto offset = redis_string_to_ll(words[2]);
  auto header = read_line(conn, buffer, saturating_add(env_.now(), kReplTimeout));
  if (!offset || !header || header->empty() || (*header)[0] != '$') return false;
  const auto length = redis_string_to_ll(std::string_view(*header).substr(1));
  if (!length || *length < 0) return false;
  if (!read_exactly(conn, buffer, static_cast<std::size_t>(*length), saturating_add(env_.now(), kReplTimeout))) {
    return false;
  }
  const std::string payload = buffer.substr(0, static_cast<std::size_t>(*length));
  buffer.erase(0, static_cast<std::size_t>(*length));
  // Parse it all before touching anything: a bad payload leaves us as we were.
  std::vector<Command> dataset;
  std::size_t pos = 0;
  while (pos < payload.size()) {
    ParsedRequest parsed = parse_request(std::string_view(payload).substr(pos));
    if (parsed.status != ParsedRequest::Status::command && parsed.status != ParsedRequest::Status::empty) return false;
    pos += parsed.consumed;
    if (parsed.status == ParsedRequest::Status::command) dataset.push_back(std::move(parsed.args));
  }
  // A full copy replaces everything: writes this node took that the primary
  // never saw are gone now (the documented way Redis loses them).
  const std::size_t dropped = keys_.size();
  keys_.clear();
  keys_.take_expired();
  if (config_.variants.migration_state_replication == Variants::MigrationStateReplication::on) {
    cluster_.clear_all_migrations();
  }
  for (const auto& args : dataset) {
    if (lowercase(args[0]) == "cluster") {
      apply_replicated(args, {});
      continue;
    }
    const CommandSpec* spec = find_data_command(lowercase(args[0]));
    if (spec != nullptr) execute_data_command(*spec, keys_, env_.now(), args, ExpiryMode::ignored, false);
  }
  keys_.take_expired();
  if (config_.appendonly) {
    std::vector<Command> data_only;
    for (const auto& args : dataset) {
      if (lowercase(args[0]) != "cluster") data_only.push_back(args);
    }
    aof_.rewrite(data_only);
  }
  repl_.replid = words[1];
  repl_.replid2.clear();
  repl_.second_replid_offset = ReplicationState::kNoOffset;
  repl_.offset = static_cast<std::uint64_t>(*offset);
  repl_.backlog.reset(repl_.offset);
  ++repl_.full_syncs;
  env_.trace("replication_sync", "mode=full offset=" + std::to_string(repl_.offset) + " keys=" +
                                     std::to_string(keys_.size()) + " dropped_keys=" + std::to_string(dropped));
  save_config();
  return true;
}

void Node::apply_replicated(const Command& command, std::string_view raw) {
  const std::string lowered = lowercase(command[0]);
  const std::string_view name = lowered;  // compared as a view: lengths first
  if (name == "cluster") {
    // Replicated SETSLOT (migration_state_replication = on): the replica
    // applies its primary's migration state.
    if (command.size() >= 4 && lowercase(command[1]) == "setslot") {
      Command args = command;
      if (std::string error = setslot_check(args, true); error.empty()) {
        setslot_apply(args, true);
      } else {
        env_.trace("setslot_replicated_refused", "slot=" + command[2] + " action=" + lowercase(command[3]) +
                                                     " error=" + error.substr(1, error.size() - 3));
      }
    }
  } else if (name == "ping" || name == "replconf" || name == "select") {
    // Stream housekeeping: it moves the offset and nothing else.
  } else if (name == "flushall") {
    keys_.clear();
    if (config_.appendonly) aof_.append(command);
  } else if (name == "restore" || name == "restore-asking") {
    restore_command(command, true);
    if (config_.appendonly) aof_.append(command);
  } else if (const CommandSpec* spec = find_data_command(name)) {
    execute_data_command(*spec, keys_, env_.now(), command, ExpiryMode::ignored, false);
    keys_.take_expired();
    if (config_.appendonly) {
      // A multibulk request parses strictly (canonical lengths only), so its
      // bytes are exactly encode_command(command): no need to encode it again.
      if (!raw.empty() && raw.front() == '*') {
        assert(raw == encode_command(command));
        aof_.append_encoded(raw);
      } else {
        aof_.append(command);
      }
    }
  } else {
    env_.trace("replication_unknown_command", "name=" + lowered);
  }
  if (!raw.empty()) feed_replication_stream(raw);
}

void Node::replication_cron() {
  // Primaries ping their replicas now and then through the stream, so an idle
  // link still shows life (and moves the offset, as in Redis). Not while paused
  // for a manual failover: the replica must be able to reach our offset.
  const ClusterNode& me = cluster_.myself();
  if ((me.primary || !config_.cluster_enabled) && !repl_.replicas.empty() && !writes_paused() &&
      env_.now() - repl_.last_ping_to_replicas >= kReplPingPeriod) {
    repl_.last_ping_to_replicas = env_.now();
    feed_replication_stream(encode_command({"ping"}));  // lowercase, as Redis sends it
  }
}

std::string Node::info_replication() const {
  const ClusterNode& me = cluster_.myself();
  std::string out = "# Replication\r\n";
  if (me.primary || !config_.cluster_enabled) {
    out += "role:master\r\n";
    out += "connected_slaves:" + std::to_string(repl_.replicas.size()) + "\r\n";
    int index = 0;
    for (const auto& [serial, replica] : repl_.replicas) {
      const auto colon = replica.address.rfind(':');
      const std::string ip = colon == std::string::npos ? replica.address : replica.address.substr(0, colon);
      const std::string port = colon == std::string::npos ? "0" : replica.address.substr(colon + 1);
      out += "slave" + std::to_string(index++) + ":ip=" + ip + ",port=" + port + ",state=online,offset=" +
             std::to_string(replica.ack_offset) + ",lag=" + std::to_string((now_ms() - replica.ack_time_ms) / 1000) +
             "\r\n";
    }
  } else {
    const ClusterNode* primary = cluster_.find(me.primary_id);
    out += "role:slave\r\n";
    out += "master_host:" + (primary != nullptr ? primary->ip : std::string("?")) + "\r\n";
    out += "master_port:" + std::to_string(primary != nullptr ? primary->port : 0) + "\r\n";
    out += std::string("master_link_status:") + (repl_.link_up ? "up" : "down") + "\r\n";
    out += "master_last_io_seconds_ago:" +
           std::to_string(repl_.link_up ? (now_ms() - repl_.last_io_ms) / 1000 : -1) + "\r\n";
    out += "master_sync_in_progress:0\r\n";
    out += "slave_read_repl_offset:" + std::to_string(repl_.offset) + "\r\n";
    out += "slave_repl_offset:" + std::to_string(repl_.offset) + "\r\n";
    if (!repl_.link_up) {
      out += "master_link_down_since_seconds:" + std::to_string((now_ms() - repl_.down_since_ms) / 1000) + "\r\n";
    }
    out += "slave_priority:100\r\nslave_read_only:1\r\nreplica_announced:1\r\n";
    out += "connected_slaves:" + std::to_string(repl_.replicas.size()) + "\r\n";
  }
  out += "master_failover_state:no-failover\r\n";
  out += "master_replid:" + repl_.replid + "\r\n";
  out += "master_replid2:" + (repl_.replid2.empty() ? std::string(40, '0') : repl_.replid2) + "\r\n";
  out += "master_repl_offset:" + std::to_string(repl_.offset) + "\r\n";
  out += "second_repl_offset:" +
         (repl_.second_replid_offset == ReplicationState::kNoOffset ? std::string("-1")
                                                                     : std::to_string(repl_.second_replid_offset)) +
         "\r\n";
  out += "repl_backlog_active:1\r\n";
  out += "repl_backlog_size:" + std::to_string(ReplicationState::kBacklogBytes) + "\r\n";
  out += "repl_backlog_first_byte_offset:" + std::to_string(repl_.backlog.first_offset()) + "\r\n";
  out += "repl_backlog_histlen:" + std::to_string(repl_.backlog.end_offset() + 1 - repl_.backlog.first_offset()) +
         "\r\n";
  return out;
}

}  // namespace slotsim::node
