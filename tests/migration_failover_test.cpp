// The problem this project exists to study: a failover in the middle of a
// slot migration. With migration_state_replication = off (Redis 7), the
// MIGRATING/IMPORTING state lives only on the primaries and a failover loses
// it; with = on (Valkey 8), replicas hold it too, it is re-pointed at new
// primaries, and the migration can be finished.
#include <catch2/catch.hpp>

#include "cluster_test_util.h"
#include "node_test_util.h"

using namespace slotsim;
using slotsim::test::bus_cluster;
using slotsim::test::events;
using slotsim::test::is_primary;
using slotsim::test::raw;
using slotsim::test::run_until_converged;
using slotsim::test::run_until_every;

namespace {

using Variant = node::Variants::MigrationStateReplication;
constexpr int kSlot = 449;  // {k2}: n1's; n1's replica is n4, n2's is n5
const std::vector<std::string> kKeys = {"{k2}a", "{k2}b", "{k2}c", "{k2}d", "{k2}e", "{k2}f"};

cluster::SimClusterOptions options_for(Variant variant, std::uint64_t seed) {
  auto options = bus_cluster(3, 1, seed);
  options.node.variants.migration_state_replication = variant;
  return options;
}

// Opens slot 449 from n1 to n2 and moves the first three keys.
void half_migrate(cluster::SimCluster& c) {
  for (const auto& key : kKeys) REQUIRE(raw(c, "n1", {"SET", key, "v" + key}) == "+OK\r\n");
  REQUIRE(raw(c, "n2", {"CLUSTER", "SETSLOT", std::to_string(kSlot), "IMPORTING", c.node_id("n1")}) == "+OK\r\n");
  REQUIRE(raw(c, "n1", {"CLUSTER", "SETSLOT", std::to_string(kSlot), "MIGRATING", c.node_id("n2")}) == "+OK\r\n");
  REQUIRE(raw(c, "n1", {"MIGRATE", "n2", "6379", "", "0", "5000", "KEYS", kKeys[0], kKeys[1], kKeys[2]}) ==
          "+OK\r\n");
  // Let the replicas catch up with everything above.
  c.run_for(seconds(1));
}

// The slot has exactly one owner everywhere, which holds every key, and no
// migration state is left.
void check_slot_settled(cluster::SimCluster& c, const std::string& owner) {
  const std::string owner_id = c.node_id(owner);
  for (const auto& name : c.names()) {
    const auto* n = c.node(name);
    if (n == nullptr) continue;
    CAPTURE(name);
    CHECK(n->cluster().owner(kSlot) == owner_id);
    CHECK(n->cluster().migrating_to(kSlot) == nullptr);
    CHECK(n->cluster().importing_from(kSlot) == nullptr);
    const bool serves_slot = n->cluster().myself().primary ? name == owner
                                                           : n->cluster().myself().primary_id == owner_id;
    if (!serves_slot) CHECK(n->keyspace().count_in_slot(kSlot) == 0);
  }
  for (const auto& key : kKeys) {
    CAPTURE(key);
    CHECK(c.node(owner)->keyspace().peek(key) != nullptr);
  }
}

}  // namespace

TEST_CASE("target fails over mid-migration, Redis 7 (off): the import is forgotten and moved keys are unreachable",
          "[migration_failover]") {
  cluster::SimCluster c(options_for(Variant::off, 31));
  half_migrate(c);
  c.crash("n2");
  REQUIRE(run_until_every(c, [&] { return is_primary(c, "n5") && c.node("n1")->cluster().owner(6000) == c.node_id("n5"); },
                          seconds(30)));
  c.run_for(seconds(2));
  // The new target primary holds the moved keys (replication) but knows nothing of the import.
  CHECK(c.node("n5")->keyspace().peek(kKeys[0]) != nullptr);
  CHECK(c.node("n5")->cluster().importing_from(kSlot) == nullptr);
  // The source still sends clients to the dead node...
  CHECK(c.node("n1")->cluster().migrating_to(kSlot) != nullptr);
  CHECK(*c.node("n1")->cluster().migrating_to(kSlot) == c.node_id("n2"));
  CHECK(raw(c, "n1", {"GET", kKeys[0]}) == "-ASK 449 n2:6379\r\n");
  // ...and the node holding the key refuses it even after ASKING: the key exists, nobody serves it.
  CHECK(raw(c, "n5", {"ASKING"}) == "+OK\r\n");
  CHECK(raw(c, "n5", {"GET", kKeys[0]}) == "-MOVED 449 n1:6379\r\n");
}

