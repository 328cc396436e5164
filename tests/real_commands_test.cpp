// The commands real tools send before anything else (redis-py's COMMAND and
// COMMAND GETKEYS, redis-cli's CLIENT / CONFIG GET / AUTH / HELLO), checked
// byte for byte against what Redis 7.0.15 answers, through the simulated network.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdlib>

#include "node/command_table.h"
#include "node_test_util.h"

using namespace slotsim;
using slotsim::test::raw;
using slotsim::test::small_cluster;

TEST_CASE("COMMAND GETKEYS finds keys as Redis does", "[node][real]") {
  cluster::SimCluster c(small_cluster(1));
  CHECK(raw(c, "n1", {"COMMAND", "GETKEYS", "SET", "a", "b"}) == "*1\r\n$1\r\na\r\n");
  CHECK(raw(c, "n1", {"COMMAND", "GETKEYS", "MSET", "a", "b", "c", "d"}) == "*2\r\n$1\r\na\r\n$1\r\nc\r\n");
  CHECK(raw(c, "n1", {"COMMAND", "GETKEYS", "GET"}) ==
        "-ERR wrong number of arguments for 'command|getkeys' command\r\n");
  CHECK(raw(c, "n1", {"COMMAND", "GETKEYS", "FOO", "a"}) == "-ERR Invalid command specified\r\n");
  CHECK(raw(c, "n1", {"COMMAND", "GETKEYS", "GET", "a", "b"}) ==
        "-ERR Invalid number of arguments specified for command\r\n");
  CHECK(raw(c, "n1", {"COMMAND", "GETKEYS", "PING", "x"}) == "-ERR The command has no key arguments\r\n");
  CHECK(raw(c, "n1", {"COMMAND", "GETKEYS", "CLUSTER", "INFO"}) == "-ERR The command has no key arguments\r\n");
  CHECK(raw(c, "n1", {"COMMAND", "GETKEYS", "MIGRATE", "h", "1", "", "0", "5", "KEYS", "a", "b"}) ==
        "*2\r\n$1\r\na\r\n$1\r\nb\r\n");
  CHECK(raw(c, "n1", {"COMMAND", "GETKEYS", "MIGRATE", "h", "1", "k", "0", "5"}) == "*1\r\n$1\r\nk\r\n");
  CHECK(raw(c, "n1", {"COMMAND", "FOO"}) == "-ERR unknown subcommand 'FOO'. Try COMMAND HELP.\r\n");
}

TEST_CASE("COMMAND INFO entries are Redis 7's ten-element entries", "[node][real]") {
  cluster::SimCluster c(small_cluster(1));
  // Captured from redis-server 7.0.15.
  CHECK(raw(c, "n1", {"COMMAND", "INFO", "get", "nosuch"}) ==
        "*2\r\n*10\r\n$3\r\nget\r\n:2\r\n*2\r\n+readonly\r\n+fast\r\n:1\r\n:1\r\n:1\r\n*3\r\n+@read\r\n+@string\r\n"
        "+@fast\r\n*0\r\n*1\r\n*6\r\n$5\r\nflags\r\n*2\r\n+RO\r\n+access\r\n$12\r\nbegin_search\r\n*4\r\n$4\r\ntype\r\n"
        "$5\r\nindex\r\n$4\r\nspec\r\n*2\r\n$5\r\nindex\r\n:1\r\n$9\r\nfind_keys\r\n*4\r\n$4\r\ntype\r\n$5\r\nrange\r\n"
        "$4\r\nspec\r\n*6\r\n$7\r\nlastkey\r\n:0\r\n$7\r\nkeystep\r\n:1\r\n$5\r\nlimit\r\n:0\r\n*0\r\n$-1\r\n");
  const auto count = c.call("n1", {"COMMAND", "COUNT"});
  REQUIRE(count.reply.type == node::RespValue::Type::integer);
  const auto table = c.call("n1", {"COMMAND"});
  REQUIRE(table.reply.type == node::RespValue::Type::array);
  CHECK(static_cast<std::int64_t>(table.reply.elements.size()) == count.reply.integer);
  // Every command the node answers is in the table, with its subcommands nested.
  bool found_cluster = false;
  for (const auto& entry : table.reply.elements) {
    REQUIRE(entry.elements.size() == 10);
    if (entry.elements[0].text == "cluster") {
      found_cluster = true;
      CHECK(entry.elements[9].elements.size() >= 20);
    }
    if (entry.elements[0].text == "migrate") {
      const auto& flags = entry.elements[2].elements;
      CHECK(std::any_of(flags.begin(), flags.end(), [](const auto& f) { return f.text == "movablekeys"; }));
    }
  }
  CHECK(found_cluster);
  CHECK(raw(c, "n1", {"COMMAND", "DOCS", "get"}) == "*0\r\n");
}

