#include <catch2/catch.hpp>

#include "node/aof.h"
#include "node/resp_parser.h"
#include "cluster_test_util.h"
#include "node_test_util.h"

using namespace slotsim;
using slotsim::test::raw;
using slotsim::test::small_cluster;

namespace {

cluster::SimClusterOptions one_node(node::AppendFsync policy, double torn = 0.0) {
  auto options = small_cluster(1);
  options.node.appendfsync = policy;
  options.world.disk.torn_write_probability = torn;
  return options;
}

}  // namespace

TEST_CASE("nodes.conf keeps identity, epochs and open slots across a crash", "[persistence]") {
  cluster::SimCluster c(small_cluster());
  REQUIRE(raw(c, "n1", {"CLUSTER", "SETSLOT", "449", "MIGRATING", c.node_id("n2")}) == "+OK\r\n");
  REQUIRE(raw(c, "n2", {"CLUSTER", "SETSLOT", "7", "IMPORTING", c.node_id("n1")}) == "+OK\r\n");
  c.crash("n1");
  c.world().run_for(seconds(1));
  c.restart("n1");
  REQUIRE(c.wait_writable("n1"));
  CHECK(raw(c, "n1", {"CLUSTER", "MYID"}) == "$40\r\n" + c.node_id("n1") + "\r\n");
  const auto nodes = c.call("n1", {"CLUSTER", "NODES"}).reply.text;
  CHECK(nodes.find("[449->-" + c.node_id("n2") + "]") != std::string::npos);
  CHECK(c.node("n1")->cluster().current_epoch == 3);
  CHECK(raw(c, "n1", {"GET", "{k2}missing"}) == "-ASK 449 n2:6379\r\n");
}

TEST_CASE("BUMPEPOCH raises the config epoch unless it is already the largest", "[persistence]") {
  cluster::SimCluster c(small_cluster());
  CHECK(raw(c, "n1", {"CLUSTER", "BUMPEPOCH"}) == "+BUMPED 4\r\n");
  CHECK(raw(c, "n1", {"CLUSTER", "BUMPEPOCH"}) == "+STILL 4\r\n");
  c.crash("n1");
  c.restart("n1");
  REQUIRE(c.wait_writable("n1"));
  CHECK(c.node("n1")->cluster().myself().config_epoch == 4);
}

TEST_CASE("appendfsync always: an acknowledged write survives an immediate crash", "[persistence]") {
  cluster::SimCluster c(one_node(node::AppendFsync::always));
  REQUIRE(raw(c, "n1", {"SET", "k", "v"}) == "+OK\r\n");
  REQUIRE(raw(c, "n1", {"RPUSH", "l", "a", "b"}) == ":2\r\n");
  c.crash("n1");
  c.restart("n1");
  REQUIRE(c.wait_writable("n1"));
  CHECK(raw(c, "n1", {"GET", "k"}) == "$1\r\nv\r\n");
  CHECK(raw(c, "n1", {"LRANGE", "l", "0", "-1"}) == "*2\r\n$1\r\na\r\n$1\r\nb\r\n");
}

TEST_CASE("appendfsync everysec: a crash loses at most the last second", "[persistence]") {
  cluster::SimCluster c(one_node(node::AppendFsync::everysec));
  REQUIRE(raw(c, "n1", {"SET", "old", "1"}) == "+OK\r\n");
  c.world().run_for(ms(1500));  // the cron synced it
  REQUIRE(raw(c, "n1", {"SET", "new", "2"}) == "+OK\r\n");
  c.crash("n1");  // before the next sync
  c.restart("n1");
  REQUIRE(c.wait_writable("n1"));
  CHECK(raw(c, "n1", {"GET", "old"}) == "$1\r\n1\r\n");
  CHECK(raw(c, "n1", {"GET", "new"}) == "$-1\r\n");
}

TEST_CASE("appendfsync no: nothing written is durable", "[persistence]") {
  cluster::SimCluster c(one_node(node::AppendFsync::no));
  REQUIRE(raw(c, "n1", {"SET", "k", "v"}) == "+OK\r\n");
  c.world().run_for(seconds(3));
  c.crash("n1");
  c.restart("n1");
  REQUIRE(c.wait_writable("n1"));
  CHECK(raw(c, "n1", {"GET", "k"}) == "$-1\r\n");
}