TEST_CASE("target fails over mid-migration, Valkey 8 (on): the import follows the new primary and completes",
          "[migration_failover]") {
  cluster::SimCluster c(options_for(Variant::on, 31));
  half_migrate(c);
  // The replicas were told before the primaries applied it.
  CHECK(c.node("n5")->cluster().importing_from(kSlot) != nullptr);
  CHECK(c.node("n4")->cluster().migrating_to(kSlot) != nullptr);
  c.crash("n2");
  REQUIRE(run_until_every(c, [&] { return is_primary(c, "n5") && c.node("n1")->cluster().owner(6000) == c.node_id("n5"); },
                          seconds(30)));
  c.run_for(seconds(2));
  REQUIRE(c.node("n5")->cluster().importing_from(kSlot) != nullptr);
  CHECK(*c.node("n5")->cluster().importing_from(kSlot) == c.node_id("n1"));
  // The source re-pointed its migration at the new target primary.
  REQUIRE(c.node("n1")->cluster().migrating_to(kSlot) != nullptr);
  CHECK(*c.node("n1")->cluster().migrating_to(kSlot) == c.node_id("n5"));
  CHECK(raw(c, "n1", {"GET", kKeys[0]}) == "-ASK 449 n5:6379\r\n");
  CHECK(raw(c, "n5", {"ASKING"}) == "+OK\r\n");
  CHECK(raw(c, "n5", {"GET", kKeys[0]}) == "$6\r\nv{k2}a\r\n");
  // The operator finishes the migration against the new primary.
  CHECK(raw(c, "n1", {"MIGRATE", "n5", "6379", "", "0", "5000", "KEYS", kKeys[3], kKeys[4], kKeys[5]}) == "+OK\r\n");
  CHECK(raw(c, "n5", {"CLUSTER", "SETSLOT", std::to_string(kSlot), "NODE", c.node_id("n5")}) == "+OK\r\n");
  CHECK(raw(c, "n1", {"CLUSTER", "SETSLOT", std::to_string(kSlot), "NODE", c.node_id("n5")}) == "+OK\r\n");
  c.restart("n2");
  REQUIRE(run_until_converged(c, seconds(30)));
  check_slot_settled(c, "n5");
}

TEST_CASE("source fails over mid-migration, Redis 7 (off): the new source serves moved keys as missing",
          "[migration_failover]") {
  cluster::SimCluster c(options_for(Variant::off, 32));
  half_migrate(c);
  c.crash("n1");
  REQUIRE(run_until_every(c, [&] { return is_primary(c, "n4") && c.node("n2")->cluster().owner(0) == c.node_id("n4"); },
                          seconds(30)));
  c.run_for(seconds(2));
  CHECK(c.node("n4")->cluster().migrating_to(kSlot) == nullptr);
  // The key lives on n2 (the target), but the slot's owner answers as if it did not exist...
  CHECK(c.node("n2")->keyspace().peek(kKeys[0]) != nullptr);
  CHECK(raw(c, "n4", {"GET", kKeys[0]}) == "$-1\r\n");
  // ...and takes a write for it: now the key has two diverging copies.
  CHECK(raw(c, "n4", {"SET", kKeys[0], "split"}) == "+OK\r\n");
  CHECK(c.node("n2")->keyspace().peek(kKeys[0]) != nullptr);
}

