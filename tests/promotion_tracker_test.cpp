// PromotionTracker: rule D1's record of promotions, built from the trace. The
// first tests feed it hand-written events over a real cluster (it reads the
// replicas' roles and offsets from the nodes); the last one watches real
// elections through the invariant monitor, so the trace formats it parses
// are the ones the node writes.
#include <catch2/catch.hpp>

#include "checker/documented_losses.h"
#include "cluster/invariant_monitor.h"
#include "cluster/promotion_tracker.h"
#include "cluster_test_util.h"
#include "node/hash_slot.h"
#include "node_test_util.h"

using namespace slotsim;
using slotsim::test::bus_cluster;
using slotsim::test::converged;
using slotsim::test::is_primary;
using slotsim::test::raw;
using slotsim::test::run_until_every;

namespace {

// A key of a slot in [first, last].
std::string key_in(int first, int last, const std::string& prefix) {
  for (int i = 0;; ++i) {
    std::string key = prefix + std::to_string(i);
    const int slot = node::key_hash_slot(key);
    if (slot >= first && slot <= last) return key;
  }
}

// Writes `count` values of `size` bytes to keys of the primary's slots.
void write(cluster::SimCluster& c, const std::string& primary, int first_slot, int last_slot, int count,
           std::size_t size) {
  for (int i = 0; i < count; ++i) {
    const std::string key = key_in(first_slot, last_slot, primary + ":" + std::to_string(i) + ":");
    REQUIRE(raw(c, primary, {"SET", key, std::string(size, 'x')}) == "+OK\r\n");
  }
}

bool caught_up(cluster::SimCluster& c, const std::string& primary, const std::vector<std::string>& replicas) {
  for (const auto& r : replicas) {
    if (c.node(r)->repl_offset() != c.node(primary)->repl_offset()) return false;
  }
  return true;
}

// 2 primaries with 2 replicas each: n3, n4 follow n1 (slots 0-8191), n5, n6
// follow n2. n2's shard carries far more bytes, so its replicas' offsets are
// above n1's replicas': a tracker that counted them as siblings would show it.
struct Shards {
  Shards() : c(bus_cluster(2, 2, 5)) {
    REQUIRE(c.node("n3")->cluster().myself().primary_id == c.node_id("n1"));
    REQUIRE(c.node("n4")->cluster().myself().primary_id == c.node_id("n1"));
    REQUIRE(c.node("n5")->cluster().myself().primary_id == c.node_id("n2"));
    REQUIRE(c.node("n6")->cluster().myself().primary_id == c.node_id("n2"));
    write(c, "n1", 0, 8191, 3, 10);
    write(c, "n2", 8192, node::kSlotCount - 1, 20, 1000);
    REQUIRE(run_until_every(c, [&] { return caught_up(c, "n1", {"n3", "n4"}) && caught_up(c, "n2", {"n5", "n6"}); },
                            seconds(5)));
    REQUIRE(c.node("n4")->repl_offset() > 0);
    REQUIRE(c.node("n5")->repl_offset() > c.node("n4")->repl_offset());
  }
  cluster::SimCluster c;
};

// An automatic election of n3 in epoch 9: scheduled at t=60 s, started at
// 60.1 s, promoted at 60.2 s; `before` (from t=10 s, one a second) and
// `between` (at 60.05 s) are fault details. Returns the promotion recorded.
checker::Promotion elect_n3(cluster::SimCluster& c, const std::vector<std::string>& before,
                            const std::vector<std::string>& between, const std::string& start = "epoch=9") {
  cluster::PromotionTracker tracker(c);
  Nanos at = seconds(10);
  for (const auto& fault : before) tracker.on_event(at += seconds(1), "fault-injector", "fault", fault);
  tracker.on_event(seconds(60), "n3", "election_scheduled", "in_ms=600 rank=0 offset=1");
  for (const auto& fault : between) tracker.on_event(seconds(60) + ms(50), "fault-injector", "fault", fault);
  if (!start.empty()) tracker.on_event(seconds(60) + ms(100), "n3", "election_start", start + " primary=" + c.node_id("n1"));
  tracker.on_event(seconds(60) + ms(200), "n3", "promoted",
                   "old_primary=" + c.node_id("n1") + " config_epoch=9 offset=77 migrating=0 importing=0");
  REQUIRE(tracker.promotions().size() == 1);
  return tracker.promotions().front();
}

}  // namespace

