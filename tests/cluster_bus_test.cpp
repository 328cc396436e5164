// The distributed node, driven like a script: forming a cluster over the bus,
// gossip, failure detection, elections, votes, epochs, manual failover.
#include <catch2/catch.hpp>

#include <map>
#include <set>

#include "cluster/invariant_monitor.h"
#include "cluster_test_util.h"
#include "node/hash_slot.h"
#include "node_test_util.h"

using namespace slotsim;
using slotsim::test::bus_cluster;
using slotsim::test::converged;
using slotsim::test::detail_field;
using slotsim::test::events;
using slotsim::test::is_primary;
using slotsim::test::raw;
using slotsim::test::run_until_converged;
using slotsim::test::run_until_every;

namespace {

std::size_t known_nodes(cluster::SimCluster& c, const std::string& name) {
  std::size_t count = 0;
  for (const auto& [id, node] : c.node(name)->cluster().nodes()) {
    if (!node.handshake) ++count;
  }
  return count;
}

bool everyone_knows_everyone(cluster::SimCluster& c) {
  for (const auto& name : c.names()) {
    if (known_nodes(c, name) != c.names().size()) return false;
  }
  return true;
}

// Forms a cluster from blank nodes as redis-cli --cluster create does.
void form_by_meet(cluster::SimCluster& c, int primaries) {
  for (std::size_t i = 1; i < c.names().size(); ++i) {
    REQUIRE(raw(c, c.names()[i], {"CLUSTER", "MEET", "n1", "6379"}) == "+OK\r\n");
  }
  REQUIRE(run_until_every(c, [&] { return everyone_knows_everyone(c); }, seconds(20)));
  const int per = node::kSlotCount / primaries;
  for (int i = 0; i < primaries; ++i) {
    const int first = i * per;
    const int last = i == primaries - 1 ? node::kSlotCount - 1 : first + per - 1;
    REQUIRE(raw(c, c.names()[static_cast<std::size_t>(i)],
                {"CLUSTER", "ADDSLOTSRANGE", std::to_string(first), std::to_string(last)}) == "+OK\r\n");
  }
  for (std::size_t i = static_cast<std::size_t>(primaries); i < c.names().size(); ++i) {
    const std::string& primary = c.names()[(i - static_cast<std::size_t>(primaries)) % static_cast<std::size_t>(primaries)];
    // The replica must first learn that its primary is a primary (the gossip above did it).
    REQUIRE(raw(c, c.names()[i], {"CLUSTER", "REPLICATE", c.node(primary)->cluster().myself_id()}) == "+OK\r\n");
  }
}

}  // namespace

TEST_CASE("three primaries with one replica each form by MEET, ADDSLOTS and REPLICATE", "[bus]") {
  auto options = bus_cluster(3, 1);
  options.preconfigured = false;
  cluster::SimCluster c(options);
  form_by_meet(c, 3);
  REQUIRE(run_until_converged(c, seconds(30)));
  // Everyone sees the same shape: three primaries with their slots, a replica each.
  for (const auto& name : c.names()) {
    const auto& view = c.node(name)->cluster();
    CHECK(view.nodes().size() == 6);
    for (int i = 0; i < 3; ++i) {
      const std::string primary_id = c.node(c.names()[static_cast<std::size_t>(i)])->cluster().myself_id();
      const std::string replica_id = c.node(c.names()[static_cast<std::size_t>(i + 3)])->cluster().myself_id();
      CHECK(view.find(primary_id)->primary);
      CHECK(view.find(replica_id)->primary_id == primary_id);
      CHECK(view.slot_count(primary_id) > 5000);
    }
  }
  // All three primaries claimed slots with configEpoch 0: the collision rule
  // gave them distinct epochs.
  std::set<std::uint64_t> epochs;
  for (int i = 0; i < 3; ++i) epochs.insert(c.node(c.names()[static_cast<std::size_t>(i)])->cluster().myself().config_epoch);
  CHECK(epochs.size() == 3);
  CHECK_FALSE(test::events(c, "epoch_collision").empty());
  // Data written to a primary reaches its replica, which serves READONLY reads.
  CHECK(raw(c, "n1", {"SET", "{k2}a", "v"}) == "+OK\r\n");  // slot 449: n1's
  c.run_for(ms(100));
  CHECK(raw(c, "n4", {"GET", "{k2}a"}) == "-MOVED 449 n1:6379\r\n");
  CHECK(raw(c, "n4", {"READONLY"}) == "+OK\r\n");
  CHECK(raw(c, "n4", {"GET", "{k2}a"}) == "$1\r\nv\r\n");
  CHECK(raw(c, "n4", {"SET", "{k2}a", "w"}) == "-MOVED 449 n1:6379\r\n");
}

