// A scenario file (scenarios/*.toml): the cluster, the workload, the
// operator's plan, the faults, and the verdict the run must reach. Every
// field has a default, so a scenario states only what it is about:
//
//   name = "asking-race"                  # default: the file name
//   duration = "30s"
//   [cluster]    primaries, replicas, empty_primaries, node_timeout, appendfsync, buggify,
//                asking = "required"|"none", migration_state_replication = "off"|"on",
//                bug = "vote-twice" or ["a", "b"] (the zoo, node/variants.h)
//   [workload]   kind = "list-append"|"register"|"counter", clients,
//                client_kind = "smart"|"dumb"|"no_asking", keys (list) or key_count,
//                think_time, read_fraction, wait_replicas
//   [[operator]] at = "5s", action = "move_slot" (slot, to) | "begin_move" (slot, to, keys)
//                | "failover" (node, mode) | "fix"; move_slot takes batch = 10
//   [[faults]]   at = "10s" | phase = "midway" with side = "source"|"target"|"both"|"source_shard"|"target_shard";
//                action = "crash"|"restart"|"pause"|"resume"|"isolate" (node)
//                | "partition" (groups = [["n1"], ["n2", "n3"]]) | "heal"
//                | "clock_skew" (node, offset, drift_ppm) | "slow" (node, factor)
//                | "clog" (node) | "reset" (node); duration = "3s" undoes it
//   [[nemesis]]  action, every = "10s", duration = "2s", targets, start, stop
//   [network]    latency = "uniform"|"constant"|"exponential", min, max, mean
//   [swarm]      primaries = [2, 4], replicas = [0, 2], empty_primaries = [0, 2], clients = [2, 10],
//                node_timeout = ["1s", "5s"], nemesis = true, buggify = true,
//                phase_faults = [1, 2], phase_fault_duration = ["500ms", "10s"],
//                appendfsync = ["always", "everysec"], client_kind = ["smart", "dumb"],
//                latency_max = ["2ms", "150ms"]
//   [expect]     verdict = "pass" | "fail", invariant = "lost-write" (for fail),
//                forbid = ["S1", "lost-write", ...] (default: everything)
//
// A mistake names the file, the line and the field, and what was expected
// (ScenarioError's message).
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "client/cluster_client.h"
#include "env/time.h"
#include "node/node_config.h"
#include "sim/latency.h"
#include "workload/workload.h"

namespace slotsim::runner {

class ScenarioError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct OperatorStep {
  Nanos at = 0;
  std::string action;  // move_slot | begin_move | failover | fix
  int slot = -1;
  std::string to;      // move_slot, begin_move: node name
  int keys = 0;        // begin_move: how many keys to move before stopping
  int batch = 10;      // move_slot: keys per MIGRATE
  std::string node;    // failover: the replica
  std::string mode;    // failover: "", "force", "takeover"
};

// One fault: at a time, or when the operator's migration reaches a phase.
struct FaultStep {
  Nanos at = 0;
  std::string phase;   // a MovePhase name (workload/cluster_operator.h); then `at` is unused
  // Phase faults: which end of the migration, "source" | "target" | "both", or
  // "source_shard" | "target_shard": that primary and its replicas at the time
  // (a rack or power failure takes a whole shard down at once).
  std::string side;
  std::string action;  // crash | restart | pause | resume | isolate | partition | heal
                       // | clock_skew | slow | clog | reset
  std::string node;    // every action but partition and heal (and phase faults, which use side)
  std::vector<std::vector<std::string>> groups;  // partition
  Nanos duration = 0;  // > 0: undone after this long (restart, resume, heal, clock reset; slow/clog end)
  Nanos offset = 0;            // clock_skew: the jump
  std::int64_t drift_ppm = 0;  // clock_skew: the rate error
  double factor = 10;          // slow: latency multiplier
};

// A random fault generator: faults of one kind at exponential intervals,
// drawn from the seed when the run starts (they become FaultSteps, so the
// run records, replays and shrinks them like explicit ones).
struct NemesisSpec {
  std::string action;            // crash | pause | isolate | partition | clock_skew | slow | clog | reset
  Nanos every = seconds(10);     // mean time between the end of one fault and the next
  Nanos duration = seconds(2);   // each lasts between duration/2 and duration
  std::string targets = "any";   // any | primaries | replicas (roles as created)
  Nanos start = 0;
  Nanos stop = 0;                // 0: the end of the safety phase
};

// Swarm testing: each seed draws its own shape, timeouts and fault mix
// within these bounds (Groce et al., "Swarm Testing", ISSTA 2012).
struct SwarmSpec {
  bool enabled = false;
  int primaries_min = 0, primaries_max = 0;  // 0: keep the scenario's
  int replicas_min = -1, replicas_max = -1;  // -1: keep the scenario's
  int empty_primaries_min = -1, empty_primaries_max = -1;
  int clients_min = 0, clients_max = 0;
  Nanos node_timeout_min = 0, node_timeout_max = 0;
  bool nemesis = true;  // keep each [[nemesis]] generator with probability 1/2
  bool buggify = true;  // buggify on in half the seeds
  // The migration nemesis made random: each seed adds this many phase faults,
  // each with its phase, side, action (crash, pause, isolate, clog) and
  // duration (log-uniform in the range) drawn from the seed.
  int phase_faults_min = 0, phase_faults_max = 0;
  Nanos phase_fault_duration_min = ms(500), phase_fault_duration_max = seconds(10);
  // The actions phase faults draw from; empty: all four. ["crash"] with short
  // durations makes every phase fault a restart that loses unsynced writes.
  std::vector<std::string> phase_fault_actions;
  // The sides they draw from; empty: source, target and both.
  std::vector<std::string> phase_fault_sides;
  std::vector<std::string> appendfsync;  // one drawn per seed, when not empty
  std::vector<std::string> client_kind;  // one drawn per seed, when not empty
  Nanos latency_max_min = 0, latency_max_max = 0;  // > 0: the uniform latency's max drawn from this range
};

struct Scenario {
  std::string name;
  std::string file;
  std::string text;  // the file as read, for the record
  std::string description;
  Nanos duration = seconds(30);
  int primaries = 3;
  int replicas = 1;
  int empty_primaries = 0;  // primaries without slots, named after the replicas
  Nanos node_timeout = seconds(3);
  node::AppendFsync appendfsync = node::AppendFsync::always;
  node::Variants variants;
  bool buggify = false;
  sim::LatencyModel latency;
  workload::WorkloadOptions workload;  // seeds are filled in by the runner
  int clients = 5;
  std::vector<OperatorStep> plan;
  std::vector<FaultStep> faults;
  std::vector<NemesisSpec> nemesis;
  SwarmSpec swarm;
  bool expect_pass = true;
  std::string expect_invariant;     // what a failing scenario must break
  std::vector<std::string> forbid;  // invariants and anomaly classes that fail the run; empty: all

  int node_count() const { return primaries * (1 + replicas) + empty_primaries; }
  bool forbids(const std::string& invariant) const;
};

// Reads and checks a scenario file; throws ScenarioError.
Scenario load_scenario(const std::string& path);
// The same, from text (the name stands in for the path in errors).
Scenario parse_scenario(const std::string& text, const std::string& file_name);

// "2.5s", "300ms", "100us", "5m"; false when it is not a duration.
bool parse_duration(std::string_view text, Nanos& out);

}  // namespace slotsim::runner