TEST_CASE("PromotionTracker takes the siblings' offsets when the winner schedules its election", "[promotions]") {
  Shards s;
  auto& c = s.c;
  cluster::PromotionTracker tracker(c);
  tracker.on_event(seconds(10), "n3", "election_scheduled", "in_ms=600 rank=0 offset=1");
  const std::uint64_t at_scheduling = c.node("n4")->repl_offset();
  // The old primary streams on after the ranks were fixed: the sibling pulls ahead.
  write(c, "n1", 0, 8191, 5, 100);
  REQUIRE(run_until_every(c, [&] { return c.node("n4")->repl_offset() > at_scheduling; }, seconds(5)));
  tracker.on_event(seconds(11), "n3", "election_start", "epoch=9 primary=" + c.node_id("n1"));
  tracker.on_event(seconds(12), "n3", "promoted",
                   "old_primary=" + c.node_id("n1") + " config_epoch=9 offset=77 migrating=0 importing=0");
  REQUIRE(tracker.promotions().size() == 1);
  const checker::Promotion& p = tracker.promotions().front();
  CHECK(p.time == seconds(12));
  CHECK(p.winner == "n3");
  CHECK(p.winner_id == c.node_id("n3"));
  CHECK(p.old_primary_id == c.node_id("n1"));
  CHECK(p.winner_offset == 77);
  // n4 is n3's only sibling; n5 and n6 (higher offsets) follow another primary.
  CHECK(p.untouched_sibling == "n4");
  CHECK(p.untouched_sibling_offset == at_scheduling);
  // The candidacy is used up: a later promotion with no election of its own names no sibling.
  tracker.on_event(seconds(13), "n3", "promoted",
                   "old_primary=" + c.node_id("n1") + " config_epoch=9 offset=80 migrating=0 importing=0");
  REQUIRE(tracker.promotions().size() == 2);
  CHECK(tracker.promotions()[1].untouched_sibling.empty());
  CHECK(tracker.promotions()[1].untouched_sibling_offset == 0);
}

