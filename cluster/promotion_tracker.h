// Builds rule D1's record of promotions (checker::Promotion) from the trace
// as it is written, adding what only the simulator knows: the best offset a
// sibling of the winner held that no fault touched. Redis ranks the replica
// with more data first, so a loss such a sibling held was lost without need.
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
  SimCluster& cluster_;
  std::vector<checker::Promotion> promotions_;
  std::set<std::string> touched_;          // nodes a fault named
  bool all_touched_ = false;               // a partition or clock skew: timing no longer says who goes first
  std::map<std::string, bool> elected_;    // a node's pending promotion came from an automatic election
};

}  // namespace slotsim::cluster
