// The vote-twice bug switch: a primary neither checks lastVoteEpoch nor
// saves it before its ACK, so it grants a second vote in one epoch, but it
// keeps the per-primary vote delay (voted_time, memory only): a sibling of
// the replica it just voted for is still refused. The correct node refuses
// both. Auth requests are hand-made, so each rule is met in isolation.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "cluster_test_util.h"
#include "node/bus_message.h"
#include "node_test_util.h"

using namespace slotsim;
using slotsim::test::bus_cluster;
using slotsim::test::detail_field;
using slotsim::test::events;
using slotsim::test::run_until_every;

namespace {

std::string replica_of(cluster::SimCluster& c, const std::string& primary, std::size_t which) {
  std::vector<std::string> found;
  for (const auto& name : c.names()) {
    const auto* n = c.node(name);
    if (n != nullptr && !n->cluster().myself().primary && n->cluster().myself().primary_id == c.node_id(primary)) {
      found.push_back(name);
    }
  }
  REQUIRE(found.size() > which);
  return found[which];
}

// What n3 answers to three requests for epoch 10: a replica of failed n1, its
// sibling, and a replica of failed n2. Returns n3's vote traces, in order:
// "granted" or the denial's reason.
std::vector<std::string> votes_of_n3(bool vote_twice) {
  auto options = bus_cluster(5, 2, 3);
  if (vote_twice) options.node.variants.bugs |= 1U << static_cast<unsigned>(node::Bug::vote_twice);
  cluster::SimCluster c(options);
  c.run_for(seconds(2));
  const std::vector<std::string> requesters = {replica_of(c, "n1", 0), replica_of(c, "n1", 1), replica_of(c, "n2", 0)};
  // The real replicas must not run elections of their own meanwhile.
  for (const auto& primary : {"n1", "n2"}) {
    for (std::size_t i = 0; i < 2; ++i) c.world().pause(c.process(replica_of(c, primary, i)));
  }
  const node::SlotBitmap n1_slots = c.node("n3")->cluster().slot_set(c.node_id("n1"));
  const node::SlotBitmap n2_slots = c.node("n3")->cluster().slot_set(c.node_id("n2"));
  c.crash("n1");
  c.crash("n2");
  REQUIRE(run_until_every(c, [&] {
    const auto& view = c.node("n3")->cluster();
    return view.find(c.node_id("n1"))->fail && view.find(c.node_id("n2"))->fail;
  }, seconds(30), ms(10)));
  std::vector<std::string> frames;
  for (const auto& name : requesters) {
    node::bus::Message m;
    m.type = node::bus::MessageType::failover_auth_request;
    m.sender = c.node_id(name);
    m.ip = name;
    m.port = 6379;
    m.cport = 16379;
    m.current_epoch = 10;
    const bool of_n1 = c.node(name)->cluster().myself().primary_id == c.node_id("n1");
    m.config_epoch = c.node("n3")->cluster().find(c.node_id(of_n1 ? "n1" : "n2"))->config_epoch;
    m.primary_id = c.node_id(of_n1 ? "n1" : "n2");
    m.slots = of_n1 ? n1_slots : n2_slots;
    m.flags = node::bus::node_flag::replica;
    frames.push_back(node::bus::encode(m));
  }
  c.world().add_process("spoofer", function_process([frames](Env& env) {
    for (const auto& frame : frames) {
      auto conn = env.connect({"n3", 16379}, env.now() + seconds(1));  // one link per sender
      if (!conn) continue;
      (*conn)->write(frame);
      env.sleep(ms(50));
    }
  }));
  c.run_for(ms(500));
  std::vector<std::string> answers;
  for (const auto& e : events(c, "vote_granted", "n3")) {
    if (detail_field(e.detail, "epoch") == "10") answers.push_back("granted");
  }
  for (const auto& e : events(c, "vote_denied", "n3")) {
    if (detail_field(e.detail, "epoch") == "10") answers.push_back(detail_field(e.detail, "reason"));
  }
  return answers;
}

}  // namespace

TEST_CASE("vote-twice grants a second vote in one epoch but keeps the per-primary vote delay", "[failover]") {
  const auto correct = votes_of_n3(false);
  CHECK(std::count(correct.begin(), correct.end(), "granted") == 1);
  CHECK(std::count(correct.begin(), correct.end(), "already_voted") == 2);
  const auto buggy = votes_of_n3(true);
  CHECK(std::count(buggy.begin(), buggy.end(), "granted") == 2);  // n1's replica and n2's: one epoch, two votes
  CHECK(std::count(buggy.begin(), buggy.end(), "voted_recently") == 1);  // n1's second replica
}
