// Protocol variants: node behaviour that history changed, selectable per run
// so the testbed can show an old design's bug next to its fix. Each variant is
// one small switch read in one place of the node code.
//
//   asking = required | none
//     required: an importing node serves a query for an importing slot only
//       after ASKING (today's Redis). none: it serves every query for the slot
//       (the design before ASKING, redis#121), so a client that reaches the
//       importing node directly splits a key's writes across two nodes.
//   migration_state_replication = off | on
//     off: MIGRATING/IMPORTING live only on the primary (Redis 7).
//     on: SETSLOT states are replicated to replicas (Valkey 8).
//
// Bugs (the zoo): historical Redis/Valkey cluster bugs, each a small
// documented deviation at the place in the node (or the operator, for
// redis-cli's bugs) where the real bug was. With no bug switched on the code
// is correct. `no-asking` and `unreplicated-migration-state` are the two
// variants above under their zoo names; the others are bits of `bugs`.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace slotsim::node {

enum class Bug : std::uint8_t {
  finalize_source_first,
  migrate_dup_on_timeout,
  stale_offset_election,
  vote_twice,
  empty_primary_fail_reports,
  old_primary_wins_collision,
  lost_slot_delete_not_replicated,
  abort_orphans_ask_writes,
};

struct BugInfo {
  std::string_view name;  // the switch: `bug = "NAME"`, `--bug NAME`
  std::string_view origin;
  std::string_view summary;
  bool implemented = true;  // false: named (the zoo's list) but not in the code yet; switching it on is refused
};

// Every zoo entry, the two variant aliases first. Index i >= 2 is Bug(i - 2).
inline constexpr std::array<BugInfo, 10> kBugCatalog{{
    {"no-asking", "redis#121 (design before ASKING)",
     "the importing node serves every query for an importing slot"},
    {"unreplicated-migration-state", "redis#6339",
     "MIGRATING/IMPORTING live only on primaries; a failover mid-migration loses them"},
    {"finalize-source-first", "redis#7116",
     "redis-cli sends SETSLOT NODE to the source before the target (the others last, as before)"},
    {"migrate-dup-on-timeout", "redis#1616, redis#2770",
     "a MIGRATE that times out after the target applied RESTORE keeps the source's copy"},
    {"stale-offset-election", "after valkey#885",
     "the election rank ignores replication offsets: a stale replica may win"},
    {"vote-twice", "lastVoteEpoch not checked or not persisted",
     "a primary may grant two votes in one epoch"},
    {"empty-primary-fail-reports", "valkey#634",
     "failure reports from primaries without slots count towards FAIL"},
    {"old-primary-wins-collision", "valkey#974",
     "in a configEpoch collision the returning old primary keeps its slots"},
    {"lost-slot-delete-not-replicated", "redis#10967",
     "keys of a lost slot are deleted on the primary but not on its replicas"},
    {"abort-orphans-ask-writes", "redis#4937",
     "SETSLOT STABLE on an aborted migration orphans keys written through ASK on the target"},
}};

struct Variants {
  enum class Asking { required, none };
  enum class MigrationStateReplication { off, on };

  Asking asking = Asking::required;
  MigrationStateReplication migration_state_replication = MigrationStateReplication::on;  // Valkey 8: correct
  std::uint32_t bugs = 0;  // bit Bug(i) set: that bug is switched on

  bool has(Bug bug) const { return (bugs >> static_cast<unsigned>(bug)) & 1U; }
  // No bug and neither historical design (the zoo's no-asking and
  // unreplicated-migration-state are these two variants).
  bool correct() const {
    return bugs == 0 && asking == Asking::required && migration_state_replication == MigrationStateReplication::on;
  }
  // Sets NAME to VALUE; on error returns a message listing the valid choices.
  std::optional<std::string> set(std::string_view name, std::string_view value);
  // Switches on the zoo entry NAME (a variant alias or a bug); on error returns
  // a message listing the known names.
  std::optional<std::string> enable_bug(std::string_view name);
  // The zoo names switched on that are bits of `bugs` (not the variant aliases).
  std::string bug_names() const;  // "vote-twice,migrate-dup-on-timeout" or ""
  // "asking=required migration_state_replication=off[ bugs=a,b]"
  std::string describe() const;
};

}  // namespace slotsim::node
