// Failover: a replica's election when its primary FAILs (with the spec's
// delay, rank and quorum), the primaries' vote rules, manual failover
// (CLUSTER FAILOVER [FORCE|TAKEOVER]) and replica migration to orphaned
// primaries. Follows Redis 7.0's clusterHandleSlaveFailover,
// clusterSendFailoverAuthIfNeeded and clusterHandleSlaveMigration.
#include <algorithm>
#include <limits>

#include "node/node.h"
#include "node/reply.h"
#include "node/text.h"

namespace slotsim::node {

namespace {

// cluster-replica-validity-factor and repl-ping-replica-period, Redis's defaults.
constexpr std::int64_t kReplicaValidityFactor = 10;
constexpr std::int64_t kReplPingPeriodMs = 10'000;
constexpr std::int64_t kReplicaMigrationDelayMs = 5000;
constexpr std::size_t kMigrationBarrier = 1;

}  // namespace

int Node::replica_rank() const {
  // Replicas that hold more of the primary's history go first.
  // Bug stale-offset-election (valkey#885): the rank ignores offsets, so a
  // replica with stale (or no) data may go first and win.
  if (config_.variants.has(Bug::stale_offset_election)) return 0;
  const ClusterNode& me = cluster_.myself();
  const std::uint64_t mine = announced_repl_offset();
  int rank = 0;
  for (const auto& [id, node] : cluster_.nodes()) {
    if (node.myself || node.primary || node.primary_id != me.primary_id || node.nofailover) continue;
    if (node.repl_offset > mine) ++rank;
  }
  return rank;
}

void Node::handle_replica_failover() {
  const std::int64_t now = now_ms();
  const std::int64_t nt = config_.node_timeout / kNanosPerMilli;
  const std::int64_t auth_age = now - election_.auth_time_ms;
  const std::size_t needed_quorum = cluster_size_ / 2 + 1;
  const bool manual = manual_failover_.end_ms != 0 && manual_failover_.can_start;
  const std::int64_t auth_timeout = std::max<std::int64_t>(2 * nt, 2000);
  const std::int64_t auth_retry_time = 2 * auth_timeout;

  ClusterNode& me = cluster_.myself();
  const ClusterNode* primary = cluster_.find(me.primary_id);
  if (me.primary || primary == nullptr || (!primary->fail && !manual) || (me.nofailover && !manual) ||
      cluster_.slot_count(primary->id) == 0) {
    return;
  }
  // A replica that lost its primary long ago holds data too old to serve.
  // Never linked to this primary (down_since 0): Redis's unixtime - 0, so old
  // that only a manual failover may go on (CLUSTER_CANT_FAILOVER_DATA_AGE).
  std::int64_t data_age = repl_.link_up              ? now - repl_.last_io_ms
                          : repl_.down_since_ms == 0 ? std::numeric_limits<std::int64_t>::max() / 2
                                                     : now - repl_.down_since_ms;
  if (data_age > nt) data_age -= nt;
  if (kReplicaValidityFactor != 0 && !manual && data_age > kReplPingPeriodMs + nt * kReplicaValidityFactor) {
    return;
  }
  if (auth_age > auth_retry_time) {
    // Schedule a new election, late enough for the FAIL to reach every primary.
    election_.auth_time_ms = now + 500 + static_cast<std::int64_t>(env_.random_below(500));
    election_.auth_count = 0;
    election_.auth_sent = false;
    election_.auth_rank = replica_rank();
    election_.auth_time_ms += election_.auth_rank * 1000;
    if (manual_failover_.end_ms != 0) {
      election_.auth_time_ms = now;
      election_.auth_rank = 0;
      todo_handle_failover_ = true;
    }
    env_.trace("election_scheduled", "in_ms=" + std::to_string(election_.auth_time_ms - now) +
                                         " rank=" + std::to_string(election_.auth_rank) +
                                         " offset=" + std::to_string(repl_.offset));
    // Tell our siblings our offset, so their ranks are right.
    broadcast_pong(PongTarget::local_replicas);
    return;
  }
  if (!election_.auth_sent && !manual) {
    const int new_rank = replica_rank();
    if (new_rank > election_.auth_rank) {
      election_.auth_time_ms += (new_rank - election_.auth_rank) * 1000;
      election_.auth_rank = new_rank;
    }
  }
  if (now < election_.auth_time_ms) return;
  if (auth_age > auth_timeout) return;  // expired; wait for the retry window
  if (!election_.auth_sent) {
    ++cluster_.current_epoch;
    election_.auth_epoch = cluster_.current_epoch;
    env_.trace("election_start", "epoch=" + std::to_string(election_.auth_epoch) +
                                     " primary=" + me.primary_id + (manual ? " manual=1" : ""));
    bus::Message request = build_header(bus::MessageType::failover_auth_request);
    if (manual_failover_.end_ms != 0) request.mflags |= bus::message_flag::forceack;
    broadcast(request);
    election_.auth_sent = true;
    save_config();
    return;
  }
  if (election_.auth_count < static_cast<int>(needed_quorum)) return;
  if (me.config_epoch < election_.auth_epoch) me.config_epoch = election_.auth_epoch;
  env_.trace("election_won", "epoch=" + std::to_string(election_.auth_epoch) +
                                 " votes=" + std::to_string(election_.auth_count));
  failover_replace_primary();
}

void Node::failover_replace_primary() {
  ClusterNode& me = cluster_.myself();
  const std::string old_primary = me.primary_id;
  if (old_primary.empty()) return;
  set_node_as_primary(me);
  replication_unset_primary();
  for (int slot : cluster_.slots_of(old_primary)) cluster_.assign(slot, me.id);
  if (ClusterNode* old = cluster_.find(old_primary)) old->migrate_to = false;
  env_.trace("promoted", "old_primary=" + old_primary + " config_epoch=" + std::to_string(me.config_epoch) +
                             " offset=" + std::to_string(repl_.offset) +
                             " migrating=" + std::to_string(cluster_.migrating().size()) +
                             " importing=" + std::to_string(cluster_.importing().size()));
  update_cluster_state();
  save_config();
  broadcast_pong(PongTarget::all);
  reset_manual_failover();
}

void Node::send_failover_auth_if_needed(ClusterNode& requester, const bus::Message& request) {
  const ClusterNode& me = cluster_.myself();
  const std::int64_t now = now_ms();
  const std::int64_t nt = config_.node_timeout / kNanosPerMilli;
  // Only primaries that own slots vote.
  if (!me.primary || cluster_.slot_count(me.id) == 0) return;
  auto deny = [&](const std::string& why) {
    env_.trace("vote_denied", "to=" + requester.id + " epoch=" + std::to_string(request.current_epoch) + " " + why);
  };
  if (request.current_epoch < cluster_.current_epoch) return deny("reason=old_epoch");
  // Bug vote-twice (Redis before 533d0e0): lastVoteEpoch is neither checked
  // here nor on disk before the ACK leaves: a second candidate of the same
  // epoch gets a vote as well, unless it is a sibling of the first within the
  // per-primary vote delay (kept: it is memory only, gone after a restart).
  const bool vote_twice = config_.variants.has(Bug::vote_twice);
  if (!vote_twice && cluster_.last_vote_epoch == cluster_.current_epoch) return deny("reason=already_voted");
  ClusterNode* primary = cluster_.find(requester.primary_id);
  const bool force = (request.mflags & bus::message_flag::forceack) != 0;
  if (requester.primary || primary == nullptr || (!primary->fail && !force)) {
    return deny("reason=primary_not_failed");
  }
  if (now - primary->voted_time_ms < 2 * nt) return deny("reason=voted_recently");
  // The claimed slots come in long runs of one owner: one node lookup per run.
  std::uint16_t cached_owner_index = ClusterState::kNeverOwner;
  const ClusterNode* cached_owner_node = nullptr;
  for (int slot = 0; slot < kSlotCount; ++slot) {
    if (!request.slots.test(static_cast<std::size_t>(slot))) continue;
    const std::string& owner = cluster_.owner(slot);
    if (owner.empty() || cluster_.owner_not_claiming.test(static_cast<std::size_t>(slot))) continue;
    if (const std::uint16_t index = cluster_.owner_index(slot); index != cached_owner_index) {
      cached_owner_index = index;
      cached_owner_node = cluster_.find(owner);
    }
    const ClusterNode* owner_node = cached_owner_node;
    // Someone newer already serves one of these slots: this request is stale.
    if (owner_node != nullptr && owner_node->config_epoch > request.config_epoch) {
      return deny("reason=stale_slot_claim slot=" + std::to_string(slot));
    }
  }
  // The vote is on disk before anyone hears of it: a restart cannot vote twice.
  cluster_.last_vote_epoch = cluster_.current_epoch;
  primary->voted_time_ms = now;
  // Redis exits when it cannot save here; not voting is the safe equivalent.
  if (!vote_twice && !save_config()) return deny("reason=config_not_saved");
  env_.trace("vote_granted", "to=" + requester.id + " epoch=" + std::to_string(cluster_.current_epoch));
  if (BusLink* link = outbound_link(requester)) send_message(*link, build_header(bus::MessageType::failover_auth_ack));
}

// ---------------------------------------------------------------- manual failover

void Node::reset_manual_failover() {
  if (manual_failover_.end_ms != 0 && writes_paused_until_ != 0) {
    writes_paused_until_ = 0;
    unpaused_->notify_all();
  }
  manual_failover_ = ManualFailoverState{};
}

void Node::manual_failover_check_timeout() {
  if (manual_failover_.end_ms != 0 && manual_failover_.end_ms < now_ms()) {
    env_.trace("manual_failover_timeout", "");
    reset_manual_failover();
  }
}

void Node::handle_manual_failover() {
  if (manual_failover_.end_ms == 0 || manual_failover_.can_start || manual_failover_.primary_offset < 0) return;
  // Caught up with the paused primary: everything it acknowledged is here.
  if (static_cast<std::uint64_t>(manual_failover_.primary_offset) == repl_.offset) {
    manual_failover_.can_start = true;
    env_.trace("manual_failover_ready", "offset=" + std::to_string(repl_.offset));
    todo_handle_failover_ = true;
  }
}

std::string Node::cluster_failover(const Command& args) {
  bool force = false;
  bool takeover = false;
  if (args.size() == 3) {
    const std::string mode = lowercase(args[2]);
    if (mode == "force") force = true;
    else if (mode == "takeover") takeover = true;
    else return reply::syntax_error();
  } else if (args.size() > 3) {
    return reply::syntax_error();
  }
  ClusterNode& me = cluster_.myself();
  if (me.primary) return reply::error("ERR You should send CLUSTER FAILOVER to a replica");
  ClusterNode* primary = cluster_.find(me.primary_id);
  if (primary == nullptr) return reply::error("ERR I'm a replica but my master is unknown to me");
  if (!force && !takeover && (primary->fail || primary->link == 0 || !primary->link_connected)) {
    return reply::error("ERR Master is down or failed, please use CLUSTER FAILOVER FORCE");
  }
  reset_manual_failover();
  manual_failover_.end_ms = now_ms() + kManualFailoverTimeoutMs;
  if (takeover) {
    // No agreement at all: a new epoch of our own, then the slots are ours.
    env_.trace("failover", "kind=takeover old_primary=" + primary->id);
    bump_epoch_without_consensus("takeover");
    failover_replace_primary();
  } else if (force) {
    env_.trace("failover", "kind=force old_primary=" + primary->id);
    manual_failover_.can_start = true;
    todo_handle_failover_ = true;
  } else {
    env_.trace("failover", "kind=manual old_primary=" + primary->id);
    if (BusLink* link = outbound_link(*primary)) send_message(*link, build_header(bus::MessageType::mfstart));
  }
  return reply::ok();
}

// ---------------------------------------------------------------- roles

void Node::set_my_primary(const std::string& primary_id, bool close_slots) {
  ClusterNode& me = cluster_.myself();
  if (primary_id == me.id) return;
  // A new primary makes any election of ours stale, won or not: the next
  // failover check schedules a fresh one (Valkey 8.0 clusterSetPrimary,
  // failover_auth_time = 0, valkey#782). Without this a replica that won an
  // epoch, was demoted, and still sees its new primary FAIL "wins" the old
  // epoch again from its leftover auth_count.
  election_.restart();
  if (me.primary) {
    me.primary = false;
    me.migrate_to = false;
    if (close_slots) {
      for (int slot = 0; slot < kSlotCount; ++slot) cluster_.clear_migration(slot);
    }
  }
  const bool changed = me.primary_id != primary_id;
  if (changed) {
    const ClusterNode* target = cluster_.find(primary_id);
    repl_.offset_from_other_shard = target == nullptr || !same_shard(*target, me);
  }
  const std::string old_primary = me.primary_id;
  me.primary_id = primary_id;
  if (ClusterNode* primary = cluster_.find(primary_id)) primary->migrate_to = true;
  if (changed && !old_primary.empty()) forget_migrate_to_if_orphaned(old_primary);
  env_.trace("role", "replica_of=" + primary_id);
  reset_manual_failover();
  if (changed || repl_.generation == 0 || !repl_.link_up) replication_set_primary();
  todo_save_config_ = true;
  todo_update_state_ = true;
}

void Node::handle_replica_migration(std::size_t max_replicas) {
  if (!cluster_ok_) return;
  const ClusterNode& me = cluster_.myself();
  const ClusterNode* my_primary = cluster_.find(me.primary_id);
  if (my_primary == nullptr) return;
  std::size_t ok_replicas = 0;
  for (const auto& [id, node] : cluster_.nodes()) {
    if (!node.primary && node.primary_id == my_primary->id && !node.fail && !node.pfail) ++ok_replicas;
  }
  if (ok_replicas <= kMigrationBarrier) return;
  // The candidate is the smallest id among the replicas of the best-served
  // primaries, so exactly one replica in the cluster moves.
  const std::int64_t now = now_ms();
  std::string candidate = me.id;
  ClusterNode* target = nullptr;
  for (auto& [id, node_ref] : cluster_.nodes()) {
    auto& node = const_cast<ClusterNode&>(node_ref);
    if (!node.primary || node.fail) {
      node.orphaned_time_ms = 0;
      continue;
    }
    std::size_t node_ok_replicas = 0;
    for (const auto& [rid, replica] : cluster_.nodes()) {
      if (!replica.primary && replica.primary_id == id && !replica.fail) ++node_ok_replicas;
    }
    const bool orphaned = node_ok_replicas == 0 && node.migrate_to;
    if (orphaned) {
      if (target == nullptr && cluster_.slot_count(id) > 0) target = &node;
      if (node.orphaned_time_ms == 0) node.orphaned_time_ms = now;
    } else {
      node.orphaned_time_ms = 0;
    }
    if (node_ok_replicas == max_replicas) {
      for (const auto& [rid, replica] : cluster_.nodes()) {
        if (!replica.primary && replica.primary_id == id && rid < candidate) candidate = rid;
      }
    }
  }
  if (target != nullptr && candidate == me.id && now - target->orphaned_time_ms > kReplicaMigrationDelayMs) {
    env_.trace("replica_migration", "to=" + target->id);
    set_my_primary(target->id, true);
  }
}

}  // namespace slotsim::node
