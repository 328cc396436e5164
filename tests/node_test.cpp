#include <catch2/catch.hpp>

#include "node/hash_slot.h"
#include "env/function_service.h"
#include "node_test_util.h"

using namespace slotsim;
using slotsim::test::raw;
using slotsim::test::small_cluster;

TEST_CASE("a formed cluster serves keys of its slots and redirects the others", "[node]") {
  cluster::SimCluster c(small_cluster());
  // foo -> 12182 (n3), bar -> 5061 (n1): slots split 0-5460, 5461-10922, 10923-16383.
  CHECK(raw(c, "n3", {"SET", "foo", "1"}) == "+OK\r\n");
  CHECK(raw(c, "n3", {"GET", "foo"}) == "$1\r\n1\r\n");
  CHECK(raw(c, "n1", {"GET", "foo"}) == "-MOVED 12182 n3:6379\r\n");
  CHECK(raw(c, "n2", {"SET", "foo", "2"}) == "-MOVED 12182 n3:6379\r\n");
  CHECK(raw(c, "n1", {"SET", "bar", "x"}) == "+OK\r\n");
  CHECK(raw(c, "n1", {"CLUSTER", "KEYSLOT", "123456789"}) == ":12739\r\n");
  CHECK(raw(c, "n1", {"CLUSTER", "KEYSLOT", "{user1000}.following"}) == ":3443\r\n");
  CHECK(raw(c, "n1", {"PING"}) == "+PONG\r\n");  // keyless commands run anywhere
}

TEST_CASE("multi-key commands must hash to one slot", "[node]") {
  cluster::SimCluster c(small_cluster());
  CHECK(raw(c, "n1", {"MSET", "{b}a", "1", "{b}b", "2"}) == "+OK\r\n");
  CHECK(raw(c, "n1", {"MGET", "{b}a", "{b}b"}) == "*2\r\n$1\r\n1\r\n$1\r\n2\r\n");
  CHECK(raw(c, "n1", {"MGET", "foo", "bar"}) == "-CROSSSLOT Keys in request don't hash to the same slot\r\n");
  CHECK(raw(c, "n1", {"DEL", "foo", "bar"}) == "-CROSSSLOT Keys in request don't hash to the same slot\r\n");
}

TEST_CASE("lookup and arity errors come before redirection, worded as Redis", "[node]") {
  cluster::SimCluster c(small_cluster());
  CHECK(raw(c, "n1", {"GET", "foo", "bar"}) == "-ERR wrong number of arguments for 'get' command\r\n");
  CHECK(raw(c, "n1", {"NOSUCH", "foo"}) == "-ERR unknown command 'NOSUCH', with args beginning with: 'foo' \r\n");
  CHECK(raw(c, "n1", {"FOOBAR"}) == "-ERR unknown command 'FOOBAR', with args beginning with: \r\n");
  CHECK(raw(c, "n1", {"CLUSTER", "NOSUCHSUB"}) == "-ERR unknown subcommand 'NOSUCHSUB'. Try CLUSTER HELP.\r\n");
  CHECK(raw(c, "n1", {"CLUSTER", "KEYSLOT"}) == "-ERR wrong number of arguments for 'cluster|keyslot' command\r\n");
  CHECK(raw(c, "n1", {"SELECT", "1"}) == "-ERR SELECT is not allowed in cluster mode\r\n");
  CHECK(raw(c, "n1", {"SELECT", "0"}) == "+OK\r\n");
  CHECK(raw(c, "n1", {"ASKING", "x"}) == "-ERR wrong number of arguments for 'asking' command\r\n");
}

TEST_CASE("an unassigned slot is not served and the cluster goes down", "[node]") {
  cluster::SimCluster c(small_cluster());
  REQUIRE(raw(c, "n1", {"SET", "bar", "1"}) == "+OK\r\n");
  CHECK(raw(c, "n1", {"CLUSTER", "DELSLOTS", "5061"}) == "+OK\r\n");
  CHECK(raw(c, "n1", {"GET", "bar"}) == "-CLUSTERDOWN Hash slot not served\r\n");
  // n1 now misses a slot: full coverage is gone, so every keyed command fails.
  CHECK(raw(c, "n1", {"GET", "{user1000}"}) == "-CLUSTERDOWN The cluster is down\r\n");
  CHECK(raw(c, "n1", {"CLUSTER", "DELSLOTS", "5061"}) == "-ERR Slot 5061 is already unassigned\r\n");
  CHECK(raw(c, "n1", {"CLUSTER", "ADDSLOTS", "5061"}) == "+OK\r\n");
  CHECK(raw(c, "n1", {"GET", "bar"}) == "$1\r\n1\r\n");
}

