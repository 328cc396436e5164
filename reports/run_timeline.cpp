#include "reports/run_timeline.h"

#include <algorithm>
#include <map>
#include <set>

#include <fmt/format.h>

namespace slotsim::reports {

namespace {

// runner/run_scenario.cpp records the final reads of every key under this
// history process (it is not a client of the workload).
constexpr std::int64_t kFinalReaderProcess = 1'000'000;

std::vector<std::string> split(std::string_view text, char separator) {
  std::vector<std::string> parts;
  std::size_t at = 0;
  while (at <= text.size()) {
    const std::size_t end = std::min(text.find(separator, at), text.size());
    if (end > at) parts.emplace_back(text.substr(at, end - at));
    at = end + 1;
  }
  return parts;
}

// Spans are opened and closed by key (lane, what): a new one of the same key
// closes the previous.
class SpanBuilder {
 public:
  explicit SpanBuilder(std::vector<Span>& out) : out_(out) {}
  void open(int lane, const std::string& what, std::int64_t at, std::string kind, std::string label, std::int64_t idx) {
    close(lane, what, at);
    open_[{lane, what}] = Span{lane, at, at, std::move(kind), std::move(label), idx};
  }
  void close(int lane, const std::string& what, std::int64_t at) {
    const auto found = open_.find({lane, what});
    if (found == open_.end()) return;
    found->second.end_ns = std::max(at, found->second.start_ns);
    out_.push_back(std::move(found->second));
    open_.erase(found);
  }
  void close_all(const std::string& what, std::int64_t at) {
    std::vector<int> lanes;
    for (const auto& [key, span] : open_) {
      if (key.second == what) lanes.push_back(key.first);
    }
    for (const int lane : lanes) close(lane, what, at);
  }
  const Span* current(int lane, const std::string& what) const {
    const auto found = open_.find({lane, what});
    return found == open_.end() ? nullptr : &found->second;
  }
  void finish(std::int64_t at) {
    while (!open_.empty()) close(open_.begin()->first.first, open_.begin()->first.second, at);
  }