TEST_CASE("gossip spreads every node through a chain of meetings", "[bus]") {
  auto options = bus_cluster(9, 0, 3);
  options.preconfigured = false;
  cluster::SimCluster c(options);
  // Each node meets only its predecessor; gossip must do the rest.
  for (std::size_t i = 1; i < c.names().size(); ++i) {
    REQUIRE(raw(c, c.names()[i], {"CLUSTER", "MEET", c.names()[i - 1], "6379"}) == "+OK\r\n");
  }
  const Nanos start = c.world().now();
  REQUIRE(run_until_every(c, [&] { return everyone_knows_everyone(c); }, seconds(60)));
  CHECK(c.world().now() - start < seconds(30));
  // And every node ends up with a live link to every other.
  c.run_for(seconds(3));
  for (const auto& name : c.names()) {
    for (const auto& [id, node] : c.node(name)->cluster().nodes()) {
      if (!node.myself) CHECK(node.link_connected);
    }
  }
}

TEST_CASE("a crashed primary is marked FAIL and its replica promoted within the spec's bounds", "[bus]") {
  for (std::uint64_t seed : {1, 2, 3, 4, 5}) {
    CAPTURE(seed);
    cluster::SimCluster c(bus_cluster(3, 1, seed));
    const std::string old_id = c.node_id("n1");
    const std::uint64_t epoch_before = c.node("n2")->cluster().current_epoch;
    c.run_for(seconds(2));
    const Nanos crashed_at = c.world().now();
    c.crash("n1");
    REQUIRE(run_until_every(c, [&] { return is_primary(c, "n4") && converged(c); }, seconds(30)));
    const Nanos took = c.world().now() - crashed_at;
    // PFAIL needs node_timeout without a pong; pings go out at least every
    // node_timeout / 2; the FAIL needs one gossip round; the election waits
    // 0.5-1 s (rank 0). So between nt and 2 nt + 1.5 s (plus cron ticks).
    CHECK(took >= ms(3000));
    CHECK(took <= ms(2 * 3000 + 1500 + 300));
    for (const char* name : {"n2", "n3", "n5", "n6"}) {
      const auto* old_view = c.node(name)->cluster().find(old_id);
      REQUIRE(old_view != nullptr);
      CHECK(old_view->fail);
      CHECK(c.node(name)->cluster().owner(0) == c.node_id("n4"));
    }
    CHECK(c.node("n4")->cluster().current_epoch > epoch_before);
    CHECK(c.node("n4")->cluster().myself().config_epoch == c.node("n4")->cluster().current_epoch);
    // The old primary comes back as a replica of the one that replaced it.
    c.restart("n1");
    REQUIRE(run_until_every(c, [&] {
      const auto* n1 = c.node("n1");
      return n1 != nullptr && !n1->cluster().myself().primary && n1->replication().link_up && converged(c);
    }, seconds(30)));
    CHECK(c.node("n1")->cluster().myself().primary_id == c.node_id("n4"));
    for (const char* name : {"n2", "n3", "n4"}) CHECK_FALSE(c.node(name)->cluster().find(old_id)->fail);
  }
}