TEST_CASE("slot management commands check their arguments as Redis does", "[node]") {
  cluster::SimCluster c(small_cluster());
  CHECK(raw(c, "n1", {"CLUSTER", "ADDSLOTS", "0"}) == "-ERR Slot 0 is already busy\r\n");
  CHECK(raw(c, "n1", {"CLUSTER", "ADDSLOTS", "16384"}) == "-ERR Invalid or out of range slot\r\n");
  CHECK(raw(c, "n1", {"CLUSTER", "ADDSLOTS", "abc"}) == "-ERR Invalid or out of range slot\r\n");
  CHECK(raw(c, "n1", {"CLUSTER", "ADDSLOTSRANGE", "10", "5"}) ==
        "-ERR start slot number 10 is greater than end slot number 5\r\n");
  CHECK(raw(c, "n1", {"CLUSTER", "ADDSLOTSRANGE", "1", "2", "3"}) ==
        "-ERR wrong number of arguments for 'cluster|addslotsrange' command\r\n");
  CHECK(raw(c, "n1", {"CLUSTER", "DELSLOTSRANGE", "5001", "5003"}) == "+OK\r\n");
  CHECK(raw(c, "n1", {"CLUSTER", "ADDSLOTS", "5001", "5001"}) == "-ERR Slot 5001 specified multiple times\r\n");
  CHECK(raw(c, "n1", {"CLUSTER", "ADDSLOTSRANGE", "5001", "5003"}) == "+OK\r\n");
  CHECK(raw(c, "n1", {"CLUSTER", "COUNTKEYSINSLOT", "16384"}) == "-ERR Invalid slot\r\n");
  CHECK(raw(c, "n1", {"CLUSTER", "COUNTKEYSINSLOT", "abc"}) == "-ERR value is not an integer or out of range\r\n");
  CHECK(raw(c, "n1", {"CLUSTER", "GETKEYSINSLOT", "3300", "-1"}) == "-ERR Invalid slot or number of keys\r\n");
  REQUIRE(raw(c, "n1", {"MSET", "{b}1", "x", "{b}2", "y", "b", "z"}) == "+OK\r\n");
  CHECK(raw(c, "n1", {"CLUSTER", "COUNTKEYSINSLOT", "3300"}) == ":3\r\n");
  CHECK(raw(c, "n1", {"CLUSTER", "GETKEYSINSLOT", "3300", "2"}) == "*2\r\n$1\r\nb\r\n$4\r\n{b}1\r\n");
}

TEST_CASE("SETSLOT enforces who may migrate and import", "[node]") {
  cluster::SimCluster c(small_cluster());
  const std::string n1 = c.node_id("n1");
  const std::string n2 = c.node_id("n2");
  CHECK(raw(c, "n1", {"CLUSTER", "SETSLOT", "6000", "MIGRATING", n2}) == "-ERR I'm not the owner of hash slot 6000\r\n");
  CHECK(raw(c, "n1", {"CLUSTER", "SETSLOT", "100", "IMPORTING", n2}) == "-ERR I'm already the owner of hash slot 100\r\n");
  CHECK(raw(c, "n1", {"CLUSTER", "SETSLOT", "100", "NODE", "nosuchnode"}) == "-ERR Unknown node nosuchnode\r\n");
  CHECK(raw(c, "n1", {"CLUSTER", "SETSLOT", "100", "MIGRATING", "nosuchnode"}) ==
        "-ERR I don't know about node nosuchnode\r\n");
  CHECK(raw(c, "n1", {"CLUSTER", "SETSLOT", "16384", "STABLE"}) == "-ERR Invalid or out of range slot\r\n");
  CHECK(raw(c, "n1", {"CLUSTER", "SETSLOT", "100", "BOGUS"}) ==
        "-ERR Invalid CLUSTER SETSLOT action or number of arguments. Try CLUSTER HELP\r\n");
  CHECK(raw(c, "n1", {"CLUSTER", "SETSLOT", "100", "STABLE", "extra"}) ==
        "-ERR Invalid CLUSTER SETSLOT action or number of arguments. Try CLUSTER HELP\r\n");
  REQUIRE(raw(c, "n1", {"SET", "{b}1", "x"}) == "+OK\r\n");
  CHECK(raw(c, "n1", {"CLUSTER", "SETSLOT", "3300", "NODE", n2}) ==
        "-ERR Can't assign hashslot 3300 to a different node while I still hold keys for this hash slot.\r\n");
  CHECK(raw(c, "n1", {"CLUSTER", "SETSLOT", "100", "MIGRATING", n1}) == "+OK\r\n");  // as Redis: allowed
  CHECK(raw(c, "n1", {"CLUSTER", "SETSLOT", "100", "STABLE"}) == "+OK\r\n");
}

