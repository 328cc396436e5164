// Regression tests for three node bugs the migration swarm found (commit
// 0b5bdab): each test fails on the code before that fix and passes after it.
#include <catch2/catch.hpp>

#include <set>
#include <string>
#include <vector>

#include "cluster_test_util.h"
#include "node/bus_message.h"
#include "node_test_util.h"

using namespace slotsim;
using slotsim::test::bus_cluster;
using slotsim::test::detail_field;
using slotsim::test::events;
using slotsim::test::is_primary;
using slotsim::test::raw;
using slotsim::test::run_until_every;

namespace {

// The replicas of `primary` as every node starts (3xR clusters: n1's are n4..).
std::vector<std::string> replicas_of(cluster::SimCluster& c, const std::string& primary) {
  std::vector<std::string> found;
  for (const auto& name : c.names()) {
    const auto* n = c.node(name);
    if (n != nullptr && !n->cluster().myself().primary && n->cluster().myself().primary_id == c.node_id(primary)) {
      found.push_back(name);
    }
  }
  return found;
}

}  // namespace

TEST_CASE("a demoted election winner does not win its old epoch again", "[failover_regressions]") {
  // Fix A (valkey#782): n1 fails, replica W wins epoch E; its sibling S takes
  // over at once (TAKEOVER, epoch E+1) and W follows S. S then fails too,
  // within W's old election window: W kept auth_count from epoch E and
  // "won" E again, taking S's slots at an epoch older than S's. A demotion
  // must restart the election, so every win is a fresh election's.
  // Seeds where one sibling wins outright (seed 3 splits the votes).
  for (std::uint64_t seed : {1, 2, 4, 5}) {
    CAPTURE(seed);
    cluster::SimCluster c(bus_cluster(3, 2, seed));
    const auto siblings = replicas_of(c, "n1");
    REQUIRE(siblings.size() == 2);
    c.run_for(seconds(2));
    c.crash("n1");
    REQUIRE(run_until_every(c, [&] { return is_primary(c, siblings[0]) || is_primary(c, siblings[1]); },
                            seconds(30), ms(5)));
    const std::string winner = is_primary(c, siblings[0]) ? siblings[0] : siblings[1];
    const std::string other = winner == siblings[0] ? siblings[1] : siblings[0];
    CAPTURE(winner, other);
    const auto won = events(c, "election_won", winner);
    REQUIRE(won.size() == 1);
    const std::string first_epoch = detail_field(won[0].detail, "epoch");
    const Nanos election_started = events(c, "election_start", winner).back().time;
    // The sibling takes over; the winner follows it and links to it.
    REQUIRE(raw(c, other, {"CLUSTER", "FAILOVER", "TAKEOVER"}) == "+OK\r\n");
    REQUIRE(run_until_every(c, [&] {
      const auto* w = c.node(winner);
      return !w->cluster().myself().primary && w->cluster().myself().primary_id == c.node_id(other) &&
             w->replication().link_up;
    }, seconds(5), ms(5)));
    c.crash(other);
    const Nanos other_crashed = c.world().now();
    // The winner sees its new primary FAIL; whatever it does then must be a new election.
    REQUIRE(run_until_every(c, [&] {
      const auto* o = c.node(winner)->cluster().find(c.node_id(other));
      return o != nullptr && o->fail;
    }, seconds(20), ms(10)));
    // Still inside the old election's window (2 x node_timeout), where its leftovers count.
    CHECK(c.world().now() - election_started < ms(2 * 3000));
    c.run_for(seconds(10));
    // It must win again (the only live replica of that shard), in a new
    // election started after the crash, at an epoch above its first.
    const auto won_after = events(c, "election_won", winner);
    REQUIRE(won_after.size() == 2);
    CHECK(is_primary(c, winner));
    CHECK(std::stoull(detail_field(won_after[1].detail, "epoch")) > std::stoull(first_epoch));
    const auto starts = events(c, "election_start", winner);
    REQUIRE(starts.size() >= 2);
    CHECK(starts.back().time > other_crashed);
    CHECK(detail_field(starts.back().detail, "epoch") == detail_field(won_after[1].detail, "epoch"));
    std::set<std::string> epochs_won;
    std::set<std::string> epochs_started;
    for (const auto& e : events(c, "election_start", winner)) epochs_started.insert(detail_field(e.detail, "epoch"));
    for (const auto& e : events(c, "election_won", winner)) {
      const std::string epoch = detail_field(e.detail, "epoch");
      CAPTURE(epoch, first_epoch);
      CHECK(epochs_won.insert(epoch).second);  // never the same epoch twice
      CHECK(epochs_started.count(epoch) == 1);
    }
  }
}

