// Watches a simulated cluster for the online safety invariants
// (checker/online_invariants.h): snapshots every node every `period` of
// virtual time and reads every trace event as it is recorded. Runs in the
// simulator's own context, outside any process, so it changes nothing the
// nodes see (no fiber, no random draw): a run with a monitor records the same
// trace events as one without (its own wake-ups are scheduler events only).
#pragma once

#include <map>
#include <memory>
#include <set>
#include <string>

#include "checker/documented_losses.h"
#include "checker/online_invariants.h"
#include "cluster/promotion_tracker.h"
#include "cluster/sim_cluster.h"

namespace slotsim::cluster {

// The checker's view of every node of the cluster now. With `versions`, a
// node's slot table is copied only when it changed since the version noted
// there (and the note is updated); without, never.
std::vector<checker::NodeView> node_views(SimCluster& cluster,
                                          std::map<std::string, std::uint64_t>* versions = nullptr);

class InvariantMonitor {
 public:
  InvariantMonitor(SimCluster& cluster, Nanos period = ms(100));
  ~InvariantMonitor();
  const checker::OnlineInvariants& invariants() const { return *invariants_; }
  // Every promotion so far (from `promoted` trace events), for rule D1.
  const std::vector<checker::Promotion>& promotions() const { return promotions_->promotions(); }
  // Every key that a RESTORE (MIGRATE) brought to a primary, and every
  // source's DEL of one, for rule D1.
  const std::vector<checker::KeyMove>& key_moves() const { return *moves_; }
  // Keys each node held, by node id, in slots it rebound because their owner
  // stopped claiming them (slots_taken_unclaimed), at that moment, for rule L4.
  const std::map<std::string, std::set<std::string>>& unclaimed_rebinds() const { return *rebinds_; }
  // The keys each failover's winner held when it took over, by winner id and
  // then the deposed primary's id, for rule L4 (StrandedKeyCauses::kept_by_deposed).
  using PromotionKeys = std::map<std::string, std::map<std::string, std::set<std::string>>>;
  const PromotionKeys& promotion_keys() const { return *promotion_keys_; }
  // Crashes that lost an unsynced AOF tail (appendfsync everysec or no), for rule D1.
  const std::vector<checker::AofLoss>& aof_losses() const { return aof_->losses; }

 private:
  void tick();

  SimCluster& cluster_;
  Nanos period_;
  std::shared_ptr<checker::OnlineInvariants> invariants_;
  std::shared_ptr<PromotionTracker> promotions_;
  std::shared_ptr<std::vector<checker::KeyMove>> moves_;
  std::shared_ptr<std::map<std::string, std::set<std::string>>> rebinds_;
  std::shared_ptr<PromotionKeys> promotion_keys_;
  struct AofWatch {
    std::map<std::string, Nanos> last_sync;  // by node name, for nodes whose AOF a crash can cut short
    std::vector<checker::AofLoss> losses;
  };
  std::shared_ptr<AofWatch> aof_;
  std::shared_ptr<bool> alive_;
  int listener_ = 0;
  std::map<std::string, std::uint64_t> table_versions_;  // slot tables already seen, by node  // scheduled ticks outlive the monitor; they check this
};

}  // namespace slotsim::cluster