TEST_CASE("CLUSTER NODES, SLOTS, MYID and INFO describe the formed cluster", "[node]") {
  cluster::SimCluster c(small_cluster(3, 1));
  const auto nodes = c.call("n1", {"CLUSTER", "NODES"}).reply.text;
  CHECK(nodes.find(c.node_id("n1") + " n1:6379@16379 myself,master - 0 ") != std::string::npos);
  CHECK(nodes.find(" 1 connected 0-5460\n") != std::string::npos);
  CHECK(nodes.find(c.node_id("n4") + " n4:6379@16379 slave " + c.node_id("n1") + " ") != std::string::npos);
  CHECK(raw(c, "n2", {"CLUSTER", "MYID"}) == "$40\r\n" + c.node_id("n2") + "\r\n");
  const auto slots = c.call("n1", {"CLUSTER", "SLOTS"}).reply;
  REQUIRE(slots.elements.size() == 3);
  CHECK(slots.elements[1].elements[0].integer == 5461);
  CHECK(slots.elements[1].elements[1].integer == 10922);
  CHECK(slots.elements[1].elements[2].elements[0].text == "n2");
  CHECK(slots.elements[1].elements[3].elements[2].text == c.node_id("n5"));  // the replica follows
  const auto info = c.call("n1", {"CLUSTER", "INFO"}).reply.text;
  CHECK(info.rfind("cluster_state:ok\r\ncluster_slots_assigned:16384\r\n", 0) == 0);
  CHECK(info.find("cluster_known_nodes:6\r\ncluster_size:3\r\n") != std::string::npos);
  CHECK(c.call("n1", {"INFO", "cluster"}).reply.text == "# Cluster\r\ncluster_enabled:1\r\n");
  CHECK(c.call("n1", {"INFO", "replication"}).reply.text.find("role:master\r\n") != std::string::npos);
  CHECK(c.call("n4", {"INFO", "replication"}).reply.text.find("role:slave\r\n") != std::string::npos);
}

TEST_CASE("a replica redirects writes, and serves reads only under READONLY", "[node]") {
  cluster::SimCluster c(small_cluster(3, 1));
  // bar -> slot 5061 of n1; n4 replicates n1.
  CHECK(raw(c, "n4", {"GET", "bar"}) == "-MOVED 5061 n1:6379\r\n");
  CHECK(raw(c, "n4", {"READONLY"}) == "+OK\r\n");
  CHECK(raw(c, "n4", {"GET", "bar"}) == "$-1\r\n");
  CHECK(raw(c, "n4", {"SET", "bar", "1"}) == "-MOVED 5061 n1:6379\r\n");
  CHECK(raw(c, "n4", {"GET", "foo"}) == "-MOVED 12182 n3:6379\r\n");  // not its primary's slot
  CHECK(raw(c, "n4", {"READWRITE"}) == "+OK\r\n");
  CHECK(raw(c, "n4", {"GET", "bar"}) == "-MOVED 5061 n1:6379\r\n");
}

