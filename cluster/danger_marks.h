// Coverage marks for the rare, dangerous states a campaign must reach.
//
// A green campaign proves little if it never reached the states where bugs
// live (FoundationDB's CODE_PROBE). Each mark below is counted in a run's
// coverage (the trace database's `coverage` table) under the name
// `danger:<name>` whenever the run reaches that state; reports and `slotsim
// zoo` show how many seeds reached each one, including those reached by none.
#pragma once

#include <array>
#include <string_view>

namespace slotsim::cluster {

struct DangerMark {
  std::string_view name;         // coverage key without the "danger:" prefix
  std::string_view description;  // for people
};

inline constexpr std::string_view kDangerPrefix = "danger:";

inline constexpr std::array<DangerMark, 10> kDangerMarks{{
    {"failover_while_migrating", "a replica was promoted while its primary had a slot MIGRATING"},
    {"failover_while_importing", "a replica was promoted while its primary had a slot IMPORTING"},
    {"ask_then_asking", "a client followed an ASK redirection with ASKING"},
    {"config_epoch_collision", "two primaries claimed the same configEpoch and one bumped it"},
    {"election_several_candidates", "more than one replica ran for the same failed primary's slots"},
    {"migrate_timeout", "a MIGRATE timed out or lost its connection to the target"},
    {"dirty_slot_dropped", "a primary lost a slot it still held keys of, and deleted them"},
    {"dirty_slot_on_replicas", "a primary deleted a lost slot's keys while a replica of it held keys of that slot"},
    {"unowned_keys_at_start", "a node restarted with keys of a slot it does not own (marked IMPORTING)"},
    {"fail_with_empty_primaries", "a node was marked FAIL in a cluster with primaries that own no slots"},
}};

}  // namespace slotsim::cluster