TEST_CASE("a torn AOF tail is cut at the last whole command", "[persistence]") {
  int torn_seen = 0;
  for (std::uint64_t seed = 1; seed <= 8; ++seed) {
    auto options = one_node(node::AppendFsync::everysec, 1.0);
    options.world.seed = seed;
    cluster::SimCluster c(options);
    REQUIRE(raw(c, "n1", {"INCR", "counter"}) == ":1\r\n");
    c.world().run_for(ms(1500));
    for (int i = 2; i <= 6; ++i) REQUIRE(raw(c, "n1", {"INCR", "counter"}) == ":" + std::to_string(i) + "\r\n");
    c.crash("n1");
    c.restart("n1");
    REQUIRE(c.wait_writable("n1"));
    const auto value = c.call("n1", {"GET", "counter"}).reply.text;
    INFO("seed " << seed << " counter " << value);
    CHECK(std::stoi(value) >= 1);
    CHECK(std::stoi(value) <= 6);
    torn_seen += value != "1" ? 1 : 0;
    // What is left on disk is whole commands only.
    auto& disk = c.world().disk(c.process("n1"));
    const std::string aof = disk.find(node::Aof::kFileName)->content();
    std::size_t offset = 0;
    while (offset < aof.size()) {
      auto parsed = node::parse_request(std::string_view(aof).substr(offset));
      REQUIRE(parsed.status == node::ParsedRequest::Status::command);
      offset += parsed.consumed;
    }
    CHECK(raw(c, "n1", {"INCR", "counter"}) == ":" + std::to_string(std::stoi(value) + 1) + "\r\n");
  }
  CHECK(torn_seen > 0);  // some seeds kept part of the unsynced tail
}

TEST_CASE("expiries are logged as absolute times and replay correctly", "[persistence]") {
  cluster::SimCluster c(one_node(node::AppendFsync::always));
  REQUIRE(raw(c, "n1", {"SET", "short", "v", "PX", "500"}) == "+OK\r\n");
  REQUIRE(raw(c, "n1", {"SET", "long", "v", "EX", "100"}) == "+OK\r\n");
  c.world().run_for(seconds(2));
  c.crash("n1");
  c.restart("n1");
  REQUIRE(c.wait_writable("n1"));
  CHECK(raw(c, "n1", {"GET", "short"}) == "$-1\r\n");
  CHECK(raw(c, "n1", {"GET", "long"}) == "$1\r\nv\r\n");
  const auto ttl = c.call("n1", {"TTL", "long"}).reply.integer;
  CHECK(ttl > 95);
  CHECK(ttl <= 98);
}

TEST_CASE("appendfsync always with strict directory sync: RESTORE and MIGRATE effects are durable", "[persistence]") {
  auto options = small_cluster();
  options.node.appendfsync = node::AppendFsync::always;
  options.world.disk.strict_directory_sync = true;
  cluster::SimCluster c(options);
  REQUIRE(raw(c, "n1", {"SET", "bar", "v"}) == "+OK\r\n");
  const std::string payload = c.call("n1", {"DUMP", "bar"}).reply.text;
  REQUIRE(raw(c, "n1", {"RESTORE", "{user1000}", "0", payload}) == "+OK\r\n");
  REQUIRE(raw(c, "n1", {"RESTORE", "{user1000}x", "60000", payload}) == "+OK\r\n");
  REQUIRE(raw(c, "n2", {"CLUSTER", "SETSLOT", "5061", "IMPORTING", c.node_id("n1")}) == "+OK\r\n");
  REQUIRE(raw(c, "n1", {"CLUSTER", "SETSLOT", "5061", "MIGRATING", c.node_id("n2")}) == "+OK\r\n");
  REQUIRE(raw(c, "n1", {"MIGRATE", "n2", "6379", "bar", "0", "1000"}) == "+OK\r\n");
  c.world().run_for(seconds(8));
  c.crash("n1");
  c.crash("n2");
  c.restart("n1");
  c.restart("n2");
  REQUIRE(c.wait_writable("n1"));
  REQUIRE(c.wait_writable("n2"));
  CHECK(raw(c, "n1", {"GET", "{user1000}"}) == "$1\r\nv\r\n");
  const auto pttl = c.call("n1", {"PTTL", "{user1000}x"}).reply.integer;
  CHECK(pttl > 45000);  // logged with its absolute expiry: 60 s minus the ~10 s that passed
  CHECK(pttl <= 51000);
  CHECK(raw(c, "n1", {"GET", "bar"}) == "-ASK 5061 n2:6379\r\n");  // the source's DEL was durable
  CHECK(raw(c, "n2", {"ASKING"}) == "+OK\r\n");
  CHECK(raw(c, "n2", {"GET", "bar"}) == "$1\r\nv\r\n");  // and so was the target's RESTORE
}

