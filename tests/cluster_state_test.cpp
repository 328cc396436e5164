#include <catch2/catch.hpp>

#include "node/cluster_state.h"

using namespace slotsim::node;

namespace {
const std::string kA = "24c5111b8877e2568f5ac4b971d70cc75423486e";
const std::string kB = "4e92bffeff96f0a0b720ea6e0a2b5584cda70bde";
const std::string kC = "e27db7bd450fd0db12b378321101e483716dd34f";
}  // namespace

TEST_CASE("nodes.conf captured from redis 7 parses and renders back the same", "[cluster_state]") {
  // From a real redis-server 7.0 while slot 449 was open (research notes).
  const std::string conf =
      "24c5111b8877e2568f5ac4b971d70cc75423486e 127.0.0.1:7101@17101 myself,master - 0 1795547420000 1 connected 0-5460 "
      "[449->-4e92bffeff96f0a0b720ea6e0a2b5584cda70bde]\n"
      "4e92bffeff96f0a0b720ea6e0a2b5584cda70bde 127.0.0.1:7102@17102 master - 0 1795547421680 2 connected 5461-10922\n"
      "e27db7bd450fd0db12b378321101e483716dd34f 127.0.0.1:7103@17103 master - 0 1795547422684 3 connected 10923-16383\n"
      "vars currentEpoch 3 lastVoteEpoch 0\n";
  ClusterState state;
  REQUIRE_FALSE(ClusterState::parse_config(conf, state));
  CHECK(state.myself_id() == kA);
  CHECK(state.owner(0) == kA);
  CHECK(state.owner(5461) == kB);
  CHECK(state.owner(16383) == kC);
  REQUIRE(state.migrating_to(449));
  CHECK(*state.migrating_to(449) == kB);
  CHECK(state.current_epoch == 3);
  CHECK(state.find(kC)->config_epoch == 3);
  CHECK(state.render_config(1795547420123) == conf);
}

TEST_CASE("importing slots and replicas round trip", "[cluster_state]") {
  ClusterState state;
  state.init_myself(kB, "n2", 6379, 16379);
  ClusterNode a;
  a.id = kA;
  a.ip = "n1";
  a.port = 6379;
  a.cport = 16379;
  a.config_epoch = 1;
  state.add(a);
  ClusterNode c = a;
  c.id = kC;
  c.ip = "n3";
  c.primary = false;
  c.primary_id = kA;
  state.add(c);
  for (int slot = 0; slot < 100; ++slot) state.assign(slot, kA);
  state.assign(100, kB);
  state.assign(102, kB);
  state.set_importing(5, kA);
  state.current_epoch = 7;
  state.last_vote_epoch = 6;
  const std::string text = state.render_config(5000);
  CHECK(text.find(kB + " n2:6379@16379 myself,master - 0 5000 0 connected 100 102 [5-<-" + kA + "]\n") !=
        std::string::npos);
  CHECK(text.find(kC + " n3:6379@16379 slave " + kA + " 0 0 1 connected\n") != std::string::npos);
  ClusterState back;
  REQUIRE_FALSE(ClusterState::parse_config(text, back));
  CHECK(back.render_config(5000) == text);
  CHECK(back.last_vote_epoch == 6);
  CHECK(*back.importing_from(5) == kA);
  CHECK(format_slot_ranges(back.slots_of(kA)) == "0-99");
}

TEST_CASE("a bad nodes.conf is rejected with the line number", "[cluster_state]") {
  ClusterState state;
  auto error = ClusterState::parse_config(
      kA + " n1:6379@16379 myself,master - 0 0 1 connected 0-5460\n" + kB + " n2:6379 master - 0 0 2 connected\n", state);
  REQUIRE(error);
  CHECK(error->find("line 2") != std::string::npos);
  error = ClusterState::parse_config(kA + " n1:6379@16379 master - 0 0 1 connected 0-99999\n", state);
  REQUIRE(error);
  CHECK(error->find("line 1") != std::string::npos);
  CHECK(ClusterState::parse_config(kA + " n1:6379@16379 master - 0 0 1 connected\n", state)->find("myself") !=
        std::string::npos);
}

TEST_CASE("forget removes a node and its slots", "[cluster_state]") {
  ClusterState state;
  state.init_myself(kA, "n1", 6379, 16379);
  ClusterNode b;
  b.id = kB;
  state.add(b);
  state.assign(7, kB);
  state.set_migrating(8, kB);
  state.forget(kB);
  CHECK(state.owner(7).empty());
  CHECK_FALSE(state.migrating_to(8));
  CHECK_FALSE(state.find(kB));
}
