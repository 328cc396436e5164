// What a seed of a scenario runs: the new scenario sections, swarm draws,
// nemesis generators turned into faults, the TOML writer, phase-triggered
// faults, and shrinking.
#include <catch2/catch.hpp>

#include <set>

#include "runner/run_plan.h"
#include "runner/run_scenario.h"
#include "runner/scenario.h"
#include "runner/scenario_writer.h"
#include "runner/shrink.h"

using namespace slotsim;
using runner::parse_scenario;

namespace {

std::string error_of(const std::string& text) {
  try {
    parse_scenario(text, "s.toml");
  } catch (const runner::ScenarioError& e) {
    return e.what();
  }
  return "<no error>";
}

const char* kChaos = R"(
duration = "40s"
[cluster]
primaries = 3
replicas = 1
[network]
latency = "exponential"
min = "200us"
mean = "500us"
max = "5ms"
[workload]
clients = 6
[[faults]]
phase = "midway"
side = "both"
action = "isolate"
duration = "2s"
[[faults]]
at = "3s"
action = "clock_skew"
node = "n2"
offset = "-150ms"
drift_ppm = 20000
[[nemesis]]
action = "crash"
every = "5s"
duration = "4s"
targets = "primaries"
[[nemesis]]
action = "partition"
every = "7s"
duration = "3s"
start = "2s"
stop = "30s"
[swarm]
primaries = [3, 5]
replicas = [1, 2]
clients = [2, 9]
node_timeout = ["1s", "4s"]
[expect]
forbid = ["S1", "lost-write"]
)";

}  // namespace

TEST_CASE("the network, fault, nemesis, swarm and expect sections are read", "[run_plan]") {
  const auto s = parse_scenario(kChaos, "chaos.toml");
  CHECK(s.latency.kind == sim::LatencyModel::Kind::exponential);
  CHECK(s.latency.mean == us(500));
  REQUIRE(s.faults.size() == 2);
  CHECK(s.faults[0].phase == "midway");
  CHECK(s.faults[0].side == "both");
  CHECK(s.faults[0].duration == seconds(2));
  CHECK(s.faults[1].offset == -ms(150));
  CHECK(s.faults[1].drift_ppm == 20000);
  REQUIRE(s.nemesis.size() == 2);
  CHECK(s.nemesis[0].targets == "primaries");
  CHECK(s.nemesis[1].stop == seconds(30));
  CHECK(s.swarm.enabled);
  CHECK(s.swarm.primaries_max == 5);
  CHECK(s.swarm.node_timeout_min == seconds(1));
  CHECK(s.forbids("S1"));
  CHECK_FALSE(s.forbids("L3"));
}

TEST_CASE("mistakes in the new sections name the line and the field", "[run_plan]") {
  CHECK(error_of("[[faults]]\nphase = \"halfway\"\naction = \"crash\"\n").find("s.toml:2: field 'faults[0].phase'") == 0);
  CHECK(error_of("[[faults]]\nphase = \"midway\"\naction = \"restart\"\n").find("faults[0].action") != std::string::npos);
  CHECK(error_of("[[faults]]\nat = \"1s\"\nphase = \"midway\"\naction = \"crash\"\n").find("either at or phase") !=
        std::string::npos);
  CHECK(error_of("[[nemesis]]\naction = \"crash\"\nevery = \"0s\"\n").find("s.toml:3: field 'nemesis[0].every'") == 0);
  CHECK(error_of("[swarm]\nprimaries = [4, 2]\n").find("s.toml:2: field 'swarm.primaries'") == 0);
  // A swarm that could draw a cluster without a node the scenario names.
  CHECK(error_of("[[faults]]\nat = \"1s\"\naction = \"crash\"\nnode = \"n6\"\n[swarm]\nreplicas = [0, 1]\n")
            .find("names n6") != std::string::npos);
  CHECK(error_of("[network]\nlatency = \"gaussian\"\n").find("field 'network.latency'") != std::string::npos);
  CHECK(error_of("[network]\nmin = \"2ms\"\n").find("s.toml:2: field 'network.max': expected max >= min") == 0);
  // Node names are used as written: "n01" would name no node.
  CHECK(error_of("[[faults]]\naction = \"crash\"\nnode = \"n01\"\n").find("field 'faults[0].node'") !=
        std::string::npos);
  CHECK(error_of("[[faults]]\naction = \"partition\"\ngroups = [[\"n1\"], [\"n9\"]]\n")
            .find("field 'faults[0].groups': expected node names n1..n6") != std::string::npos);
  CHECK(error_of("[[faults]]\naction = \"partition\"\ngroups = []\n").find("at least two groups") !=
        std::string::npos);
}