TEST_CASE("no replica is elected in a minority partition, and the minority primary stops writes", "[bus]") {
  cluster::SimCluster c(bus_cluster(3, 1, 11));
  cluster::InvariantMonitor monitor(c);  // S5 among others
  // Slot 449 ({k2}) is n1's. n5 is n2's replica, cut off with n1.
  c.run_for(seconds(2));
  const Nanos cut_at = c.world().now();
  c.partition({{"n1", "n5"}, {"n2", "n3", "n4", "n6"}});
  // Within the timeout, the cut-off primary still takes writes (Redis does)...
  CHECK(raw(c, "n1", {"SET", "{k2}early", "1"}) == "+OK\r\n");
  // ...but once it sees the majority gone, it refuses them.
  REQUIRE(run_until_every(c, [&] { return !c.node("n1")->cluster_ok(); }, seconds(10)));
  CHECK(c.world().now() - cut_at <= ms(3000 * 3 / 2 + 200));
  CHECK(raw(c, "n1", {"SET", "{k2}late", "1"}) == "-CLUSTERDOWN The cluster is down\r\n");
  // The majority replaces n1; n5 (minority) never runs an election.
  REQUIRE(run_until_every(c, [&] { return is_primary(c, "n4"); }, seconds(20)));
  c.run_for(seconds(20));
  CHECK_FALSE(is_primary(c, "n5"));
  CHECK(events(c, "election_start", "n5").empty());
  CHECK(events(c, "promoted", "n5").empty());
  // After the heal, n1 follows n4 and the cluster converges.
  c.heal();
  REQUIRE(run_until_converged(c, seconds(30)));
  CHECK_FALSE(is_primary(c, "n1"));
  CHECK(c.node("n1")->cluster().myself().primary_id == c.node_id("n4"));
  for (const auto& v : monitor.invariants().violations()) FAIL_CHECK(v.invariant + ": " + v.detail);
}

TEST_CASE("a primary grants one vote per epoch, and remembers it across a restart", "[bus]") {
  std::size_t elections = 0;
  for (std::uint64_t seed = 1; seed <= 6; ++seed) {
    CAPTURE(seed);
    // Two replicas per primary: both may run for the same failed primary.
    cluster::SimCluster c(bus_cluster(3, 2, seed));
    c.run_for(seconds(2));
    c.crash("n1");
    REQUIRE(run_until_every(c, [&] { return (is_primary(c, "n4") || is_primary(c, "n5")) && converged(c); },
                            seconds(40)));
    std::map<std::pair<std::string, std::string>, int> votes;  // (voter, epoch) -> grants
    for (const auto& e : events(c, "vote_granted")) ++votes[{e.process, detail_field(e.detail, "epoch")}];
    for (const auto& [key, count] : votes) {
      CAPTURE(key.first, key.second);
      CHECK(count == 1);
    }
    elections += events(c, "election_start").size();
    // The vote is durable: a voter restarted now still knows it voted.
    const auto granted = events(c, "vote_granted", "n2");
    if (!granted.empty()) {
      const std::uint64_t epoch = std::stoull(detail_field(granted.back().detail, "epoch"));
      c.crash("n2");
      c.restart("n2");
      CHECK(c.node("n2")->cluster().last_vote_epoch == epoch);
    }
  }
  CHECK(elections >= 6);
}

TEST_CASE("configEpoch collisions between many primaries resolve to distinct epochs", "[bus]") {
  auto options = bus_cluster(6, 0, 5);
  options.preconfigured = false;
  cluster::SimCluster c(options);
  form_by_meet(c, 6);
  REQUIRE(run_until_converged(c, seconds(60)));
  // Distinct epochs, and every node agrees on every primary's epoch.
  auto settled = [&] {
    std::set<std::uint64_t> epochs;
    for (const auto& name : c.names()) {
      epochs.insert(c.node(name)->cluster().myself().config_epoch);
      for (const auto& other : c.names()) {
        if (c.node(name)->cluster().find(c.node_id(other))->config_epoch !=
            c.node(other)->cluster().myself().config_epoch) {
          return false;
        }
      }
    }
    return epochs.size() == 6;
  };
  CHECK(run_until_every(c, settled, seconds(30)));
}

TEST_CASE("a stale primary is corrected by an UPDATE message", "[bus]") {
  cluster::SimCluster c(bus_cluster(3, 1, 9));
  c.run_for(seconds(2));
  // n1 is paused (not crashed): it keeps its view and claims while n4 takes over.
  c.world().pause(c.process("n1"));
  REQUIRE(run_until_every(c, [&] { return is_primary(c, "n4") && c.node("n2")->cluster().owner(0) == c.node_id("n4"); },
                          seconds(30)));
  c.run_for(seconds(2));
  c.world().resume(c.process("n1"));
  REQUIRE(run_until_converged(c, seconds(30)));
  CHECK(c.node("n1")->cluster().myself().primary_id == c.node_id("n4"));
  CHECK_FALSE(events(c, "update_sent").empty());
}

