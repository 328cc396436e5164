#include "reports/slot_views.h"

#include <algorithm>
#include <charconv>
#include <map>

namespace slotsim::reports {

namespace {

std::optional<int> parse_int(std::string_view text) {
  int value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

struct Belief {
  bool down = false;
  std::string owner, migrating_to, importing_from;
  bool operator==(const Belief&) const = default;
};

}  // namespace

bool ranges_contain(std::string_view ranges, int slot) {
  std::size_t at = 0;
  while (at < ranges.size()) {
    const std::size_t end = std::min(ranges.find(',', at), ranges.size());
    const std::string_view range = ranges.substr(at, end - at);
    const std::size_t dash = range.find('-');
    const auto low = parse_int(range.substr(0, dash));
    const auto high = dash == std::string_view::npos ? low : parse_int(range.substr(dash + 1));
    if (low && high && *low <= slot && slot <= *high) return true;
    at = end + 1;
  }
  return false;
}

SlotChart build_slot_chart(const RunDetail& run, const NodeDirectory& nodes, int slot, std::string why) {
  SlotChart chart;
  chart.slot = slot;
  chart.why = std::move(why);
  const std::string initial =
      static_cast<std::size_t>(slot) < nodes.initial_owner.size() ? nodes.initial_owner[static_cast<std::size_t>(slot)] : "?";
  std::map<std::string, Belief> belief;
  std::map<std::string, std::size_t> view_of;
  for (const auto& node : nodes.nodes) {
    view_of[node] = chart.views.size();
    chart.views.push_back({node, {}});
    belief[node] = Belief{false, initial, "", ""};
  }
  std::int64_t end_ns = run.run.sim_ns;
  for (const auto& e : run.events) end_ns = std::max(end_ns, e.time_ns);

  // A new state begins whenever a node's belief changes.
  auto record = [&](const std::string& node, std::int64_t at, std::int64_t idx) {
    auto& states = chart.views[view_of[node]].states;
    const Belief& b = belief[node];
    if (!states.empty()) {
      const SlotState& last = states.back();
      if (last.down == b.down && last.owner == b.owner && last.migrating_to == b.migrating_to &&
          last.importing_from == b.importing_from) {
        return;
      }
      states.back().end_ns = at;
    }
    states.push_back({at, end_ns, b.down, b.owner, b.migrating_to, b.importing_from, idx});
  };
  for (const auto& node : nodes.nodes) record(node, 0, -1);

  auto field = [](const EventRow& e, std::string_view key) { return detail_field(e.detail, key).value_or(""); };
  auto slot_is = [&](const EventRow& e) { return parse_int(field(e, "slot")) == slot; };
  for (const auto& e : run.events) {
    std::string node = e.process;
    if (e.process == "sim" && (e.kind == "crash" || e.kind == "start")) node = field(e, "process");
    const auto found = belief.find(node);
    if (found == belief.end()) continue;
    Belief& b = found->second;
    if (e.process == "sim") {
      b.down = e.kind == "crash";
    } else if (e.kind == "setslot" && slot_is(e)) {
      const std::string action = field(e, "action");
      const std::string target = nodes.name_of(field(e, "node"));
      if (action == "migrating") {
        b.importing_from.clear();
        b.migrating_to = target;
      } else if (action == "importing") {
        b.migrating_to.clear();
        b.importing_from = target;
      } else if (action == "stable") {
        b.migrating_to.clear();
        b.importing_from.clear();
      } else if (action == "node") {
        b.owner = target;
        b.migrating_to.clear();
        if (target == node) b.importing_from.clear();
      }
    } else if (e.kind == "slots_claimed" && ranges_contain(field(e, "slots"), slot)) {
      b.owner = nodes.name_of(field(e, "owner"));
    } else if (e.kind == "promoted") {
      if (b.owner == nodes.name_of(field(e, "old_primary"))) b.owner = node;
    } else if (e.kind == "migration_closed" && slot_is(e)) {
      if (field(e, "side") == "migrating") b.migrating_to.clear();
      else b.importing_from.clear();
    } else if (e.kind == "migration_retarget" && slot_is(e)) {
      if (field(e, "side") == "importing") b.importing_from = nodes.name_of(field(e, "from"));
      else b.migrating_to = nodes.name_of(field(e, "to"));
    } else if (e.kind == "migration_auto_claim" && slot_is(e)) {
      b.importing_from.clear();
      b.owner = node;
    } else {
      continue;
    }
    record(node, e.time_ns, e.idx);
  }
  return chart;
}

}  // namespace slotsim::reports