 private:
  std::vector<Span>& out_;
  std::map<std::pair<int, std::string>, Span> open_;
};

std::string client_label(std::int64_t process, const std::set<std::string>& traced) {
  const std::string client = fmt::format("client{}", process);
  if (traced.count(client)) return fmt::format("{} (p{})", client, process);
  if (process == kFinalReaderProcess && traced.count("final-reader")) return "final-reader";
  return fmt::format("p{}", process);
}

bool is_operator_process(const std::string& process) { return process == "operator" || process == "fixer"; }

}  // namespace

Timeline build_timeline(const RunDetail& run, const NodeDirectory& nodes) {
  Timeline t;
  t.end_ns = run.run.sim_ns;
  std::set<std::string> traced;
  for (const auto& e : run.events) {
    t.end_ns = std::max(t.end_ns, e.time_ns);
    traced.insert(e.process);
    // Clients trace nothing themselves; the simulator traces their start.
    if (e.process == "sim" && e.kind == "start") traced.insert(detail_field(e.detail, "process").value_or(""));
  }
  for (const auto& op : run.ops) t.end_ns = std::max(t.end_ns, op.time_ns);

  std::map<std::string, int> lane_of;
  for (const auto& node : nodes.nodes) {
    lane_of[node] = static_cast<int>(t.lanes.size());
    t.lanes.push_back({node, node, LaneKind::node, -1});
  }
  int operator_lane = -1;
  if (traced.count("operator") || traced.count("fixer")) {
    operator_lane = static_cast<int>(t.lanes.size());
    t.lanes.push_back({"operator", "operator", LaneKind::operator_, -1});
  }
  std::map<std::int64_t, int> client_lane;
  for (const auto& op : run.ops) client_lane.emplace(op.process, 0);
  for (auto& [process, lane] : client_lane) {
    lane = static_cast<int>(t.lanes.size());
    t.lanes.push_back({fmt::format("p{}", process), client_label(process, traced), LaneKind::client, process});
  }

  SpanBuilder spans(t.spans);
  std::map<std::string, std::string> epoch_of;  // node -> last configEpoch seen
  auto mark = [&](int lane, const EventRow& e, std::string kind, std::string label) {
    t.marks.push_back({lane, e.time_ns, std::move(kind), std::move(label), e.idx});
  };
  auto set_role = [&](int lane, const EventRow& e, const std::string& role, const std::string& label) {
    const Span* current = spans.current(lane, "role");
    if (current != nullptr && current->label == label) return;
    spans.open(lane, "role", e.time_ns, role, label, e.idx);
  };
  auto note_epoch = [&](int lane, const EventRow& e, const std::optional<std::string>& epoch, bool show) {
    if (!epoch) return;
    const std::string& node = t.lanes[lane].id;
    const bool changed = epoch_of.count(node) && epoch_of[node] != *epoch;
    epoch_of[node] = *epoch;
    if (changed || show) mark(lane, e, "epoch", "configEpoch " + *epoch);
  };
  auto field = [](const EventRow& e, std::string_view key) { return detail_field(e.detail, key).value_or(""); };
  auto node_name = [&](const EventRow& e, std::string_view key) {
    const auto id = detail_field(e.detail, key);
    return id ? nodes.name_of(*id) : std::string("?");
  };

  for (const EventRow& e : run.events) {
    if (e.process == "sim") {
      const std::string process = field(e, "process");
      const auto lane = lane_of.find(process);
      if (e.kind == "crash" && lane != lane_of.end()) {
        spans.close(lane->second, "role", e.time_ns);
        spans.close(lane->second, "paused", e.time_ns);
        spans.close(lane->second, "cluster_fail", e.time_ns);
        spans.open(lane->second, "down", e.time_ns, "down", "down (" + field(e, "reason") + ")", e.idx);
      } else if (e.kind == "start" && lane != lane_of.end()) {
        spans.close(lane->second, "down", e.time_ns);
      } else if (e.kind == "fault") {
        const std::string action = field(e, "action");
        const auto targets = split(field(e, "node"), ',');
        for (const auto& target : targets) {
          const auto target_lane = lane_of.find(target);
          if (target_lane == lane_of.end()) continue;
          const int l = target_lane->second;
          if (action == "pause") spans.open(l, "paused", e.time_ns, "paused", "paused", e.idx);
          if (action == "resume") spans.close(l, "paused", e.time_ns);
          if (action == "clock_skew") {
            const std::string offset = field(e, "offset"), drift = field(e, "drift_ppm");
            spans.close(l, "skew", e.time_ns);
            if (offset != "0" || drift != "0") {
              spans.open(l, "skew", e.time_ns, "skewed", "clock offset " + offset + ", drift " + drift + " ppm", e.idx);
            }
          }
          mark(l, e, "fault", "fault: " + e.detail);
        }
        if (action == "partition" || action == "isolate" || action == "heal") {
          spans.close_all("partition", e.time_ns);
          const auto groups = split(field(e, "groups"), '|');
          std::size_t largest = 0;
          for (const auto& g : groups) largest = std::max(largest, split(g, ',').size());
          std::size_t of_largest = 0;
          for (const auto& g : groups) of_largest += split(g, ',').size() == largest;
          for (const auto& g : groups) {
            const auto members = split(g, ',');
            // The cut-off side: every group but a unique largest one.
            if (members.size() == largest && of_largest == 1) continue;
            for (const auto& member : members) {
              const auto member_lane = lane_of.find(member);
              if (member_lane == lane_of.end()) continue;
              spans.open(member_lane->second, "partition", e.time_ns, "partitioned",
                         "partitioned: " + field(e, "groups"), e.idx);
              if (targets.empty()) mark(member_lane->second, e, "fault", "fault: " + e.detail);
            }
          }
        }
      }
      continue;
    }
    if (is_operator_process(e.process)) {
      if (operator_lane >= 0 && e.kind != "operator_call" && e.kind.rfind("operator_", 0) == 0) {
        mark(operator_lane, e, "operator", e.process + ": " + e.kind.substr(9) + " " + e.detail);
      }
      continue;
    }
    const auto lane_found = lane_of.find(e.process);
    if (lane_found == lane_of.end()) continue;
    const int lane = lane_found->second;
    const std::string& self = e.process;
    if (e.kind == "config_loaded") {
      const bool owns = field(e, "slots") != "0" && !field(e, "slots").empty();
      set_role(lane, e, owns ? "primary" : "replica", owns ? "primary (" + field(e, "slots") + " slots)" : "replica");
      note_epoch(lane, e, detail_field(e.detail, "epoch"), false);
    } else if (e.kind == "promoted") {
      set_role(lane, e, "primary", "primary (promoted, took over from " + node_name(e, "old_primary") + ")");
      mark(lane, e, "promoted", "promoted: replaces " + node_name(e, "old_primary"));
      note_epoch(lane, e, detail_field(e.detail, "config_epoch"), true);
    } else if (e.kind == "role") {
      set_role(lane, e, "replica", "replica of " + node_name(e, "replica_of"));
    } else if (e.kind == "follow_new_owner") {
      set_role(lane, e, "replica", "replica of " + node_name(e, "primary"));
    } else if (e.kind == "lost_last_slot") {
      set_role(lane, e, "replica", "replica of " + node_name(e, "new_primary") + " (lost its last slot)");
    } else if (e.kind == "node_role" && node_name(e, "node") == self) {
      const bool primary = field(e, "role") == "primary";
      const Span* current = spans.current(lane, "role");
      if (current == nullptr || current->kind != (primary ? "primary" : "replica")) {
        set_role(lane, e, primary ? "primary" : "replica",
                 primary ? "primary" : "replica of " + node_name(e, "primary"));
      }
    } else if (e.kind == "replication_link" && field(e, "state") == "up") {
      const Span* current = spans.current(lane, "role");
      const std::string primary = split(field(e, "primary"), ':').empty() ? "?" : split(field(e, "primary"), ':')[0];
      if (current != nullptr && current->label == "replica") set_role(lane, e, "replica", "replica of " + primary);
    } else if (e.kind == "epoch_bump") {
      note_epoch(lane, e, detail_field(e.detail, "config_epoch"), true);
    } else if (e.kind == "election_start") {
      mark(lane, e, "election", "election for epoch " + field(e, "epoch") + " (primary " + node_name(e, "primary") + ")");
    } else if (e.kind == "election_won") {
      mark(lane, e, "elected", "won epoch " + field(e, "epoch") + " with " + field(e, "votes") + " votes");
    } else if (e.kind == "vote_granted") {
      mark(lane, e, "vote", "votes for " + node_name(e, "to") + " in epoch " + field(e, "epoch"));
    } else if (e.kind == "node_fail") {
      mark(lane, e, "fail", "marks " + node_name(e, "node") + " FAIL");
    } else if (e.kind == "cluster_state") {
      if (field(e, "state") == "fail") {
        spans.open(lane, "cluster_fail", e.time_ns, "cluster_fail", "cluster state fail (in " + self + "'s view)", e.idx);
      } else {
        spans.close(lane, "cluster_fail", e.time_ns);
      }
    } else if (e.kind == "setslot") {
      const std::string action = field(e, "action");
      std::string label = "SETSLOT " + field(e, "slot") + " " + action;
      if (detail_field(e.detail, "node")) label += " " + node_name(e, "node");
      if (detail_field(e.detail, "via")) label += " (from its primary)";
      mark(lane, e, "setslot", label);
    } else if (e.kind == "migration_closed" || e.kind == "migration_retarget" || e.kind == "migration_auto_claim" ||
               e.kind == "setslot_not_acked" || e.kind == "slot_keys_dropped") {
      mark(lane, e, "setslot", e.kind + " " + e.detail);
    }
  }
  spans.finish(t.end_ns);
  std::stable_sort(t.spans.begin(), t.spans.end(),
                   [](const Span& a, const Span& b) { return a.start_ns < b.start_ns; });

  std::map<std::int64_t, std::size_t> pending;  // process -> its open bar
  for (const OpRow& op : run.ops) {
    if (op.type == "invoke") {
      pending[op.process] = t.ops.size();
      t.ops.push_back({client_lane[op.process], op.time_ns, t.end_ns, Outcome::info, op.idx, -1});
      continue;
    }
    const auto found = pending.find(op.process);
    if (found == pending.end()) continue;  // a completion without invoke: the table still shows it
    OpBar& bar = t.ops[found->second];
    bar.complete_idx = op.idx;
    bar.outcome = op.type == "ok" ? Outcome::ok : op.type == "fail" ? Outcome::fail : Outcome::info;
    // An info op may take effect even later; the page says so rather than
    // drawing it to the end of the run over the process's later operations.
    bar.end_ns = op.time_ns;
    pending.erase(found);
  }
  return t;
}

}  // namespace slotsim::reports