TEST_CASE("source fails over mid-migration, Valkey 8 (on): the migration follows the new source and completes",
          "[migration_failover]") {
  cluster::SimCluster c(options_for(Variant::on, 32));
  half_migrate(c);
  c.crash("n1");
  REQUIRE(run_until_every(c, [&] { return is_primary(c, "n4") && c.node("n2")->cluster().owner(0) == c.node_id("n4"); },
                          seconds(30)));
  c.run_for(seconds(2));
  REQUIRE(c.node("n4")->cluster().migrating_to(kSlot) != nullptr);
  CHECK(*c.node("n4")->cluster().migrating_to(kSlot) == c.node_id("n2"));
  REQUIRE(c.node("n2")->cluster().importing_from(kSlot) != nullptr);
  CHECK(*c.node("n2")->cluster().importing_from(kSlot) == c.node_id("n4"));
  CHECK(raw(c, "n4", {"GET", kKeys[0]}) == "-ASK 449 n2:6379\r\n");
  CHECK(raw(c, "n4", {"MIGRATE", "n2", "6379", "", "0", "5000", "KEYS", kKeys[3], kKeys[4], kKeys[5]}) == "+OK\r\n");
  CHECK(raw(c, "n2", {"CLUSTER", "SETSLOT", std::to_string(kSlot), "NODE", c.node_id("n2")}) == "+OK\r\n");
  CHECK(raw(c, "n4", {"CLUSTER", "SETSLOT", std::to_string(kSlot), "NODE", c.node_id("n2")}) == "+OK\r\n");
  c.restart("n1");
  REQUIRE(run_until_converged(c, seconds(30)));
  check_slot_settled(c, "n2");
  CHECK_FALSE(events(c, "migration_retarget", "n2").empty());
}

TEST_CASE("source fails over mid-migration, Valkey 8 (on): the winner's sibling keeps the migration", "[migration_failover]") {
  // Found by the migration swarm: the sibling took the winner's claim for a
  // node of another shard and closed the migration, so once it won in turn
  // it served the slot as stable and stranded the keys that had moved.
  auto options = bus_cluster(3, 2, 32);
  options.node.variants.migration_state_replication = Variant::on;
  cluster::SimCluster c(options);
  std::vector<std::string> siblings;
  for (const auto& name : c.names()) {
    const auto* n = c.node(name);
    if (!n->cluster().myself().primary && n->cluster().myself().primary_id == c.node_id("n1")) siblings.push_back(name);
  }
  REQUIRE(siblings.size() == 2);
  half_migrate(c);
  for (const auto& name : siblings) REQUIRE(c.node(name)->cluster().migrating_to(kSlot) != nullptr);
  c.crash("n1");
  REQUIRE(run_until_every(c, [&] { return is_primary(c, siblings[0]) || is_primary(c, siblings[1]); }, seconds(30)));
  c.run_for(seconds(2));
  const std::string winner = is_primary(c, siblings[0]) ? siblings[0] : siblings[1];
  const std::string sibling = winner == siblings[0] ? siblings[1] : siblings[0];
  CAPTURE(winner, sibling);
  REQUIRE(c.node(winner)->cluster().migrating_to(kSlot) != nullptr);
  REQUIRE(c.node(sibling)->cluster().migrating_to(kSlot) != nullptr);
  CHECK(*c.node(sibling)->cluster().migrating_to(kSlot) == c.node_id("n2"));
  CHECK(events(c, "migration_closed", sibling).empty());
}

