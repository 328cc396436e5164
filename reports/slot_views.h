// Which node each node believed owned a slot, over time, with its
// MIGRATING/IMPORTING state, as far as the trace tells: the initial split
// (NodeDirectory), SETSLOT, claims adopted from the bus (slots_claimed),
// promotions (a promoted replica takes its old primary's slots), migration
// closes and retargets, crashes and restarts.
//
// Limits of the trace (the page says so too): a restarted node is assumed to
// come back with the view it last had (nodes.conf is saved on every change),
// SETSLOT NODE is assumed to end a migration of the slot on the giving side
// (the node keeps MIGRATING only while it still holds keys, which the trace
// does not say), and an importing state the node drops without a trace event
// (its source lost the slot to another shard) stays shown.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "reports/node_directory.h"
#include "reports/report_db.h"

namespace slotsim::reports {

struct SlotState {
  std::int64_t start_ns = 0, end_ns = 0;
  bool down = false;
  std::string owner;           // node name; "" unassigned, "?" unknown
  std::string migrating_to;    // node name or ""
  std::string importing_from;  // node name or ""
  std::int64_t event_idx = -1;  // the event that began this state
};

struct SlotView {
  std::string node;  // whose belief
  std::vector<SlotState> states;
};

struct SlotChart {
  int slot = 0;
  std::string why;  // "key {k2}0 in lost-write", "migrated in this run"
  std::vector<SlotView> views;  // one per node, in node order
};

SlotChart build_slot_chart(const RunDetail& run, const NodeDirectory& nodes, int slot, std::string why);

// "0-448,450-5460" contains slot?
bool ranges_contain(std::string_view ranges, int slot);

}  // namespace slotsim::reports
