// CLUSTER subcommands, with Redis 7's arities, checks and error texts.
#include <charconv>
#include <set>

#include "node/hash_slot.h"
#include "node/node.h"
#include "node/text.h"
#include "node/resp_parser.h"
#include "node/reply.h"

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
    {"reset", -2},          {"set-config-epoch", 3}, {"setslot", -4},      {"shards", 2},
    {"slots", 2},
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

std::string Node::cluster_command(Command& args) {
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
  if (sub == "setslot") return cluster_setslot(args);
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
    if (cluster_.find(args[2]) == nullptr) return reply::error("ERR Unknown node " + args[2]);
    return reply::integer(0);  // failure reports arrive with the cluster bus
  }
  if (sub == "meet") {
    long long port = 0;
    long long cport = 0;
    if (!parse_ll(args[3], port) || (argc > 4 && !parse_ll(args[4], cport))) {
      return reply::error("ERR Invalid TCP base port specified: " + args[3]);
    }
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
    node.link_connected = false;
    cluster_.add(node);
    env_.trace("cluster_meet", "address=" + node.address());
    return reply::ok();
  }
  if (sub == "forget") {
    const ClusterNode* node = cluster_.find(args[2]);
    if (node == nullptr) return reply::error("ERR Unknown node " + args[2]);
    if (node->myself) return reply::error("ERR I tried hard but I can't forget myself...");
    if (!me.primary && me.primary_id == node->id) return reply::error("ERR Can't forget my master!");
    cluster_.forget(args[2]);
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
    for (int slot = 0; slot < kSlotCount; ++slot) cluster_.clear_migration(slot);
    me.primary = false;
    me.primary_id = target->id;
    save_config();
    env_.trace("role", "replica_of=" + target->id);
    return reply::ok();
  }
  if (sub == "failover") {
    bool force = false;
    bool takeover = false;
    if (argc == 3) {
      const std::string mode = lowercase(args[2]);
      if (mode == "force") force = true;
      else if (mode == "takeover") takeover = true;
      else return reply::syntax_error();
    } else if (argc > 3) {
      return reply::syntax_error();
    }
    if (me.primary) return reply::error("ERR You should send CLUSTER FAILOVER to a replica");
    ClusterNode* primary = cluster_.find(me.primary_id);
    if (primary == nullptr) return reply::error("ERR I'm a replica but my master is unknown to me");
    if (!force && !takeover && (primary->fail || !primary->link_connected)) {
      return reply::error("ERR Master is down or failed, please use CLUSTER FAILOVER FORCE");
    }
    if (!takeover) {
      // The coordinated failover (MFSTART, catch-up, election) runs over the cluster bus.
      return reply::error("ERR CLUSTER FAILOVER without TAKEOVER needs the cluster bus, which this node does not run yet");
    }
    // TAKEOVER: a new epoch without agreement, then the primary's slots are ours.
    const std::string old_primary = primary->id;
    ++cluster_.current_epoch;
    me.config_epoch = cluster_.current_epoch;
    for (int slot : cluster_.slots_of(old_primary)) cluster_.assign(slot, me.id);
    me.primary = true;
    me.primary_id.clear();
    primary->primary = false;
    primary->primary_id = me.id;
    save_config();
    env_.trace("failover", "kind=takeover epoch=" + std::to_string(me.config_epoch) + " old_primary=" + old_primary);
    return reply::ok();
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
    const std::uint64_t max_epoch = cluster_.max_config_epoch();
    if (me.config_epoch == 0 || me.config_epoch != max_epoch) {
      ++cluster_.current_epoch;
      me.config_epoch = cluster_.current_epoch;
      save_config();
      return reply::simple("BUMPED " + std::to_string(me.config_epoch));
    }
    return reply::simple("STILL " + std::to_string(me.config_epoch));
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
  save_config();
  return reply::ok();
}

std::string Node::cluster_setslot(Command& args) {
  if (!cluster_.myself().primary) return reply::error("ERR Please use SETSLOT only with masters.");
  const int slot = parse_slot(args[2]);
  if (slot < 0) return invalid_slot();
  const std::string action = lowercase(args[3]);
  const std::size_t argc = args.size();
  const std::string& me = cluster_.myself_id();
  if (action == "migrating" && argc == 5) {
    if (cluster_.owner(slot) != me) return reply::error("ERR I'm not the owner of hash slot " + std::to_string(slot));
    const ClusterNode* target = cluster_.find(args[4]);
    if (target == nullptr) return reply::error("ERR I don't know about node " + args[4]);
    if (!target->primary) return reply::error("ERR Target node is not a master");
    cluster_.set_migrating(slot, target->id);
  } else if (action == "importing" && argc == 5) {
    if (cluster_.owner(slot) == me) return reply::error("ERR I'm already the owner of hash slot " + std::to_string(slot));
    const ClusterNode* source = cluster_.find(args[4]);
    if (source == nullptr) return reply::error("ERR I don't know about node " + args[4]);
    if (!source->primary) return reply::error("ERR Target node is not a master");
    cluster_.set_importing(slot, source->id);
  } else if (action == "stable" && argc == 4) {
    cluster_.clear_migration(slot);
  } else if (action == "node" && argc == 5) {
    const ClusterNode* target = cluster_.find(args[4]);
    if (target == nullptr) return reply::error("ERR Unknown node " + args[4]);
    if (!target->primary) return reply::error("ERR Target node is not a master");
    const std::string target_id = target->id;
    const bool was_mine = cluster_.owner(slot) == me;
    const std::size_t keys_here = keys_.count_in_slot(slot);
    if (was_mine && target_id != me && keys_here != 0) {
      return reply::error("ERR Can't assign hashslot " + std::to_string(slot) +
                          " to a different node while I still hold keys for this hash slot.");
    }
    // Giving away a slot we hold no keys of ends its migration.
    if (keys_here == 0) cluster_.clear_migrating(slot);
    cluster_.assign(slot, target_id);
    if (target_id == me && cluster_.importing_from(slot) != nullptr) {
      // The slot was migrated by hand: claim it with a fresh epoch so the new
      // owner wins over the old one's claim everywhere.
      const std::uint64_t max_epoch = cluster_.max_config_epoch();
      ClusterNode& self = cluster_.myself();
      if (self.config_epoch == 0 || self.config_epoch != max_epoch) {
        ++cluster_.current_epoch;
        self.config_epoch = cluster_.current_epoch;
      }
      cluster_.clear_migration(slot);
      env_.trace("epoch_bump", "reason=setslot_node slot=" + std::to_string(slot) +
                                   " config_epoch=" + std::to_string(self.config_epoch));
    }
    // A primary left without slots follows the node that took its last one
    // (cluster-allow-replica-migration yes, the default).
    ClusterNode& self = cluster_.myself();
    if (was_mine && target_id != me && cluster_.slots_of(me).empty()) {
      self.primary = false;
      self.primary_id = target_id;
      env_.trace("role", "replica_of=" + target_id + " reason=lost_last_slot");
    }
  } else {
    return reply::error("ERR Invalid CLUSTER SETSLOT action or number of arguments. Try CLUSTER HELP");
  }
  env_.trace("setslot", "slot=" + std::to_string(slot) + " action=" + action +
                            (argc == 5 ? " node=" + args[4] : std::string()));
  save_config();
  return reply::ok();
}

}  // namespace slotsim::node
