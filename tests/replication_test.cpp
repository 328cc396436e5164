// Primary-replica replication: full and partial resync, WAIT, and the
// documented way Redis loses acknowledged writes (an old primary returning as
// a replica of the one that replaced it).
#include <catch2/catch.hpp>

#include "cluster_test_util.h"
#include "node_test_util.h"

using namespace slotsim;
using slotsim::test::bus_cluster;
using slotsim::test::events;
using slotsim::test::detail_field;
using slotsim::test::is_primary;
using slotsim::test::raw;
using slotsim::test::run_until_converged;
using slotsim::test::run_until_every;

namespace {

// Slot 449 ({k2}) belongs to n1, whose replica is n4.
bool replica_caught_up(cluster::SimCluster& c, const std::string& primary, const std::string& replica) {
  const auto* p = c.node(primary);
  const auto* r = c.node(replica);
  return p != nullptr && r != nullptr && r->replication().link_up && r->repl_offset() == p->repl_offset();
}

}  // namespace

TEST_CASE("a replica copies its primary, then follows its stream", "[replication]") {
  cluster::SimCluster c(bus_cluster(3, 1));
  CHECK(raw(c, "n1", {"SET", "{k2}a", "1"}) == "+OK\r\n");
  CHECK(raw(c, "n1", {"RPUSH", "{k2}list", "x", "y"}) == ":2\r\n");
  CHECK(raw(c, "n1", {"SET", "{k2}ttl", "v", "PX", "100000"}) == "+OK\r\n");
  CHECK(raw(c, "n1", {"MULTI"}) == "+OK\r\n");
  CHECK(raw(c, "n1", {"INCR", "{k2}n"}) == "+QUEUED\r\n");
  CHECK(raw(c, "n1", {"INCR", "{k2}n"}) == "+QUEUED\r\n");
  CHECK(raw(c, "n1", {"EXEC"}) == "*2\r\n:1\r\n:2\r\n");
  REQUIRE(run_until_every(c, [&] { return replica_caught_up(c, "n1", "n4"); }, seconds(5)));
  const auto& replica = c.node("n4")->keyspace();
  REQUIRE(replica.peek("{k2}a") != nullptr);
  CHECK(std::get<std::string>(replica.peek("{k2}a")->data) == "1");
  CHECK(std::get<std::string>(replica.peek("{k2}n")->data) == "2");
  CHECK(std::get<node::ListValue>(replica.peek("{k2}list")->data).size() == 2);
  CHECK(replica.peek("{k2}ttl")->expire_at == c.node("n1")->keyspace().peek("{k2}ttl")->expire_at);
  // A replica restarted from scratch copies everything again.
  c.crash("n4");
  c.restart("n4");
  REQUIRE(run_until_every(c, [&] { return replica_caught_up(c, "n1", "n4"); }, seconds(10)));
  CHECK(c.node("n4")->keyspace().size() == c.node("n1")->keyspace().size());
  CHECK(c.node("n4")->replication().full_syncs == 1);
  const std::string info = raw(c, "n1", {"INFO", "replication"});
  CHECK(info.find("role:master\r\nconnected_slaves:1\r\nslave0:ip=n4,port=6379,state=online,offset=") !=
        std::string::npos);
}

TEST_CASE("WAIT returns how many replicas acknowledged the client's writes", "[replication]") {
  cluster::SimCluster c(bus_cluster(3, 1));
  c.run_for(seconds(1));
  CHECK(raw(c, "n1", {"SET", "{k2}a", "1"}) == "+OK\r\n");
  CHECK(raw(c, "n1", {"WAIT", "1", "1000"}) == ":1\r\n");
  // Asking for more replicas than exist waits out the timeout.
  Nanos before = c.world().now();
  CHECK(raw(c, "n1", {"WAIT", "2", "300"}) == ":1\r\n");
  CHECK(c.world().now() - before >= ms(300));
  CHECK(raw(c, "n1", {"WAIT", "x", "0"}) == "-ERR value is not an integer or out of range\r\n");
  CHECK(raw(c, "n1", {"WAIT", "1", "x"}) == "-ERR timeout is not an integer or out of range\r\n");
  CHECK(raw(c, "n1", {"WAIT", "1", "-1"}) == "-ERR timeout is negative\r\n");
  CHECK(raw(c, "n1", {"WAIT", "1"}) == "-ERR wrong number of arguments for 'wait' command\r\n");
  CHECK(raw(c, "n4", {"WAIT", "1", "0"}).rfind("-ERR WAIT cannot be used with replica instances.", 0) == 0);
  // With the replica gone, a new write is acknowledged by nobody.
  c.crash("n4");
  CHECK(raw(c, "n1", {"SET", "{k2}b", "1"}) == "+OK\r\n");
  before = c.world().now();
  CHECK(raw(c, "n1", {"WAIT", "1", "500"}) == ":0\r\n");
  CHECK(c.world().now() - before >= ms(500));
  // Other clients are served while one waits (WAIT blocks only its client).
  CHECK(raw(c, "n2", {"WAIT", "1", "100"}) == ":1\r\n");
}

