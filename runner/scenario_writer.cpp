#include "runner/scenario_writer.h"

#include <fmt/format.h>

namespace slotsim::runner {

namespace {

std::string quote(const std::string& text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      out += fmt::format("\\u{:04x}", static_cast<unsigned>(c));
    } else {
      out += c;
    }
  }
  return out + "\"";
}

std::string quoted_list(const std::vector<std::string>& items) {
  std::string out = "[";
  for (std::size_t i = 0; i < items.size(); ++i) out += (i ? ", " : "") + quote(items[i]);
  return out + "]";
}

const char* latency_name(sim::LatencyModel::Kind kind) {
  switch (kind) {
    case sim::LatencyModel::Kind::constant: return "constant";
    case sim::LatencyModel::Kind::uniform: return "uniform";
    case sim::LatencyModel::Kind::exponential: return "exponential";
  }
  return "uniform";
}

}  // namespace

std::string format_duration(Nanos d) {
  const char* sign = d < 0 ? "-" : "";
  const Nanos a = d < 0 ? -d : d;
  if (a % seconds(1) == 0) return fmt::format("{}{}s", sign, a / seconds(1));
  if (a % ms(1) == 0) return fmt::format("{}{}ms", sign, a / ms(1));
  if (a % us(1) == 0) return fmt::format("{}{}us", sign, a / us(1));
  return fmt::format("{}{}ns", sign, a);
}

std::string to_toml(const Scenario& s) {
  std::string out;
  auto line = [&out](const std::string& key, const std::string& value) { out += key + " = " + value + "\n"; };
  auto duration = [](Nanos d) { return quote(format_duration(d)); };
  line("name", quote(s.name));
  if (!s.description.empty()) line("description", quote(s.description));
  line("duration", duration(s.duration));

  out += "\n[cluster]\n";
  line("primaries", std::to_string(s.primaries));
  line("replicas", std::to_string(s.replicas));
  if (s.empty_primaries != 0) line("empty_primaries", std::to_string(s.empty_primaries));
  line("node_timeout", duration(s.node_timeout));
  line("appendfsync", quote(node::appendfsync_name(s.appendfsync)));
  line("asking", quote(s.variants.asking == node::Variants::Asking::required ? "required" : "none"));
  line("migration_state_replication",
       quote(s.variants.migration_state_replication == node::Variants::MigrationStateReplication::on ? "on" : "off"));
  line("buggify", s.buggify ? "true" : "false");
  if (s.variants.bugs != 0) {
    std::vector<std::string> bugs;
    for (std::size_t i = 2; i < node::kBugCatalog.size(); ++i) {
      if (s.variants.has(static_cast<node::Bug>(i - 2))) bugs.emplace_back(node::kBugCatalog[i].name);
    }
    line("bug", quoted_list(bugs));
  }

  out += "\n[network]\n";
  line("latency", quote(latency_name(s.latency.kind)));
  line("min", duration(s.latency.min));
  line("max", duration(s.latency.max));
  line("mean", duration(s.latency.mean));

  out += "\n[workload]\n";
  line("kind", quote(workload::to_string(s.workload.kind)));
  line("clients", std::to_string(s.clients));
  line("client_kind", quote(client::to_string(s.workload.client_kind)));
  if (!s.workload.key_names.empty()) line("keys", quoted_list(s.workload.key_names));
  line("key_count", std::to_string(s.workload.keys));
  line("think_time", duration(s.workload.think_time));
  line("read_fraction", fmt::format("{}", s.workload.read_fraction));
  line("wait_replicas", std::to_string(s.workload.wait_replicas));

  for (const auto& step : s.plan) {
    out += "\n[[operator]]\n";
    line("at", duration(step.at));
    line("action", quote(step.action));
    if (step.action == "move_slot" || step.action == "begin_move") {
      line("slot", std::to_string(step.slot));
      line("to", quote(step.to));
      line("keys", std::to_string(step.keys));
      line("batch", std::to_string(step.batch));
    } else if (step.action == "failover") {
      line("node", quote(step.node));
      line("mode", quote(step.mode));
    }
  }
  for (const auto& f : s.faults) {
    out += "\n[[faults]]\n";
    if (!f.phase.empty()) {
      line("phase", quote(f.phase));
      line("side", quote(f.side));
    } else {
      line("at", duration(f.at));
    }
    line("action", quote(f.action));
    if (!f.node.empty()) line("node", quote(f.node));
    if (!f.groups.empty()) {
      std::string groups = "[";
      for (std::size_t i = 0; i < f.groups.size(); ++i) groups += (i ? ", " : "") + quoted_list(f.groups[i]);
      line("groups", groups + "]");
    }
    if (f.duration != 0) line("duration", duration(f.duration));
    if (f.action == "clock_skew") {
      line("offset", duration(f.offset));
      line("drift_ppm", std::to_string(f.drift_ppm));
    }
    if (f.action == "slow") line("factor", fmt::format("{}", f.factor));
  }
  for (const auto& g : s.nemesis) {
    out += "\n[[nemesis]]\n";
    line("action", quote(g.action));
    line("every", duration(g.every));
    line("duration", duration(g.duration));
    line("targets", quote(g.targets));
    line("start", duration(g.start));
    line("stop", duration(g.stop));
  }
  if (s.swarm.enabled) {
    const SwarmSpec& w = s.swarm;
    out += "\n[swarm]\n";
    if (w.primaries_min > 0) line("primaries", fmt::format("[{}, {}]", w.primaries_min, w.primaries_max));
    if (w.replicas_min >= 0) line("replicas", fmt::format("[{}, {}]", w.replicas_min, w.replicas_max));
    if (w.empty_primaries_min >= 0) {
      line("empty_primaries", fmt::format("[{}, {}]", w.empty_primaries_min, w.empty_primaries_max));
    }
    if (w.clients_min > 0) line("clients", fmt::format("[{}, {}]", w.clients_min, w.clients_max));
    if (w.node_timeout_max > 0) {
      line("node_timeout", "[" + duration(w.node_timeout_min) + ", " + duration(w.node_timeout_max) + "]");
    }
    line("nemesis", w.nemesis ? "true" : "false");
    line("buggify", w.buggify ? "true" : "false");
    if (w.phase_faults_max > 0) {
      line("phase_faults", fmt::format("[{}, {}]", w.phase_faults_min, w.phase_faults_max));
      line("phase_fault_duration",
           "[" + duration(w.phase_fault_duration_min) + ", " + duration(w.phase_fault_duration_max) + "]");
    }
    if (!w.phase_fault_actions.empty()) line("phase_fault_actions", quoted_list(w.phase_fault_actions));
    if (!w.phase_fault_sides.empty()) line("phase_fault_sides", quoted_list(w.phase_fault_sides));
    if (!w.appendfsync.empty()) line("appendfsync", quoted_list(w.appendfsync));
    if (!w.client_kind.empty()) line("client_kind", quoted_list(w.client_kind));
    if (w.latency_max_max > 0) {
      line("latency_max", "[" + duration(w.latency_max_min) + ", " + duration(w.latency_max_max) + "]");
    }
  }
  out += "\n[expect]\n";
  line("verdict", quote(s.expect_pass ? "pass" : "fail"));
  if (!s.expect_invariant.empty()) line("invariant", quote(s.expect_invariant));
  if (!s.forbid.empty()) line("forbid", quoted_list(s.forbid));
  return out;
}

}  // namespace slotsim::runner