TEST_CASE("a manual failover loses no acknowledged write", "[bus]") {
  cluster::SimCluster c(bus_cluster(3, 1, 21));
  c.run_for(seconds(2));
  // A writer hammers keys of n1's slot 449 until n1 redirects it.
  std::vector<std::string> acknowledged;
  bool redirected = false;
  c.world().add_process("writer", function_process([&](Env& env) {
    client::RespClient client(env, Address{"n1", 6379});
    for (int i = 0; !redirected; ++i) {
      const std::string key = "{k2}" + std::to_string(i);
      const auto result = client.call({"SET", key, "v"}, env.now() + seconds(15));
      if (result.error != IoError::ok) continue;
      if (result.reply.type == node::RespValue::Type::simple) acknowledged.push_back(key);
      else redirected = true;
      env.sleep(ms(1));
    }
  }));
  // Another client keeps waiting for replicas: its GETACKs must not move the
  // paused primary's offset away from the replica that is catching up.
  c.world().add_process("waiter", function_process([&](Env& env) {
    client::RespClient client(env, Address{"n1", 6379});
    while (!redirected) client.call({"WAIT", "1", "100"}, env.now() + seconds(15));
  }));
  c.run_for(ms(500));
  CHECK(raw(c, "n4", {"CLUSTER", "FAILOVER"}) == "+OK\r\n");
  REQUIRE(run_until_every(c, [&] { return redirected && is_primary(c, "n4"); }, seconds(20)));
  CHECK(acknowledged.size() > 100);
  const auto& keys = c.node("n4")->keyspace();
  std::size_t missing = 0;
  for (const auto& key : acknowledged) {
    if (keys.peek(key) == nullptr) ++missing;
  }
  CHECK(missing == 0);
  CHECK_FALSE(events(c, "manual_failover_ready", "n4").empty());
  // The old primary follows its replica and keeps every key (partial resync).
  REQUIRE(run_until_converged(c, seconds(20)));
  CHECK(c.node("n1")->cluster().myself().primary_id == c.node_id("n4"));
  CHECK(c.node("n1")->keyspace().size() == c.node("n4")->keyspace().size());
}

TEST_CASE("CLUSTER FAILOVER replies and options", "[bus]") {
  cluster::SimCluster c(bus_cluster(3, 1, 2));
  c.run_for(seconds(2));
  CHECK(raw(c, "n1", {"CLUSTER", "FAILOVER"}) == "-ERR You should send CLUSTER FAILOVER to a replica\r\n");
  CHECK(raw(c, "n1", {"CLUSTER", "FAILOVER", "foo"}) == "-ERR syntax error\r\n");
  CHECK(raw(c, "n4", {"CLUSTER", "REPLICAS", c.node_id("n4")}) == "-ERR The specified node is not a master\r\n");
  const std::string replicas = raw(c, "n2", {"CLUSTER", "REPLICAS", c.node_id("n1")});
  CHECK(replicas.rfind("*1\r\n$", 0) == 0);
  CHECK(replicas.find(c.node_id("n4") + " n4:6379@16379 slave " + c.node_id("n1")) != std::string::npos);
  // FORCE: no catch-up with the primary, but still an election.
  CHECK(raw(c, "n5", {"CLUSTER", "FAILOVER", "FORCE"}) == "+OK\r\n");
  REQUIRE(run_until_every(c, [&] { return is_primary(c, "n5") && converged(c); }, seconds(10)));
  CHECK_FALSE(events(c, "election_won", "n5").empty());
  // TAKEOVER: no election at all.
  CHECK(raw(c, "n6", {"CLUSTER", "FAILOVER", "TAKEOVER"}) == "+OK\r\n");
  CHECK(is_primary(c, "n6"));
  CHECK(events(c, "election_start", "n6").empty());
  REQUIRE(run_until_converged(c, seconds(10)));
  CHECK_FALSE(is_primary(c, "n3"));
}

TEST_CASE("COUNT-FAILURE-REPORTS counts the primaries that see a node failing", "[bus]") {
  cluster::SimCluster c(bus_cluster(4, 0, 4));
  c.run_for(seconds(2));
  CHECK(raw(c, "n2", {"CLUSTER", "COUNT-FAILURE-REPORTS", c.node_id("n1")}) == ":0\r\n");
  c.world().pause(c.process("n1"));
  REQUIRE(run_until_every(c, [&] { return c.node("n2")->cluster().find(c.node_id("n1"))->fail; }, seconds(20)));
  // n3 and n4 reported it to n2 (n2's own opinion is not a report).
  CHECK(raw(c, "n2", {"CLUSTER", "COUNT-FAILURE-REPORTS", c.node_id("n1")}) == ":2\r\n");
  CHECK(raw(c, "n2", {"CLUSTER", "COUNT-FAILURE-REPORTS", "nope"}) == "-ERR Unknown node nope\r\n");
}

