// Builds rule D1's record of promotions (checker::Promotion) from the trace
// as it is written, adding what only the simulator knows: the best offset a
// sibling of the winner held, when the winner scheduled its election, that
// no fault touched. Redis ranks the replica with more data first, so a loss
// such a sibling held was lost without need. And the migrations a winner did
// not know of because it was offline when its primary started them.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "checker/documented_losses.h"
#include "cluster/sim_cluster.h"

namespace slotsim::cluster {

class PromotionTracker {
 public:
  explicit PromotionTracker(SimCluster& cluster) : cluster_(cluster) {}
  void on_event(Nanos time, const std::string& process, const std::string& kind, const std::string& detail);
  const std::vector<checker::Promotion>& promotions() const { return promotions_; }

 private:
  // What a replica's election started from: when it was scheduled, and its
  // untouched siblings' offsets then (the old primary may stream again later).
  struct Candidacy {
    Nanos scheduled = 0;
    std::string best_sibling;
    std::uint64_t best_offset = 0;
    std::uint64_t best_history = 0;  // the history that offset counts in (history_tag)
    bool resynced = false;           // it or that sibling fully synced since: offsets start over
    std::string automatic_epoch;  // the epoch of its last automatic election_start
  };

  // A slot a primary set MIGRATING, and the replicas online then (addresses).
  struct OpenMigration {
    std::vector<std::string> target_ids;  // the SETSLOT's target, then each primary it was retargeted to
    Nanos since = 0;
    std::set<std::string> informed;  // replica names that have it (online at SETSLOT, or fully synced since)
  };

  SimCluster& cluster_;
  std::vector<checker::Promotion> promotions_;
  std::map<std::string, std::map<int, OpenMigration>> migrating_;  // by primary id, then slot
  // MIGRATING a replica applied from its primary's stream (via=primary): its
  // shard's migration once it is promoted, even one its primary never applied
  // (a SETSLOT that timed out waiting for acks, valkey#1664).
  std::map<std::string, std::map<int, OpenMigration>> inherited_;  // by replica id, then slot
  std::map<std::string, Candidacy> candidacies_;  // by replica name
  // Faults in force: while one is, timing no longer says who goes first
  // (a partition or a skewed clock anywhere), or a node's offset may be
  // stale or unusable (a crash, pause, slow or clogged link naming it).
  bool partitioned_ = false;
  std::set<std::string> skewed_;                    // nodes whose clock is set off
  std::map<std::string, Nanos> node_faults_until_;  // by name: kForever until undone, or a link fault's end
  std::map<std::string, Nanos> last_fault_of_;     // by name: the last fault naming it
  Nanos last_global_fault_ = -kForever;             // the last partition, isolate, heal or clock skew
  // A fault naming the node is in force at `time`, or struck it since `since`.
  bool touched(const std::string& name, Nanos time, Nanos since) const;
  Nanos last_fault_ = -kForever;                  // any fault, heals included
};

}  // namespace slotsim::cluster
