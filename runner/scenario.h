// A scenario file (scenarios/*.toml): the cluster, the workload, the
// operator's plan, the faults, and the verdict the run must reach. Every
// field has a default, so a scenario states only what it is about:
//
//   name = "asking-race"                  # default: the file name
//   duration = "30s"
//   [cluster]    primaries, replicas, node_timeout, appendfsync,
//                asking = "required"|"none", migration_state_replication = "off"|"on"
//   [workload]   kind = "list-append"|"register"|"counter", clients,
//                client_kind = "smart"|"dumb"|"no_asking", keys (list) or key_count,
//                think_time, read_fraction, wait_replicas
//   [[operator]] at = "5s", action = "move_slot" (slot, to) | "begin_move" (slot, to, keys)
//                | "failover" (node, mode) | "fix"
//   [[faults]]   at = "10s", action = "crash"|"restart"|"pause"|"resume" (node)
//                | "partition" (groups = [["n1"], ["n2", "n3"]]) | "heal"
//   [expect]     verdict = "pass" | "fail", invariant = "lost-write" (for fail)
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
  std::string node;    // failover: the replica
  std::string mode;    // failover: "", "force", "takeover"
};

struct FaultStep {
  Nanos at = 0;
  std::string action;  // crash | restart | pause | resume | partition | heal
  std::string node;
  std::vector<std::vector<std::string>> groups;  // partition
};

struct Scenario {
  std::string name;
  std::string file;
  std::string text;  // the file as read, for the record
  Nanos duration = seconds(30);
  int primaries = 3;
  int replicas = 1;
  Nanos node_timeout = seconds(3);
  node::AppendFsync appendfsync = node::AppendFsync::always;
  node::Variants variants;
  workload::WorkloadOptions workload;  // seeds are filled in by the runner
  int clients = 5;
  std::vector<OperatorStep> plan;
  std::vector<FaultStep> faults;
  bool expect_pass = true;
  std::string expect_invariant;  // what a failing scenario must break
};

// Reads and checks a scenario file; throws ScenarioError.
Scenario load_scenario(const std::string& path);
// The same, from text (the name stands in for the path in errors).
Scenario parse_scenario(const std::string& text, const std::string& file_name);

// "2.5s", "300ms", "100us", "5m"; false when it is not a duration.
bool parse_duration(std::string_view text, Nanos& out);

}  // namespace slotsim::runner