TEST_CASE("the command table agrees with the dispatcher on arities", "[node][real]") {
  cluster::SimCluster c(small_cluster(1));
  for (const node::CommandEntry* entry : node::top_level_commands()) {
    if (entry->arity <= 1 || entry->name == "psync") continue;
    // One argument too few for a fixed or minimum arity: the arity error, in the table's words.
    std::vector<std::string> args(static_cast<std::size_t>(std::abs(entry->arity) - 1), "x");
    args[0] = std::string(entry->name);
    CHECK(raw(c, "n1", args) == "-ERR wrong number of arguments for '" + std::string(entry->name) + "' command\r\n");
  }
}

TEST_CASE("CLIENT subcommands answer as Redis 7.0", "[node][real]") {
  cluster::SimCluster c(small_cluster(1));
  CHECK(raw(c, "n1", {"CLIENT", "SETINFO", "lib-name", "redis-py"}) ==
        "-ERR unknown subcommand 'SETINFO'. Try CLIENT HELP.\r\n");
  CHECK(raw(c, "n1", {"CLIENT", "GETNAME"}) == "$-1\r\n");
  CHECK(raw(c, "n1", {"CLIENT", "SETNAME", "foo"}) == "+OK\r\n");
  CHECK(raw(c, "n1", {"CLIENT", "GETNAME"}) == "$3\r\nfoo\r\n");
  CHECK(raw(c, "n1", {"CLIENT", "SETNAME", "a b"}) ==
        "-ERR Client names cannot contain spaces, newlines or special characters.\r\n");
  CHECK(raw(c, "n1", {"CLIENT", "SETNAME"}) == "-ERR wrong number of arguments for 'client|setname' command\r\n");
  const auto id = c.call("n1", {"CLIENT", "ID"});
  REQUIRE(id.reply.type == node::RespValue::Type::integer);
  CHECK(id.reply.integer > 0);
  const std::string list = c.call("n1", {"CLIENT", "LIST"}).reply.text;
  CHECK(list.find("id=" + std::to_string(id.reply.integer) + " ") != std::string::npos);
  CHECK(list.find(" name=foo ") != std::string::npos);
  CHECK(list.find(" cmd=client|list ") != std::string::npos);
  CHECK(list.back() == '\n');
}

TEST_CASE("CONFIG GET knows a few parameters and answers others with nothing", "[node][real]") {
  auto options = small_cluster(1);
  options.node.appendonly = false;
  cluster::SimCluster c(options);
  CHECK(raw(c, "n1", {"CONFIG", "GET", "save"}) == "*2\r\n$4\r\nsave\r\n$0\r\n\r\n");
  CHECK(raw(c, "n1", {"CONFIG", "GET", "appendonly"}) == "*2\r\n$10\r\nappendonly\r\n$2\r\nno\r\n");
  CHECK(raw(c, "n1", {"CONFIG", "GET", "nosuch"}) == "*0\r\n");
  CHECK(raw(c, "n1", {"CONFIG", "GET"}) == "-ERR wrong number of arguments for 'config|get' command\r\n");
  CHECK(raw(c, "n1", {"CONFIG", "FOO"}) == "-ERR unknown subcommand 'FOO'. Try CONFIG HELP.\r\n");
  CHECK(raw(c, "n1", {"CONFIG", "GET", "cluster-e*"}) == "*2\r\n$15\r\ncluster-enabled\r\n$3\r\nyes\r\n");
}

