// Convergence after the faults heal (../shared/INVARIANTS.md L1-L5), judged
// from every live node's own state:
//   L1 every node reports the same slot map and the same primaries;
//   L2 every slot has one owner, a primary that is up, and cluster_state ok;
//   L3 no MIGRATING/IMPORTING state is left;
//   L4 no key lives on a node that does not serve its slot;
//   L5 each replica holds exactly its primary's data.
// Empty result: converged. Call it after healing (and after the operator's
// fix step), typically inside run_until with a bound.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "checker/online_invariants.h"
#include "cluster/sim_cluster.h"

namespace slotsim::cluster {

// `split_keys`: keys a failover left in two shards (checker::split_keys),
// documented behaviour of MIGRATE: L4 does not count them.
std::vector<checker::Violation> check_convergence(SimCluster& cluster, const std::set<std::string>& split_keys = {});

}  // namespace slotsim::cluster
