#include <catch2/catch.hpp>

#include "env/function_service.h"
#include "node_test_util.h"

using namespace slotsim;
using slotsim::test::raw;
using slotsim::test::small_cluster;

namespace {

// Slot 449 ({k2}) belongs to n1 in a 3-primary cluster; it moves to n2.
void open_slot_449(cluster::SimCluster& c) {
  REQUIRE(raw(c, "n1", {"MSET", "{k2}a", "va", "{k2}b", "vb"}) == "+OK\r\n");
  REQUIRE(raw(c, "n1", {"RPUSH", "{k2}list", "1", "2", "3"}) == ":3\r\n");
  REQUIRE(raw(c, "n2", {"CLUSTER", "SETSLOT", "449", "IMPORTING", c.node_id("n1")}) == "+OK\r\n");
  REQUIRE(raw(c, "n1", {"CLUSTER", "SETSLOT", "449", "MIGRATING", c.node_id("n2")}) == "+OK\r\n");
}

}  // namespace

TEST_CASE("a slot migration follows the spec: ASK, ASKING, TRYAGAIN, MIGRATE, SETSLOT NODE", "[migration]") {
  cluster::SimCluster c(small_cluster());
  open_slot_449(c);
  CHECK(raw(c, "n3", {"CLUSTER", "SETSLOT", "449", "MIGRATING", c.node_id("n2")}) ==
        "-ERR I'm not the owner of hash slot 449\r\n");
  // The source serves keys it has, and sends the rest to the target once.
  CHECK(raw(c, "n1", {"GET", "{k2}a"}) == "$2\r\nva\r\n");
  CHECK(raw(c, "n1", {"GET", "{k2}missing"}) == "-ASK 449 n2:6379\r\n");
  CHECK(raw(c, "n1", {"SET", "{k2}new", "x"}) == "-ASK 449 n2:6379\r\n");
  // The target serves the slot only after ASKING, and only for the next command.
  CHECK(raw(c, "n2", {"GET", "{k2}missing"}) == "-MOVED 449 n1:6379\r\n");
  CHECK(raw(c, "n2", {"ASKING"}) == "+OK\r\n");
  CHECK(raw(c, "n2", {"SET", "{k2}new", "x"}) == "+OK\r\n");
  CHECK(raw(c, "n2", {"GET", "{k2}new"}) == "-MOVED 449 n1:6379\r\n");
  CHECK(raw(c, "n2", {"ASKING"}) == "+OK\r\n");
  CHECK(raw(c, "n2", {"PING"}) == "+PONG\r\n");  // any command consumes the flag
  CHECK(raw(c, "n2", {"GET", "{k2}new"}) == "-MOVED 449 n1:6379\r\n");
  // Keys move one by one; a multi-key command over a split slot must retry.
  CHECK(raw(c, "n1", {"MIGRATE", "n2", "6379", "", "0", "5000", "KEYS", "{k2}a"}) == "+OK\r\n");
  CHECK(raw(c, "n1", {"GET", "{k2}a"}) == "-ASK 449 n2:6379\r\n");
  CHECK(raw(c, "n1", {"MGET", "{k2}a", "{k2}b"}) == "-TRYAGAIN Multiple keys request during rehashing of slot\r\n");
  CHECK(raw(c, "n2", {"ASKING"}) == "+OK\r\n");
  CHECK(raw(c, "n2", {"MGET", "{k2}a", "{k2}b"}) == "-TRYAGAIN Multiple keys request during rehashing of slot\r\n");
  CHECK(raw(c, "n2", {"ASKING"}) == "+OK\r\n");
  CHECK(raw(c, "n2", {"GET", "{k2}a"}) == "$2\r\nva\r\n");
  CHECK(raw(c, "n1", {"MIGRATE", "n2", "6379", "", "0", "5000", "KEYS", "{k2}b", "{k2}list"}) == "+OK\r\n");
  CHECK(raw(c, "n1", {"MIGRATE", "n2", "6379", "{k2}gone", "0", "5000"}) == "+NOKEY\r\n");
  CHECK(raw(c, "n1", {"CLUSTER", "COUNTKEYSINSLOT", "449"}) == ":0\r\n");
  CHECK(raw(c, "n2", {"CLUSTER", "COUNTKEYSINSLOT", "449"}) == ":4\r\n");
  // Finalize on the target first: it claims the slot with a new config epoch.
  CHECK(raw(c, "n2", {"CLUSTER", "SETSLOT", "449", "NODE", c.node_id("n2")}) == "+OK\r\n");
  CHECK(c.node("n2")->cluster().myself().config_epoch == 4);
  CHECK(c.node("n2")->cluster().current_epoch == 4);
  CHECK_FALSE(c.node("n2")->cluster().importing_from(449));
  CHECK(raw(c, "n1", {"CLUSTER", "SETSLOT", "449", "NODE", c.node_id("n2")}) == "+OK\r\n");
  CHECK_FALSE(c.node("n1")->cluster().migrating_to(449));
  CHECK(raw(c, "n3", {"CLUSTER", "SETSLOT", "449", "NODE", c.node_id("n2")}) == "+OK\r\n");
  CHECK(raw(c, "n1", {"GET", "{k2}a"}) == "-MOVED 449 n2:6379\r\n");
  CHECK(raw(c, "n3", {"GET", "{k2}a"}) == "-MOVED 449 n2:6379\r\n");
  CHECK(raw(c, "n2", {"GET", "{k2}a"}) == "$2\r\nva\r\n");
  CHECK(raw(c, "n2", {"LRANGE", "{k2}list", "0", "-1"}) == "*3\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n");
  CHECK(raw(c, "n2", {"GET", "{k2}new"}) == "$1\r\nx\r\n");
  CHECK(c.world().failures().empty());
}