TEST_CASE("a seed's plan is a function of the scenario and the seed", "[run_plan]") {
  const auto s = parse_scenario(kChaos, "chaos.toml");
  const auto a = runner::instantiate(s, 11);
  const auto b = runner::instantiate(s, 11);
  CHECK(runner::to_toml(a) == runner::to_toml(b));
  bool some_seed_differs = false;
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    const auto p = runner::instantiate(s, seed);
    some_seed_differs = some_seed_differs || runner::to_toml(p) != runner::to_toml(a);
    // Swarm draws stay within the bounds; generators become timed faults.
    CHECK(p.primaries >= 3);
    CHECK(p.primaries <= 5);
    CHECK(p.replicas >= 1);
    CHECK(p.replicas <= 2);
    CHECK(p.clients >= 2);
    CHECK(p.clients <= 9);
    CHECK(p.node_timeout >= seconds(1));
    CHECK(p.node_timeout <= seconds(4));
    CHECK(p.nemesis.empty());
    CHECK_FALSE(p.swarm.enabled);
    Nanos previous_crash_end = 0;
    for (const auto& f : p.faults) {
      if (!f.phase.empty()) continue;
      CHECK(f.at < p.duration);
      if (f.action == "crash") {
        // One generator's faults never overlap, and hit primaries only.
        CHECK(f.at >= previous_crash_end);
        previous_crash_end = f.at + f.duration;
        const int index = std::stoi(f.node.substr(1));
        CHECK(index <= p.primaries);
      }
      if (f.action == "partition") {
        CHECK(f.at >= seconds(2));
        CHECK(f.at < seconds(30));
        REQUIRE(f.groups.size() == 2);
        CHECK(f.groups[0].size() < f.groups[1].size());
      }
    }
    // Timed faults in time order, the phase fault last.
    CHECK(p.faults.back().phase == "midway");
  }
  CHECK(some_seed_differs);
}

// One migration for phase faults to strike: slot 449, n1 -> n2, at 2 s.
const std::string kOneMove = R"(
[[operator]]
at = "2s"
action = "move_slot"
slot = 449
to = "n2"
)";

TEST_CASE("the migration swarm draws phase faults and the run's persistence and clients within bounds", "[run_plan]") {
  const auto s = parse_scenario(R"(
duration = "20s"
[network]
latency = "uniform"
min = "1ms"
max = "5ms"
)" + kOneMove + R"(
[swarm]
phase_faults = [1, 2]
phase_fault_duration = ["300ms", "10s"]
appendfsync = ["always", "everysec"]
client_kind = ["smart", "dumb"]
latency_max = ["2ms", "150ms"]
)",
                                "m.toml");
  std::set<std::string> phases, sides, actions, fsyncs, kinds;
  bool short_fault = false, long_fault = false;
  for (std::uint64_t seed = 1; seed <= 200; ++seed) {
    const auto p = runner::instantiate(s, seed);
    int phase_faults = 0;
    for (const auto& f : p.faults) {
      if (f.phase.empty()) continue;
      ++phase_faults;
      phases.insert(f.phase);
      sides.insert(f.side);
      actions.insert(f.action);
      CHECK(f.duration >= ms(300));
      CHECK(f.duration <= seconds(10));
      short_fault = short_fault || f.duration < seconds(1);
      long_fault = long_fault || f.duration > seconds(5);
    }
    CHECK(phase_faults >= 1);
    CHECK(phase_faults <= 2);
    fsyncs.insert(p.appendfsync == node::AppendFsync::always ? "always" : "everysec");
    kinds.insert(p.workload.client_kind == client::ClientKind::dumb ? "dumb" : "smart");
    CHECK(p.latency.max >= ms(2));
    CHECK(p.latency.max <= ms(150));
    CHECK(p.appendfsync != node::AppendFsync::no);
    // The drawn plan is written out and read back whole: a stored run replays it.
    CHECK(runner::to_toml(parse_scenario(runner::to_toml(p), "p.toml")) == runner::to_toml(p));
  }
  // Every phase, side and action is drawn, short faults (restarts) as well as long ones (failovers).
  CHECK(phases.size() == 5);
  CHECK(sides == std::set<std::string>{"both", "source", "target"});
  CHECK(actions == std::set<std::string>{"clog", "crash", "isolate", "pause"});
  CHECK(fsyncs.size() == 2);
  CHECK(kinds.size() == 2);
  CHECK(short_fault);
  CHECK(long_fault);
  // The same seed draws the same plan.
  CHECK(runner::to_toml(runner::instantiate(s, 7)) == runner::to_toml(runner::instantiate(s, 7)));
  // A bad value names the file, the line and the field.
  CHECK(error_of("[swarm]\nappendfsync = [\"always\", \"sometimes\"]\n")
            .find("s.toml:2: field 'swarm.appendfsync': expected values from") == 0);
  CHECK(error_of("[swarm]\nlatency_max = [\"2ms\", \"150ms\"]\n[network]\nlatency = \"exponential\"\n")
            .find("field 'swarm.latency_max'") != std::string::npos);
}

