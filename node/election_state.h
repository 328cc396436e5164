// A replica's election for its failed primary, and both sides of a manual
// failover (CLUSTER FAILOVER). Field meanings follow Redis's cluster state
// (failover_auth_*, mf_*), so the spec's rules read the same here.
#pragma once

#include <cstdint>
#include <string>

namespace slotsim::node {

struct ElectionState {
  // When the election may start (or started). Far in the past at first, so
  // the first election is not held back by the retry window (Redis's wall
  // clock makes its 0 "long ago"; our clocks start at zero).
  std::int64_t auth_time_ms = -(std::int64_t{1} << 50);
  int auth_count = 0;             // votes received
  bool auth_sent = false;         // requests sent for this election
  int auth_rank = 0;
  std::uint64_t auth_epoch = 0;   // the epoch this election runs in

  // Whether a packet from a node claiming to be a primary with this
  // configEpoch means another candidate already won our election's epoch.
  // Its voters may then have voted twice there (one through a primary that
  // a replica replaced within the epoch), so ours must start over in a new
  // epoch (Valkey 8.1, valkey#1009).
  bool lost_to(bool sender_claims_primary, std::uint64_t sender_config_epoch) const {
    return auth_sent && sender_claims_primary && sender_config_epoch == auth_epoch;
  }
  // Forgets the election (its epoch aside, as Valkey keeps it); the next
  // failover check schedules a new one.
  void restart() {
    const std::uint64_t epoch = auth_epoch;
    *this = ElectionState{};
    auth_epoch = epoch;
  }
};

struct ManualFailoverState {
  std::int64_t end_ms = 0;              // 0: none in progress
  std::string replica_id;               // primary side: the replica taking over
  bool can_start = false;               // replica side: caught up (or FORCE)
  std::int64_t primary_offset = -1;     // replica side: the paused primary's offset
};

}  // namespace slotsim::node