TEST_CASE("a 3x2 cluster survives ten minutes of crashes and restarts, one node at a time", "[bus]") {
  for (std::uint64_t seed : {1, 2}) {
    CAPTURE(seed);
    cluster::SimCluster c(bus_cluster(3, 2, seed));
    cluster::InvariantMonitor monitor(c);
    sim::Rng rng = c.world().stream("test/nemesis");
    const Nanos end = c.world().now() + seconds(600);
    int crashes = 0;
    while (c.world().now() < end) {
      const std::string& victim = c.names()[rng.below(c.names().size())];
      CAPTURE(victim, c.world().now());
      c.crash(victim);
      c.run_for(seconds(1 + static_cast<std::int64_t>(rng.below(20))));
      c.restart(victim);
      ++crashes;
      // Full coverage again, everyone agreeing, within a bound.
      REQUIRE(run_until_converged(c, seconds(60)));
      c.run_for(seconds(static_cast<std::int64_t>(rng.below(10))));
    }
    CHECK(crashes >= 10);
    for (const auto& name : c.names()) CHECK(c.node(name)->cluster().assigned_slot_count() == node::kSlotCount);
    CHECK(monitor.invariants().observations() > 5000);
    for (const auto& v : monitor.invariants().violations()) FAIL_CHECK(v.invariant + ": " + v.detail);
  }
}

namespace {

// A cluster run with the full mix of bus activity: crashes, restarts, a
// partition, elections, writes. Returns the trace hash and event count.
std::pair<std::uint64_t, std::uint64_t> chaotic_run(std::uint64_t seed) {
  cluster::SimCluster c(bus_cluster(3, 2, seed));
  sim::Rng rng = c.world().stream("test/nemesis");
  for (int round = 0; round < 4; ++round) {
    const std::string& victim = c.names()[rng.below(c.names().size())];
    raw(c, "n" + std::to_string(1 + rng.below(3)), {"SET", "{k2}" + std::to_string(round), "v"});
    c.crash(victim);
    c.run_for(seconds(static_cast<std::int64_t>(2 + rng.below(8))));
    c.restart(victim);
    const std::string& cut = c.names()[rng.below(c.names().size())];
    std::vector<std::string> rest;
    for (const auto& name : c.names()) {
      if (name != cut) rest.push_back(name);
    }
    c.partition({{cut}, rest});
    c.run_for(seconds(static_cast<std::int64_t>(rng.below(6))));
    c.heal();
    c.run_for(seconds(10));
  }
  return {c.world().trace().hash_value(), c.world().trace().count()};
}

}  // namespace

TEST_CASE("the same seed gives the same cluster trace, elections and all", "[bus][determinism]") {
  std::set<std::uint64_t> distinct;
  for (std::uint64_t seed = 1; seed <= 10; ++seed) {
    CAPTURE(seed);
    const auto first = chaotic_run(seed);
    const auto second = chaotic_run(seed);
    CHECK(first == second);
    CHECK(first.second > 1000);
    distinct.insert(first.first);
  }
  CHECK(distinct.size() == 10);
}

TEST_CASE("an orphaned primary gets a replica from the best-served primary", "[bus]") {
  // 3 primaries, 2 replicas each: n4,n5 -> n1; n6,n7 -> n2; n8,n9 -> n3.
  cluster::SimCluster c(bus_cluster(3, 2, 8));
  c.run_for(seconds(2));
  c.crash("n8");
  c.crash("n9");
  const std::string n3 = c.node_id("n3");
  auto replicas_of_n3 = [&] {
    std::size_t count = 0;
    for (const char* name : {"n4", "n5", "n6", "n7"}) {
      if (c.node(name)->cluster().myself().primary_id == n3) ++count;
    }
    return count;
  };
  REQUIRE(run_until_every(c, [&] { return replicas_of_n3() == 1; }, seconds(30)));
  c.run_for(seconds(10));
  CHECK(replicas_of_n3() == 1);  // exactly one moved, and the barrier kept one behind
  CHECK(events(c, "replica_migration").size() == 1);
  const auto moved = events(c, "replica_migration").front().process;
  CHECK(c.node(moved)->replication().link_up);
}

