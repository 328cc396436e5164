#include "cluster/promotion_tracker.h"

#include "checker/online_invariants.h"

namespace slotsim::cluster {

void PromotionTracker::on_event(Nanos time, const std::string& process, const std::string& kind,
                                const std::string& detail) {
  if (kind == "fault") {
    const std::string action = checker::trace_field(detail, "action");
    // A heal only undoes; a partition or a skewed clock may reorder who runs first.
    if (action == "heal") return;
    if (action == "partition" || action == "clock_skew") all_touched_ = true;
    std::string nodes = checker::trace_field(detail, "node");
    for (std::size_t start = 0; start < nodes.size();) {
      std::size_t end = nodes.find(',', start);
      if (end == std::string::npos) end = nodes.size();
      touched_.insert(nodes.substr(start, end - start));
      start = end + 1;
    }
  } else if (kind == "election_start") {
    elected_[process] = checker::trace_field(detail, "manual").empty();
  } else if (kind == "promoted") {
    checker::Promotion p;
    p.time = time;
    p.winner = process;
    p.winner_id = cluster_.node_id(process);
    p.old_primary_id = checker::trace_field(detail, "old_primary");
    p.winner_offset = std::stoull(checker::trace_field(detail, "offset"));
    // An operator's failover (or takeover) picks its replica: only an
    // automatic election promises the best one.
    const bool elected = elected_[process];
    elected_[process] = false;
    if (elected && !all_touched_) {
      for (const std::string& name : cluster_.names()) {
        if (name == process || touched_.count(name) != 0) continue;
        const node::Node* sibling = cluster_.node(name);
        if (sibling == nullptr || sibling->cluster().myself().primary ||
            sibling->cluster().myself().primary_id != p.old_primary_id) {
          continue;
        }
        if (sibling->repl_offset() > p.untouched_sibling_offset) {
          p.untouched_sibling_offset = sibling->repl_offset();
          p.untouched_sibling = name;
        }
      }
    }
    promotions_.push_back(std::move(p));
  }
}

}  // namespace slotsim::cluster
