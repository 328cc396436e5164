#include "cluster/invariant_monitor.h"

#include <algorithm>
#include <string_view>

namespace slotsim::cluster {

std::vector<checker::NodeView> node_views(SimCluster& cluster, std::map<std::string, std::uint64_t>* versions) {
  auto& world = cluster.world();
  auto& network = world.network();
  const auto& names = cluster.names();
  // Every name's process, host and node, looked up once per snapshot: the
  // reachability test below runs for every (node, owner it knows) pair.
  struct Member {
    sim::ProcessId process = 0;
    sim::HostId host = 0;
    node::Node* node = nullptr;  // null while down
    bool answers = false;        // running and not paused
  };
  std::vector<Member> members(names.size());
  std::map<std::string_view, std::size_t> index_of_id;
  for (std::size_t i = 0; i < names.size(); ++i) {
    Member& m = members[i];
    m.process = cluster.process(names[i]);
    m.host = network.host_id(names[i]);
    m.node = dynamic_cast<node::Node*>(world.service(m.process));
    m.answers = world.is_up(m.process) && !world.is_paused(m.process);
    index_of_id.insert_or_assign(cluster.node_id(names[i]), i);
  }
  // Whether a and b can talk both ways right now (both running, no partition).
  auto reachable = [&](std::size_t a, std::size_t b) {
    if (a == b) return true;
    if (!members[b].answers) return false;
    const sim::HostId ha = members[a].host;
    const sim::HostId hb = members[b].host;
    return !network.is_blocked(ha, hb) && !network.is_blocked(hb, ha);
  };
  std::vector<checker::NodeView> views;
  views.reserve(names.size());
  for (std::size_t i = 0; i < names.size(); ++i) {
    const std::string& name = names[i];
    // Built in place: a view holds a 2 KB slot bitmap.
    checker::NodeView& view = views.emplace_back();
    view.name = name;
    const node::Node* n = members[i].node;
    // A paused process is up but frozen: its state is what it would act on.
    view.up = n != nullptr;
    if (n != nullptr) {
      const auto& state = n->cluster();
      view.id = state.myself_id();
      view.primary = state.myself().primary;
      view.serving = n->cluster_ok();
      view.current_epoch = state.current_epoch;
      view.config_epoch = state.myself().config_epoch;
      view.last_vote_epoch = state.last_vote_epoch;
      view.own_slots = state.slot_set(state.myself_id());
      view.paused = world.is_paused(members[i].process);
      // A brief command (an fsync) must not restart S5's clock: only a long block.
      view.blocked = n->busy_for() > ms(100);
      std::size_t owners = 0;
      std::size_t reached = 0;
      for (const auto& [id, node] : state.nodes()) {
        if (!node.primary || state.slot_count(id) == 0) continue;
        ++owners;
        auto it = index_of_id.find(id);
        if (it != index_of_id.end() && reachable(i, it->second)) ++reached;
      }
      view.reaches_majority = reached >= owners / 2 + 1;
      view.slot_map_version = state.slot_map_version();
      // A restart starts a new table (version 0 again): copy whenever it differs.
      if (versions != nullptr) {
        auto it = versions->find(name);
        const bool fresh = it == versions->end();
        if (fresh) it = versions->emplace(name, view.slot_map_version).first;
        if (fresh || it->second != view.slot_map_version) {
          it->second = view.slot_map_version;
          auto table = std::make_shared<checker::OwnerTable>();
          table->slots.resize(node::kSlotCount);
          for (int slot = 0; slot < node::kSlotCount; ++slot) {
            table->slots[static_cast<std::size_t>(slot)] = state.owner_index(slot);
          }
          table->ids.assign(state.owner_ids().begin(), state.owner_ids().end());
          view.owners = std::move(table);
          for (const auto& [id, known] : state.nodes()) view.owner_epochs[id] = known.config_epoch;
        }
      }
    }
  }
  return views;
}

InvariantMonitor::InvariantMonitor(SimCluster& cluster, Nanos period)
    : cluster_(cluster), period_(period),
      // S5's bound: 1.5 x node_timeout (see online_invariants.h) on a clock up
      // to 10% slow (so / 0.9), plus two cron ticks and the monitor's own period.
      invariants_(std::make_shared<checker::OnlineInvariants>(
          cluster.options().node.node_timeout * 3 / 2 * 10 / 9 + ms(200) + period)),
      promotions_(std::make_shared<PromotionTracker>(cluster)),
      moves_(std::make_shared<std::vector<checker::KeyMove>>()),
      rebinds_(std::make_shared<std::map<std::string, std::set<std::string>>>()),
      promotion_keys_(std::make_shared<PromotionKeys>()), aof_(std::make_shared<AofWatch>()),
      alive_(std::make_shared<bool>(true)) {
  auto invariants = invariants_;
  auto promotions = promotions_;
  auto moves = moves_;
  auto rebinds = rebinds_;
  auto promotion_keys = promotion_keys_;
  auto aof = aof_;
  // Nodes already running started before this monitor heard their aof_loaded.
  for (const auto& name : cluster.names()) {
    const node::Node* n = cluster.node(name);
    if (n != nullptr && n->config().appendonly && n->config().appendfsync != node::AppendFsync::always) {
      aof->last_sync[name] = cluster.world().now();
    }
  }
  auto alive = alive_;
  listener_ = cluster_.world().trace().add_listener([invariants, promotions, moves, rebinds, promotion_keys, aof, alive,
                                                     &cluster](const sim::TraceEvent& e) {
    if (!*alive) return;
    if (e.kind == "aof_loaded") {
      if (checker::trace_field(e.detail, "appendfsync") != "always") aof->last_sync[e.process] = e.time;
      else aof->last_sync.erase(e.process);
      // Which keys migrated away in a lost tail came back with it: the node is
      // still being built (this event is its constructor's), so look right after.
      const std::string id = cluster.node_id(e.process);
      auto loss = std::find_if(aof->losses.rbegin(), aof->losses.rend(),
                               [&](const checker::AofLoss& l) { return l.node_id == id; });
      if (loss != aof->losses.rend() && !loss->restart_seen) {
        loss->restart_seen = true;
        const std::size_t index = static_cast<std::size_t>(aof->losses.rend() - loss - 1);
        cluster.world().scheduler().at(e.time, [aof, moves, alive, index, name = e.process, &cluster] {
          const node::Node* back = cluster.node(name);
          if (!*alive || back == nullptr) return;
          checker::AofLoss& l = aof->losses[index];
          for (const checker::KeyMove& m : *moves) {
            if (m.departed && m.node_id == l.node_id && m.time >= l.unsynced_since && m.time <= l.crash_time &&
                back->keyspace().peek(m.key) != nullptr) {
              l.returned_keys.insert(m.key);
            }
          }
        });
      }
    } else if (e.kind == "aof_synced") {
      if (auto it = aof->last_sync.find(e.process); it != aof->last_sync.end()) it->second = e.time;
    } else if (e.kind == "crash") {
      const std::string node = checker::trace_field(e.detail, "process");
      auto it = aof->last_sync.find(node);
      if (it != aof->last_sync.end() && checker::trace_field(e.detail, "lost_bytes") != "0") {
        checker::AofLoss loss;
        loss.node_id = cluster.node_id(node);
        loss.unsynced_since = it->second;
        loss.crash_time = e.time;
        aof->losses.push_back(std::move(loss));
      }
    }
    if (e.kind == "slots_taken_unclaimed") {
      // slots=A-B,C: the keys of those the node holds now stay behind, and only those.
      std::set<int> slots;
      for (const std::string& range : checker::trace_list(checker::trace_field(e.detail, "slots"))) {
        const std::size_t dash = range.find('-');
        const int first = std::stoi(range.substr(0, dash));
        const int last = dash == std::string::npos ? first : std::stoi(range.substr(dash + 1));
        for (int slot = first; slot <= last; ++slot) slots.insert(slot);
      }
      if (const node::Node* holder = cluster.node(e.process)) {
        std::set<std::string>& keys = (*rebinds)[cluster.node_id(e.process)];
        holder->keyspace().for_each([&](const std::string& key, const node::Value&) {
          if (slots.count(node::key_hash_slot(key)) != 0) keys.insert(key);
        });
      }
    }
    if (e.kind == "promoted") {
      if (const node::Node* winner = cluster.node(e.process)) {
        std::set<std::string>& keys =
            (*promotion_keys)[cluster.node_id(e.process)][checker::trace_field(e.detail, "old_primary")];
        winner->keyspace().for_each([&](const std::string& key, const node::Value&) { keys.insert(key); });
      }
    }
    invariants->on_event(e.time, e.process, e.kind, e.detail, e.index);
    promotions->on_event(e.time, e.process, e.kind, e.detail);
    if (e.kind == "key_restored" || e.kind == "key_migrated_out") {
      const auto key_at = e.detail.find(" key=");
      checker::KeyMove move;
      move.departed = e.kind == "key_migrated_out";
      move.time = e.time;
      move.key = key_at == std::string::npos ? "" : e.detail.substr(key_at + 5);
      move.node_id = cluster.node_id(e.process);
      move.offset = std::stoull(checker::trace_field(e.detail, "offset"));
      // The replication history the source's DEL counts in: offsets compare only within one.
      if (move.departed) {
        if (const node::Node* source = cluster.node(e.process)) move.history = checker::history_tag(source->replication().replid);
      }
      moves->push_back(std::move(move));
    }
  });
  tick();
}

InvariantMonitor::~InvariantMonitor() {
  *alive_ = false;
  cluster_.world().trace().remove_listener(listener_);
}

void InvariantMonitor::tick() {
  invariants_->observe(cluster_.world().now(), node_views(cluster_, &table_versions_),
                       cluster_.world().trace().count());
  auto alive = alive_;
  cluster_.world().scheduler().at(cluster_.world().now() + period_, [this, alive] {
    if (*alive) tick();
  });
}

}  // namespace slotsim::cluster