TEST_CASE("a replica whose link broke for a moment continues from the backlog", "[replication]") {
  cluster::SimCluster c(bus_cluster(3, 1));
  for (int i = 0; i < 20; ++i) REQUIRE(raw(c, "n1", {"SET", "{k2}" + std::to_string(i), "v"}) == "+OK\r\n");
  REQUIRE(run_until_every(c, [&] { return replica_caught_up(c, "n1", "n4"); }, seconds(5)));
  REQUIRE(c.node("n4")->replication().full_syncs == 1);
  c.world().network().reset_between("n1", "n4");
  // Writes while the link is down land in the backlog.
  for (int i = 20; i < 40; ++i) REQUIRE(raw(c, "n1", {"SET", "{k2}" + std::to_string(i), "v"}) == "+OK\r\n");
  REQUIRE(run_until_every(c, [&] { return replica_caught_up(c, "n1", "n4"); }, seconds(10)));
  CHECK(c.node("n4")->replication().full_syncs == 1);
  CHECK(c.node("n4")->replication().partial_syncs == 1);
  CHECK(c.node("n4")->keyspace().size() == 40);
  CHECK_FALSE(events(c, "replica_sync", "n1").empty());
  CHECK(detail_field(events(c, "replica_sync", "n1").back().detail, "mode") == "partial");
}

TEST_CASE("buggified the primary answers a resync in full and the replica skips its periodic ACKs", "[replication]") {
  // Every buggify site on and firing: the rare paths become the usual ones.
  auto options = bus_cluster(3, 1);
  options.world.buggify = {true, 1.0, 1.0};
  cluster::SimCluster c(options);
  for (int i = 0; i < 20; ++i) REQUIRE(raw(c, "n1", {"SET", "{k2}" + std::to_string(i), "v"}) == "+OK\r\n");
  REQUIRE(run_until_every(c, [&] { return replica_caught_up(c, "n1", "n4"); }, seconds(5)));
  c.world().network().reset_between("n1", "n4");
  for (int i = 20; i < 40; ++i) REQUIRE(raw(c, "n1", {"SET", "{k2}" + std::to_string(i), "v"}) == "+OK\r\n");
  REQUIRE(run_until_every(c, [&] { return replica_caught_up(c, "n1", "n4"); }, seconds(10)));
  // The backlog could have continued it, but the replica got a full sync, and nothing is lost.
  CHECK(c.node("n4")->replication().partial_syncs == 0);
  CHECK(c.node("n4")->replication().full_syncs == 2);
  CHECK(c.node("n4")->keyspace().size() == 40);
  // Without periodic ACKs WAIT still counts the replica: it asks (GETACK), and a GETACK is always answered.
  CHECK(raw(c, "n1", {"WAIT", "1", "300"}) == ":1\r\n");
  for (const char* site : {"psync_full", "replica_ack_skipped", "bus_ping_skipped"}) {
    CAPTURE(site);
    bool fired = false;
    for (const auto& e : events(c, "buggify", "")) fired = fired || e.detail == std::string("site=") + site;
    CHECK(fired);
  }
}

