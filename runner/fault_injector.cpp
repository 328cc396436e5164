#include "runner/fault_injector.h"

#include <fmt/format.h>

namespace slotsim::runner {

FaultInjector::FaultInjector(cluster::SimCluster& cluster, std::vector<std::string> hosts)
    : cluster_(cluster), hosts_(std::move(hosts)) {}

void FaultInjector::schedule(const std::vector<FaultStep>& steps, Nanos start, Nanos end) {
  for (const FaultStep& step : steps) {
    if (!step.phase.empty()) {
      phase_steps_.push_back(step);
      fired_.push_back(false);
      continue;
    }
    if (step.at >= end - start) continue;  // past the safety phase: the liveness phase heals everything anyway
    cluster_.world().scheduler().at(start + step.at, [this, step] {
      if (armed_) apply(step, {step.node});
    });
  }
}

void FaultInjector::on_phase(workload::MovePhase phase, const std::string& source, const std::string& target) {
  if (!armed_) return;
  for (std::size_t i = 0; i < phase_steps_.size(); ++i) {
    const FaultStep& step = phase_steps_[i];
    if (fired_[i] || step.phase != workload::to_string(phase)) continue;
    fired_[i] = true;
    std::vector<std::string> nodes;
    if (step.side == "source_shard") nodes = shard_of(source);
    else if (step.side == "target_shard") nodes = shard_of(target);
    else {
      if (step.side != "target") nodes.push_back(source);
      if (step.side != "source") nodes.push_back(target);
    }
    apply(step, nodes);
  }
}

std::vector<std::string> FaultInjector::shard_of(const std::string& primary) {
  std::vector<std::string> shard{primary};
  for (auto& replica : cluster_.live_replicas_of(primary)) shard.push_back(std::move(replica));
  return shard;
}

void FaultInjector::record(const std::string& action, const std::string& node, const std::string& detail) {
  auto& world = cluster_.world();
  world.trace_event("fault", fmt::format("action={}{}{}", action, node.empty() ? "" : " node=" + node,
                                         detail.empty() ? "" : " " + detail));
  applied_.push_back({world.now(), action, node, detail});
}

void FaultInjector::apply(const FaultStep& step, const std::vector<std::string>& nodes) {
  auto& world = cluster_.world();
  const std::size_t applied_before = applied_.size();
  auto& network = world.network();
  const Nanos until = step.duration > 0 ? world.now() + step.duration : kForever;
  const std::string& action = step.action;
  if (action == "partition" || action == "isolate" || action == "heal") {
    std::vector<std::vector<std::string>> groups = step.groups;
    if (action == "isolate") {
      // Each isolated node alone; every other node together; clients reach everyone.
      std::vector<std::string> rest;
      for (const auto& name : cluster_.names()) {
        if (std::find(nodes.begin(), nodes.end(), name) == nodes.end()) rest.push_back(name);
      }
      groups.clear();
      for (const auto& node : nodes) groups.push_back({node});
      groups.push_back(rest);
    }
    std::string detail;
    for (const auto& group : groups) {
      detail += detail.empty() ? "groups=" : "|";
      for (std::size_t i = 0; i < group.size(); ++i) detail += (i ? "," : "") + group[i];
    }
    record(action, action == "isolate" ? fmt::format("{}", fmt::join(nodes, ",")) : "", detail);
    if (action == "heal") network.heal();
    else cluster_.partition(groups);
  } else {
    for (const auto& node : nodes) {
      const auto process = cluster_.process(node);
      if (action == "crash" && world.is_up(process)) {
        record(action, node, "");
        cluster_.crash(node);
      } else if (action == "restart" && !world.is_up(process)) {
        record(action, node, "");
        cluster_.restart(node);
      } else if (action == "pause" && world.is_up(process) && !world.is_paused(process)) {
        record(action, node, "");
        world.pause(process);
      } else if (action == "resume" && world.is_paused(process)) {
        record(action, node, "");
        world.resume(process);
      } else if (action == "clock_skew") {
        record(action, node, fmt::format("offset={} drift_ppm={}", step.offset, step.drift_ppm));
        world.set_clock(process, step.offset, step.drift_ppm);
      } else if (action == "slow" || action == "clog" || action == "reset") {
        // until=: when it ends by itself (no undo event follows), for the checker.
        const std::string ends = until == kForever ? "" : fmt::format("until={}", until);
        record(action, node,
               action == "slow" ? fmt::format("factor={}{}", step.factor, ends.empty() ? "" : " " + ends) : ends);
        for (const auto& host : hosts_) {
          if (host == node) continue;
          if (action == "reset") {
            network.reset_between(node, host);
          } else if (action == "slow") {
            network.slow(node, host, step.factor, until);
            network.slow(host, node, step.factor, until);
          } else {
            network.clog(node, host, until);
            network.clog(host, node, until);
          }
        }
      }
    }
  }
  // Undo only what happened: a crash of a node already down must not restart it early.
  if (step.duration > 0 && applied_.size() > applied_before && action != "slow" && action != "clog" &&
      action != "reset") {
    world.scheduler().at(world.now() + step.duration, [this, step, nodes] { undo(step, nodes); });
  }
}

void FaultInjector::undo(const FaultStep& step, const std::vector<std::string>& nodes) {
  FaultStep reverse = step;
  reverse.duration = 0;
  if (step.action == "crash") reverse.action = "restart";
  else if (step.action == "pause") reverse.action = "resume";
  else if (step.action == "partition" || step.action == "isolate") reverse.action = "heal";
  else if (step.action == "clock_skew") reverse.offset = 0, reverse.drift_ppm = 0;
  else return;
  apply(reverse, nodes);
}

}  // namespace slotsim::runner
