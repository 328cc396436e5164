// Scenario files: defaults, every field, and errors that name the file, the
// line and the field.
#include <catch2/catch.hpp>

#include "runner/scenario.h"

using namespace slotsim;
using runner::parse_scenario;
using runner::ScenarioError;

namespace {

std::string error_of(const std::string& text) {
  try {
    parse_scenario(text, "s.toml");
  } catch (const ScenarioError& e) {
    return e.what();
  }
  return "<no error>";
}

}  // namespace

TEST_CASE("an empty scenario is a quiet 3x1 cluster under list-append, expected to pass", "[scenario]") {
  const auto s = parse_scenario("", "scenarios/quiet.toml");
  CHECK(s.name == "quiet");
  CHECK(s.primaries == 3);
  CHECK(s.replicas == 1);
  CHECK(s.duration == seconds(30));
  CHECK(s.workload.kind == workload::WorkloadKind::list_append);
  CHECK(s.expect_pass);
}

TEST_CASE("every field of a scenario is read", "[scenario]") {
  const auto s = parse_scenario(R"(
name = "x"
duration = "2.5s"
[cluster]
primaries = 4
replicas = 2
node_timeout = "500ms"
appendfsync = "everysec"
asking = "none"
migration_state_replication = "on"
[workload]
kind = "register"
clients = 7
client_kind = "no_asking"
keys = ["a", "b"]
think_time = "1ms"
read_fraction = 0.5
wait_replicas = 1
[[operator]]
at = "1s"
action = "begin_move"
slot = 449
to = "n2"
keys = 3
[[faults]]
at = "2s"
action = "partition"
groups = [["n1"], ["n2", "n3"]]
[expect]
verdict = "fail"
invariant = "lost-write"
)",
                                "s.toml");
  CHECK(s.name == "x");
  CHECK(s.duration == ms(2500));
  CHECK(s.primaries == 4);
  CHECK(s.replicas == 2);
  CHECK(s.node_timeout == ms(500));
  CHECK(s.appendfsync == node::AppendFsync::everysec);
  CHECK(s.variants.asking == node::Variants::Asking::none);
  CHECK(s.variants.migration_state_replication == node::Variants::MigrationStateReplication::on);
  CHECK(s.workload.kind == workload::WorkloadKind::register_value);
  CHECK(s.clients == 7);
  CHECK(s.workload.client_kind == client::ClientKind::no_asking);
  CHECK(s.workload.key_names == std::vector<std::string>{"a", "b"});
  CHECK(s.workload.read_fraction == 0.5);
  CHECK(s.workload.wait_replicas == 1);
  REQUIRE(s.plan.size() == 1);
  CHECK(s.plan[0].action == "begin_move");
  CHECK(s.plan[0].keys == 3);
  REQUIRE(s.faults.size() == 1);
  CHECK(s.faults[0].groups.size() == 2);
  CHECK_FALSE(s.expect_pass);
  CHECK(s.expect_invariant == "lost-write");
}

TEST_CASE("scenario errors name the file, the line and the field", "[scenario]") {
  CHECK(error_of("[cluster]\nprimaries = \"three\"\n") ==
        "s.toml:2: field 'cluster.primaries': expected an integer, got a string");
  CHECK(error_of("[cluster]\nreplicas = 9\n") ==
        "s.toml:2: field 'cluster.replicas': expected an integer from 0 to 5, got 9");
  CHECK(error_of("duration = \"3 seconds\"\n") ==
        "s.toml:1: field 'duration': expected a duration such as \"2.5s\", \"300ms\" or \"1m\", got \"3 seconds\"");
  CHECK(error_of("\n[workload]\nclint = 3\n").rfind("s.toml:3: field 'workload.clint': unknown field", 0) == 0);
  CHECK(error_of("[cluster]\nasking = \"maybe\"\n") ==
        "s.toml:2: field 'cluster.asking': expected one of \"required\", \"none\", got \"maybe\"");
  CHECK(error_of("[[faults]]\nat = \"1s\"\naction = \"crash\"\nnode = \"n9\"\n") ==
        "s.toml:4: field 'faults[0].node': expected a node name n1..n6, got \"n9\"");
  CHECK(error_of("[expect]\nverdict = \"fail\"\n").find("must name the invariant") != std::string::npos);
  CHECK(error_of("x = [\n").rfind("bad TOML:", 0) == 0);
  CHECK(error_of("x = [\n").find("s.toml") != std::string::npos);
}

TEST_CASE("durations", "[scenario]") {
  Nanos d = 0;
  CHECK((runner::parse_duration("2.5s", d) && d == ms(2500)));
  CHECK((runner::parse_duration("100us", d) && d == 100'000));
  CHECK((runner::parse_duration("2m", d) && d == seconds(120)));
  CHECK_FALSE(runner::parse_duration("5", d));
  CHECK_FALSE(runner::parse_duration("-1s", d));
  CHECK_FALSE(runner::parse_duration("1h", d));
}
