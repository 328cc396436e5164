// INFO, CLUSTER INFO, CLUSTER SLOTS and CLUSTER SHARDS: read-only reports.
#include "node/node.h"
#include "node/text.h"
#include "node/reply.h"

namespace slotsim::node {

namespace {

// The replicas of a primary, in id order.
std::vector<const ClusterNode*> replicas_of(const ClusterState& cluster, const std::string& primary_id) {
  std::vector<const ClusterNode*> out;
  for (const auto& [id, node] : cluster.nodes()) {
    if (!node.primary && node.primary_id == primary_id) out.push_back(&node);
  }
  return out;
}

}  // namespace

std::string Node::cluster_info_reply() const {
  std::size_t assigned = 0;
  std::size_t pfail = 0;
  std::size_t fail = 0;
  for (int slot = 0; slot < kSlotCount; ++slot) {
    const std::string& owner = cluster_.owner(slot);
    if (owner.empty()) continue;
    ++assigned;
    const ClusterNode* node = cluster_.find(owner);
    if (node != nullptr && node->fail) ++fail;
    else if (node != nullptr && node->pfail) ++pfail;
  }
  std::size_t size = 0;
  for (const auto& [id, node] : cluster_.nodes()) {
    if (node.primary && cluster_.slot_set(id).any()) ++size;
  }
  std::string text;
  auto line = [&](const std::string& key, const std::string& value) { text += key + ":" + value + "\r\n"; };
  line("cluster_state", cluster_ok() ? "ok" : "fail");
  line("cluster_slots_assigned", std::to_string(assigned));
  line("cluster_slots_ok", std::to_string(assigned - pfail - fail));
  line("cluster_slots_pfail", std::to_string(pfail));
  line("cluster_slots_fail", std::to_string(fail));
  line("cluster_known_nodes", std::to_string(cluster_.nodes().size()));
  line("cluster_size", std::to_string(size));
  line("cluster_current_epoch", std::to_string(cluster_.current_epoch));
  line("cluster_my_epoch", std::to_string(cluster_.myself().primary ? cluster_.myself().config_epoch
                                          : cluster_.find(cluster_.myself().primary_id) != nullptr
                                              ? cluster_.find(cluster_.myself().primary_id)->config_epoch
                                              : 0));
  // Per message type, in Redis's type order, only the types seen.
  static constexpr const char* kTypeOrder[] = {"ping",    "pong",     "meet",   "fail",    "publish", "auth-req",
                                               "auth-ack", "update", "mfstart", "module", "publishshard"};
  auto stats = [&](const std::map<std::string, std::uint64_t>& counts, const char* direction) {
    std::uint64_t total = 0;
    for (const char* type : kTypeOrder) {
      auto it = counts.find(type);
      if (it == counts.end() || it->second == 0) continue;
      line(std::string("cluster_stats_messages_") + type + "_" + direction, std::to_string(it->second));
      total += it->second;
    }
    line(std::string("cluster_stats_messages_") + direction, std::to_string(total));
  };
  stats(messages_sent_, "sent");
  stats(messages_received_, "received");
  line("total_cluster_links_buffer_limit_exceeded", "0");
  return reply::bulk(text);
}

std::string Node::cluster_slots_reply() const {
  // Besides the slot table, the reply depends only on these fields of the
  // nodes. Texts are length-prefixed, so two different node sets never match.
  std::string nodes;
  nodes.reserve(128 * cluster_.nodes().size());
  auto add_bytes = [&nodes](const auto& value) {
    nodes.append(reinterpret_cast<const char*>(&value), sizeof value);
  };
  auto add_text = [&](std::string_view text) {
    add_bytes(text.size());
    nodes += text;
  };
  for (const auto& [id, node] : cluster_.nodes()) {
    add_text(id);
    add_text(node.ip);
    add_text(node.primary_id);
    add_bytes(node.port);
    nodes += node.primary ? 'p' : 'r';
    nodes += node.fail ? 'f' : '-';
  }
  SlotsReplyCache& cache = slots_reply_cache_;
  if (cache.valid && cache.resets == cluster_.reset_count() && cache.version == cluster_.slot_map_version() &&
      cache.nodes == nodes) {
    return cache.reply;
  }
  std::vector<std::string> entries;
  // Slots in ascending order, one entry per contiguous range of one owner.
  int slot = 0;
  while (slot < kSlotCount) {
    const std::string& owner = cluster_.owner(slot);
    if (owner.empty()) {
      ++slot;
      continue;
    }
    const int last = cluster_.last_of_owner_run(slot);
    const ClusterNode* primary = cluster_.find(owner);
    std::vector<const ClusterNode*> serving = {primary};
    for (const ClusterNode* replica : replicas_of(cluster_, owner)) {
      if (!replica->fail) serving.push_back(replica);
    }
    std::string& entry = entries.emplace_back();
    reply::append_array_header(entry, 2 + serving.size());
    reply::append_integer(entry, slot);
    reply::append_integer(entry, last);
    for (const ClusterNode* node : serving) {
      reply::append_array_header(entry, 4);
      reply::append_bulk(entry, node->ip);
      reply::append_integer(entry, node->port);
      reply::append_bulk(entry, node->id);
      reply::append_array_header(entry, 0);
    }
    slot = last + 1;
  }
  std::string out = reply::array_header(entries.size());
  for (const auto& entry : entries) out += entry;
  cache = {true, cluster_.reset_count(), cluster_.slot_map_version(), std::move(nodes), out};
  return out;
}

std::string Node::cluster_shards_reply() const {
  auto node_entry = [&](const ClusterNode& node) {
    std::string health = node.fail ? "fail" : "online";
    return reply::array_header(14) + reply::bulk("id") + reply::bulk(node.id) + reply::bulk("port") +
           reply::integer(node.port) + reply::bulk("ip") + reply::bulk(node.ip) + reply::bulk("endpoint") +
           reply::bulk(node.ip) + reply::bulk("role") + reply::bulk(node.primary ? "master" : "replica") +
           reply::bulk("replication-offset") + reply::integer(0) + reply::bulk("health") + reply::bulk(health);
  };
  std::vector<std::string> shards;
  for (const auto& [id, node] : cluster_.nodes()) {
    if (!node.primary) continue;
    std::string slots;
    const auto ranges = cluster_.slot_ranges_of(id);
    slots = reply::array_header(ranges.size() * 2);
    for (auto [first, last] : ranges) slots += reply::integer(first) + reply::integer(last);
    const auto replicas = replicas_of(cluster_, id);
    std::string nodes = reply::array_header(1 + replicas.size()) + node_entry(node);
    for (const ClusterNode* replica : replicas) nodes += node_entry(*replica);
    shards.push_back(reply::array_header(4) + reply::bulk("slots") + slots + reply::bulk("nodes") + nodes);
  }
  std::string out = reply::array_header(shards.size());
  for (const auto& shard : shards) out += shard;
  return out;
}

std::string Node::info_reply(const Command& args) const {
  const std::string section = args.size() > 1 ? lowercase(args[1]) : "default";
  const bool all = section == "default" || section == "all" || section == "everything";
  std::string text;
  auto wants = [&](const char* name) { return all || section == name; };
  auto line = [&](const std::string& key, const std::string& value) { text += key + ":" + value + "\r\n"; };
  if (wants("server")) {
    if (!text.empty()) text += "\r\n";
    text += "# Server\r\n";
    line("redis_version", "7.0.15");
    line("redis_mode", config_.cluster_enabled ? "cluster" : "standalone");
    line("tcp_port", std::to_string(config_.port));
    line("uptime_in_seconds", std::to_string((env_.now() - started_at_) / 1'000'000'000));
  }
  if (wants("stats")) {
    if (!text.empty()) text += "\r\n";
    text += "# Stats\r\n";
    line("total_connections_received", std::to_string(connections_received_));
    line("total_commands_processed", std::to_string(commands_processed_));
  }
  if (wants("replication")) {
    if (!text.empty()) text += "\r\n";
    text += info_replication();
  }
  if (wants("cluster")) {
    if (!text.empty()) text += "\r\n";
    text += "# Cluster\r\n";
    line("cluster_enabled", config_.cluster_enabled ? "1" : "0");
  }
  if (wants("keyspace")) {
    if (!text.empty()) text += "\r\n";
    text += "# Keyspace\r\n";
    if (keys_.size() != 0) line("db0", "keys=" + std::to_string(keys_.size()) + ",expires=0,avg_ttl=0");
  }
  return reply::bulk(text);
}

}  // namespace slotsim::node