TEST_CASE("phase_fault_actions limits the actions phase faults draw, and only those", "[run_plan]") {
  const std::string base = kOneMove + R"(
[swarm]
phase_faults = [2, 3]
phase_fault_duration = ["50ms", "1500ms"]
)";
  const auto restarts = parse_scenario(base + "phase_fault_actions = [\"crash\"]\n", "r.toml");
  const auto any = parse_scenario(base, "a.toml");
  std::set<std::string> phases, sides, any_actions;
  int drawn = 0;
  for (std::uint64_t seed = 1; seed <= 100; ++seed) {
    const auto p = runner::instantiate(restarts, seed);
    for (const auto& f : p.faults) {
      if (f.phase.empty()) continue;
      ++drawn;
      CHECK(f.action == "crash");
      CHECK(f.duration <= ms(1500));
      phases.insert(f.phase);
      sides.insert(f.side);
    }
    for (const auto& f : runner::instantiate(any, seed).faults) {
      if (!f.phase.empty()) any_actions.insert(f.action);
    }
    // Written out and read back whole (the swarm's bounds are spent by then).
    CHECK(runner::to_toml(parse_scenario(runner::to_toml(p), "p.toml")) == runner::to_toml(p));
  }
  CHECK(drawn >= 200);
  // Phase and side stay random; without the knob every action is drawn.
  CHECK(phases.size() == 5);
  CHECK(sides.size() == 3);
  CHECK(any_actions == std::set<std::string>{"clog", "crash", "isolate", "pause"});
  // The unbound scenario keeps its knob through the writer.
  CHECK(runner::to_toml(restarts).find("phase_fault_actions = [\"crash\"]") != std::string::npos);
  CHECK(error_of("[swarm]\nphase_fault_actions = [\"crash\", \"reboot\"]\n")
            .find("s.toml:2: field 'swarm.phase_fault_actions': expected values from") == 0);
}

TEST_CASE("a scenario written as TOML reads back to the same scenario", "[run_plan]") {
  const auto s = parse_scenario(kChaos, "chaos.toml");
  const auto text = runner::to_toml(s);
  const auto again = parse_scenario(text, "again.toml");
  CHECK(runner::to_toml(again) == text);
  const auto planned = runner::instantiate(s, 5);
  const auto planned_text = runner::to_toml(planned);
  const auto reread = parse_scenario(planned_text, "planned.toml");
  CHECK(runner::to_toml(reread) == planned_text);
  // An instantiated scenario instantiates to itself: replaying a stored one changes nothing.
  CHECK(runner::to_toml(runner::instantiate(reread, 99)) == planned_text);
  CHECK(runner::format_duration(-ms(200)) == "-200ms");
  CHECK(runner::format_duration(us(1500)) == "1500us");
}