TEST_CASE("a transaction is logged as one block and never replays in part", "[persistence]") {
  int partial_tails = 0;
  for (std::uint64_t seed = 1; seed <= 12; ++seed) {
    auto options = one_node(node::AppendFsync::everysec, 1.0);
    options.world.seed = seed;
    cluster::SimCluster c(options);
    c.world().run_for(ms(1500));
    REQUIRE(raw(c, "n1", {"MULTI"}) == "+OK\r\n");
    REQUIRE(raw(c, "n1", {"SET", "{t}a", "1"}) == "+QUEUED\r\n");
    REQUIRE(raw(c, "n1", {"SET", "{t}b", "1"}) == "+QUEUED\r\n");
    REQUIRE(raw(c, "n1", {"EXEC"}) == "*2\r\n+OK\r\n+OK\r\n");
    const std::string aof = c.world().disk(c.process("n1")).find(node::Aof::kFileName)->content();
    REQUIRE(aof.find("MULTI") != std::string::npos);
    c.crash("n1");
    c.restart("n1");
    REQUIRE(c.wait_writable("n1"));
    const std::string a = node::encode_reply(c.call("n1", {"GET", "{t}a"}).reply);
    const std::string b = node::encode_reply(c.call("n1", {"GET", "{t}b"}).reply);
    INFO("seed " << seed);
    CHECK(a == b);  // both or neither
    const std::size_t left = c.world().disk(c.process("n1")).find(node::Aof::kFileName)->content().size();
    if (left == 0 && a == "$-1\r\n") ++partial_tails;
  }
  CHECK(partial_tails > 0);  // some seeds tore the block and it was cut
}

TEST_CASE("garbage in the middle of the AOF stops the node instead of dropping writes", "[persistence]") {
  cluster::SimCluster c(one_node(node::AppendFsync::always));
  REQUIRE(raw(c, "n1", {"SET", "a", "1"}) == "+OK\r\n");
  REQUIRE(raw(c, "n1", {"SET", "b", "2"}) == "+OK\r\n");
  c.crash("n1");
  auto& disk = c.world().disk(c.process("n1"));
  auto file = disk.find(node::Aof::kFileName);
  std::string corrupted = file->content();
  corrupted.insert(corrupted.find("*3", 4), "?garbage\r\n");
  file->assign(corrupted);
  disk.sync(*file);
  c.restart("n1");
  c.world().run_for(ms(10));
  CHECK_FALSE(c.world().is_up(c.process("n1")));
  REQUIRE_FALSE(c.world().failures().empty());
  CHECK(c.world().failures().back().what.find("bad file format") != std::string::npos);
}

// Startup's check of data against nodes.conf (Redis's verifyClusterConfigWithData).