TEST_CASE("MULTI/EXEC queues, aborts on queue-time errors, and routes as a unit", "[node]") {
  cluster::SimCluster c(small_cluster());
  CHECK(raw(c, "n1", {"MULTI"}) == "+OK\r\n");
  CHECK(raw(c, "n1", {"SET", "bar", "1"}) == "+QUEUED\r\n");
  CHECK(raw(c, "n1", {"INCR", "bar"}) == "+QUEUED\r\n");
  CHECK(raw(c, "n1", {"EXEC"}) == "*2\r\n+OK\r\n:2\r\n");
  CHECK(raw(c, "n1", {"MULTI"}) == "+OK\r\n");
  CHECK(raw(c, "n1", {"GET", "foo"}) == "-MOVED 12182 n3:6379\r\n");
  CHECK(raw(c, "n1", {"EXEC"}) == "-EXECABORT Transaction discarded because of previous errors.\r\n");
  CHECK(raw(c, "n1", {"MULTI"}) == "+OK\r\n");
  CHECK(raw(c, "n1", {"GET", "bar"}) == "+QUEUED\r\n");
  CHECK(raw(c, "n1", {"GET", "{user1000}"}) == "+QUEUED\r\n");
  CHECK(raw(c, "n1", {"EXEC"}) == "-CROSSSLOT Keys in request don't hash to the same slot\r\n");
  CHECK(raw(c, "n1", {"EXEC"}) == "-ERR EXEC without MULTI\r\n");
  CHECK(raw(c, "n1", {"DISCARD"}) == "-ERR DISCARD without MULTI\r\n");
}

TEST_CASE("a protocol error is answered, then the connection is closed", "[node]") {
  cluster::SimCluster c(small_cluster());
  std::string reply;
  IoError after = IoError::ok;
  c.world().add_process("raw", function_process([&](Env& env) {
    auto conn = env.connect({"n1", 6379}, env.now() + seconds(1));
    REQUIRE(conn);
    (*conn)->write("PING\r\n*1\r\n$-5\r\n");
    char buf[256];
    for (;;) {
      ReadResult r = (*conn)->read(buf, sizeof buf, env.now() + seconds(1));
      if (r.error != IoError::ok) {
        after = r.error;
        return;
      }
      reply.append(buf, r.n);
    }
  }));
  c.world().run_for(seconds(2));
  CHECK(reply == "+PONG\r\n-ERR Protocol error: invalid bulk length\r\n");
  CHECK(after == IoError::eof);
}

TEST_CASE("random bytes never take a node down", "[node]") {
  cluster::SimCluster c(small_cluster(1));
  sim::Rng rng(99);
  std::vector<std::string> garbage;
  for (int i = 0; i < 300; ++i) {
    std::string bytes;
    const auto length = rng.below(64);
    const char* alphabet = "*$+-:\r\n0123456789 \"'\\abcSETGET";
    for (std::uint64_t j = 0; j < length; ++j) {
      bytes += rng.chance(0.5) ? alphabet[rng.below(30)] : static_cast<char>(rng.below(256));
    }
    garbage.push_back(bytes);
  }
  test::send_each_on_new_connection(c, "n1", garbage);
  c.world().run_for(seconds(30));
  CHECK(c.world().failures().empty());
  CHECK(c.world().is_up(c.process("n1")));
  CHECK(raw(c, "n1", {"PING"}) == "+PONG\r\n");
}

TEST_CASE("requirepass makes every command but AUTH wait for the password", "[node]") {
  auto options = small_cluster(1);
  options.node.requirepass = "secret";
  cluster::SimCluster c(options);
  CHECK(raw(c, "n1", {"GET", "foo"}) == "-NOAUTH Authentication required.\r\n");
  CHECK(raw(c, "n1", {"AUTH", "wrong"}) == "-WRONGPASS invalid username-password pair or user is disabled.\r\n");
  CHECK(raw(c, "n1", {"AUTH", "secret"}) == "+OK\r\n");
  CHECK(raw(c, "n1", {"SET", "foo", "1"}) == "+OK\r\n");
}