TEST_CASE("asking=none: the importing node serves everything and a key splits", "[migration]") {
  auto options = small_cluster();
  REQUIRE_FALSE(options.node.variants.set("asking", "none"));
  cluster::SimCluster c(options);
  open_slot_449(c);
  // No ASKING needed any more: a client that lands on n2 writes there...
  CHECK(raw(c, "n2", {"GET", "{k2}a"}) == "$-1\r\n");
  CHECK(raw(c, "n2", {"SET", "{k2}a", "written-on-n2"}) == "+OK\r\n");
  // ...while the source still serves its own copy: two values for one key.
  CHECK(raw(c, "n1", {"GET", "{k2}a"}) == "$2\r\nva\r\n");
  CHECK(raw(c, "n2", {"GET", "{k2}a"}) == "$13\r\nwritten-on-n2\r\n");
}

TEST_CASE("asking=required: the same client is redirected and the key stays whole", "[migration]") {
  cluster::SimCluster c(small_cluster());
  open_slot_449(c);
  CHECK(raw(c, "n2", {"SET", "{k2}a", "written-on-n2"}) == "-MOVED 449 n1:6379\r\n");
  CHECK(raw(c, "n1", {"GET", "{k2}a"}) == "$2\r\nva\r\n");
}

TEST_CASE("MIGRATE to a dead target fails and keeps the key", "[migration]") {
  cluster::SimCluster c(small_cluster());
  open_slot_449(c);
  c.crash("n2");
  CHECK(raw(c, "n1", {"MIGRATE", "n2", "6379", "{k2}a", "0", "1000"}) ==
        "-IOERR error or timeout writing to target instance\r\n");
  CHECK(raw(c, "n1", {"GET", "{k2}a"}) == "$2\r\nva\r\n");
}