TEST_CASE("PromotionTracker drops the sibling a fault in force touches and any sibling after a recent fault",
          "[promotions]") {
  Shards s;
  auto& c = s.c;
  const std::uint64_t n4_offset = c.node("n4")->repl_offset();
  auto has_sibling = [&](const checker::Promotion& p) {
    return p.untouched_sibling == "n4" && p.untouched_sibling_offset == n4_offset;
  };
  auto has_none = [](const checker::Promotion& p) {
    return p.untouched_sibling.empty() && p.untouched_sibling_offset == 0;
  };
  CHECK(has_sibling(elect_n3(c, {}, {})));
  // Long before the scheduling, only faults still in force matter: on the
  // sibling or the candidate, or a partition or skewed clock anywhere
  // (timing no longer ranks anyone).
  CHECK(has_sibling(elect_n3(c, {"action=crash node=n6"}, {})));
  CHECK(has_sibling(elect_n3(c, {"action=heal"}, {})));
  CHECK(has_none(elect_n3(c, {"action=crash node=n4"}, {})));
  CHECK(has_none(elect_n3(c, {"action=pause node=n3"}, {})));
  CHECK(has_none(elect_n3(c, {"action=isolate node=n6"}, {})));
  CHECK(has_none(elect_n3(c, {"action=partition groups=n1,n3|n2,n4,n5,n6"}, {})));
  CHECK(has_none(elect_n3(c, {"action=clock_skew node=n6 offset=300 drift_ppm=0"}, {})));
  CHECK(has_none(elect_n3(c, {"action=clog node=n4"}, {})));  // no end: in force
  CHECK(has_none(elect_n3(c, {"action=clog node=n4 until=70000000000"}, {})));
  CHECK(has_none(elect_n3(c, {"action=slow node=n4 factor=50 until=70000000000"}, {})));
  CHECK(has_sibling(elect_n3(c, {"action=slow node=n4 factor=50 until=12000000000"}, {})));
  // A reset during the election may drop a vote or an auth request: who wins
  // is no longer the ranking's doing (review: wan_primary_crash with resets).
  CHECK(has_none(elect_n3(c, {}, {"action=reset node=n3"})));
  // Once undone, they no longer do (the stale-offset-election bug hides in such runs).
  CHECK(has_sibling(elect_n3(c, {"action=crash node=n4", "action=restart node=n4"}, {})));
  CHECK(has_sibling(elect_n3(c, {"action=pause node=n3", "action=resume node=n3"}, {})));
  CHECK(has_sibling(elect_n3(c, {"action=isolate node=n6,n4", "action=heal"}, {})));
  CHECK(has_sibling(elect_n3(c, {"action=partition groups=n1,n3|n2,n4,n5,n6", "action=heal"}, {})));
  CHECK(has_sibling(elect_n3(c, {"action=clock_skew node=n6 offset=300 drift_ppm=0",
                                 "action=clock_skew node=n6 offset=0 drift_ppm=0"},
                             {})));
  CHECK(has_sibling(elect_n3(c, {"action=clog node=n4 until=12000000000"}, {})));
  // Two skews, one undone: still in force.
  CHECK(has_none(elect_n3(c, {"action=clock_skew node=n6 offset=300 drift_ppm=0",
                              "action=clock_skew node=n5 offset=0 drift_ppm=10",
                              "action=clock_skew node=n6 offset=0 drift_ppm=0"},
                          {})));
  // A heal less than a node timeout before the scheduling: offsets may not have travelled yet.
  {
    cluster::PromotionTracker tracker(c);
    const Nanos scheduled = seconds(60);
    tracker.on_event(seconds(50), "fault-injector", "fault", "action=partition groups=n1,n3|n2,n4,n5,n6");
    tracker.on_event(scheduled - c.options().node.node_timeout + ms(1), "fault-injector", "fault", "action=heal");
    tracker.on_event(scheduled, "n3", "election_scheduled", "in_ms=600 rank=0 offset=1");
    tracker.on_event(scheduled + ms(100), "n3", "election_start", "epoch=9 primary=" + c.node_id("n1"));
    tracker.on_event(scheduled + ms(200), "n3", "promoted",
                     "old_primary=" + c.node_id("n1") + " config_epoch=9 offset=77 migrating=0 importing=0");
    CHECK(has_none(tracker.promotions().front()));
  }
  // The old primary's crash that starts the election is no reason; a restart of the sibling
  // (or the candidate) that recent is: its offset may not have reached the others.
  for (const std::string name : {"n1", "n4", "n3"}) {
    cluster::PromotionTracker tracker(c);
    const Nanos scheduled = seconds(60);
    tracker.on_event(seconds(50), "fault-injector", "fault", "action=crash node=" + name);
    tracker.on_event(scheduled - ms(500), "fault-injector", "fault", "action=restart node=" + name);
    tracker.on_event(scheduled, "n3", "election_scheduled", "in_ms=600 rank=0 offset=1");
    tracker.on_event(scheduled + ms(100), "n3", "election_start", "epoch=9 primary=" + c.node_id("n1"));
    tracker.on_event(scheduled + ms(200), "n3", "promoted",
                     "old_primary=" + c.node_id("n1") + " config_epoch=9 offset=77 migrating=0 importing=0");
    CAPTURE(name);
    CHECK(has_sibling(tracker.promotions().front()) == (name == "n1"));
  }
  // Any fault between scheduling and promotion, a heal or one of an unrelated node included.
  CHECK(has_none(elect_n3(c, {}, {"action=crash node=n6"})));
  CHECK(has_none(elect_n3(c, {}, {"action=heal"})));
  // The promotion itself is recorded either way.
  const checker::Promotion p = elect_n3(c, {}, {"action=pause node=n1"});
  CHECK(p.winner == "n3");
  CHECK(p.winner_offset == 77);
}

TEST_CASE("PromotionTracker drops the sibling when it or the candidate fully synced since scheduling", "[promotions]") {
  // Found by the migration swarm: the primary restarted with a new history and
  // both replicas fully synced from it after the snapshot; the sibling's old
  // offset no longer compared with the winner's.
  Shards s;
  auto& c = s.c;
  auto elect = [&](const std::string& syncing, const std::string& mode) {
    cluster::PromotionTracker tracker(c);
    tracker.on_event(200, "n3", "election_scheduled", "in_ms=600 rank=0 offset=1");
    if (!syncing.empty()) tracker.on_event(250, syncing, "replication_sync", "mode=" + mode + " offset=0");
    tracker.on_event(300, "n3", "election_start", "epoch=9 primary=" + c.node_id("n1"));
    tracker.on_event(400, "n3", "promoted",
                     "old_primary=" + c.node_id("n1") + " config_epoch=9 offset=77 migrating=0 importing=0");
    return tracker.promotions().front().untouched_sibling;
  };
  CHECK(elect("", "") == "n4");
  CHECK(elect("n4", "partial") == "n4");  // a partial sync continues the same offsets
  CHECK(elect("n4", "full") == "");
  CHECK(elect("n3", "full") == "");
  CHECK(elect("n5", "full") == "n4");     // another shard's replica changes nothing
}