TEST_CASE("replicated SETSLOT waits for the replicas and fails without them", "[migration_failover]") {
  cluster::SimCluster c(options_for(Variant::on, 33));
  c.run_for(seconds(1));
  c.world().pause(c.process("n5"));  // n2's replica stops acknowledging
  const Nanos before = c.world().now();
  CHECK(raw(c, "n2", {"CLUSTER", "SETSLOT", std::to_string(kSlot), "IMPORTING", c.node_id("n1"), "TIMEOUT", "500"}) ==
        "-NOREPLICAS Not enough good replicas to write.\r\n");
  CHECK(c.world().now() - before >= ms(500));
  CHECK(c.node("n2")->cluster().importing_from(kSlot) == nullptr);
  c.world().resume(c.process("n5"));
  CHECK(raw(c, "n2", {"CLUSTER", "SETSLOT", std::to_string(kSlot), "IMPORTING", c.node_id("n1")}) == "+OK\r\n");
  CHECK(c.node("n2")->cluster().importing_from(kSlot) != nullptr);
  CHECK(c.node("n5")->cluster().importing_from(kSlot) != nullptr);
  CHECK(raw(c, "n2", {"CLUSTER", "SETSLOT", std::to_string(kSlot), "IMPORTING", c.node_id("n1"), "TIMEOUT", "x"}) ==
        "-ERR timeout is not an integer or out of range\r\n");
  // A replica refuses SETSLOT from a client.
  CHECK(raw(c, "n5", {"CLUSTER", "SETSLOT", std::to_string(kSlot), "STABLE"}) ==
        "-ERR Please use SETSLOT only with masters.\r\n");
}

TEST_CASE("replicated SETSLOT needs every replica it waited for, even if one leaves", "[migration_failover]") {
  auto options = bus_cluster(3, 2, 34);
  options.node.variants.migration_state_replication = Variant::on;
  cluster::SimCluster c(options);  // n2's replicas: n6 and n7
  c.run_for(seconds(1));
  c.world().pause(c.process("n6"));
  c.world().add_process("nemesis", function_process([&](Env& env) {
    env.sleep(ms(500));
    c.crash("n6");
  }));
  CHECK(raw(c, "n2", {"CLUSTER", "SETSLOT", std::to_string(kSlot), "IMPORTING", c.node_id("n1"), "TIMEOUT", "3000"}) ==
        "-NOREPLICAS Not enough good replicas to write.\r\n");
  CHECK(c.node("n2")->cluster().importing_from(kSlot) == nullptr);
  CHECK(raw(c, "n2", {"CLUSTER", "SETSLOT", std::to_string(kSlot), "IMPORTING", c.node_id("n1"), "TIMEOUT"}) ==
        "-ERR Missing timeout value\r\n");
}

// A replica checks its primary's replicated MIGRATING/IMPORTING against its
// own view of who owns the slot: a restarted primary may resend a migration
// whose slot the replica already saw go.

TEST_CASE("a replica applies its primary's MIGRATING and IMPORTING that agree with its view", "[migration_failover]") {
  cluster::SimCluster c(options_for(Variant::on, 35));
  c.run_for(seconds(1));
  REQUIRE(raw(c, "n2", {"CLUSTER", "SETSLOT", std::to_string(kSlot), "IMPORTING", c.node_id("n1")}) == "+OK\r\n");
  REQUIRE(raw(c, "n1", {"CLUSTER", "SETSLOT", std::to_string(kSlot), "MIGRATING", c.node_id("n2")}) == "+OK\r\n");
  // n4 sees n1 own the slot, n5 sees n2 not own it.
  REQUIRE(c.node("n4")->cluster().migrating_to(kSlot) != nullptr);
  CHECK(*c.node("n4")->cluster().migrating_to(kSlot) == c.node_id("n2"));
  REQUIRE(c.node("n5")->cluster().importing_from(kSlot) != nullptr);
  CHECK(*c.node("n5")->cluster().importing_from(kSlot) == c.node_id("n1"));
  CHECK(events(c, "setslot_replicated_refused").empty());
}