TEST_CASE("DUMP and RESTORE round-trip values and check their arguments in Redis's order", "[node]") {
  cluster::SimCluster c(small_cluster(1));
  REQUIRE(raw(c, "n1", {"SET", "s", "hello"}) == "+OK\r\n");
  REQUIRE(raw(c, "n1", {"RPUSH", "l", "a", "b"}) == ":2\r\n");
  const std::string string_payload = c.call("n1", {"DUMP", "s"}).reply.text;
  const std::string list_payload = c.call("n1", {"DUMP", "l"}).reply.text;
  CHECK(string_payload.substr(0, 7) == std::string("\x00\x05hello", 7));
  CHECK(raw(c, "n1", {"DUMP", "missing"}) == "$-1\r\n");
  CHECK(raw(c, "n1", {"RESTORE", "s", "abc", string_payload}) == "-BUSYKEY Target key name already exists.\r\n");
  CHECK(raw(c, "n1", {"RESTORE", "s2", "abc", string_payload}) == "-ERR value is not an integer or out of range\r\n");
  CHECK(raw(c, "n1", {"RESTORE", "s2", "-1", string_payload}) == "-ERR Invalid TTL value, must be >= 0\r\n");
  CHECK(raw(c, "n1", {"RESTORE", "s2", "0", "garbage"}) == "-ERR DUMP payload version or checksum are wrong\r\n");
  CHECK(raw(c, "n1", {"RESTORE", "s2", "0", string_payload, "IDLETIME", "-1"}) ==
        "-ERR Invalid IDLETIME value, must be >= 0\r\n");
  CHECK(raw(c, "n1", {"RESTORE", "s2", "0", string_payload, "BOGUS"}) == "-ERR syntax error\r\n");
  CHECK(raw(c, "n1", {"RESTORE", "s2", "0", string_payload}) == "+OK\r\n");
  CHECK(raw(c, "n1", {"GET", "s2"}) == "$5\r\nhello\r\n");
  CHECK(raw(c, "n1", {"RESTORE", "l", "5000", list_payload, "REPLACE"}) == "+OK\r\n");
  CHECK(raw(c, "n1", {"LRANGE", "l", "0", "-1"}) == "*2\r\n$1\r\na\r\n$1\r\nb\r\n");
  CHECK(c.call("n1", {"PTTL", "l"}).reply.integer > 4000);
}

TEST_CASE("ASKING covers a whole MULTI block on the importing node", "[node]") {
  cluster::SimCluster c(small_cluster());
  REQUIRE(raw(c, "n2", {"CLUSTER", "SETSLOT", "449", "IMPORTING", c.node_id("n1")}) == "+OK\r\n");
  REQUIRE(raw(c, "n1", {"CLUSTER", "SETSLOT", "449", "MIGRATING", c.node_id("n2")}) == "+OK\r\n");
  CHECK(raw(c, "n2", {"ASKING"}) == "+OK\r\n");
  CHECK(raw(c, "n2", {"MULTI"}) == "+OK\r\n");
  CHECK(raw(c, "n2", {"SET", "{k2}x", "1"}) == "+QUEUED\r\n");
  CHECK(raw(c, "n2", {"GET", "{k2}x"}) == "+QUEUED\r\n");
  CHECK(raw(c, "n2", {"EXEC"}) == "*2\r\n+OK\r\n$1\r\n1\r\n");
  CHECK(raw(c, "n2", {"GET", "{k2}x"}) == "-MOVED 449 n1:6379\r\n");  // and it ends with EXEC
  // The same key twice is one key, not a multi-key request over a split slot.
  CHECK(raw(c, "n2", {"ASKING"}) == "+OK\r\n");
  CHECK(raw(c, "n2", {"MGET", "{k2}m", "{k2}m"}) == "*2\r\n$-1\r\n$-1\r\n");
}

TEST_CASE("EXEC is routed before queue-time errors abort it; CLUSTER subcommand errors abort", "[node]") {
  cluster::SimCluster c(small_cluster());
  CHECK(raw(c, "n1", {"MULTI"}) == "+OK\r\n");
  CHECK(raw(c, "n1", {"GET", "bar"}) == "+QUEUED\r\n");
  CHECK(raw(c, "n1", {"GET", "{user1000}"}) == "+QUEUED\r\n");
  CHECK(raw(c, "n1", {"NOSUCHCMD"}) == "-ERR unknown command 'NOSUCHCMD', with args beginning with: \r\n");
  CHECK(raw(c, "n1", {"EXEC"}) == "-CROSSSLOT Keys in request don't hash to the same slot\r\n");
  CHECK(raw(c, "n1", {"MULTI"}) == "+OK\r\n");
  CHECK(raw(c, "n1", {"CLUSTER", "NOSUCHSUB"}) == "-ERR unknown subcommand 'NOSUCHSUB'. Try CLUSTER HELP.\r\n");
  CHECK(raw(c, "n1", {"CLUSTER", "SETSLOT", "1"}) == "-ERR wrong number of arguments for 'cluster|setslot' command\r\n");
  CHECK(raw(c, "n1", {"EXEC"}) == "-EXECABORT Transaction discarded because of previous errors.\r\n");
}