TEST_CASE("PromotionTracker gives no sibling to a manual failover or to a promotion of another epoch",
          "[promotions]") {
  Shards s;
  auto& c = s.c;
  auto has_none = [](const checker::Promotion& p) {
    return p.untouched_sibling.empty() && p.untouched_sibling_offset == 0;
  };
  CHECK(elect_n3(c, {}, {}, "epoch=9").untouched_sibling == "n4");
  // An operator's failover picks its own replica: Redis promises no ranking.
  CHECK(has_none(elect_n3(c, {}, {}, "epoch=9 manual=1")));
  // A takeover has no election at all.
  CHECK(has_none(elect_n3(c, {}, {}, "")));
  // The automatic election was not the one that promoted it.
  CHECK(has_none(elect_n3(c, {}, {}, "epoch=8")));
}

TEST_CASE("the invariant monitor records an automatic promotion with its untouched sibling and a manual one without",
          "[promotions]") {
  cluster::SimCluster c(bus_cluster(3, 2, 3));
  cluster::InvariantMonitor monitor(c);
  // n4 and n5 follow n1; n6 and n7 follow n2.
  write(c, "n1", 0, 5460, 5, 50);
  REQUIRE(run_until_every(c, [&] { return caught_up(c, "n1", {"n4", "n5"}); }, seconds(5)));
  const std::uint64_t offset = c.node("n1")->repl_offset();
  const std::uint64_t history = checker::history_tag(c.node("n1")->replication().replid);
  c.crash("n1");
  REQUIRE(run_until_every(c, [&] { return (is_primary(c, "n4") || is_primary(c, "n5")) && converged(c); },
                          seconds(30)));
  REQUIRE(monitor.promotions().size() == 1);
  const checker::Promotion automatic = monitor.promotions().front();
  const std::string winner = is_primary(c, "n4") ? "n4" : "n5";
  CHECK(automatic.winner == winner);
  CHECK(automatic.old_primary_id == c.node_id("n1"));
  CHECK(automatic.winner_offset == offset);
  CHECK(automatic.winner_history == history);  // the history it followed, kept as its replid2
  CHECK(automatic.untouched_sibling == (winner == "n4" ? "n5" : "n4"));
  CHECK(automatic.untouched_sibling_offset == offset);

  // n7 must hold data, or it would be no candidate sibling whatever the election.
  write(c, "n2", 5461, 10922, 5, 50);
  REQUIRE(run_until_every(c, [&] { return caught_up(c, "n2", {"n6", "n7"}); }, seconds(5)));
  REQUIRE(c.node("n7")->repl_offset() > 0);
  REQUIRE(raw(c, "n6", {"CLUSTER", "FAILOVER"}) == "+OK\r\n");
  REQUIRE(run_until_every(c, [&] { return is_primary(c, "n6") && converged(c); }, seconds(20)));
  REQUIRE(monitor.promotions().size() == 2);
  const checker::Promotion manual = monitor.promotions()[1];
  CHECK(manual.winner == "n6");
  CHECK(manual.old_primary_id == c.node_id("n2"));
  CHECK(manual.untouched_sibling.empty());  // n7 was untouched, but the operator chose n6
  CHECK(manual.untouched_sibling_offset == 0);
}