TEST_CASE("garbage on the cluster bus drops the link, and the node keeps running", "[bus]") {
  cluster::SimCluster c(bus_cluster(3, 0, 6));
  std::vector<std::string> inputs = {std::string("GET / HTTP/1.1\r\n\r\n"), std::string(3000, 'x'),
                                     std::string("RCmb") + std::string(4, '\0') + std::string(100, 'y')};
  std::string truncated_header = "RCmb";
  truncated_header += std::string("\x00\x00\x10\x00", 4);  // totlen 4096, then too few bytes
  truncated_header += std::string(100, 'z');
  inputs.push_back(truncated_header);
  c.world().add_process("fuzzer", function_process([inputs](Env& env) {
    for (const auto& bytes : inputs) {
      auto conn = env.connect({"n1", 16379}, env.now() + seconds(1));
      if (!conn) continue;
      (*conn)->write(bytes);
      char buf[256];
      (*conn)->read(buf, sizeof buf, env.now() + ms(200));
      (*conn)->close();
    }
  }));
  c.run_for(seconds(3));
  CHECK(events(c, "bus_bad_frame", "n1").size() >= 2);
  CHECK(raw(c, "n1", {"SET", "{k2}a", "1"}) == "+OK\r\n");
  CHECK(slotsim::test::converged(c));
  CHECK(c.world().failures().empty());
}

TEST_CASE("an operator's move of a primary's last replica is not undone by replica migration", "[bus]") {
  cluster::SimCluster c(bus_cluster(3, 1, 12));  // n5 is n2's only replica
  c.run_for(seconds(2));
  CHECK(raw(c, "n5", {"CLUSTER", "REPLICATE", c.node_id("n3")}) == "+OK\r\n");
  c.run_for(seconds(30));
  CHECK(c.node("n5")->cluster().myself().primary_id == c.node_id("n3"));
  CHECK(events(c, "replica_migration").empty());
}

TEST_CASE("a replica moved to another shard reports offset 0 until it has synced there (valkey#885)", "[bus]") {
  cluster::SimCluster c(bus_cluster(3, 1, 12));  // n4 follows n1, n6 follows n3
  c.run_for(seconds(2));
  for (int i = 0; i < 20; ++i) REQUIRE(raw(c, "n1", {"SET", "{k2}" + std::to_string(i), "v"}) == "+OK\r\n");
  REQUIRE(run_until_every(c, [&] { return c.node("n4")->repl_offset() == c.node("n1")->repl_offset(); }, seconds(2),
                          ms(1)));
  const std::uint64_t old_history = c.node("n4")->repl_offset();
  REQUIRE(old_history > c.node("n3")->repl_offset());  // n1's history is longer than n3's
  CHECK(c.node("n4")->announced_repl_offset() == old_history);
  // To n3's shard: until its sync with n3, n4's offset counts in n1's history, so it says 0.
  REQUIRE(raw(c, "n4", {"CLUSTER", "REPLICATE", c.node_id("n3")}) == "+OK\r\n");
  CHECK(c.node("n4")->announced_repl_offset() == 0);
  REQUIRE(run_until_every(c, [&] { return c.node("n4")->replication().link_up; }, seconds(3), ms(1)));
  CHECK(c.node("n4")->announced_repl_offset() == c.node("n4")->repl_offset());
  CHECK(c.node("n4")->repl_offset() == c.node("n3")->repl_offset());
  // A demoted primary that follows its own winner continues the same history: it keeps its offset.
  for (int i = 0, written = 0; written < 5; ++i) {
    const std::string key = "x" + std::to_string(i);
    if (node::key_hash_slot(key) < 10923) continue;  // n3's slots
    REQUIRE(raw(c, "n3", {"SET", key, "v"}) == "+OK\r\n");
    ++written;
  }
  REQUIRE(raw(c, "n6", {"CLUSTER", "FAILOVER"}) == "+OK\r\n");
  REQUIRE(run_until_every(c, [&] { return !c.node("n3")->cluster().myself().primary; }, seconds(5), ms(1)));
  CHECK(c.node("n3")->announced_repl_offset() == c.node("n3")->repl_offset());
  CHECK(c.node("n3")->repl_offset() > 0);
}