TEST_CASE("a restarted primary refuses keys for the writable delay", "[node]") {
  cluster::SimCluster c(small_cluster());
  c.restart("n1");
  c.world().run_for(ms(100));
  CHECK(raw(c, "n1", {"GET", "bar"}) == "-CLUSTERDOWN The cluster is down\r\n");
  CHECK(raw(c, "n1", {"PING"}) == "+PONG\r\n");
  c.world().run_for(ms(2100));
  CHECK(raw(c, "n1", {"GET", "bar"}) == "$-1\r\n");
}

TEST_CASE("slot commands check ranges one by one, end imports, and count currentEpoch", "[node]") {
  cluster::SimCluster c(small_cluster());
  CHECK(raw(c, "n1", {"CLUSTER", "ADDSLOTSRANGE", "0", "10", "abc", "5"}) == "-ERR Slot 0 is already busy\r\n");
  CHECK(raw(c, "n1", {"CLUSTER", "ADDSLOTSRANGE", "0", "10", "7", "3"}) == "-ERR Slot 0 is already busy\r\n");
  CHECK(raw(c, "n1", {"CLUSTER", "ADDSLOTS", "0", "abc"}) == "-ERR Invalid or out of range slot\r\n");
  // n2's own view: an import ends when the slot is deleted, and when it is added.
  REQUIRE(raw(c, "n2", {"CLUSTER", "SETSLOT", "449", "IMPORTING", c.node_id("n1")}) == "+OK\r\n");
  REQUIRE(raw(c, "n2", {"CLUSTER", "DELSLOTS", "449"}) == "+OK\r\n");
  CHECK_FALSE(c.node("n2")->cluster().importing_from(449));
  REQUIRE(raw(c, "n2", {"CLUSTER", "SETSLOT", "449", "IMPORTING", c.node_id("n1")}) == "+OK\r\n");
  REQUIRE(raw(c, "n2", {"CLUSTER", "ADDSLOTS", "449"}) == "+OK\r\n");
  CHECK_FALSE(c.node("n2")->cluster().importing_from(449));
  // n3 holds the largest configEpoch (3); once n1 forgets it, currentEpoch 3 still counts.
  REQUIRE(raw(c, "n1", {"CLUSTER", "FORGET", c.node_id("n3")}) == "+OK\r\n");
  CHECK(raw(c, "n1", {"CLUSTER", "BUMPEPOCH"}) == "+BUMPED 4\r\n");
}

TEST_CASE("large and truncated requests never take a node down", "[node]") {
  cluster::SimCluster c(small_cluster(1));
  sim::Rng rng(7);
  std::vector<std::string> inputs;
  for (int i = 0; i < 20; ++i) {
    // Valid-looking headers with huge declared lengths, long inline lines, and big pipelines cut short.
    const std::string value(static_cast<std::size_t>(rng.below(200'000)), 'v');
    std::string pipeline;
    for (int j = 0; j < 50; ++j) pipeline += "*3\r\n$3\r\nSET\r\n$4\r\nkey" + std::to_string(j % 10) + "\r\n$1\r\nx\r\n";
    inputs.push_back(pipeline.substr(0, rng.below(pipeline.size())));
    inputs.push_back("*2\r\n$3\r\nGET\r\n$" + std::to_string(value.size()) + "\r\n" + value.substr(0, value.size() / 2));
    inputs.push_back("*1\r\n$999999999999\r\n");
    inputs.push_back(std::string(70'000, 'a'));
    inputs.push_back("*2147483647\r\n" + value);
  }
  test::send_each_on_new_connection(c, "n1", inputs);
  c.world().run_for(seconds(30));
  CHECK(c.world().failures().empty());
  CHECK(raw(c, "n1", {"PING"}) == "+PONG\r\n");
  CHECK(raw(c, "n1", {"DBSIZE"}).rfind(":", 0) == 0);  // still answering data commands
}