TEST_CASE("an old primary that returns as a replica drops the writes its successor never saw", "[replication]") {
  cluster::SimCluster c(bus_cluster(3, 1, 17));
  CHECK(raw(c, "n1", {"SET", "{k2}kept", "1"}) == "+OK\r\n");
  REQUIRE(run_until_every(c, [&] { return replica_caught_up(c, "n1", "n4"); }, seconds(5)));
  // n1 is cut off from everyone but our client; it still acknowledges writes for a while.
  c.partition({{"n1"}, {"n2", "n3", "n4", "n5", "n6"}});
  CHECK(raw(c, "n1", {"SET", "{k2}lost", "1"}) == "+OK\r\n");
  CHECK(c.node("n1")->keyspace().peek("{k2}lost") != nullptr);
  REQUIRE(run_until_every(c, [&] { return is_primary(c, "n4"); }, seconds(20)));
  c.heal();
  REQUIRE(run_until_converged(c, seconds(30)));
  REQUIRE(run_until_every(c, [&] { return replica_caught_up(c, "n4", "n1"); }, seconds(10)));
  // The acknowledged write is gone everywhere: documented Redis behaviour,
  // and the trace says why (a full resync that dropped local keys).
  CHECK(c.node("n1")->keyspace().peek("{k2}lost") == nullptr);
  CHECK(c.node("n4")->keyspace().peek("{k2}lost") == nullptr);
  CHECK(c.node("n1")->keyspace().peek("{k2}kept") != nullptr);
  const auto syncs = events(c, "replication_sync", "n1");
  REQUIRE_FALSE(syncs.empty());
  CHECK(detail_field(syncs.back().detail, "mode") == "full");
  CHECK(detail_field(syncs.back().detail, "dropped_keys") != "0");
  CHECK_FALSE(events(c, "promoted", "n4").empty());
}

TEST_CASE("a WAIT blocked on a primary that is demoted is answered and closed", "[replication]") {
  cluster::SimCluster c(bus_cluster(3, 1, 5));
  c.run_for(seconds(1));
  std::string reply = "<none>";
  c.world().add_process("waiter", function_process([&](Env& env) {
    client::RespClient client(env, Address{"n1", 6379});
    client.call({"SET", "{k2}a", "1"}, env.now() + seconds(1));
    const auto r = client.call({"WAIT", "5", "0"}, env.now() + seconds(60));
    reply = r.error == IoError::ok ? node::encode_reply(r.reply) : "<" + std::string(to_string(r.error)) + ">";
  }));
  c.run_for(ms(200));
  CHECK(raw(c, "n4", {"CLUSTER", "FAILOVER"}) == "+OK\r\n");
  REQUIRE(run_until_every(c, [&] { return reply != "<none>"; }, seconds(20)));
  CHECK(reply == "-UNBLOCKED force unblock from blocking operation, instance state changed (master -> replica?)\r\n");
}

TEST_CASE("REPLCONF from a plain client", "[replication]") {
  cluster::SimCluster c(bus_cluster(3, 0));
  CHECK(raw(c, "n1", {"REPLCONF"}) == "+OK\r\n");
  CHECK(raw(c, "n1", {"REPLCONF", "listening-port", "1234"}) == "+OK\r\n");
  CHECK(raw(c, "n1", {"REPLCONF", "listening-port"}) == "-ERR syntax error\r\n");
  CHECK(raw(c, "n1", {"REPLCONF", "foo", "bar"}) == "-ERR Unrecognized REPLCONF option: foo\r\n");
  CHECK(raw(c, "n1", {"REPLCONF", "ACK", "0"}, ms(300)) == "<timeout>");  // no reply at all
}

TEST_CASE("a primary is not demoted in the middle of a MIGRATE", "[replication]") {
  cluster::SimCluster c(bus_cluster(3, 1, 6));
  CHECK(raw(c, "n1", {"SET", "{k2}m", "1"}) == "+OK\r\n");
  CHECK(raw(c, "n2", {"CLUSTER", "SETSLOT", "449", "IMPORTING", c.node_id("n1")}) == "+OK\r\n");
  CHECK(raw(c, "n1", {"CLUSTER", "SETSLOT", "449", "MIGRATING", c.node_id("n2")}) == "+OK\r\n");
  c.run_for(seconds(1));
  // The MIGRATE's traffic to n2 is held up for a second; a manual failover starts meanwhile.
  c.world().network().clog("n1", "n2", c.world().now() + seconds(1));
  c.world().add_process("operator", function_process([&](Env& env) {
    env.sleep(ms(200));
    client::RespClient client(env, Address{"n4", 6379});
    client.call({"CLUSTER", "FAILOVER"}, env.now() + seconds(1));
  }));
  CHECK(raw(c, "n1", {"MIGRATE", "n2", "6379", "{k2}m", "0", "5000"}) == "+OK\r\n");
  REQUIRE(run_until_every(c, [&] { return is_primary(c, "n4") && replica_caught_up(c, "n4", "n1"); }, seconds(20)));
  // The key moved exactly once, and the old primary agrees with the new one.
  CHECK(c.node("n4")->keyspace().peek("{k2}m") == nullptr);
  CHECK(c.node("n1")->keyspace().peek("{k2}m") == nullptr);
  CHECK(c.node("n2")->keyspace().peek("{k2}m") != nullptr);
}
