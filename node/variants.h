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
//     on: SETSLOT states are replicated to replicas (Valkey 8). The replication
//       half arrives with the replication code (cluster node part 2).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace slotsim::node {

struct Variants {
  enum class Asking { required, none };
  enum class MigrationStateReplication { off, on };

  Asking asking = Asking::required;
  MigrationStateReplication migration_state_replication = MigrationStateReplication::off;

  // Sets NAME to VALUE; on error returns a message listing the valid choices.
  std::optional<std::string> set(std::string_view name, std::string_view value);
  std::string describe() const;  // "asking=required migration_state_replication=off"
};

}  // namespace slotsim::node