TEST_CASE("a primary seen turning replica in its own shard keeps its slots from a stale claim",
          "[failover_regressions]") {
  // Fix B (redis#13018, redis#13055): n2 hears n3 say it is now a replica of
  // n6 (a failover in n3's shard, header epoch 4) before any claim from n6,
  // then a stale claim of n3's slots from n1 at epoch 1. The slots stay bound
  // to n3 (epoch 3) until a newer claim takes them; unbinding them let n1's
  // stale claim take them. And n3's replica header (its primary's epoch)
  // must not raise n3's recorded configEpoch. A turn that is itself stale
  // (its header's epoch 2 is below n3's 3) makes n6 no primary either.
  for (const std::uint64_t turn_epoch : {4, 2}) {
  const bool fresh = turn_epoch > 3;
  CAPTURE(turn_epoch);
  cluster::SimCluster c(bus_cluster(3, 1, 7));
  c.run_for(seconds(2));
  const auto* n2 = c.node("n2");
  const std::string n1_id = c.node_id("n1");
  const std::string n3_id = c.node_id("n3");
  const std::string n6_id = c.node_id("n6");
  const node::SlotBitmap n3_slots = n2->cluster().slot_set(n3_id);
  const node::SlotBitmap n1_slots = n2->cluster().slot_set(n1_id);
  REQUIRE(n3_slots.count() > 5000);
  REQUIRE(n2->cluster().find(n3_id)->config_epoch == 3);
  REQUIRE(n2->cluster().find(n1_id)->config_epoch == 1);
  // The real n3 and n6 keep quiet meanwhile (their messages are slow).
  c.world().pause(c.process("n3"));
  c.world().pause(c.process("n6"));

  auto pong_from = [&](const std::string& name, std::uint64_t current_epoch, std::uint64_t config_epoch) {
    node::bus::Message m;
    m.type = node::bus::MessageType::pong;
    m.sender = c.node_id(name);
    m.ip = name;
    m.port = 6379;
    m.cport = 16379;
    m.current_epoch = current_epoch;
    m.config_epoch = config_epoch;
    return m;
  };
  node::bus::Message turned = pong_from("n3", 4, turn_epoch);  // n3: "I am a replica of n6", with n6's epoch and slots
  turned.slots = n3_slots;
  turned.primary_id = n6_id;
  turned.flags = node::bus::node_flag::replica;
  node::bus::Message stale = pong_from("n1", 3, 1);  // n1 claims n3's slots with its own, older epoch
  stale.slots = n1_slots;
  for (std::size_t w = 0; w < node::SlotBitmap::kWords; ++w) stale.slots.set_bits(w, n3_slots.word(w));
  stale.flags = node::bus::node_flag::master;
  const std::vector<std::string> frames = {node::bus::encode(turned), node::bus::encode(stale)};
  // One connection per message: a link speaks for the first sender it carried.
  c.world().add_process("spoofer", function_process([frames](Env& env) {
    for (const auto& frame : frames) {
      auto conn = env.connect({"n2", 16379}, env.now() + seconds(1));
      if (!conn) continue;
      (*conn)->write(frame);
      env.sleep(ms(50));
    }
  }));
  c.run_for(ms(300));
  const auto* n3_view = n2->cluster().find(n3_id);
  REQUIRE(n3_view->primary_id == n6_id);  // n2 took in n3's new role
  CHECK_FALSE(n3_view->primary);
  CHECK(n3_view->config_epoch == 3);  // a replica's header does not raise it
  CHECK(n2->cluster().find(n6_id)->primary == fresh);
  if (fresh) CHECK(n2->cluster().find(n6_id)->config_epoch == 4);
  std::size_t kept = 0;
  std::size_t taken_by_n1 = 0;
  for (int slot = 0; slot < node::kSlotCount; ++slot) {
    if (!n3_slots.test(static_cast<std::size_t>(slot))) continue;
    if (n2->cluster().owner(slot) == n3_id) ++kept;
    if (n2->cluster().owner(slot) == n1_id) ++taken_by_n1;
  }
  CHECK(kept == n3_slots.count());
  CHECK(taken_by_n1 == 0);
  CHECK(events(c, "slots_taken_unclaimed", "n2").empty());
  }
}

TEST_CASE("a replica restarted while its primary is down does not win an election", "[failover_regressions]") {
  // Fix C: n4 never linked to n1 since its restart, so its data is "down
  // since ever" (Valkey's repl_down_since = 0) and too old for an automatic
  // failover (only CLUSTER FAILOVER FORCE may promote it). Before the fix the
  // restart counted as a fresh disconnection and n4 won with offset 0.
  for (std::uint64_t seed : {1, 2, 3}) {
    CAPTURE(seed);
    cluster::SimCluster c(bus_cluster(3, 1, seed));
    c.run_for(seconds(2));
    c.crash("n4");
    c.run_for(seconds(1));
    c.crash("n1");
    c.run_for(seconds(1));
    c.restart("n4");
    c.run_for(seconds(30));
    REQUIRE(c.node("n4") != nullptr);
    CHECK(c.node("n2")->cluster().find(c.node_id("n1"))->fail);
    CHECK_FALSE(is_primary(c, "n4"));
    CHECK(events(c, "election_won", "n4").empty());
    CHECK(events(c, "promoted", "n4").empty());
    CHECK(c.node("n2")->cluster().owner(449) == c.node_id("n1"));  // slot 449 ({k2}) stays n1's, uncovered
  }
}