TEST_CASE("PromotionTracker names the migrations a winner lacks because it was offline when they began",
          "[promotions]") {
  Shards s;
  auto& c = s.c;
  const std::string n1 = c.node_id("n1"), n2 = c.node_id("n2"), n5 = c.node_id("n5");
  auto promote_n3 = [&](cluster::PromotionTracker& tracker) {
    tracker.on_event(seconds(12), "n3", "promoted", "old_primary=" + n1 + " config_epoch=9 offset=77 migrating=0 importing=0");
    REQUIRE(tracker.promotions().size() == 1);
    return tracker.promotions().front().migrations_lost;
  };
  {
    // Only n4 was online when n1 set slot 449 MIGRATING; n3, which lacks it, wins.
    cluster::PromotionTracker tracker(c);
    tracker.on_event(seconds(10), "n1", "setslot", "slot=449 action=migrating node=" + n2 + " online=n4:6379");
    const auto lost = promote_n3(tracker);
    REQUIRE(lost.size() == 1);
    CHECK(lost[0].slot == 449);
    CHECK(lost[0].target_id == n2);
    CHECK(lost[0].since == seconds(10));
  }
  {
    // The target shard failed over meanwhile: keys went to its new primary too.
    cluster::PromotionTracker tracker(c);
    tracker.on_event(seconds(10), "n1", "setslot", "slot=449 action=migrating node=" + n2 + " online=");
    tracker.on_event(seconds(11), "n1", "migration_retarget", "slot=449 side=migrating to=" + n5);
    const auto lost = promote_n3(tracker);
    REQUIRE(lost.size() == 2);
    CHECK(lost[1].target_id == n5);
  }
  {
    // n3 was online (it has the state, or the protocol failed, which is not excused),
    // got it through a full sync, or the migration was closed before the failover.
    for (const std::vector<std::pair<std::string, std::string>>& after :
         std::vector<std::vector<std::pair<std::string, std::string>>>{
             {},
             {{"replica_sync", "mode=full peer=n3:6379 offset=0 keys=0"}},
             {{"setslot", "slot=449 action=stable online="}}}) {
      cluster::PromotionTracker tracker(c);
      const std::string online = after.empty() ? "n3:6379,n4:6379" : "";
      tracker.on_event(seconds(10), "n1", "setslot", "slot=449 action=migrating node=" + n2 + " online=" + online);
      for (const auto& [kind, detail] : after) tracker.on_event(seconds(11), "n1", kind, detail);
      CHECK(promote_n3(tracker).empty());
    }
  }
  {
    // The full sync carried the state, but n3 refused it (to n3 the target was
    // not a primary yet) and nothing sent it again: n3 lacks it (migration_swarm seed 3247).
    auto refused_by = [&](const std::string& replica, const std::string& action) {
      cluster::PromotionTracker tracker(c);
      tracker.on_event(seconds(10), "n1", "setslot", "slot=449 action=migrating node=" + n2 + " online=");
      tracker.on_event(seconds(11), "n1", "replica_sync", "mode=full peer=n3:6379 offset=0 keys=0");
      tracker.on_event(seconds(11), replica, "setslot_replicated_refused",
                       "slot=449 action=" + action + " error=ERR Target node is not a master");
      return promote_n3(tracker).size();
    };
    CHECK(refused_by("n3", "migrating") == 1);
    CHECK(refused_by("n4", "migrating") == 0);  // another replica's refusal says nothing of n3
    CHECK(refused_by("n3", "importing") == 0);
  }
}

TEST_CASE("PromotionTracker records a deposed primary's import auto-claim as a replacement of its winner",
          "[promotions]") {
  Shards s;
  auto& c = s.c;
  auto claim = [&](bool replaced, const std::string& reason) {
    cluster::PromotionTracker tracker(c);
    if (replaced) {
      tracker.on_event(seconds(9), "n3", "promoted",
                       "old_primary=" + c.node_id("n1") + " config_epoch=9 offset=10 migrating=0 importing=0");
    }
    tracker.on_event(seconds(10), "n1", "epoch_bump", "reason=" + reason + " config_epoch=10");
    auto found = tracker.promotions();
    if (replaced) found.erase(found.begin());
    return found;
  };
  // n3 replaced n1; n1 came back importing a slot, took it and bumped past n3's epoch (migration_swarm seed 3706).
  const auto back = claim(true, "import_auto_claim");
  REQUIRE(back.size() == 1);
  CHECK(back[0].winner == "n1");
  CHECK(back[0].old_primary_id == c.node_id("n3"));
  CHECK(back[0].winner_offset == c.node("n1")->repl_offset());
  CHECK(back[0].winner_history == checker::history_tag(c.node("n1")->replication().replid));
  // A primary nobody replaced, or a bump for another reason, replaces no one.
  CHECK(claim(false, "import_auto_claim").empty());
  CHECK(claim(true, "setslot_node").empty());
}

TEST_CASE("the invariant monitor records crashes that lost an unsynced AOF tail, and only those", "[promotions]") {
  for (const auto policy : {node::AppendFsync::everysec, node::AppendFsync::always}) {
    CAPTURE(node::appendfsync_name(policy));
    auto options = bus_cluster(3, 0, 12);
    options.node.appendfsync = policy;
    cluster::SimCluster c(options);
    cluster::InvariantMonitor monitor(c);
    c.run_for(seconds(2));
    const Nanos synced_by = c.world().now();
    REQUIRE(raw(c, "n1", {"SET", "{k2}a", "v"}) == "+OK\r\n");
    c.world().crash(c.process("n1"));
    c.run_for(ms(10));
    if (policy == node::AppendFsync::always) {
      CHECK(monitor.aof_losses().empty());
      continue;
    }
    REQUIRE(monitor.aof_losses().size() == 1);
    const checker::AofLoss& loss = monitor.aof_losses().front();
    CHECK(loss.node_id == c.node_id("n1"));
    // The window holds the SET (its AOF was clean before it: no fsync since the last write).
    CHECK(loss.unsynced_since <= synced_by);
    CHECK(loss.unsynced_since > 0);
    CHECK(loss.crash_time >= synced_by);
  }
}