TEST_CASE("a replica refuses its primary's IMPORTING of a slot it sees its primary own", "[migration_failover]") {
  cluster::SimCluster c(options_for(Variant::on, 36));
  c.run_for(seconds(1));
  // n1 drops slot 449 from its own view only (nobody else claims it): n4 still sees n1 own it.
  REQUIRE(raw(c, "n1", {"CLUSTER", "DELSLOTS", std::to_string(kSlot)}) == "+OK\r\n");
  REQUIRE(raw(c, "n1", {"CLUSTER", "SETSLOT", std::to_string(kSlot), "IMPORTING", c.node_id("n2")}) == "+OK\r\n");
  CHECK(c.node("n1")->cluster().importing_from(kSlot) != nullptr);
  REQUIRE(c.node("n4")->cluster().owner(kSlot) == c.node_id("n1"));
  CHECK(c.node("n4")->cluster().importing_from(kSlot) == nullptr);
  const auto refused = events(c, "setslot_replicated_refused", "n4");
  REQUIRE(refused.size() == 1);
  CHECK(refused[0].detail == "slot=449 action=importing error=ERR My primary is already the owner of hash slot 449");
}

TEST_CASE("a replica refuses its primary's MIGRATING of a slot it does not see its primary own", "[migration_failover]") {
  cluster::SimCluster c(options_for(Variant::on, 37));
  c.run_for(seconds(1));
  constexpr int kOther = 6000;  // n2's
  // n1 takes n2's slot in its own view and opens a migration of it, all in one
  // EXEC so that no UPDATE from the others can undo the claim in between; n4
  // still sees n2 (the newer epoch) own the slot. The stream is not acknowledged inside EXEC.
  REQUIRE(raw(c, "n1", {"MULTI"}) == "+OK\r\n");
  REQUIRE(raw(c, "n1", {"CLUSTER", "DELSLOTS", std::to_string(kOther)}) == "+QUEUED\r\n");
  REQUIRE(raw(c, "n1", {"CLUSTER", "ADDSLOTS", std::to_string(kOther)}) == "+QUEUED\r\n");
  REQUIRE(raw(c, "n1", {"CLUSTER", "SETSLOT", std::to_string(kOther), "MIGRATING", c.node_id("n3")}) == "+QUEUED\r\n");
  REQUIRE(raw(c, "n1", {"EXEC"}) == "*3\r\n+OK\r\n+OK\r\n+OK\r\n");
  REQUIRE(c.node("n1")->cluster().migrating_to(kOther) != nullptr);
  REQUIRE(run_until_every(c, [&] { return c.node("n4")->repl_offset() == c.node("n1")->repl_offset(); }, seconds(2),
                          ms(1)));
  CHECK(c.node("n4")->cluster().owner(kOther) == c.node_id("n2"));
  CHECK(c.node("n4")->cluster().migrating_to(kOther) == nullptr);
  const auto refused = events(c, "setslot_replicated_refused", "n4");
  REQUIRE(refused.size() == 1);
  CHECK(refused[0].detail == "slot=6000 action=migrating error=ERR My primary is not the owner of hash slot 6000");
}

TEST_CASE("a replica holding IMPORTING state redirects ASKING writes and RESTORE-ASKING to the owner",
          "[migration_failover]") {
  cluster::SimCluster c(options_for(Variant::on, 35));
  half_migrate(c);
  // n5 has n2's IMPORTING state (as a demoted primary keeps its own), but only
  // a primary acts on it: what n5 took, its primary would never see.
  REQUIRE(c.node("n5")->cluster().importing_from(kSlot) != nullptr);
  CHECK(raw(c, "n5", {"ASKING"}) == "+OK\r\n");
  CHECK(raw(c, "n5", {"RPUSH", "{k2}new", "x"}) == "-MOVED 449 n1:6379\r\n");
  CHECK(raw(c, "n5", {"ASKING"}) == "+OK\r\n");
  CHECK(raw(c, "n5", {"RESTORE-ASKING", "{k2}other", "0", "payload"}) == "-MOVED 449 n1:6379\r\n");
  CHECK(c.node("n5")->keyspace().peek("{k2}new") == nullptr);
  // Its primary, importing, takes the ASKING write.
  CHECK(raw(c, "n2", {"ASKING"}) == "+OK\r\n");
  CHECK(raw(c, "n2", {"RPUSH", "{k2}new", "x"}) == ":1\r\n");
}
