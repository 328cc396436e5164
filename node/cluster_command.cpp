// CLUSTER subcommands, with Redis 7's arities, checks and error texts.
#include <charconv>
#include <set>

#include "node/hash_slot.h"
#include "node/node.h"
#include "node/text.h"
#include "node/resp_parser.h"
#include "node/reply.h"
#include "node/resp_value.h"

namespace slotsim::node {

namespace {

struct Subcommand {
  std::string_view name;
  int arity;  // counting CLUSTER and the subcommand, like Redis
};

constexpr Subcommand kSubcommands[] = {
    {"addslots", -3},      {"addslotsrange", -4}, {"bumpepoch", 2},        {"count-failure-reports", 3},
    {"countkeysinslot", 3}, {"delslots", -3},     {"delslotsrange", -4},   {"failover", -2},
    {"forget", 3},          {"getkeysinslot", 4}, {"info", 2},             {"keyslot", 3},
    {"meet", -4},           {"myid", 2},          {"nodes", 2},            {"replicate", 3},
    {"replicas", 3},        {"reset", -2},        {"set-config-epoch", 3}, {"setslot", -4},
    {"shards", 2},          {"slaves", 3},        {"slots", 2},
};

// Integers parse as Redis's string2ll does: no spaces, no '+', no leading zeros.
bool parse_ll(std::string_view text, long long& out) {
  const auto value = redis_string_to_ll(text);
  if (!value) return false;
  out = *value;
  return true;
}

// getSlotOrReply: any non-integer or out-of-range value.
int parse_slot(std::string_view text) {
  long long value = 0;
  if (!parse_ll(text, value) || value < 0 || value >= kSlotCount) return -1;
  return static_cast<int>(value);
}

std::string invalid_slot() { return reply::error("ERR Invalid or out of range slot"); }

}  // namespace

std::string Node::cluster_subcommand_error(const Command& args) const {
  const std::string sub = lowercase(args[1]);
  const Subcommand* spec = nullptr;
  for (const auto& s : kSubcommands) {
    if (s.name == sub) spec = &s;
  }
  if (spec == nullptr) return reply::error("ERR unknown subcommand '" + args[1].substr(0, 128) + "'. Try CLUSTER HELP.");
  const auto argc = static_cast<int>(args.size());
  if (spec->arity > 0 ? argc != spec->arity : argc < -spec->arity) return reply::wrong_arity("cluster|" + sub);
  return "";
}

std::string Node::cluster_command(Client& client, Command& args) {
  if (!config_.cluster_enabled) return reply::error("ERR This instance has cluster support disabled");
  if (std::string error = cluster_subcommand_error(args); !error.empty()) return error;
  const std::string sub = lowercase(args[1]);
  const auto argc = static_cast<int>(args.size());

  ClusterNode& me = cluster_.myself();
  if (sub == "myid") return reply::bulk(cluster_.myself_id());
  if (sub == "nodes") return reply::bulk(cluster_.render_nodes(now_ms()));
  if (sub == "slots") return cluster_slots_reply();
  if (sub == "shards") return cluster_shards_reply();
  if (sub == "info") return cluster_info_reply();
  if (sub == "keyslot") return reply::integer(key_hash_slot(args[2]));
  if (sub == "addslots" || sub == "delslots") return cluster_addslots(args, sub == "addslots", false);
  if (sub == "addslotsrange" || sub == "delslotsrange") return cluster_addslots(args, sub == "addslotsrange", true);
  if (sub == "setslot") return cluster_setslot(client, args);
  if (sub == "countkeysinslot") {
    long long slot = 0;
    if (!parse_ll(args[2], slot)) return reply::not_an_integer();
    if (slot < 0 || slot >= kSlotCount) return reply::error("ERR Invalid slot");
    return reply::integer(static_cast<std::int64_t>(keys_.count_in_slot(static_cast<int>(slot))));
  }
  if (sub == "getkeysinslot") {
    long long slot = 0;
    long long count = 0;
    if (!parse_ll(args[2], slot) || !parse_ll(args[3], count)) return reply::not_an_integer();
    if (count < 0 || slot < 0 || slot >= kSlotCount) return reply::error("ERR Invalid slot or number of keys");
    return reply::bulk_array(keys_.keys_in_slot(static_cast<int>(slot), static_cast<std::size_t>(count)));
  }
  if (sub == "count-failure-reports") {
    ClusterNode* node = cluster_.find(args[2]);
    if (node == nullptr) return reply::error("ERR Unknown node " + args[2]);
    return reply::integer(static_cast<std::int64_t>(failure_report_count(*node)));
  }
  if (sub == "meet") {
    // Redis takes MEET only with 4 or 5 arguments; more fall through to its generic error.
    if (argc > 5) {
      return reply::error("ERR unknown subcommand or wrong number of arguments for '" + args[1].substr(0, 128) +
                          "'. Try CLUSTER HELP.");
    }
    long long port = 0;
    long long cport = 0;
    if (!parse_ll(args[3], port)) return reply::error("ERR Invalid TCP base port specified: " + args[3]);
    if (argc > 4 && !parse_ll(args[4], cport)) return reply::error("ERR Invalid TCP bus port specified: " + args[4]);
    if (argc == 4) cport = port + 10000;
    if (argc > 5 || port <= 0 || port > 65535 || cport <= 0 || cport > 65535 || args[2].empty()) {
      return reply::error("ERR Invalid node address specified: " + args[2] + ":" + args[3]);
    }
    // A node in handshake, under a random name until the bus learns its real id.
    ClusterNode node;
    node.id = new_node_id();
    node.ip = args[2];
    node.port = static_cast<std::uint16_t>(port);
    node.cport = static_cast<std::uint16_t>(cport);
    node.handshake = true;
    node.meet = true;
    node.created_ms = now_ms();
    node.link_connected = false;
    for (const auto& [id, known] : cluster_.nodes()) {
      // clusterStartHandshake: one handshake per address at a time.
      if (known.handshake && known.ip == node.ip && known.port == node.port && known.cport == node.cport) {
        return reply::ok();
      }
    }
    cluster_.add(node);
    env_.trace("cluster_meet", "address=" + node.address());
    return reply::ok();
  }
  if (sub == "forget") {
    const ClusterNode* node = cluster_.find(args[2]);
    if (node == nullptr) return reply::error("ERR Unknown node " + args[2]);
    if (node->myself) return reply::error("ERR I tried hard but I can't forget myself...");
    if (!me.primary && me.primary_id == node->id) return reply::error("ERR Can't forget my master!");
    // Gossip from others would bring it back at once: keep it out for a minute.
    forget_blacklist_[args[2]] = now_ms() + 60'000;
    delete_node(args[2]);
    save_config();
    return reply::ok();
  }
  if (sub == "reset") {
    bool hard = false;
    if (argc == 3) {
      const std::string mode = lowercase(args[2]);
      if (mode == "hard") hard = true;
      else if (mode != "soft") return reply::syntax_error();
    } else if (argc > 3) {
      return reply::syntax_error();
    }
    if (me.primary && keys_.size() != 0) {
      return reply::error("ERR CLUSTER RESET can't be called with master nodes containing keys");
    }
    if (!me.primary) keys_.clear();  // a replica drops its primary's data
    const std::string id = hard ? new_node_id() : cluster_.myself_id();
    const std::uint64_t current_epoch = hard ? 0 : cluster_.current_epoch;
    const std::uint64_t last_vote_epoch = hard ? 0 : cluster_.last_vote_epoch;
    const std::uint64_t config_epoch = hard ? 0 : me.config_epoch;
    if (!me.primary) {
      reset_manual_failover();
      replication_unset_primary();
    }
    for (auto& [serial, link] : std::map(links_)) free_link(*link);
    cluster_.init_myself(id, config_.announce_ip, config_.port, config_.cluster_bus_port());
    cluster_.current_epoch = current_epoch;
    cluster_.last_vote_epoch = last_vote_epoch;
    cluster_.myself().config_epoch = config_epoch;
    save_config();
    return reply::ok();
  }
  if (sub == "replicate") {
    const ClusterNode* target = cluster_.find(args[2]);
    if (target == nullptr) return reply::error("ERR Unknown node " + args[2]);
    if (target->myself) return reply::error("ERR Can't replicate myself");
    if (!target->primary) return reply::error("ERR I can only replicate a master, not a replica.");
    if (me.primary && (!cluster_.slots_of(me.id).empty() || keys_.size() != 0)) {
      return reply::error("ERR To set a master the node must be empty and without assigned slots.");
    }
    for (int slot : cluster_.slots_of(me.id)) cluster_.unassign(slot);
    set_my_primary(target->id, true);
    save_config();
    return reply::ok();
  }
  if (sub == "failover") return cluster_failover(args);
  if (sub == "replicas" || sub == "slaves") {
    const ClusterNode* node = cluster_.find(args[2]);
    if (node == nullptr) return reply::error("ERR Unknown node " + args[2]);
    if (!node->primary) return reply::error("ERR The specified node is not a master");
    std::vector<std::string> lines;
    for (const auto& [id, other] : cluster_.nodes()) {
      if (!other.primary && other.primary_id == node->id) {
        std::string line = cluster_.render_node_line(other, now_ms());
        line.pop_back();  // no newline inside the array
        lines.push_back(std::move(line));
      }
    }
    return reply::bulk_array(lines);
  }
  if (sub == "set-config-epoch") {
    long long epoch = 0;
    if (!parse_ll(args[2], epoch)) return reply::not_an_integer();
    if (epoch < 0) return reply::error("ERR Invalid config epoch specified: " + args[2]);
    if (cluster_.nodes().size() > 1) {
      return reply::error("ERR The user can assign a config epoch only when the node does not know any other node.");
    }
    if (me.config_epoch != 0) return reply::error("ERR Node config epoch is already non-zero");
    me.config_epoch = static_cast<std::uint64_t>(epoch);
    cluster_.current_epoch = std::max(cluster_.current_epoch, me.config_epoch);
    save_config();
    return reply::ok();
  }
  if (sub == "bumpepoch") {
    const bool bumped = bump_epoch_without_consensus("bumpepoch");
    return reply::simple((bumped ? "BUMPED " : "STILL ") + std::to_string(me.config_epoch));
  }
  return reply::error("ERR unknown subcommand '" + args[1] + "'. Try CLUSTER HELP.");
}

std::string Node::cluster_addslots(Command& args, bool add, bool ranges) {
  if (!cluster_.myself().primary) {
    return reply::error("ERR Please use addslots, delslots, addslotsrange or delslotsrange only with masters.");
  }
  if (ranges && args.size() % 2 == 1) return reply::wrong_arity(add ? "cluster|addslotsrange" : "cluster|delslotsrange");
  // Redis checks ADDSLOTSRANGE range by range (parse, order, assignment), and
  // ADDSLOTS by parsing every slot first, then checking their assignments.
  std::vector<std::pair<int, int>> wanted;
  std::vector<int> seen(kSlotCount, 0);
  auto check_assignment = [&](int first, int last) -> std::string {
    for (int slot = first; slot <= last; ++slot) {
      const bool assigned = !cluster_.owner(slot).empty();
      if (!add && !assigned) return reply::error("ERR Slot " + std::to_string(slot) + " is already unassigned");
      if (add && assigned) return reply::error("ERR Slot " + std::to_string(slot) + " is already busy");
      if (seen[slot]++ == 1) return reply::error("ERR Slot " + std::to_string(slot) + " specified multiple times");
    }
    return "";
  };
  for (std::size_t i = 2; i < args.size(); i += ranges ? 2 : 1) {
    const int first = parse_slot(args[i]);
    if (first < 0) return invalid_slot();
    const int last = ranges ? parse_slot(args[i + 1]) : first;
    if (last < 0) return invalid_slot();
    if (first > last) {
      return reply::error("ERR start slot number " + std::to_string(first) + " is greater than end slot number " +
                          std::to_string(last));
    }
    if (ranges) {
      if (std::string error = check_assignment(first, last); !error.empty()) return error;
    }
    wanted.emplace_back(first, last);
  }
  if (!ranges) {
    for (auto [first, last] : wanted) {
      if (std::string error = check_assignment(first, last); !error.empty()) return error;
    }
  }
  for (auto [first, last] : wanted) {
    for (int slot = first; slot <= last; ++slot) {
      if (add) {
        cluster_.assign(slot, cluster_.myself_id());
      } else {
        cluster_.unassign(slot);
      }
      // Either way an import of the slot is over: we own it now, or nobody does.
      cluster_.clear_importing(slot);
    }
  }
  env_.trace(add ? "addslots" : "delslots", "ranges=" + std::to_string(wanted.size()));
  save_config();
  return reply::ok();
}

std::string Node::cluster_setslot(Client& client, Command& args) {
  const bool replicated = config_.variants.migration_state_replication == Variants::MigrationStateReplication::on;
  // Valkey's replicated SETSLOT takes a trailing TIMEOUT <ms> for the replica acknowledgements.
  Nanos ack_timeout = kReplicatedSetslotTimeout;
  if (replicated && args.size() > 3) {
    // Options follow the action's own arguments (none for STABLE, one otherwise).
    const std::size_t options_at = lowercase(args[3]) == "stable" ? 4 : 5;
    while (options_at < args.size() && lowercase(args[options_at]) == "timeout") {
      if (options_at + 1 >= args.size()) return reply::error("ERR Missing timeout value");
      long long timeout_ms = 0;
      if (!parse_ll(args[options_at + 1], timeout_ms)) {
        return reply::error("ERR timeout is not an integer or out of range");
      }
      if (timeout_ms < 0) return reply::error("ERR timeout is negative");
      ack_timeout = timeout_ms == 0 ? kForever : ms(timeout_ms);
      args.erase(args.begin() + static_cast<std::ptrdiff_t>(options_at),
                 args.begin() + static_cast<std::ptrdiff_t>(options_at) + 2);
    }
  }
  if (std::string error = setslot_check(args, false); !error.empty()) return error;
  const std::size_t replicas = repl_.replicas.size();
  if (replicated && replicas > 0 && transaction_effects_ != nullptr) {
    // Inside EXEC nothing may block: the replicas get it in the stream, unacknowledged.
    feed_replication_stream(encode_command(args));
  } else if (replicated && replicas > 0) {
    // Replicas learn the change first (with an acknowledgement), so a failover
    // right after it cannot forget it. The primary applies it once they all have.
    feed_replication_stream(encode_command(args));
    Client::ReplicaWait wait;
    wait.offset = repl_.offset;
    wait.replicas = replicas;
    wait.deadline = ack_timeout == kForever ? kForever : saturating_add(env_.now(), ack_timeout);
    wait.finish = [this, args, replicas](std::size_t acked) mutable {
      while (busy_) idle_->wait_until(kForever);
      busy_ = true;
      busy_since_ = env_.now();
      std::string result;
      if (acked < replicas) {
        env_.trace("setslot_not_acked", "slot=" + args[2] + " acked=" + std::to_string(acked));
        result = reply::error("NOREPLICAS Not enough good replicas to write.");
      } else if (std::string error = setslot_check(args, false); !error.empty()) {
        result = error;  // the world moved on while we waited
      } else {
        setslot_apply(args, false);
        result = reply::ok();
      }
      busy_ = false;
      idle_->notify_all();
      return result;
    };
    client.wait = std::move(wait);
    return {};
  }
  setslot_apply(args, false);
  return reply::ok();
}

std::string Node::setslot_check(const Command& args, bool from_primary) const {
  const ClusterNode& self = cluster_.myself();
  if (!self.primary && !from_primary) return reply::error("ERR Please use SETSLOT only with masters.");
  const int slot = parse_slot(args[2]);
  if (slot < 0) return invalid_slot();
  const std::string action = lowercase(args[3]);
  const std::size_t argc = args.size();
  const std::string& me = cluster_.myself_id();
  // A replica applying its primary's stream checks its primary's ownership:
  // a restarted primary may resend a migration whose slot we already saw go.
  const std::string& my_shard = self.primary ? me : self.primary_id;
  if (action == "migrating" && argc == 5) {
    if (cluster_.owner(slot) != my_shard) {
      return reply::error(std::string(from_primary ? "ERR My primary is" : "ERR I'm") +
                          " not the owner of hash slot " + std::to_string(slot));
    }
    const ClusterNode* target = cluster_.find(args[4]);
    if (target == nullptr) return reply::error("ERR I don't know about node " + args[4]);
    if (!target->primary) return reply::error("ERR Target node is not a master");
  } else if (action == "importing" && argc == 5) {
    if (cluster_.owner(slot) == my_shard) {
      return reply::error(std::string(from_primary ? "ERR My primary is" : "ERR I'm") +
                          " already the owner of hash slot " + std::to_string(slot));
    }
    const ClusterNode* source = cluster_.find(args[4]);
    if (source == nullptr) return reply::error("ERR I don't know about node " + args[4]);
    if (!source->primary) return reply::error("ERR Target node is not a master");
  } else if (action == "stable" && argc == 4) {
  } else if (action == "node" && argc == 5) {
    const ClusterNode* target = cluster_.find(args[4]);
    if (target == nullptr) return reply::error("ERR Unknown node " + args[4]);
    if (!target->primary) return reply::error("ERR Target node is not a master");
    if (!from_primary && cluster_.owner(slot) == me && target->id != me && keys_.count_in_slot(slot) != 0) {
      return reply::error("ERR Can't assign hashslot " + std::to_string(slot) +
                          " to a different node while I still hold keys for this hash slot.");
    }
  } else {
    return reply::error("ERR Invalid CLUSTER SETSLOT action or number of arguments. Try CLUSTER HELP");
  }
  return {};
}

void Node::setslot_apply(const Command& args, bool from_primary) {
  const int slot = parse_slot(args[2]);
  const std::string action = lowercase(args[3]);
  const std::size_t argc = args.size();
  const std::string me = cluster_.myself_id();
  if (action == "migrating") {
    cluster_.clear_importing(slot);
    cluster_.set_migrating(slot, args[4]);
  } else if (action == "importing") {
    cluster_.clear_migrating(slot);
    cluster_.set_importing(slot, args[4]);
  } else if (action == "stable") {
    cluster_.clear_migration(slot);
  } else if (action == "node") {
    const std::string target_id = args[4];
    const std::string my_primary = cluster_.myself().primary ? me : cluster_.myself().primary_id;
    const bool was_ours = cluster_.owner(slot) == my_primary;
    // Giving away a slot we hold no keys of ends its migration.
    if (keys_.count_in_slot(slot) == 0) cluster_.clear_migrating(slot);
    cluster_.assign(slot, target_id);
    if ((target_id == me || target_id == my_primary) && cluster_.importing_from(slot) != nullptr) {
      cluster_.clear_migration(slot);
      // The slot was migrated by hand: claim it with a fresh epoch so the new
      // owner wins over the old one's claim everywhere. Only the primary bumps.
      if (target_id == me) {
        bump_epoch_without_consensus("setslot_node");
        broadcast_pong(PongTarget::all);
      }
    }
    // A shard left without slots follows the node that took its last one
    // (cluster-allow-replica-migration yes, the default).
    if (was_ours && target_id != my_primary && cluster_.slot_count(my_primary) == 0) {
      env_.trace("lost_last_slot", "new_primary=" + target_id + (from_primary ? " via=primary" : ""));
      set_my_primary(target_id, true);
    }
  }
  // A primary names the replicas online now: under replicated migration
  // state those have it, and one that was not may win an election without it
  // (Valkey accepts that gap; the checker follows its keys).
  std::string informed;
  if (!from_primary && cluster_.myself().primary) {
    for (const auto& [serial, replica] : repl_.replicas) informed += (informed.empty() ? "" : ",") + replica.address;
  }
  env_.trace("setslot", "slot=" + std::to_string(slot) + " action=" + action +
                            (argc == 5 ? " node=" + args[4] : std::string()) +
                            (from_primary ? " via=primary" : " online=" + informed));
  save_config();
}

}  // namespace slotsim::node
