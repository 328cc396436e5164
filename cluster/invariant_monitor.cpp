#include "cluster/invariant_monitor.h"

namespace slotsim::cluster {

std::vector<checker::NodeView> node_views(SimCluster& cluster) {
  std::vector<checker::NodeView> views;
  for (const auto& name : cluster.names()) {
    checker::NodeView view;
    view.name = name;
    const node::Node* n = cluster.node(name);
    // A paused process is up but frozen: its state is what it would act on.
    view.up = n != nullptr;
    if (n != nullptr) {
      const auto& state = n->cluster();
      view.primary = state.myself().primary;
      view.serving = n->cluster_ok();
      view.current_epoch = state.current_epoch;
      view.config_epoch = state.myself().config_epoch;
      view.last_vote_epoch = state.last_vote_epoch;
      view.own_slots = state.slot_set(state.myself_id());
    }
    views.push_back(std::move(view));
  }
  return views;
}

InvariantMonitor::InvariantMonitor(SimCluster& cluster, Nanos period)
    : cluster_(cluster), period_(period), invariants_(std::make_shared<checker::OnlineInvariants>()),
      promotions_(std::make_shared<std::vector<checker::Promotion>>()), alive_(std::make_shared<bool>(true)) {
  auto invariants = invariants_;
  auto promotions = promotions_;
  auto alive = alive_;
  cluster_.world().trace().set_listener([invariants, promotions, alive](const sim::TraceEvent& e) {
    if (!*alive) return;
    invariants->on_event(e.time, e.process, e.kind, e.detail);
    if (e.kind == "promoted") {
      checker::Promotion p;
      p.time = e.time;
      p.winner = e.process;
      p.old_primary_id = checker::trace_field(e.detail, "old_primary");
      p.winner_offset = std::stoull(checker::trace_field(e.detail, "offset"));
      promotions->push_back(std::move(p));
    }
  });
  tick();
}

InvariantMonitor::~InvariantMonitor() {
  *alive_ = false;
  cluster_.world().trace().set_listener(nullptr);
}

void InvariantMonitor::tick() {
  invariants_->observe(cluster_.world().now(), node_views(cluster_));
  auto alive = alive_;
  cluster_.world().scheduler().at(cluster_.world().now() + period_, [this, alive] {
    if (*alive) tick();
  });
}

}  // namespace slotsim::cluster