TEST_CASE("the invariant monitor notes which keys migrated away in a lost AOF tail came back at the restart",
          "[promotions]") {
  for (const bool synced_before_crash : {false, true}) {
    CAPTURE(synced_before_crash);
    auto options = bus_cluster(3, 0, 12);
    options.node.appendfsync = node::AppendFsync::everysec;
    cluster::SimCluster c(options);
    cluster::InvariantMonitor monitor(c);
    REQUIRE(raw(c, "n1", {"SET", "{k2}a", "1"}) == "+OK\r\n");
    REQUIRE(raw(c, "n1", {"SET", "{k2}b", "2"}) == "+OK\r\n");
    c.run_for(seconds(2));  // both SETs synced
    REQUIRE(raw(c, "n2", {"CLUSTER", "SETSLOT", "449", "IMPORTING", c.node_id("n1")}) == "+OK\r\n");
    REQUIRE(raw(c, "n1", {"CLUSTER", "SETSLOT", "449", "MIGRATING", c.node_id("n2")}) == "+OK\r\n");
    REQUIRE(raw(c, "n1", {"MIGRATE", "n2", "6379", "{k2}a", "0", "5000"}) == "+OK\r\n");
    if (synced_before_crash) c.run_for(seconds(2));
    REQUIRE(raw(c, "n1", {"SET", key_in(0, 448, "c"), "3"}) == "+OK\r\n");  // an unsynced tail either way
    c.world().crash(c.process("n1"));
    c.run_for(ms(10));
    REQUIRE(monitor.aof_losses().size() == 1);
    CHECK(monitor.aof_losses().front().returned_keys.empty());  // not back yet
    c.restart("n1");
    c.run_for(ms(10));
    REQUIRE(monitor.aof_losses().size() == 1);
    const checker::AofLoss& loss = monitor.aof_losses().front();
    CHECK(loss.restart_seen);
    // The DEL of {k2}a was in the lost tail only if no fsync followed it; {k2}b never moved.
    CHECK(loss.returned_keys == (synced_before_crash ? std::set<std::string>{} : std::set<std::string>{"{k2}a"}));
    CHECK(checker::split_keys({}, monitor.key_moves(), {}, {}, {}, monitor.aof_losses()).count("{k2}a") ==
          (synced_before_crash ? 0 : 1));
  }
}

TEST_CASE("PromotionTracker records a collision the node with more data won as a replacement of the other",
          "[promotions]") {
  Shards s;
  auto& c = s.c;
  const std::string n3 = c.node_id("n3");
  // n3 replaced n1 (a failover), then n1 returned and collided with it.
  auto collide = [&](const std::string& shared, int offset, int peer_offset, bool replaced = true) {
    cluster::PromotionTracker tracker(c);
    if (replaced) {
      tracker.on_event(seconds(9), "n3", "promoted",
                       "old_primary=" + c.node_id("n1") + " config_epoch=9 offset=10 migrating=0 importing=0");
    }
    tracker.on_event(seconds(10), "n1", "epoch_collision",
                     "with=" + n3 + " config_epoch=9 shared=" + shared + " offset=" + std::to_string(offset) +
                         " peer_offset=" + std::to_string(peer_offset));
    auto found = tracker.promotions();
    if (replaced) found.erase(found.begin());
    return found;
  };
  const auto won = collide("1", 100, 50);
  REQUIRE(won.size() == 1);
  CHECK(won[0].old_primary_id == n3);
  CHECK(won[0].winner == "n1");
  CHECK(won[0].winner_offset == 100);
  CHECK(won[0].winner_history == checker::history_tag(c.node("n1")->replication().replid));
  // Only a collision with the replica that replaced it.
  CHECK(collide("1", 100, 50, false).empty());
  // The one with less data winning is the bug old-primary-wins-collision: nothing excuses its losses.
  CHECK(collide("1", 40, 50).empty());
  // Two primaries of different slots: nobody lost anything.
  CHECK(collide("0", 100, 50).empty());
}