TEST_CASE("a replica whose data is too old does not run for election", "[bus]") {
  cluster::SimCluster c(bus_cluster(3, 1, 13));
  c.run_for(seconds(2));
  // n4 loses its primary n1 (and only it) for long: repl-timeout (60 s) ends
  // the link, then the data ages past 10 x node_timeout + 10 s.
  c.world().network().block("n1", "n4");
  c.world().network().block("n4", "n1");
  c.run_for(seconds(130));
  CHECK_FALSE(c.node("n4")->replication().link_up);
  c.crash("n1");
  c.run_for(seconds(30));
  CHECK_FALSE(is_primary(c, "n4"));
  CHECK(events(c, "election_start", "n4").empty());
  CHECK_FALSE(c.node("n2")->cluster_ok());  // n1's slots stay uncovered, as in Redis
  // An operator can still force it.
  CHECK(raw(c, "n4", {"CLUSTER", "FAILOVER", "FORCE"}) == "+OK\r\n");
  REQUIRE(run_until_every(c, [&] { return is_primary(c, "n4") && converged(c); }, seconds(20)));
}

TEST_CASE("primaries without slots have no say in a FAIL unless the empty-primary bug is on", "[bus]") {
  // n1-n3 own slots, n4 and n5 own none. n3 crashes: every node_fail must
  // rest on reports from slot owners alone (S6 agrees); with Redis 7's rule
  // (the bug switch) the empty primaries' reports are counted too.
  auto counted_empty_reports = [](bool bug, std::uint64_t seed, std::size_t& fails) {
    auto options = bus_cluster(3, 0, seed);
    options.empty_primaries = 2;
    if (bug) options.node.variants.bugs |= 1U << static_cast<unsigned>(node::Bug::empty_primary_fail_reports);
    cluster::SimCluster c(options);
    cluster::InvariantMonitor monitor(c);
    CHECK(c.node("n4")->cluster().myself().primary);
    CHECK(c.node("n4")->cluster().slot_count(c.node_id("n4")) == 0);
    c.run_for(seconds(2));
    c.crash("n3");
    c.run_for(seconds(12));
    std::size_t counted = 0;
    for (const auto& e : events(c, "node_fail")) {
      ++fails;
      const std::string from = detail_field(e.detail, "from");
      for (const char* empty : {"n4", "n5"}) {
        if (from.find(c.node_id(empty)) != std::string::npos) ++counted;
      }
    }
    bool s6 = false;
    for (const auto& v : monitor.invariants().violations()) s6 = s6 || v.invariant == "S6";
    CHECK(s6 == (bug && counted > 0));
    return counted;
  };
  std::size_t fails = 0, counted_correct = 0, counted_bug = 0;
  for (std::uint64_t seed : {1, 2, 3, 4}) {
    CAPTURE(seed);
    counted_correct += counted_empty_reports(false, seed, fails);
    counted_bug += counted_empty_reports(true, seed, fails);
  }
  CHECK(fails > 0);
  CHECK(counted_correct == 0);
  CHECK(counted_bug > 0);
}

TEST_CASE("an election is lost to a primary claiming its epoch and starts over", "[cluster_bus]") {
  // Found by the migration swarm (Redis 7 and Valkey 8.0 promoted two
  // replicas in one epoch): a replica that had just won epoch 6 voted, as a
  // primary, for another candidate of epoch 6.
  node::ElectionState e;
  CHECK_FALSE(e.lost_to(true, 0));  // no election running
  e.auth_sent = true;
  e.auth_epoch = 6;
  e.auth_count = 1;
  e.auth_rank = 1;
  e.auth_time_ms = 12'800;
  CHECK(e.lost_to(true, 6));
  CHECK_FALSE(e.lost_to(false, 6));  // a replica's header claims nothing
  CHECK_FALSE(e.lost_to(true, 5));   // an older claim is no winner of our epoch
  CHECK_FALSE(e.lost_to(true, 7));   // a newer one is the usual UPDATE business
  e.restart();
  CHECK_FALSE(e.auth_sent);
  CHECK(e.auth_count == 0);
  CHECK(e.auth_epoch == 6);
  CHECK(e.auth_time_ms == node::ElectionState{}.auth_time_ms);  // long ago: rescheduled at the next check
  CHECK_FALSE(e.lost_to(true, 6));
}