TEST_CASE("MIGRATE that times out after the target applied it leaves the key on both nodes", "[migration]") {
  cluster::SimCluster c(small_cluster());
  open_slot_449(c);
  // MIGRATE keeps its connection to n2 open; then n2's answers stop coming back.
  REQUIRE(raw(c, "n1", {"MIGRATE", "n2", "6379", "{k2}list", "0", "1000"}) == "+OK\r\n");
  c.world().network().block("n2", "n1");
  CHECK(raw(c, "n1", {"MIGRATE", "n2", "6379", "{k2}a", "0", "1000"}) ==
        "-IOERR error or timeout reading to target instance\r\n");
  c.world().network().heal();
  CHECK(raw(c, "n1", {"GET", "{k2}a"}) == "$2\r\nva\r\n");  // nothing lost on the source
  CHECK(raw(c, "n2", {"ASKING"}) == "+OK\r\n");
  CHECK(raw(c, "n2", {"GET", "{k2}a"}) == "$2\r\nva\r\n");  // and a copy on the target (redis#1616)
  // A retry with REPLACE completes the move.
  CHECK(raw(c, "n1", {"MIGRATE", "n2", "6379", "{k2}a", "0", "1000", "REPLACE"}) == "+OK\r\n");
  CHECK(raw(c, "n1", {"GET", "{k2}a"}) == "-ASK 449 n2:6379\r\n");
  // Without REPLACE the target refuses a key it already has.
  REQUIRE(raw(c, "n1", {"SET", "{k2}b", "again"}) == "+OK\r\n");
  CHECK(raw(c, "n2", {"ASKING"}) == "+OK\r\n");
  CHECK(raw(c, "n2", {"SET", "{k2}b", "there"}) == "+OK\r\n");
  CHECK(raw(c, "n1", {"MIGRATE", "n2", "6379", "{k2}b", "0", "1000"}) ==
        "-ERR Target instance replied with error: BUSYKEY Target key name already exists.\r\n");
  CHECK(raw(c, "n1", {"GET", "{k2}b"}) == "$5\r\nagain\r\n");
}

TEST_CASE("while MIGRATE waits on the target, no other command runs on the source", "[migration]") {
  cluster::SimCluster c(small_cluster());
  open_slot_449(c);
  REQUIRE(raw(c, "n1", {"MIGRATE", "n2", "6379", "{k2}list", "0", "1000"}) == "+OK\r\n");
  c.world().network().block("n2", "n1");
  Nanos answered_at = -1;
  std::string answer;
  const Nanos start = c.world().now();
  c.world().add_process("other", function_process([&](Env& env) {
    env.sleep_until(start + ms(100));
    client::RespClient other(env, {"n1", 6379});
    auto result = other.call({"SET", "{k2}a", "concurrent"}, env.now() + seconds(5));
    answered_at = env.now();
    answer = node::encode_reply(result.reply);
  }));
  CHECK(raw(c, "n1", {"MIGRATE", "n2", "6379", "{k2}a", "0", "1000"}) ==
        "-IOERR error or timeout reading to target instance\r\n");
  c.world().run_for(seconds(1));
  CHECK(answer == "+OK\r\n");
  CHECK(answered_at >= start + ms(1000));  // it waited for MIGRATE to finish
}

TEST_CASE("MIGRATE reuses its connection and reconnects once when it died", "[migration]") {
  cluster::SimCluster c(small_cluster());
  open_slot_449(c);
  REQUIRE(raw(c, "n1", {"MIGRATE", "n2", "6379", "{k2}a", "0", "1000"}) == "+OK\r\n");
  c.crash("n2");
  c.restart("n2");
  REQUIRE(c.wait_writable("n2"));
  REQUIRE(raw(c, "n2", {"CLUSTER", "SETSLOT", "449", "IMPORTING", c.node_id("n1")}) == "+OK\r\n");
  // The cached connection was reset by the restart: a fresh one is used.
  CHECK(raw(c, "n1", {"MIGRATE", "n2", "6379", "{k2}b", "0", "1000"}) == "+OK\r\n");
  CHECK(raw(c, "n1", {"GET", "{k2}b"}) == "-ASK 449 n2:6379\r\n");
}
