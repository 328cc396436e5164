#include "workload/cluster_operator.h"

#include <algorithm>
#include <charconv>
#include <set>

#include <fmt/format.h>

#include "node/cluster_state.h"
#include "node/hash_slot.h"

namespace slotsim::workload {

namespace {

std::string describe(const std::vector<std::string>& args) {
  std::string out;
  for (const auto& arg : args) out += (out.empty() ? "" : " ") + arg;
  return out;
}

std::string describe(const client::CallResult& r) {
  if (r.error != IoError::ok) return "<" + std::string(to_string(r.error)) + ">";
  if (r.reply.type == node::RespValue::Type::error) return "-" + r.reply.text;
  if (r.reply.type == node::RespValue::Type::integer) return ":" + std::to_string(r.reply.integer);
  return r.reply.text;
}

}  // namespace

ClusterOperator::ClusterOperator(Env& env, std::vector<Address> nodes, Nanos command_timeout)
    : env_(env), nodes_(std::move(nodes)), command_timeout_(command_timeout) {}

client::CallResult ClusterOperator::call(const Address& node, const std::vector<std::string>& args) {
  auto& conn = connections_[node];
  if (!conn) conn = std::make_unique<client::RespClient>(env_, node);
  Nanos timeout = command_timeout_;
  // redis-cli waits for MIGRATE's own answer, which tells a read timeout (the
  // RESTOREs went out: the keys may be on both nodes) from a failure to reach
  // the target. MIGRATE spends its timeout (args[5], ms) on connect, write and
  // read in turn; the operator's own guards only a node that never answers.
  if (args.size() > 5 && args[0] == "MIGRATE") {
    long long migrate_ms = 0;
    const auto [end, error] = std::from_chars(args[5].data(), args[5].data() + args[5].size(), migrate_ms);
    if (error == std::errc() && migrate_ms > 0) timeout += 3 * ms(migrate_ms);
  }
  auto result = conn->call(args, saturating_add(env_.now(), timeout));
  env_.trace("operator_call", "node=" + node.to_string() + " cmd=" + args[0] + (args.size() > 1 ? "_" + args[1] : "") +
                                  " reply=" + (result.error != IoError::ok ? std::string(to_string(result.error))
                                               : result.reply.type == node::RespValue::Type::error ? "error"
                                                                                                 : "ok"));
  return result;
}

OperatorResult ClusterOperator::expect_ok(const Address& node, const std::vector<std::string>& args) {
  const auto r = call(node, args);
  if (r.error == IoError::ok && r.reply.type != node::RespValue::Type::error) return {};
  return {false, node.to_string() + ": " + describe(args) + " -> " + describe(r)};
}

std::vector<ClusterOperator::NodeInfo> ClusterOperator::cluster_view() {
  // Each node is the authority on itself: its own line of CLUSTER NODES says
  // its role, the slots it serves and its open slots.
  std::vector<NodeInfo> view;
  for (const Address& address : nodes_) {
    const auto r = call(address, {"CLUSTER", "NODES"});
    if (r.error != IoError::ok || r.reply.type != node::RespValue::Type::bulk) continue;
    // On the heap: a slot table is larger than a fiber's stack.
    auto parsed = std::make_unique<node::ClusterState>();
    node::ClusterState& state = *parsed;
    if (node::ClusterState::parse_config(r.reply.text, state)) continue;
    const node::ClusterNode& me = state.myself();
    NodeInfo info;
    info.address = address;
    info.id = me.id;
    info.primary = me.primary;
    info.primary_id = me.primary_id;
    info.slots = state.slots_of(me.id);
    info.migrating = state.migrating();
    info.importing = state.importing();
    view.push_back(std::move(info));
  }
  return view;
}

const ClusterOperator::NodeInfo* ClusterOperator::by_id(const std::vector<NodeInfo>& view,
                                                         const std::string& id) const {
  for (const auto& info : view) {
    if (info.id == id) return &info;
  }
  return nullptr;
}

OperatorResult ClusterOperator::create(int primaries, Nanos settle) {
  for (std::size_t i = 1; i < nodes_.size(); ++i) {
    if (auto r = expect_ok(nodes_[i], {"CLUSTER", "MEET", nodes_[0].host, std::to_string(nodes_[0].port)}); !r.ok) {
      return r;
    }
  }
  const int per = node::kSlotCount / primaries;
  for (int i = 0; i < primaries; ++i) {
    const int first = i * per;
    const int last = i == primaries - 1 ? node::kSlotCount - 1 : first + per - 1;
    if (auto r = expect_ok(nodes_[static_cast<std::size_t>(i)],
                           {"CLUSTER", "ADDSLOTSRANGE", std::to_string(first), std::to_string(last)});
        !r.ok) {
      return r;
    }
  }
  // Replicas need their primary known as a primary first: wait for gossip.
  const Nanos end = saturating_add(env_.now(), settle);
  for (std::size_t i = static_cast<std::size_t>(primaries); i < nodes_.size(); ++i) {
    const Address& primary = nodes_[(i - static_cast<std::size_t>(primaries)) % static_cast<std::size_t>(primaries)];
    const auto id = call(primary, {"CLUSTER", "MYID"});
    if (id.error != IoError::ok) return {false, "CLUSTER MYID on " + primary.to_string() + " -> " + describe(id)};
    OperatorResult r;
    do {
      r = expect_ok(nodes_[i], {"CLUSTER", "REPLICATE", id.reply.text});
      if (!r.ok) env_.sleep(ms(200));
    } while (!r.ok && env_.now() < end);
    if (!r.ok) return r;
  }
  for (const Address& address : nodes_) {
    for (;;) {
      const auto info = call(address, {"CLUSTER", "INFO"});
      if (info.error == IoError::ok && info.reply.text.rfind("cluster_state:ok", 0) == 0) break;
      if (env_.now() >= end) return {false, address.to_string() + " never reached cluster_state:ok"};
      env_.sleep(ms(200));
    }
  }
  return {};
}

OperatorResult ClusterOperator::migrate_keys(const Address& from, const Address& to, int slot, int batch,
                                             const std::function<void()>& after_first_batch, bool retry_timeouts) {
  bool replace = false;
  int retries = 0;
  std::set<std::string> taken_as_moved;  // bug migrate-dup-on-timeout: batches it wrongly counts as done
  for (bool first = true;; first = false) {
    const std::size_t wanted = static_cast<std::size_t>(batch) + taken_as_moved.size();
    const auto keys = call(from, {"CLUSTER", "GETKEYSINSLOT", std::to_string(slot), std::to_string(wanted)});
    if (keys.error != IoError::ok || keys.reply.type != node::RespValue::Type::array) {
      return {false, from.to_string() + ": GETKEYSINSLOT " + std::to_string(slot) + " -> " + describe(keys)};
    }
    std::vector<std::string> migrate = {"MIGRATE", to.host, std::to_string(to.port), "", "0", "5000"};
    if (replace) migrate.push_back("REPLACE");
    migrate.push_back("KEYS");
    std::vector<std::string> listed;
    for (const auto& key : keys.reply.elements) {
      if (taken_as_moved.count(key.text) == 0 && listed.size() < static_cast<std::size_t>(batch)) listed.push_back(key.text);
    }
    if (listed.empty()) return {};
    migrate.insert(migrate.end(), listed.begin(), listed.end());
    const auto r = call(from, migrate);
    if (r.error != IoError::ok || r.reply.type == node::RespValue::Type::error) {
      const bool busy = r.error == IoError::ok && r.reply.text.find("BUSYKEY") != std::string::npos;
      const bool timed_out = r.error == IoError::timeout || (r.error == IoError::ok && r.reply.text.rfind("IOERR", 0) == 0);
      // Bug migrate-dup-on-timeout (redis#1616, #1765, #2770): a batch whose
      // replies timed out (the RESTOREs were sent: the key may now exist on
      // both nodes) is taken as moved, and a key the target already has as
      // done, and the migration goes on with the next batch: the slot is
      // finalized while the source still holds those keys' only up-to-date
      // copies; the target's epoch bump then makes the source drop them. A
      // MIGRATE that never connected is no such case: the target has nothing.
      const bool read_timed_out = r.error == IoError::ok && r.reply.text.rfind("IOERR error or timeout reading", 0) == 0;
      if (variants_.has(node::Bug::migrate_dup_on_timeout) && (busy || read_timed_out)) {
        taken_as_moved.insert(listed.begin(), listed.end());
        continue;
      }
      // The target may have applied the RESTOREs of a batch whose replies were
      // lost (a timeout, or a reset the node's own retry then reports as
      // BUSYKEY), while the source kept its copies and went on serving them:
      // this same source (still the MIGRATING primary, or MIGRATE would be
      // refused) holds the live copies, so the batch goes again, replacing.
      if ((timed_out || busy) && retry_timeouts && retries < 3) {
        replace = true;
        ++retries;
        continue;
      }
      return {false, from.to_string() + ": " + describe(migrate) + " -> " + describe(r), busy};
    }
    replace = false;
    // NOKEY: every listed key expired meanwhile; they will never move, so stop.
    if (r.reply.text == "NOKEY") return {};
    if (first && after_first_batch) after_first_batch();
  }
}

void ClusterOperator::phase(MovePhase phase, int slot, const Address& source, const Address& target) {
  env_.trace("operator_phase", fmt::format("phase={} slot={}", to_string(phase), slot));
  if (phase_hook_) phase_hook_(phase, slot, source.host, target.host);
}

const char* to_string(MovePhase phase) {
  switch (phase) {
    case MovePhase::after_importing: return "after_importing";
    case MovePhase::after_migrating: return "after_migrating";
    case MovePhase::midway: return "midway";
    case MovePhase::between_setslot_node: return "between_setslot_node";
    case MovePhase::during_broadcast: return "during_broadcast";
  }
  return "?";
}

bool parse_move_phase(std::string_view text, MovePhase& out) {
  for (auto phase : {MovePhase::after_importing, MovePhase::after_migrating, MovePhase::midway,
                     MovePhase::between_setslot_node, MovePhase::during_broadcast}) {
    if (text == to_string(phase)) {
      out = phase;
      return true;
    }
  }
  return false;
}

ClusterOperator::MoveEnds ClusterOperator::move_ends(int slot, const Address& to) {
  MoveEnds ends;
  ends.view = cluster_view();
  for (const auto& info : ends.view) {
    if (info.address == to) ends.target = &info;
    if (info.primary && std::find(info.slots.begin(), info.slots.end(), slot) != info.slots.end()) ends.source = &info;
  }
  return ends;
}

OperatorResult ClusterOperator::move_slot(int slot, const Address& to, int batch) {
  const MoveEnds ends = move_ends(slot, to);
  const auto& view = ends.view;
  const NodeInfo* target = ends.target;
  const NodeInfo* source = ends.source;
  if (target == nullptr) return {false, "target " + to.to_string() + " did not answer CLUSTER NODES"};
  if (source == nullptr) return {false, "no reachable primary owns slot " + std::to_string(slot)};
  if (source == target) return {};
  const std::string s = std::to_string(slot);
  env_.trace("operator_move_slot", "slot=" + s + " from=" + source->address.to_string() + " to=" + to.to_string());
  const Address& from = source->address;
  if (auto r = expect_ok(target->address, {"CLUSTER", "SETSLOT", s, "IMPORTING", source->id}); !r.ok) return r;
  phase(MovePhase::after_importing, slot, from, to);
  if (auto r = expect_ok(source->address, {"CLUSTER", "SETSLOT", s, "MIGRATING", target->id}); !r.ok) return r;
  phase(MovePhase::after_migrating, slot, from, to);
  if (auto r = migrate_keys(source->address, target->address, slot, batch,
                            [&] { phase(MovePhase::midway, slot, from, to); }, true);
      !r.ok) {
    return r;
  }
  if (variants_.has(node::Bug::finalize_source_first)) {
    // Bug finalize-source-first (redis#7116, before redis#10381): the source
    // gives the slot up before the target, without any epoch bump, so a
    // target lost now leaves the slot to nobody.
    if (auto r = expect_ok(source->address, {"CLUSTER", "SETSLOT", s, "NODE", target->id}); !r.ok) return r;
    phase(MovePhase::between_setslot_node, slot, from, to);
    if (auto r = expect_ok(target->address, {"CLUSTER", "SETSLOT", s, "NODE", target->id}); !r.ok) return r;
    phase(MovePhase::during_broadcast, slot, from, to);
  } else {
    // The target first: once it owns the slot, nothing can send clients back to a dead end.
    if (auto r = expect_ok(target->address, {"CLUSTER", "SETSLOT", s, "NODE", target->id}); !r.ok) return r;
    phase(MovePhase::between_setslot_node, slot, from, to);
    if (auto r = expect_ok(source->address, {"CLUSTER", "SETSLOT", s, "NODE", target->id}); !r.ok) return r;
    phase(MovePhase::during_broadcast, slot, from, to);
  }
  for (const auto& info : view) {
    if (!info.primary || &info == source || &info == target) continue;
    call(info.address, {"CLUSTER", "SETSLOT", s, "NODE", target->id});  // best effort: gossip spreads it anyway
  }
  return {};
}

OperatorResult ClusterOperator::begin_move(int slot, const Address& to, int keys) {
  const MoveEnds ends = move_ends(slot, to);
  const NodeInfo* target = ends.target;
  const NodeInfo* source = ends.source;
  if (target == nullptr || source == nullptr || source == target) {
    return {false, "slot " + std::to_string(slot) + ": no source and target to migrate between"};
  }
  const std::string s = std::to_string(slot);
  if (auto r = expect_ok(target->address, {"CLUSTER", "SETSLOT", s, "IMPORTING", source->id}); !r.ok) return r;
  phase(MovePhase::after_importing, slot, source->address, to);
  if (auto r = expect_ok(source->address, {"CLUSTER", "SETSLOT", s, "MIGRATING", target->id}); !r.ok) return r;
  phase(MovePhase::after_migrating, slot, source->address, to);
  const auto listed = call(source->address, {"CLUSTER", "GETKEYSINSLOT", s, std::to_string(keys)});
  if (listed.error != IoError::ok || listed.reply.elements.empty()) return {};
  std::vector<std::string> migrate = {"MIGRATE", to.host, std::to_string(to.port), "", "0", "5000", "KEYS"};
  for (const auto& key : listed.reply.elements) migrate.push_back(key.text);
  auto moved = expect_ok(source->address, migrate);
  if (moved.ok) phase(MovePhase::midway, slot, source->address, to);
  return moved;
}

OperatorResult ClusterOperator::failover(const Address& replica, const std::string& mode) {
  std::vector<std::string> args = {"CLUSTER", "FAILOVER"};
  if (!mode.empty()) args.push_back(mode);
  env_.trace("operator_failover", "replica=" + replica.to_string() + " mode=" + (mode.empty() ? "default" : mode));
  return expect_ok(replica, args);
}

OperatorResult ClusterOperator::fix(DifferingCopies differing) {
  differing_ = differing;
  OperatorResult overall;
  // A slot open on a replica only: its primary's SETSLOT reached the replica
  // but then failed (NOREPLICAS when another replica did not acknowledge in
  // time), so the primary never applied it. valkey-cli's fix skips replicas
  // and stops (valkey#1664); STABLE on the primary, replicated, closes it.
  auto view = cluster_view();
  bool closed_on_replicas = false;
  for (const auto& info : view) {
    if (info.primary) continue;
    const NodeInfo* primary = by_id(view, info.primary_id);
    if (primary == nullptr) continue;
    std::set<int> replica_only;
    for (const auto& [slot, id] : info.migrating) {
      if (primary->migrating.count(slot) == 0) replica_only.insert(slot);
    }
    for (const auto& [slot, id] : info.importing) {
      if (primary->importing.count(slot) == 0) replica_only.insert(slot);
    }
    for (int slot : replica_only) {
      env_.trace("operator_fix", "slot=" + std::to_string(slot) + " open_on_replica=" + info.address.to_string());
      const OperatorResult r = expect_ok(primary->address, {"CLUSTER", "SETSLOT", std::to_string(slot), "STABLE"});
      if (!r.ok && overall.ok) overall = r;
      closed_on_replicas = true;
    }
  }
  if (closed_on_replicas) view = cluster_view();
  std::set<int> open_slots;
  for (const auto& info : view) {
    if (!info.primary) continue;
    for (const auto& [slot, id] : info.migrating) open_slots.insert(slot);
    for (const auto& [slot, id] : info.importing) open_slots.insert(slot);
  }
  // Each open slot is fixed on its own: one that fails does not leave the others open.
  for (int slot : open_slots) {
    const OperatorResult r = fix_slot(view, slot);
    if (!r.ok && overall.ok) overall = r;
  }
  return overall;
}

OperatorResult ClusterOperator::drop_stale_copies(const Address& holder, const Address& owner, int slot) {
  // A key both hold: the owner's copy is the one clients were served (the
  // holder only imports, the owner is stable now), and the holder's is a
  // leftover, say one a crash brought back from an unsynced AOF. redis-cli
  // compares the two and REPLACEs only equal values; a careful operator also
  // drops the holder's list when the owner's list continues it. Anything
  // else needs a human, so the fix stops, as redis-cli does; run again with
  // --cluster-replace, it moves the holder's copy over the owner's, as
  // valkey-cli's fix does (clusterManagerMoveSlot with REPLACE).
  const std::string s = std::to_string(slot);
  const auto keys = call(holder, {"CLUSTER", "GETKEYSINSLOT", s, "1000000"});
  if (keys.error != IoError::ok || keys.reply.type != node::RespValue::Type::array) {
    return {false, holder.to_string() + ": GETKEYSINSLOT " + s + " -> " + describe(keys)};
  }
  for (const auto& key : keys.reply.elements) {
    const auto exists = call(owner, {"EXISTS", key.text});
    // A migrating owner answers ASK for a key it does not have: only the holder has it.
    if (exists.error == IoError::ok && exists.reply.type == node::RespValue::Type::error &&
        exists.reply.text.rfind("ASK ", 0) == 0) {
      continue;
    }
    if (exists.error != IoError::ok || exists.reply.type != node::RespValue::Type::integer) {
      return {false, owner.to_string() + ": EXISTS " + key.text + " -> " + describe(exists)};
    }
    if (exists.reply.integer == 0) continue;
    const auto owners = call(owner, {"DUMP", key.text});
    if (auto r = expect_ok(holder, {"ASKING"}); !r.ok) return r;
    const auto holders = call(holder, {"DUMP", key.text});
    bool leftover = owners.error == IoError::ok && holders.error == IoError::ok &&
                    owners.reply.type == node::RespValue::Type::bulk &&
                    holders.reply.type == node::RespValue::Type::bulk && holders.reply.text == owners.reply.text;
    if (!leftover) {
      const auto owner_list = call(owner, {"LRANGE", key.text, "0", "-1"});
      if (auto r = expect_ok(holder, {"ASKING"}); !r.ok) return r;
      const auto holder_list = call(holder, {"LRANGE", key.text, "0", "-1"});
      const auto& a = holder_list.reply.elements;
      const auto& b = owner_list.reply.elements;
      leftover = owner_list.error == IoError::ok && holder_list.error == IoError::ok &&
                 owner_list.reply.type == node::RespValue::Type::array &&
                 holder_list.reply.type == node::RespValue::Type::array && a.size() <= b.size() &&
                 std::equal(a.begin(), a.end(), b.begin(), [](const auto& x, const auto& y) { return x.text == y.text; });
    }
    if (!leftover && differing_ == DifferingCopies::stop) {
      return {false,
              "key " + key.text + " of slot " + s + " differs on " + holder.to_string() + " and its owner " +
                  owner.to_string() + ": fix it by hand",
              true};
    }
    if (auto r = expect_ok(holder, {"ASKING"}); !r.ok) return r;
    if (!leftover) {
      env_.trace("operator_replace_copy", "slot=" + s + " key=" + key.text + " holder=" + holder.to_string());
      const std::vector<std::string> migrate = {"MIGRATE", owner.host, std::to_string(owner.port), key.text,
                                                "0",       "5000",     "REPLACE"};
      const auto r = call(holder, migrate);
      if (r.error != IoError::ok || r.reply.type == node::RespValue::Type::error) {
        return {false, holder.to_string() + ": " + describe(migrate) + " -> " + describe(r)};
      }
      continue;
    }
    env_.trace("operator_drop_stale", "slot=" + s + " key=" + key.text + " holder=" + holder.to_string());
    if (auto r = expect_ok(holder, {"DEL", key.text}); !r.ok) return r;
  }
  return {};
}

OperatorResult ClusterOperator::fix_slot(const std::vector<NodeInfo>& view, int slot) {
  {
    const std::string s = std::to_string(slot);
    const NodeInfo* owner = nullptr;
    for (const auto& info : view) {
      if (info.primary && std::find(info.slots.begin(), info.slots.end(), slot) != info.slots.end()) owner = &info;
    }
    // The other primaries that import it or still hold keys of it.
    std::vector<const NodeInfo*> importing;
    for (const auto& info : view) {
      if (!info.primary || &info == owner) continue;
      const auto count = call(info.address, {"CLUSTER", "COUNTKEYSINSLOT", s});
      const bool has_keys = count.error == IoError::ok && count.reply.integer > 0;
      if (info.importing.count(slot) != 0 || has_keys) importing.push_back(&info);
    }
    if (owner == nullptr) {
      if (importing.empty()) return {false, "slot " + s + " is open but no reachable primary owns or imports it"};
      owner = importing.front();  // redis-cli picks a node that has it
      importing.erase(importing.begin());
      if (auto r = expect_ok(owner->address, {"CLUSTER", "SETSLOT", s, "NODE", owner->id}); !r.ok) return r;
    }
    env_.trace("operator_fix", "slot=" + s + " owner=" + owner->address.to_string() +
                                   " importing=" + std::to_string(importing.size()));
    if (importing.size() == 1 && owner->migrating.count(slot) != 0) {
      // A migration with both ends alive: finish it (re-pointing both ends first).
      const NodeInfo* target = importing.front();
      if (auto r = expect_ok(target->address, {"CLUSTER", "SETSLOT", s, "IMPORTING", owner->id}); !r.ok) return r;
      if (auto r = expect_ok(owner->address, {"CLUSTER", "SETSLOT", s, "MIGRATING", target->id}); !r.ok) return r;
      // A key an earlier MIGRATE left on the target too (its reply or the
      // source's DEL lost, say with a failover) makes this MIGRATE fail with
      // BUSYKEY, and the fix stops there, as redis-cli's does without
      // --cluster-replace: the two copies may each hold acknowledged writes
      // (failover_midway_on). With it, the source's copy replaces the target's.
      if (auto r = migrate_keys(owner->address, target->address, slot, 10, {}, differing_ == DifferingCopies::replace);
          !r.ok) {
        return r;
      }
      if (auto r = expect_ok(target->address, {"CLUSTER", "SETSLOT", s, "NODE", target->id}); !r.ok) return r;
      if (auto r = expect_ok(owner->address, {"CLUSTER", "SETSLOT", s, "NODE", target->id}); !r.ok) return r;
      for (const auto& info : view) {
        if (info.primary && &info != owner && &info != target) call(info.address, {"CLUSTER", "SETSLOT", s, "NODE", target->id});
      }
      return {};
    }
    // Otherwise the owner keeps the slot: close it there first (a migrating
    // owner would send the returning keys away with ASK), then bring stranded
    // keys back and close the others.
    if (auto r = expect_ok(owner->address, {"CLUSTER", "SETSLOT", s, "STABLE"}); !r.ok) return r;
    for (const NodeInfo* other : importing) {
      // It may not even know the owner (Redis 7 ignores claims on a slot it imports).
      call(other->address, {"CLUSTER", "SETSLOT", s, "NODE", owner->id});
      if (auto r = expect_ok(other->address, {"CLUSTER", "SETSLOT", s, "IMPORTING", owner->id}); !r.ok) return r;
      // Bug abort-orphans-ask-writes (redis#4937): the aborted migration is
      // closed with STABLE alone, stranding what the target received through
      // MIGRATE and ASK on a node that does not own the slot.
      if (!variants_.has(node::Bug::abort_orphans_ask_writes)) {
        if (auto r = drop_stale_copies(other->address, owner->address, slot); !r.ok) return r;
        if (auto r = migrate_keys(other->address, owner->address, slot, 10, {}); !r.ok) return r;
      }
      if (auto r = expect_ok(other->address, {"CLUSTER", "SETSLOT", s, "STABLE"}); !r.ok) return r;
    }
  }
  return {};
}

}  // namespace slotsim::workload