TEST_CASE("keys of a slot given away that an unsynced AOF brings back mark the slot importing at startup",
          "[persistence]") {
  auto options = test::bus_cluster(3, 0, 4);
  options.node.appendfsync = node::AppendFsync::everysec;
  cluster::SimCluster c(options);
  REQUIRE(raw(c, "n1", {"SET", "{k2}a", "v"}) == "+OK\r\n");
  c.world().run_for(ms(1500));  // the SET is synced
  // Slot 449 moves to n2; nodes.conf is synced at once, the DEL of MIGRATE is not.
  REQUIRE(raw(c, "n2", {"CLUSTER", "SETSLOT", "449", "IMPORTING", c.node_id("n1")}) == "+OK\r\n");
  REQUIRE(raw(c, "n1", {"CLUSTER", "SETSLOT", "449", "MIGRATING", c.node_id("n2")}) == "+OK\r\n");
  REQUIRE(raw(c, "n1", {"MIGRATE", "n2", "6379", "{k2}a", "0", "5000"}) == "+OK\r\n");
  REQUIRE(raw(c, "n2", {"CLUSTER", "SETSLOT", "449", "NODE", c.node_id("n2")}) == "+OK\r\n");
  REQUIRE(raw(c, "n1", {"CLUSTER", "SETSLOT", "449", "NODE", c.node_id("n2")}) == "+OK\r\n");
  auto& disk = c.world().disk(c.process("n1"));
  REQUIRE(disk.find(node::Aof::kFileName)->durable().find("DEL") == std::string::npos);
  const std::vector<int> n1_slots = c.node("n1")->cluster().slots_of(c.node_id("n1"));
  c.crash("n1");
  c.restart("n1");
  REQUIRE(c.wait_writable("n1"));
  const node::Node& n1 = *c.node("n1");
  REQUIRE(n1.keyspace().peek("{k2}a") != nullptr);  // the key came back
  // The owner stays n2; n1 imports from it, so `fix` can reconcile the two copies.
  CHECK(n1.cluster().owner(449) == c.node_id("n2"));
  REQUIRE(n1.cluster().importing_from(449) != nullptr);
  CHECK(*n1.cluster().importing_from(449) == c.node_id("n2"));
  CHECK(n1.cluster().importing().size() == 1);
  CHECK(n1.cluster().slots_of(c.node_id("n1")) == n1_slots);
  const auto unexpected = test::events(c, "slot_keys_unexpected", "n1");
  REQUIRE(unexpected.size() == 1);
  CHECK(unexpected[0].detail == "slot=449 action=importing from=" + c.node_id("n2"));
  // And it is saved: nodes.conf has the open slot.
  CHECK(disk.find(node::Node::kConfigFileName)->content().find("[449-<-" + c.node_id("n2") + "]") !=
        std::string::npos);
  CHECK(raw(c, "n1", {"GET", "{k2}a"}) == "-MOVED 449 n2:6379\r\n");
}

TEST_CASE("keys of a slot nobody owns in nodes.conf make the node claim the slot at startup", "[persistence]") {
  auto options = test::bus_cluster(3, 0, 4);
  options.node.appendfsync = node::AppendFsync::always;
  cluster::SimCluster c(options);
  REQUIRE(raw(c, "n1", {"SET", "{k2}a", "v"}) == "+OK\r\n");
  REQUIRE(raw(c, "n1", {"CLUSTER", "DELSLOTS", "449"}) == "+OK\r\n");  // the keys stay
  REQUIRE(c.node("n1")->cluster().owner(449).empty());
  c.crash("n1");
  c.restart("n1");
  REQUIRE(c.wait_writable("n1"));
  CHECK(c.node("n1")->cluster().owner(449) == c.node_id("n1"));
  CHECK(c.node("n1")->cluster().importing().empty());
  const auto unexpected = test::events(c, "slot_keys_unexpected", "n1");
  REQUIRE(unexpected.size() == 1);
  CHECK(unexpected[0].detail == "slot=449 action=claimed");
  CHECK(raw(c, "n1", {"GET", "{k2}a"}) == "$1\r\nv\r\n");
}

TEST_CASE("a primary with keys of its own slots and a replica with its primary's keys start untouched",
          "[persistence]") {
  auto options = test::bus_cluster(3, 1, 4);
  options.node.appendfsync = node::AppendFsync::always;
  cluster::SimCluster c(options);
  REQUIRE(raw(c, "n1", {"SET", "{k2}a", "v"}) == "+OK\r\n");
  REQUIRE(test::run_until_every(c, [&] { return c.node("n4")->keyspace().peek("{k2}a") != nullptr; }, seconds(5)));
  const std::vector<int> n1_slots = c.node("n1")->cluster().slots_of(c.node_id("n1"));
  for (const char* name : {"n1", "n4"}) {
    CAPTURE(name);
    c.crash(name);
    c.restart(name);
    if (std::string(name) == "n1") REQUIRE(c.wait_writable(name));
    c.run_for(ms(100));
    // It loaded keys from its AOF, so the check had something to look at.
    const auto loaded = test::events(c, "aof_loaded", name);
    REQUIRE_FALSE(loaded.empty());
    CHECK(test::detail_field(loaded.back().detail, "keys") != "0");
    // n4 holds keys of slot 449, which n1 owns: a replica follows its primary, not its own slots.
    CHECK(c.node(name)->cluster().importing().empty());
    CHECK(c.node(name)->cluster().owner(449) == c.node_id("n1"));
    CHECK(c.node(name)->cluster().slots_of(c.node_id("n1")) == n1_slots);
  }
  CHECK(test::events(c, "slot_keys_unexpected").empty());
}
