#include "cluster/promotion_tracker.h"

#include <algorithm>

#include "checker/online_invariants.h"

namespace slotsim::cluster {

void PromotionTracker::on_event(Nanos time, const std::string& process, const std::string& kind,
                                const std::string& detail) {
  if (kind == "fault") {
    const std::string action = checker::trace_field(detail, "action");
    // Every fault counts, resets and slow links included: they do not change
    // who ranks first, but a lost FAIL, vote or auth request changes who wins.
    last_fault_ = time;
    if (action == "heal") partitioned_ = false;
    if (action == "partition" || action == "isolate") partitioned_ = true;
    // Links cut or restored, or timing changed: every node's view may lag.
    if (action == "partition" || action == "isolate" || action == "heal" || action == "clock_skew") {
      last_global_fault_ = time;
    }
    const bool skew_off = checker::trace_field(detail, "offset") == "0" && checker::trace_field(detail, "drift_ppm") == "0";
    for (std::string& node : checker::trace_list(checker::trace_field(detail, "node"))) {
      last_fault_of_[node] = time;
      if (action == "clock_skew") {
        if (skew_off) skewed_.erase(node);
        else skewed_.insert(node);
      } else if (action == "crash" || action == "pause") {
        node_faults_until_[node] = kForever;
      } else if (action == "restart" || action == "resume") {
        node_faults_until_.erase(node);
      } else if (action == "slow" || action == "clog") {
        const std::string until = checker::trace_field(detail, "until");
        Nanos& end = node_faults_until_[node];
        end = std::max(end, until.empty() ? kForever : static_cast<Nanos>(std::stoll(until)));
      }
    }
  } else if (kind == "election_scheduled") {
    Candidacy& c = candidacies_[process];
    c = Candidacy{};
    c.scheduled = time;
    const node::Node* me = cluster_.node(process);
    // Offsets travel in pings: give them a node timeout after a fault that
    // touched everyone, the candidate, or (below) the sibling. The old
    // primary's own crash, which starts the election, is no reason.
    const Nanos settle_from = time - cluster_.options().node.node_timeout;
    if (me == nullptr || partitioned_ || !skewed_.empty() || last_global_fault_ >= settle_from ||
        touched(process, time, settle_from)) {
      return;
    }
    const std::string& primary = me->cluster().myself().primary_id;
    for (const std::string& name : cluster_.names()) {
      if (name == process || touched(name, time, settle_from)) continue;
      const node::Node* sibling = cluster_.node(name);
      if (sibling == nullptr || sibling->cluster().myself().primary ||
          sibling->cluster().myself().primary_id != primary) {
        continue;
      }
      if (sibling->repl_offset() > c.best_offset) {
        c.best_offset = sibling->repl_offset();
        c.best_sibling = name;
        c.best_history = checker::history_tag(sibling->replication().replid);
      }
    }
  } else if (kind == "replication_sync" && checker::trace_field(detail, "mode") == "full") {
    // A full sync (say, from a primary that restarted with a new history)
    // restarts the offsets: the snapshot no longer compares with the winner's.
    for (auto& [candidate, c] : candidacies_) {
      if (candidate == process || c.best_sibling == process) c.resynced = true;
    }
  } else if (kind == "election_start") {
    if (checker::trace_field(detail, "manual").empty()) {
      candidacies_[process].automatic_epoch = checker::trace_field(detail, "epoch");
    }
  } else if (kind == "setslot") {
    const int slot = std::stoi(checker::trace_field(detail, "slot"));
    const std::string action = checker::trace_field(detail, "action");
    const bool replicated = !checker::trace_field(detail, "via").empty();
    auto& open = (replicated ? inherited_ : migrating_)[cluster_.node_id(process)];
    if (action == "migrating") {
      OpenMigration& m = open[slot];
      m = {{checker::trace_field(detail, "node")}, time, {}};
      // "n4:6379,n7:6379": a simulated node's host is its name.
      for (const std::string& address : checker::trace_list(checker::trace_field(detail, "online"))) {
        m.informed.insert(address.substr(0, address.find(':')));
      }
    } else if (action == "stable" || action == "node") {
      open.erase(slot);
    }
  } else if (kind == "migration_retarget" && checker::trace_field(detail, "side") == "migrating") {
    // The target shard failed over: keys now go to its new primary.
    const int slot = std::stoi(checker::trace_field(detail, "slot"));
    for (auto* table : {&migrating_, &inherited_}) {
      auto& open = (*table)[cluster_.node_id(process)];
      if (auto it = open.find(slot); it != open.end()) it->second.target_ids.push_back(checker::trace_field(detail, "to"));
    }
  } else if (kind == "setslot_replicated_refused" && checker::trace_field(detail, "action") == "migrating") {
    // A replica with a stale view (the target not yet a primary to it)
    // refuses its primary's MIGRATING, as Valkey 8 does, and nothing sends it
    // again: it does not have the migration (migration_swarm seed 3247).
    const node::Node* replica = cluster_.node(process);
    if (replica != nullptr && !replica->cluster().myself().primary) {
      auto& open = migrating_[replica->cluster().myself().primary_id];
      if (auto it = open.find(std::stoi(checker::trace_field(detail, "slot"))); it != open.end()) {
        it->second.informed.erase(process);
      }
    }
  } else if (kind == "replica_sync" && checker::trace_field(detail, "mode") == "full") {
    // A full sync's snapshot carries the primary's open migrations (snapshot_commands).
    const std::string peer = checker::trace_field(detail, "peer");
    for (auto& [slot, m] : migrating_[cluster_.node_id(process)]) m.informed.insert(peer.substr(0, peer.find(':')));
  } else if (kind == "epoch_collision" && checker::trace_field(detail, "shared") == "1") {
    // A returning old primary and the replica that replaced it claim the same
    // slots in one epoch: the one with more data takes a new epoch and keeps
    // them (valkey#974), and the other's writes since its promotion are lost,
    // as in a failover the other way. Recorded as one, so D1 can excuse them.
    // (The bug old-primary-wins-collision lets the one with less data win: not recorded.)
    const std::uint64_t offset = std::stoull(checker::trace_field(detail, "offset"));
    // Only that shape: the other must be the replica that replaced this node.
    const std::string other = checker::trace_field(detail, "with");
    const std::string& me = cluster_.node_id(process);
    const bool replaced_me = std::any_of(promotions_.begin(), promotions_.end(), [&](const checker::Promotion& p) {
      return p.winner_id == other && p.old_primary_id == me;
    });
    if (replaced_me && offset >= std::stoull(checker::trace_field(detail, "peer_offset"))) {
      checker::Promotion p;
      p.time = time;
      p.winner = process;
      p.winner_id = cluster_.node_id(process);
      p.old_primary_id = checker::trace_field(detail, "with");
      p.winner_offset = offset;
      if (const node::Node* winner = cluster_.node(process)) p.winner_history = checker::history_tag(winner->replication().replid);
      promotions_.push_back(std::move(p));
    }
  } else if (kind == "epoch_bump" && checker::trace_field(detail, "reason") == "import_auto_claim") {
    // A deposed primary back with a stale config (still importing a slot)
    // takes that slot when its source stops claiming it, bumping its epoch
    // without consensus: Valkey 8's clusterUpdateSlotsConfigWith, whose comment
    // admits the bump may revert an assignment. Its new epoch also beats the
    // election its replica won meanwhile, so it takes its old slots back and
    // the winner resyncs from it: the winner's writes since its promotion are
    // lost as in a failover the other way (migration_swarm seed 3706).
    const std::string& me = cluster_.node_id(process);
    const checker::Promotion* replaced = nullptr;
    for (const checker::Promotion& p : promotions_) {
      if (p.old_primary_id == me) replaced = &p;  // the latest
    }
    if (replaced != nullptr) {
      checker::Promotion p;
      p.time = time;
      p.winner = process;
      p.winner_id = me;
      p.old_primary_id = replaced->winner_id;
      if (const node::Node* node = cluster_.node(process)) {
        p.winner_offset = node->repl_offset();
        p.winner_history = checker::history_tag(node->replication().replid);
      }
      promotions_.push_back(std::move(p));
    }
  } else if (kind == "promoted") {
    checker::Promotion p;
    p.time = time;
    p.winner = process;
    p.winner_id = cluster_.node_id(process);
    p.old_primary_id = checker::trace_field(detail, "old_primary");
    p.winner_offset = std::stoull(checker::trace_field(detail, "offset"));
    // A promoted replica keeps the history it followed as its second id.
    if (const node::Node* winner = cluster_.node(process)) p.winner_history = checker::history_tag(winner->replication().replid2);
    const Candidacy c = candidacies_[process];
    candidacies_.erase(process);
    // Only an automatic election promises the best replica (an operator's
    // failover or takeover picks its own), and only if no fault since it was
    // scheduled changed what the candidates knew (a resumed, healed or
    // restarted primary streams again and a sibling may pull ahead after the
    // ranks were fixed).
    const bool automatic = !c.automatic_epoch.empty() && c.automatic_epoch == checker::trace_field(detail, "config_epoch");
    // Redis ranks by raw offsets, whatever history they count in (a replica
    // that restarted and never synced since has its own): the sibling's is
    // kept with its history, and rule D1 compares it with a write's only in
    // that history. A full sync since the scheduling restarted the offsets.
    if (automatic && !c.resynced && last_fault_ < c.scheduled) {
      p.untouched_sibling_offset = c.best_offset;
      p.untouched_sibling = c.best_sibling;
      p.untouched_sibling_history = c.best_history;
    }
    // Migrations of the old primary the winner lacks because it was offline
    // when they began (one it was sent, it has, or the protocol failed).
    const node::Node* winner = cluster_.node(process);
    for (const auto& [slot, m] : migrating_[p.old_primary_id]) {
      if (m.informed.count(process) != 0 || winner == nullptr || winner->cluster().migrating().count(slot) != 0) continue;
      for (const std::string& target : m.target_ids) p.migrations_lost.push_back({slot, target, m.since});
    }
    // What the winner applied from its primary's stream is its own now (no
    // replica of it was told yet).
    auto& mine = migrating_[p.winner_id];
    for (auto& [slot, m] : inherited_[p.winner_id]) {
      if (winner == nullptr || winner->cluster().migrating().count(slot) == 0) continue;
      m.informed.clear();
      mine[slot] = std::move(m);
    }
    inherited_.erase(p.winner_id);
    promotions_.push_back(std::move(p));
  }
}

bool PromotionTracker::touched(const std::string& name, Nanos time, Nanos since) const {
  const auto in_force = node_faults_until_.find(name);
  if (in_force != node_faults_until_.end() && in_force->second > time) return true;
  const auto last = last_fault_of_.find(name);
  return last != last_fault_of_.end() && last->second >= since;
}

}  // namespace slotsim::cluster