TEST_CASE("AUTH with a user name: with and without requirepass", "[node][real]") {
  {
    cluster::SimCluster c(small_cluster(1));
    CHECK(raw(c, "n1", {"AUTH", "default", "anything"}) == "+OK\r\n");
    CHECK(raw(c, "n1", {"AUTH", "x"}) ==
          "-ERR AUTH <password> called without any password configured for the default user. Are you sure your "
          "configuration is correct?\r\n");
    CHECK(raw(c, "n1", {"AUTH", "other", "x"}) ==
          "-WRONGPASS invalid username-password pair or user is disabled.\r\n");
    CHECK(raw(c, "n1", {"AUTH", "a", "b", "c"}) == "-ERR syntax error\r\n");
  }
  auto options = small_cluster(1);
  options.node.requirepass = "secret";
  cluster::SimCluster c(options);
  CHECK(raw(c, "n1", {"HELLO", "2"}).rfind("-NOAUTH HELLO must be called", 0) == 0);
  CHECK(raw(c, "n1", {"AUTH", "default", "wrong"}) ==
        "-WRONGPASS invalid username-password pair or user is disabled.\r\n");
  CHECK(raw(c, "n1", {"AUTH", "default", "secret"}) == "+OK\r\n");
  CHECK(raw(c, "n1", {"GET", "foo"}) == "$-1\r\n");
}

TEST_CASE("HELLO 2; QUIT; CLUSTER MEET's argument count", "[node][real]") {
  cluster::SimCluster c(small_cluster(1));
  const std::string id = std::to_string(c.call("n1", {"CLIENT", "ID"}).reply.integer);
  CHECK(raw(c, "n1", {"HELLO", "2"}) ==
        "*14\r\n$6\r\nserver\r\n$5\r\nredis\r\n$7\r\nversion\r\n$6\r\n7.0.15\r\n$5\r\nproto\r\n:2\r\n$2\r\nid\r\n:" + id +
            "\r\n$4\r\nmode\r\n$7\r\ncluster\r\n$4\r\nrole\r\n$6\r\nmaster\r\n$7\r\nmodules\r\n*0\r\n");
  CHECK(raw(c, "n1", {"HELLO", "4"}) == "-NOPROTO unsupported protocol version\r\n");
  CHECK(raw(c, "n1", {"CLUSTER", "MEET", "127.0.0.1", "1", "2", "3"}) ==
        "-ERR unknown subcommand or wrong number of arguments for 'MEET'. Try CLUSTER HELP.\r\n");
  CHECK(raw(c, "n1", {"CLUSTER", "MEET", "127.0.0.1"}) ==
        "-ERR wrong number of arguments for 'cluster|meet' command\r\n");
  CHECK(raw(c, "n1", {"QUIT"}) == "+OK\r\n");
}

TEST_CASE("INFO's uptime counts from the node's start", "[node][real]") {
  cluster::SimCluster c(small_cluster(1));
  c.world().run_for(seconds(3));
  const std::string info = c.call("n1", {"INFO", "server"}).reply.text;
  const auto at = info.find("uptime_in_seconds:");
  REQUIRE(at != std::string::npos);
  const int uptime = std::stoi(info.substr(at + 18));
  CHECK(uptime >= 2);
  CHECK(uptime <= 10);
}

TEST_CASE("a node with cluster support off starts and serves as a lone primary", "[node][real]") {
  auto options = small_cluster(1);
  options.node.cluster_enabled = false;
  cluster::SimCluster c(options);
  CHECK(raw(c, "n1", {"SET", "a", "1"}) == "+OK\r\n");
  CHECK(raw(c, "n1", {"GET", "a"}) == "$1\r\n1\r\n");
  CHECK(raw(c, "n1", {"CLUSTER", "INFO"}) == "-ERR This instance has cluster support disabled\r\n");
  CHECK(c.call("n1", {"INFO", "cluster"}).reply.text == "# Cluster\r\ncluster_enabled:0\r\n");
}
