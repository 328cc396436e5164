// Safety invariants checked while a simulation runs (../shared/INVARIANTS.md,
// S1-S3 and the ownership rule), from snapshots of every node's own state
// that the simulator takes, and from the trace events nodes emit:
//
//   S1  currentEpoch, configEpoch and lastVoteEpoch never go back on a node,
//       across restarts too (they live in nodes.conf).
//   S2  a primary never grants two votes in one epoch (trace: vote_granted).
//   S3  at most one replica wins an election in a given epoch (trace: promoted).
//   own at any moment, no two serving primaries claim the same slot with the
//       same configEpoch (Redis tolerates two claims only with different
//       epochs: the higher one wins everywhere).
//   S4  a node's owner of a slot changes only to a node with a higher
//       configEpoch (in its view) than the previous owner had, or by an
//       operator's SETSLOT / ADDSLOTS / DELSLOTS on that node; a slot may
//       always become unassigned.
//   S5  a primary cut off from the majority of slot-owning primaries stops
//       serving within `minority_bound` (Redis 7.0 needs up to 1.5 x
//       node_timeout: a ping may go out node_timeout / 2 after the cut, and
//       PFAIL needs node_timeout more). A heal or a resume restarts the
//       clock: the data they release counts as contact, as it does for Redis.
//       A clock set back (trace: clock jump<0) within the bound before the
//       cut or during it adds its size: Redis times failures on its own clock.
//   S6  a node marks another FAIL only on reports (its own opinion included)
//       from a quorum of primaries that own slots (trace: node_fail from=);
//       primaries without slots have no say (valkey#634). Lenient: a reporter
//       counts if it was ever seen owning a slot (in a snapshot, or taking or
//       claiming one in the trace), or was never seen at all.
//
// The checker knows nothing of the node's classes: the simulator hands it
// NodeView snapshots, so it can check any implementation that exposes them.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "env/time.h"
#include "node/slot_bitmap.h"

namespace slotsim::checker {

// A node's slot table, compact: slot -> index into ids ("" at 0: unassigned).
struct OwnerTable {
  std::vector<std::uint16_t> slots;
  std::vector<std::string> ids;
  const std::string& owner(std::size_t slot) const { return ids[slots[slot]]; }
};

struct NodeView {
  std::string name;  // the simulator's name (n3): stable across restarts
  std::string id;    // its node id (a restart keeps it: nodes.conf)
  bool up = false;
  bool primary = false;
  bool serving = false;  // cluster_state ok: it would take writes for its slots
  bool paused = false;   // frozen by the simulator: it acts on nothing, S5 waits
  bool blocked = false;  // held over 100 ms by one command (MIGRATE to an unreachable
                         // target): no cron runs, so as for a paused node, S5 waits
  // Whether it can reach (both ways) a majority of the primaries that own
  // slots in its own view, itself included. Computed by the simulator.
  bool reaches_majority = true;
  std::uint64_t current_epoch = 0;
  std::uint64_t config_epoch = 0;  // its own
  std::uint64_t last_vote_epoch = 0;
  node::SlotBitmap own_slots;      // the slots it believes it owns
  // Its whole slot table (owner id per slot, "" unassigned) and the configEpoch
  // it knows for each owner; filled only when slot_map_version moved.
  std::uint64_t slot_map_version = 0;
  std::shared_ptr<const OwnerTable> owners;
  std::map<std::string, std::uint64_t> owner_epochs;
};

struct Violation {
  std::string invariant;  // "S1", "S2", "S3", "S4", "S5", "two-owners", "L1"...
  Nanos time = 0;
  std::string detail;     // names the nodes, epochs and slots involved
  // Trace evidence: the index of each event that proves it (S2, S3), or, for
  // a state seen in a snapshot, the trace position at that moment (the
  // events before it built the state).
  std::vector<std::uint64_t> trace_events;
};

class OnlineInvariants {
 public:
  // minority_bound: how long a cut-off primary may go on serving (S5); 0 disables S5.
  explicit OnlineInvariants(Nanos minority_bound = 0) : minority_bound_(minority_bound) {}
  // trace_position: how many trace events the run has recorded so far.
  void observe(Nanos time, const std::vector<NodeView>& nodes, std::uint64_t trace_position = 0);
  // Feed every trace event: its index, kind and detail as the node wrote them.
  void on_event(Nanos time, const std::string& process, const std::string& kind, const std::string& detail,
                std::uint64_t index = 0);

  const std::vector<Violation>& violations() const { return violations_; }
  std::uint64_t observations() const { return observations_; }

 private:
  void report(std::string invariant, Nanos time, std::string detail, std::vector<std::uint64_t> events);

  struct Epochs {
    std::uint64_t current = 0, config = 0, last_vote = 0;
  };
  std::map<std::string, Epochs> highest_;                        // by node name
  std::map<std::pair<std::string, std::string>, std::uint64_t> votes_;  // (voter, epoch) -> event index
  std::map<std::string, std::pair<std::string, std::uint64_t>> winners_;  // epoch -> winner, event index
  std::set<std::string> reported_;                               // no flood of one violation
  Nanos minority_bound_;
  struct SlotTable {
    std::shared_ptr<const OwnerTable> owners;
    std::map<std::string, std::uint64_t> epochs;
  };
  std::map<std::string, SlotTable> tables_;          // by node name: its last slot table
  std::set<std::string> operator_changed_;           // nodes that ran SETSLOT/ADDSLOTS/DELSLOTS since
  std::map<std::string, Nanos> minority_since_;                  // by node name
  std::map<std::string, std::vector<std::pair<Nanos, Nanos>>> clock_set_back_;  // name -> (when, by how much)
  std::set<std::string> seen_ids_, slot_owner_ids_;              // S6: every id seen, and those seen owning slots
  std::map<std::string, std::string> id_of_name_;                // S6: node name -> id, from snapshots
  std::vector<Violation> violations_;
  std::uint64_t observations_ = 0;
};

// The value of key=value in a trace detail, or "" (shared by trace readers).
std::string trace_field(const std::string& detail, const std::string& key);
// A comma-separated value ("a,b,c") as its non-empty items.
std::vector<std::string> trace_list(const std::string& value);

}  // namespace slotsim::checker
