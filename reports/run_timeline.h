// A run's trace and history turned into what the timeline draws: one lane
// per node, one for the operator, one per client (history process); spans
// (a node down, paused, cut off by a partition, skewed, in a failed cluster
// state, primary or replica) and instant marks (elections, votes, epochs,
// SETSLOT, operator steps) on node and operator lanes; an operation bar from
// invoke to completion on client lanes.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "reports/node_directory.h"
#include "reports/report_db.h"

namespace slotsim::reports {

enum class LaneKind { node, operator_, client };

struct Lane {
  std::string id;     // n1, operator, p3
  std::string label;  // n1, operator, client3 (p3)
  LaneKind kind = LaneKind::node;
  std::int64_t history_process = -1;  // client lanes: ops.process
};

// Kinds are CSS-class-like names the page styles: primary, replica, down,
// paused, partitioned, skewed, cluster_fail.
struct Span {
  int lane = 0;
  std::int64_t start_ns = 0, end_ns = 0;
  std::string kind, label;
  std::int64_t event_idx = -1;  // the trace event that began it
};

// election, elected, vote, epoch, setslot, fail, fault, operator, promoted.
struct Mark {
  int lane = 0;
  std::int64_t time_ns = 0;
  std::string kind, label;
  std::int64_t event_idx = -1;
};

enum class Outcome { ok, fail, info };

struct OpBar {
  int lane = 0;
  std::int64_t start_ns = 0, end_ns = 0;  // info without completion: end of the run
  Outcome outcome = Outcome::info;
  std::int64_t invoke_idx = 0;     // ops.idx
  std::int64_t complete_idx = -1;  // ops.idx, -1 when never completed
};

struct Timeline {
  std::vector<Lane> lanes;
  std::vector<Span> spans;
  std::vector<Mark> marks;
  std::vector<OpBar> ops;  // in invoke order
  std::int64_t end_ns = 0;
};

Timeline build_timeline(const RunDetail& run, const NodeDirectory& nodes);

}  // namespace slotsim::reports
