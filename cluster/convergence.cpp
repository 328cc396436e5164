#include "cluster/convergence.h"

namespace slotsim::cluster {

namespace {

bool same_value(const node::Value& a, const node::Value& b) { return a.data == b.data && a.expire_at == b.expire_at; }

}  // namespace

std::vector<checker::Violation> check_convergence(SimCluster& cluster, const StrandedKeyCauses& excused) {
  std::vector<checker::Violation> found;
  const Nanos now = cluster.world().now();
  auto report = [&](const char* invariant, std::string detail) {
    found.push_back({invariant, now, std::move(detail), {}});
  };
  const node::Node* first = nullptr;
  std::string first_name;
  for (const auto& name : cluster.names()) {
    const node::Node* n = cluster.node(name);
    if (n == nullptr) continue;
    const auto& view = n->cluster();
    if (!n->cluster_ok()) report("L2", name + " reports cluster_state fail");
    if (!view.migrating().empty() || !view.importing().empty()) {
      report("L3", name + " has " + std::to_string(view.migrating().size()) + " migrating and " +
                       std::to_string(view.importing().size()) + " importing slots");
    }
    if (first == nullptr) {
      first = n;
      first_name = name;
      continue;
    }
    // Owners come in long runs: compare the ids only when the pair of owner indices changes.
    std::uint32_t last_pair = ~std::uint32_t{0};
    for (int slot = 0; slot < node::kSlotCount; ++slot) {
      const std::uint32_t pair = (std::uint32_t{view.owner_index(slot)} << 16) | first->cluster().owner_index(slot);
      if (pair == last_pair) continue;
      last_pair = pair;
      if (view.owner(slot) != first->cluster().owner(slot)) {
        report("L1", name + " and " + first_name + " disagree on the owner of slot " + std::to_string(slot));
        break;
      }
    }
    if (view.nodes().size() != first->cluster().nodes().size()) {
      report("L1", name + " knows " + std::to_string(view.nodes().size()) + " nodes, " + first_name + " knows " +
                       std::to_string(first->cluster().nodes().size()));
    }
    for (const auto& [id, other] : first->cluster().nodes()) {
      const node::ClusterNode* mine = view.find(id);
      if (mine == nullptr || mine->primary != other.primary || mine->primary_id != other.primary_id) {
        report("L1", name + " and " + first_name + " disagree on the role of " + id);
        break;
      }
    }
  }
  if (first == nullptr) {
    report("L2", "no node is up");
    return found;
  }
  // Owners, keys and replicas, from the first live node's (agreed) map.
  const auto& map = first->cluster();
  std::map<std::string, std::string> name_of;  // id -> name, for live nodes
  for (const auto& name : cluster.names()) {
    if (const node::Node* n = cluster.node(name)) name_of[n->cluster().myself_id()] = name;
  }
  // Judged once per owner (by its index in the map), not once per slot.
  std::vector<std::int8_t> owner_ok(map.owner_ids().size(), -1);
  for (int slot = 0; slot < node::kSlotCount; ++slot) {
    std::int8_t& ok = owner_ok[map.owner_index(slot)];
    if (ok < 0) {
      const std::string& owner = map.owner(slot);
      ok = !(owner.empty() || name_of.count(owner) == 0 || !map.find(owner)->primary);
    }
    if (!ok) {
      report("L2", "slot " + std::to_string(slot) + " has no live primary owner");
      break;
    }
  }
  for (const auto& name : cluster.names()) {
    const node::Node* n = cluster.node(name);
    if (n == nullptr) continue;
    const auto& me = n->cluster().myself();
    const std::string serves = me.primary ? me.id : me.primary_id;
    auto rebound = [&](const std::string& id, const std::string& key) {
      auto it = excused.unclaimed_rebinds.find(id);
      return it != excused.unclaimed_rebinds.end() && it->second.count(key) != 0;
    };
    // The primary at the top of a replication chain (a replica may follow another replica).
    auto shard_root = [&](const std::string& id) {
      const node::ClusterNode* link = map.find(id);
      for (int hops = 0; link != nullptr && !link->primary && hops < 8; ++hops) link = map.find(link->primary_id);
      return link == nullptr ? id : link->id;
    };
    const std::string my_shard = shard_root(me.id);
    auto split_here = [&](const std::string& key) {
      auto it = excused.split_keys.find(key);
      if (it == excused.split_keys.end()) return false;
      return std::any_of(it->second.begin(), it->second.end(),
                         [&](const std::string& holder) { return shard_root(holder) == my_shard; });
    };
    // A deposed primary kept the key's slot, and the winner of this shard held the key as it took over.
    auto kept_by_deposed = [&](const std::string& key, const std::string& owner) {
      for (const auto& [winner, by_deposed] : excused.kept_by_deposed) {
        if (shard_root(winner) != my_shard) continue;
        auto it = by_deposed.find(owner);
        if (it != by_deposed.end() && it->second.count(key) != 0) return true;
      }
      return false;
    };
    std::string stranded;
    n->keyspace().for_each([&](const std::string& key, const node::Value&) {
      if (!stranded.empty()) return;
      const int slot = node::key_hash_slot(key);
      if (map.owner(slot) == serves || split_here(key) || kept_by_deposed(key, map.owner(slot))) return;
      // Up the replication chain (a replica may follow another replica).
      const node::ClusterNode* link = &me;
      for (int hops = 0; link != nullptr && hops < 8; ++hops) {
        if (rebound(link->id, key)) return;
        link = link->primary ? nullptr : map.find(link->primary_id);
      }
      stranded = key;
    });
    if (!stranded.empty()) report("L4", name + " holds key " + stranded + " of a slot it does not serve");
    if (!me.primary) {
      auto it = name_of.find(me.primary_id);
      if (it == name_of.end()) {
        report("L5", name + " replicates " + me.primary_id + ", which is not a live node");
        continue;
      }
      if (!n->replication().link_up) report("L5", name + " has no replication link to " + it->second);
      const node::Node* primary = cluster.node(it->second);
      std::string differs;
      if (primary->keyspace().size() != n->keyspace().size()) {
        differs = std::to_string(n->keyspace().size()) + " keys against " + std::to_string(primary->keyspace().size());
      }
      primary->keyspace().for_each([&](const std::string& key, const node::Value& value) {
        if (!differs.empty()) return;
        const node::Value* mine = n->keyspace().peek(key);
        if (mine == nullptr || !same_value(*mine, value)) differs = "key " + key;
      });
      if (!differs.empty()) report("L5", name + " differs from its primary " + it->second + ": " + differs);
    }
  }
  return found;
}

}  // namespace slotsim::cluster
