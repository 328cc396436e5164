// Applies a scenario's fault steps to a simulated cluster: timed ones from
// the scheduler at their time, phase ones when the operator's migration
// reaches their phase, and undoes each after its duration. Everything it
// does is traced ("fault ...") and recorded for the trace database.
#pragma once

#include <string>
#include <vector>

#include "cluster/sim_cluster.h"
#include "runner/scenario.h"
#include "runner/trace_db.h"
#include "workload/cluster_operator.h"

namespace slotsim::runner {

class FaultInjector {
 public:
  // `hosts`: every host a link fault cuts the node off from (nodes and clients).
  FaultInjector(cluster::SimCluster& cluster, std::vector<std::string> hosts);

  // Schedules the timed steps (relative to `start`) and keeps the phase ones.
  void schedule(const std::vector<FaultStep>& steps, Nanos start, Nanos end);
  // The operator's phase hook: fires each phase fault once, on the first
  // migration that reaches its phase.
  void on_phase(workload::MovePhase phase, const std::string& source, const std::string& target);

  // The safety phase is over: phase hooks and pending timed faults do nothing
  // any more (undos still run, so nothing stays broken).
  void disarm() { armed_ = false; }

  const std::vector<FaultRecord>& applied() const { return applied_; }

 private:
  void apply(const FaultStep& step, const std::vector<std::string>& nodes);
  void undo(const FaultStep& step, const std::vector<std::string>& nodes);
  // The primary and the live nodes that replicate from it, in name order.
  std::vector<std::string> shard_of(const std::string& primary);
  void record(const std::string& action, const std::string& node, const std::string& detail);

  cluster::SimCluster& cluster_;
  std::vector<std::string> hosts_;
  std::vector<FaultStep> phase_steps_;
  std::vector<bool> fired_;
  std::vector<FaultRecord> applied_;
  bool armed_ = true;
};

}  // namespace slotsim::runner