TEST_CASE("a phase fault strikes the migration's source when the operator reaches the phase", "[run_plan]") {
  const auto s = parse_scenario(R"(
duration = "12s"
[workload]
clients = 2
keys = ["{k2}0", "{k2}1", "{k2}2", "{k2}3"]
[[operator]]
at = "1s"
action = "move_slot"
slot = 449
to = "n2"
batch = 1
[[faults]]
phase = "midway"
side = "source"
action = "crash"
duration = "5s"
)",
                                "phase.toml");
  runner::RunOptions options;
  options.keep_trace = true;
  const auto r = runner::run_scenario(runner::instantiate(s, 3), 3, options);
  REQUIRE(r.faults.size() == 2);
  CHECK(r.faults[0].action == "crash");
  CHECK(r.faults[0].node == "n1");  // slot 449's owner, the migration's source
  CHECK(r.faults[1].action == "restart");
  CHECK(r.faults[1].time - r.faults[0].time == seconds(5));
  // The crash comes right after the first batch's MIGRATE, at the same virtual time.
  Nanos midway = -1;
  for (const auto& e : r.trace) {
    if (e.kind == "operator_phase" && e.detail.find("phase=midway") == 0) midway = e.time;
  }
  CHECK(midway == r.faults[0].time);
  CHECK(r.coverage.at("operator_phase") >= 3);
}

TEST_CASE("a shard phase fault takes the primary and its live replicas together", "[run_plan]") {
  const std::string scenario = R"(
duration = "12s"
[cluster]
replicas = 2
[workload]
clients = 2
keys = ["{k2}0", "{k2}1"]
[[operator]]
at = "1s"
action = "move_slot"
slot = 449
to = "n2"
[[faults]]
phase = "after_migrating"
action = "crash"
duration = "1s"
)";
  auto crashed = [&](const std::string& side) {
    const auto s = parse_scenario(scenario + "side = \"" + side + "\"\n", "shard.toml");
    const auto r = runner::run_scenario(runner::instantiate(s, 1), 1, {});
    std::set<std::string> nodes;
    for (const auto& f : r.faults) {
      if (f.action == "crash") nodes.insert(f.node);
    }
    return nodes;
  };
  // Three primaries with two replicas each, numbered in blocks: n1's are n4 and n5, n2's n6 and n7.
  CHECK(crashed("source_shard") == std::set<std::string>{"n1", "n4", "n5"});
  CHECK(crashed("target_shard") == std::set<std::string>{"n2", "n6", "n7"});
  CHECK(crashed("both") == std::set<std::string>{"n1", "n2"});
}
TEST_CASE("shrinking keeps the failure and removes what it does not need", "[run_plan]") {
  // The pre-ASKING bug: a dumb client racing a migration splits a key.
  const auto s = parse_scenario(R"(
duration = "10s"
[cluster]
replicas = 0
asking = "none"
[workload]
clients = 4
client_kind = "dumb"
keys = ["{k2}0", "{k2}1", "{k2}2", "{k2}3"]
think_time = "5ms"
[[operator]]
at = "300ms"
action = "move_slot"
slot = 449
to = "n2"
[[faults]]
at = "8s"
action = "pause"
node = "n3"
duration = "1s"
)",
                                "race.toml");
  const auto planned = runner::instantiate(s, 1);
  const auto original = runner::run_scenario(planned, 1);
  REQUIRE(original.verdict == runner::Verdict::safety);
  const auto shrunk = runner::shrink_run(planned, 1, original.invariant, 60);
  CHECK(shrunk.result.invariant == original.invariant);
  CHECK(shrunk.minimized.faults.empty());  // the pause of n3 has nothing to do with it
  CHECK(shrunk.minimized.plan.size() == 1);  // the migration does
  CHECK(shrunk.minimized.clients < 4);
  CHECK(shrunk.removed.find("faults 1 -> 0") != std::string::npos);
  // The minimized run, written out and read back, still fails the same way.
  const auto reread = parse_scenario(runner::to_toml(shrunk.minimized), "min.toml");
  CHECK(runner::run_scenario(reread, 1).invariant == original.invariant);
}
